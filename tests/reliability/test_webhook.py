"""Webhook mode of the real bot process: Telegram's secret token header is required."""

from __future__ import annotations

import asyncio
import importlib.util
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.fake_telegram import FakeTelegram
from tests.reliability.helpers import BotProcess, bot_env, query, run_cli

SECRET = "s3cret-Token_for-tests"
HAS_TORNADO = importlib.util.find_spec("tornado") is not None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "Wendy", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": user,
            "chat": {"id": user_id, "type": "private", "first_name": "Wendy"},
            "date": 1_800_000_000,
            "text": text,
        },
    }


async def _listening(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    return True


@pytest.mark.xfail(
    not HAS_TORNADO,
    strict=True,
    reason="python-telegram-bot's webhook server needs tornado, which the project does not "
    "install: pyproject must ask for python-telegram-bot[job-queue,rate-limiter,webhooks]",
)
async def test_webhook_refuses_requests_without_the_secret_and_answers_with_it(
    tg: FakeTelegram, tmp_path: Path, spawn: Callable[..., BotProcess]
) -> None:
    port = _free_port()
    bot = spawn(
        SILTA_WEBHOOK_URL="https://silta.example.org/hook/",
        SILTA_WEBHOOK_SECRET=SECRET,
        SILTA_WEBHOOK_LISTEN="127.0.0.1",
        SILTA_WEBHOOK_PORT=str(port),
    )
    await bot.start(ready_method="setWebhook")
    (hook,) = tg.calls("setWebhook")
    assert hook.params["url"] == "https://silta.example.org/hook/telegram"
    assert hook.params["secret_token"] == SECRET
    assert not tg.calls("getUpdates"), "no polling in webhook mode"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while not await _listening(port):
        assert bot.running, bot.log_tail()
        assert loop.time() < deadline, "the webhook server did not start"
        await asyncio.sleep(0.1)
    url = f"http://127.0.0.1:{port}/telegram"
    async with aiohttp.ClientSession() as http:
        for n, headers in enumerate(
            (
                {},
                {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                {"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"},
                {"X-Telegram-Bot-Api-Secret-Token": ""},
            )
        ):
            async with http.post(
                url, json=_update(100 + n, 7000 + n, "/start ABCD"), headers=headers
            ) as response:
                assert response.status == 403, headers
        async with http.post(
            url,
            json=_update(200, 7100, "hello"),
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        ) as response:
            assert response.status == 200
        answer = await tg.wait_for_message(7100, timeout=15)
        assert "This is Silta" in (answer.text or "")
    await asyncio.sleep(0.3)
    for n in range(4):
        assert not tg.messages(7000 + n), "a refused request has no effect"
    assert query(bot.db, "SELECT count(*) FROM invite_attempts") == [(0,)]
    assert await bot.stop() == 0, bot.log_tail()
    assert "Traceback" not in bot.log_text(), bot.log_tail()


async def test_a_webhook_without_a_secret_is_refused_in_one_line(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    env = bot_env(tg, tmp_path / "silta.db", SILTA_WEBHOOK_URL="https://silta.example.org/")
    code, out, err = await run_cli(tmp_path, env, "run")
    assert code == 2
    assert err.strip().count("\n") == 0 and "SILTA_WEBHOOK_SECRET" in err, err
    assert not tg.requests, "nothing reached Telegram"
    assert not (tmp_path / "silta.db").exists(), "refused before the database was touched"
