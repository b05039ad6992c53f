"""bot/http.py: the aiohttp request class answers like PTB's HTTPXRequest does."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import client as aiohttp_client
from aiohttp import web
from telegram import Bot, InputFile
from telegram.error import NetworkError, TimedOut

from bot import http as http_module
from bot.http import AiohttpRequest

TOKEN = "123:abc"


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, list[dict[str, object]]]]:
    seen: list[dict[str, object]] = []

    async def handle(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "getMe":
            result: object = {"id": 1, "is_bot": True, "first_name": "Silta", "username": "s_bot"}
        elif method == "slow":
            await asyncio.sleep(2)
            result = True
        else:
            form = await request.post()
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
            files = {k: v.file.read() for k, v in form.items() if not isinstance(v, str)}
            seen.append({"method": method, "fields": fields, "files": files})
            result = {
                "message_id": 7,
                "date": 0,
                "chat": {"id": int(fields.get("chat_id", "1")), "type": "private"},
            }
        return web.json_response({"ok": True, "result": result})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/bot", seen
    await runner.cleanup()


async def test_a_send_reaches_the_api_as_form_fields(
    server: tuple[str, list[dict[str, object]]],
) -> None:
    url, seen = server
    bot = Bot(TOKEN, base_url=url, request=AiohttpRequest())
    async with bot:
        message = await bot.send_message(42, "hello <b>x</b>", parse_mode="HTML")
    assert message.message_id == 7
    assert seen[-1]["method"] == "sendMessage"
    assert seen[-1]["fields"] == {"chat_id": "42", "text": "hello <b>x</b>", "parse_mode": "HTML"}


async def test_a_photo_goes_as_multipart_with_its_caption(
    server: tuple[str, list[dict[str, object]]],
) -> None:
    url, seen = server
    bot = Bot(TOKEN, base_url=url, request=AiohttpRequest())
    async with bot:
        await bot.send_photo(42, InputFile(b"\x89PNG fake", filename="c.png"), caption="chart")
    call = seen[-1]
    assert call["method"] == "sendPhoto"
    assert call["fields"] == {"chat_id": "42", "caption": "chart"}
    assert list(call["files"].values()) == [b"\x89PNG fake"]  # type: ignore[union-attr]


async def test_a_late_answer_is_a_timeout(server: tuple[str, list[dict[str, object]]]) -> None:
    url, _ = server
    request = AiohttpRequest(read_timeout=0.2)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.post(f"{url}{TOKEN}/slow")
    finally:
        await request.shutdown()


async def test_no_server_is_a_network_error() -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
        assert not isinstance(caught.value, TimedOut)
    finally:
        await request.shutdown()


async def test_the_proxy_is_looked_up_once_not_on_every_request(
    server: tuple[str, list[dict[str, object]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """aiohttp's trust_env read the environment and .netrc on a thread for every call (issue
    16); the proxy is now resolved on the first request to the host, and used from then on."""
    url, seen = server
    lookups: list[object] = []

    def no_proxy(target: object) -> object:
        lookups.append(target)
        raise LookupError("no proxy")

    monkeypatch.setattr(aiohttp_client, "get_env_proxy_for_url", no_proxy)
    monkeypatch.setattr(http_module, "get_env_proxy_for_url", no_proxy, raising=False)
    bot = Bot(TOKEN, base_url=url, request=AiohttpRequest())
    async with bot:
        for n in range(5):
            await bot.send_message(42, f"hello {n}")
    assert len(seen) == 5
    assert len(lookups) <= 1, f"looked up {len(lookups)} times"
