"""HTTP control endpoints (/_control/...) so a test in another process can drive the fake."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .models import UploadedFile

if TYPE_CHECKING:
    from .server import FakeTelegram, FakeUser

__all__ = ["add_control_routes"]

_PROFILE_KEYS = ("first_name", "language_code", "username", "last_name")


def _json_safe(value: Any) -> Any:
    if isinstance(value, UploadedFile):
        return {"file": value.filename, "content_type": value.content_type, "size": len(value.data)}
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": _json_safe(result)})


def _error(status: int, text: str) -> web.Response:
    return web.json_response({"ok": False, "description": text}, status=status)


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    data = await request.json()
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="the body must be a JSON object")
    return data


def add_control_routes(app: web.Application, fake: FakeTelegram) -> None:
    """Register the /_control/... routes for `fake` on `app`."""

    def user_of(request: web.Request, body: dict[str, Any]) -> FakeUser:
        user_id = int(request.match_info["user_id"])
        profile = {k: body.pop(k) for k in _PROFILE_KEYS if k in body}
        return fake.user(user_id, **profile)

    async def user_action(request: web.Request) -> web.Response:
        body = await _body(request)
        user = user_of(request, body)
        action = request.match_info["action"]
        try:
            if action == "send":
                return _ok(await user.send(body["text"], reply_to=body.get("reply_to")))
            if action == "command":
                return _ok(await user.command(body["name"], body.get("args", "")))
            if action == "press":
                query_id = await user.press(
                    int(body["message_id"]),
                    body.get("callback_data"),
                    label=body.get("label"),
                    forge=bool(body.get("forge", False)),
                )
                return _ok({"callback_query_id": query_id})
            if action == "raw":
                return _ok(await user.send_raw(body))
            if action in ("sticker", "photo", "voice", "document"):
                return _ok(await getattr(user, f"send_{action}")())
            if action in ("block", "unblock", "deactivate"):
                await getattr(user, action)()
                return _ok(True)
        except (KeyError, AssertionError) as exc:
            return _error(400, f"{action}: {exc}")
        return _error(404, f"unknown action {action}")

    async def chat_messages(request: web.Request) -> web.Response:
        chat_id = int(request.match_info["chat_id"])
        return _ok([m.to_json() for m in fake.messages(chat_id)])

    async def wait_message(request: web.Request) -> web.Response:
        query = request.query
        after = query.get("after")
        try:
            message = await fake.wait_for_message(
                int(query["chat_id"]),
                count=int(query.get("count", 1)),
                contains=query.get("contains"),
                timeout=float(query.get("timeout", 5)),
                after=int(after) if after is not None else None,
            )
        except AssertionError as exc:
            return _error(408, str(exc))
        return _ok(message.to_json())

    async def violations(request: web.Request) -> web.Response:
        return _ok(fake.violations)

    async def requests(request: web.Request) -> web.Response:
        method = request.query.get("method")
        chosen = fake.calls(method) if method else fake.requests
        return _ok([dataclasses.asdict(r) for r in chosen])

    async def callback_answers(request: web.Request) -> web.Response:
        return _ok([dataclasses.asdict(a) for a in fake.callback_answers])

    async def faults(request: web.Request) -> web.Response:
        body = await _body(request)
        if "fail" in body:
            fake.fail_next(**body["fail"])
        if "delay" in body:
            fake.delay(**body["delay"])
        if "rate_limit" in body:
            fake.rate_limit(**(body["rate_limit"] or {}))
        if body.get("clear"):
            fake.clear_faults()
        return _ok(True)

    async def state(request: web.Request) -> web.Response:
        return _ok(
            {
                "api_url": fake.api_url,
                "token": fake.token,
                "bot_username": fake.bot_username,
                "requests": len(fake.requests),
                "violations": len(fake.violations),
                "count_429": fake.count_429,
                "pending_updates": len(fake.pending_updates()),
                "commands": {json.dumps(k): v for k, v in fake.commands.items()},
            }
        )

    app.router.add_post("/_control/users/{user_id}/{action}", user_action)
    app.router.add_get("/_control/chats/{chat_id}/messages", chat_messages)
    app.router.add_get("/_control/wait_message", wait_message)
    app.router.add_get("/_control/violations", violations)
    app.router.add_get("/_control/requests", requests)
    app.router.add_get("/_control/callback_answers", callback_answers)
    app.router.add_post("/_control/faults", faults)
    app.router.add_get("/_control/state", state)
