"""The fake Bot API server, and the users that talk to the bot through it."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import json
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import BodyPartReader, web

from .control import add_control_routes
from .models import ApiError, ApiRequest, CallbackAnswer, SentMessage, UploadedFile
from .spec import MethodSpec, load_spec
from .tghtml import HtmlError, parse_html_cached
from .users import FakeUser

__all__ = ["DEFAULT_TOKEN", "FakeTelegram"]

# Shaped like a real token (\d+:[A-Za-z0-9_-]{35}) so settings validators accept it.
DEFAULT_TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwx"

# Telegram sends these kinds only when a bot asks for them in allowed_updates.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_ERROR_TEXT = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
# Requests that count against Telegram's flood limits (edits and chat actions do not, here).
_LIMITED_PREFIXES = ("send", "copy", "forward")
_COPIED_MEDIA = ("photo", "voice", "video_note", "video", "audio", "document", "animation")


@dataclass(slots=True)
class _Fault:
    method: str  # lower-case name, or "*" for any method but getUpdates
    status: int
    retry_after: int
    count: int
    chat_id: int | str | None
    description: str | None


@dataclass(slots=True)
class _Delay:
    method: str
    seconds: float
    count: int
    takes_effect: bool


class _RateLimit:
    """Sliding one-second windows: in total, per chat, and per group per minute."""

    def __init__(self, total: int | None, per_chat: int | None, group_per_minute: int | None):
        self.total = total
        self.per_chat = per_chat
        self.group_per_minute = group_per_minute
        self._all: deque[float] = deque()
        self._chats: dict[Any, deque[float]] = {}

    @staticmethod
    def _wait(window: deque[float], limit: int, period: float, now: float) -> float:
        while window and window[0] <= now - period:
            window.popleft()
        if len(window) >= limit:
            return window[0] + period - now
        return 0.0

    def check(self, chat_id: Any, now: float) -> int:
        """Seconds to wait (0: allowed, and counted)."""
        wait = 0.0
        if self.total:
            wait = max(wait, self._wait(self._all, self.total, 1.0, now))
        chat_window = None
        if chat_id is not None:
            chat_window = self._chats.setdefault(chat_id, deque())
            is_group = isinstance(chat_id, int) and chat_id < 0
            if is_group and self.group_per_minute:
                wait = max(wait, self._wait(chat_window, self.group_per_minute, 60.0, now))
            elif not is_group and self.per_chat:
                wait = max(wait, self._wait(chat_window, self.per_chat, 1.0, now))
        if wait > 0:
            return max(1, math.ceil(wait))
        self._all.append(now)
        if chat_window is not None:
            chat_window.append(now)
        return 0


class _Chat:
    """One chat's state: a message id sequence shared by both sides, and the messages."""

    __slots__ = ("id", "incoming", "next_id", "order", "sent")

    def __init__(self, chat_id: int) -> None:
        self.id = chat_id
        self.next_id = 1
        self.sent: dict[int, SentMessage] = {}
        self.order: list[SentMessage] = []
        self.incoming: dict[int, dict[str, Any]] = {}  # the user's messages, as payloads

    def take_id(self) -> int:
        message_id = self.next_id
        self.next_id += 1
        return message_id


Handler = Callable[[dict[str, Any]], Awaitable[Any]]


class FakeTelegram:
    """A fake Telegram Bot API on 127.0.0.1 that checks every request against the spec."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        validate: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "silta_test_bot",
        bot_first_name: str = "Silta",
        strict_chats: bool = False,
        clock: Any = None,
        control: bool = False,
        spec_path: str | None = None,
    ) -> None:
        head = token.split(":", 1)[0]
        self.token = token
        self.validate = validate
        self.host = host
        self.port = port
        self.bot_id = int(head) if head.isdigit() else 123456
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.strict_chats = strict_chats
        self.control = control
        self._clock = clock
        self._spec = load_spec(spec_path)

        self.tokens_seen: set[str] = set()
        self.requests: list[ApiRequest] = []
        self.violations: list[str] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.count_429 = 0
        self.users: dict[int, FakeUser] = {}
        self.files: dict[str, UploadedFile | None] = {}  # file_id -> upload (None: a URL)
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.descriptions: dict[tuple[str, str], str] = {}
        self.webhook_url = ""
        self.blocked: set[int] = set()
        self.deactivated: set[int] = set()

        self._chats: dict[int, _Chat] = {}
        self._updates: deque[dict[str, Any]] = deque()
        self._update_ids = itertools.count(10_001)
        self._file_ids = itertools.count(1)
        self._query_ids = itertools.count(4_200_000_000_000_000_001)
        self._allowed_updates: frozenset[str] | None = None
        self._updates_event = asyncio.Event()
        self._tick = asyncio.Event()
        self._poll_generation = 0
        self._faults: list[_Fault] = []
        self._delays: list[_Delay] = []
        self._limits: _RateLimit | None = None
        self._open_queries: dict[str, dict[str, Any]] = {}
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._limited_cache: dict[str, bool] = {}
        self._handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": functools.partial(self._set_description, "description"),
            "setMyShortDescription": functools.partial(self._set_description, "short_description"),
            "getMyDescription": functools.partial(self._get_description, "description"),
            "getMyShortDescription": functools.partial(self._get_description, "short_description"),
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendMediaGroup": self._send_media_group,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "getChat": self._get_chat,
            "getFile": self._get_file,
        }

    # ------------------------------------------------------------------ lifecycle

    @property
    def api_url(self) -> str:
        """The base URL to give ApplicationBuilder().base_url(...)."""
        return f"http://{self.host}:{self.port}/bot"

    async def start(self) -> None:
        """Bind to a free port (unless one was given) and serve."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._on_api)
        if self.control:
            add_control_routes(app, self)
        # A short shutdown timeout: pending long polls are woken on stop anyway.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Wake pending long polls and shut the server down."""
        self._closing = True
        self._wake_pollers()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---------------------------------------------------------------- test-side API

    def user(
        self,
        user_id: int,
        first_name: str = "Anna",
        language_code: str | None = "fi",
        username: str | None = None,
        last_name: str | None = None,
    ) -> FakeUser:
        """The user with this id (created on first use; later calls return the same one)."""
        existing = self.users.get(user_id)
        if existing is not None:
            return existing
        fake_user = FakeUser(self, user_id, first_name, language_code, username, last_name)
        self.users[user_id] = fake_user
        self._chat(user_id)
        return fake_user

    def messages(self, chat_id: int) -> list[SentMessage]:
        """Everything the bot sent into the chat, oldest first (deleted ones included, flagged)."""
        chat = self._chats.get(chat_id)
        return list(chat.order) if chat else []

    def last_message(self, chat_id: int) -> SentMessage | None:
        """The latest message the bot sent into the chat, or None."""
        chat = self._chats.get(chat_id)
        return chat.order[-1] if chat and chat.order else None

    def all_messages(self) -> list[SentMessage]:
        """Every message the bot sent, chat by chat."""
        return [m for chat in self._chats.values() for m in chat.order]

    def calls(self, method: str) -> list[ApiRequest]:
        """The requests made to `method` (any letter case)."""
        wanted = method.lower()
        return [r for r in self.requests if r.method.lower() == wanted]

    def my_commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """The commands set for a scope and language (as getMyCommands would answer)."""
        return list(self.commands.get((_scope_key(scope), language_code), []))

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates the bot has not confirmed yet."""
        return list(self._updates)

    def assert_no_violations(self) -> None:
        """Fail with every spec violation recorded so far."""
        if self.violations:
            listing = "\n  ".join(self.violations)
            raise AssertionError(f"{len(self.violations)} Bot API violation(s):\n  {listing}")

    async def wait_for(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5.0,
        what: str | None = None,
        recheck: float | None = 0.05,
    ) -> Any:
        """Wait until predicate() is truthy, re-checked on every request (and every `recheck` s)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(self._timeout_report(what or repr(predicate), timeout))
            tick = self._tick
            # Also wake now and then: the predicate may watch the bot's own state (a DB row).
            wait = remaining if recheck is None else min(remaining, recheck)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(tick.wait(), wait)

    async def wait_for_message(
        self,
        chat_id: int,
        count: int = 1,
        contains: str | None = None,
        timeout: float = 5.0,
        after: int | None = None,
    ) -> SentMessage:
        """Wait for the count-th bot message in the chat (newer than id `after`); return it."""

        def matching() -> SentMessage | None:
            found = [
                m
                for m in self.messages(chat_id)
                if (after is None or m.message_id > after)
                and (
                    contains is None or contains in (m.text or "") or contains in (m.raw_text or "")
                )
            ]
            return found[count - 1] if len(found) >= count else None

        what = f"message #{count} in chat {chat_id}" + (
            f" containing {contains!r}" if contains else ""
        )
        if after is not None:
            what += f" after message {after}"
        return await self.wait_for(matching, timeout, what)  # type: ignore[no-any-return]

    async def wait_for_callback_answer(
        self,
        callback_query_id: str,
        timeout: float = 5.0,
    ) -> CallbackAnswer:
        """Wait until the bot answers this callback query, and return the answer."""

        def answered() -> CallbackAnswer | None:
            return next(
                (a for a in self.callback_answers if a.callback_query_id == callback_query_id), None
            )

        return await self.wait_for(  # type: ignore[no-any-return]
            answered, timeout, f"answerCallbackQuery for {callback_query_id}"
        )

    # --------------------------------------------------------------------- faults

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int = 1,
        count: int = 1,
        chat_id: int | str | None = None,
        description: str | None = None,
    ) -> None:
        """Answer the next `count` calls of `method` ("*": any but getUpdates) with an error."""
        self._faults.append(
            _Fault(method.lower(), status, retry_after, count, chat_id, description)
        )

    def delay(self, method: str, seconds: float, count: int = 1, takes_effect: bool = True) -> None:
        """Hold the answer to the next `count` calls; takes_effect=False delays before acting."""
        self._delays.append(_Delay(method.lower(), seconds, count, takes_effect))

    def rate_limit(
        self,
        per_second_total: int | None = 30,
        per_chat_per_second: int | None = 1,
        per_group_per_minute: int | None = 20,
    ) -> None:
        """Answer 429 like Telegram when sends exceed these limits (all None: switch off)."""
        if (
            per_second_total is None
            and per_chat_per_second is None
            and per_group_per_minute is None
        ):
            self._limits = None
        else:
            self._limits = _RateLimit(per_second_total, per_chat_per_second, per_group_per_minute)

    def clear_faults(self) -> None:
        """Forget pending failures, delays and the rate limit."""
        self._faults.clear()
        self._delays.clear()
        self._limits = None

    # ------------------------------------------------------------ update injection

    def inject(self, update_fields: dict[str, Any], check: bool = True) -> dict[str, Any]:
        """Queue an update (update_id is added) and wake a waiting getUpdates.

        With check=True (and validate on) the update must match the spec's Update type, so a
        test cannot feed the bot something Telegram would never send.
        """
        update = {"update_id": next(self._update_ids), **update_fields}
        if check and self.validate:
            problems = self._spec.check_object(update, "Update")
            if problems:
                listing = "; ".join(f"{p.path}: {p.reason}" for p in problems)
                raise AssertionError(f"injected update does not match the Bot API: {listing}")
        self._updates.append(update)
        self._wake_pollers()
        self._notify()
        return update

    def now(self) -> int:
        """Unix time for message dates, from the injected clock if there is one."""
        clock = self._clock
        if clock is None:
            return int(time.time())
        value = clock.now() if hasattr(clock, "now") else clock()
        if isinstance(value, datetime):
            return int(value.timestamp())
        return int(value)

    # ------------------------------------------------------------------- internals

    def _notify(self) -> None:
        tick = self._tick
        self._tick = asyncio.Event()
        tick.set()

    def _wake_pollers(self) -> None:
        event = self._updates_event
        self._updates_event = asyncio.Event()
        event.set()

    def _timeout_report(self, what: str, timeout: float) -> str:
        recent = "\n  ".join(r.short() for r in self.requests[-8:]) or "(none)"
        report = f"timed out after {timeout}s waiting for {what}\nlast requests:\n  {recent}"
        if self.violations:
            report += "\nviolations:\n  " + "\n  ".join(self.violations[-8:])
        return report

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat(chat_id)
        return chat

    def bot_user(self) -> dict[str, Any]:
        """The bot as a User object (what getMe answers)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _bot_from(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def chat_dict(self, chat_id: int) -> dict[str, Any]:
        """The Chat object for a chat id (a private chat with a known user, or a group)."""
        fake_user = self.users.get(chat_id)
        if fake_user is not None:
            chat: dict[str, Any] = {
                "id": chat_id,
                "type": "private",
                "first_name": fake_user.first_name,
            }
            if fake_user.last_name:
                chat["last_name"] = fake_user.last_name
            if fake_user.username:
                chat["username"] = fake_user.username
            return chat
        if chat_id < 0:
            kind = "supergroup" if str(chat_id).startswith("-100") else "group"
            return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}
        return {"id": chat_id, "type": "private", "first_name": "User"}

    def _resolve_chat(self, value: Any) -> _Chat:
        if isinstance(value, str):
            # Only public channels and groups have @usernames; the fake knows none.
            raise ApiError(400, "Bad Request: chat not found")
        if not isinstance(value, int):
            raise ApiError(400, "Bad Request: chat_id is empty")
        if self.strict_chats and value not in self._chats:
            raise ApiError(400, "Bad Request: chat not found")
        return self._chat(value)

    def _is_limited(self, method: str) -> bool:
        cached = self._limited_cache.get(method)
        if cached is None:
            cached = method.startswith(_LIMITED_PREFIXES) and method != "sendChatAction"
            self._limited_cache[method] = cached
        return cached

    # ---------------------------------------------------------------- HTTP layer

    async def _read(
        self, request: web.Request
    ) -> tuple[dict[str, Any], dict[str, UploadedFile], str]:
        """Form fields, file parts, and all text values joined (to find attach:// references)."""
        raw: dict[str, Any] = {}
        files: dict[str, UploadedFile] = {}
        ctype = request.content_type
        if ctype == "multipart/form-data":
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader):
                    continue  # nested multipart: Bot API requests never use it
                name = part.name or ""
                if part.filename is not None:
                    data = await part.read(decode=True)
                    files[name] = UploadedFile(
                        name, part.filename, part.headers.get("Content-Type", ""), bytes(data)
                    )
                else:
                    raw[name] = await part.text()
        elif ctype == "application/json":
            body = await request.read()
            if body:
                loaded = json.loads(body)
                if not isinstance(loaded, dict):
                    raise ValueError("the JSON body must be an object")
                raw.update(loaded)
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = UploadedFile(
                        key, value.filename, value.content_type, value.file.read()
                    )
                else:
                    raw[key] = value
        for key, value in request.query.items():
            raw.setdefault(key, value)
        joined = " ".join(v for v in raw.values() if isinstance(v, str)) if files else ""
        return raw, files, joined

    @staticmethod
    def _respond(status: int, body: dict[str, Any]) -> web.Response:
        return web.Response(
            status=status, body=json.dumps(body).encode(), content_type="application/json"
        )

    async def _on_api(self, request: web.Request) -> web.Response:
        self.tokens_seen.add(request.match_info["token"])
        name = request.match_info["method"]
        now = asyncio.get_running_loop().time()
        try:
            raw, files, joined = await self._read(request)
        except ValueError as exc:
            record = ApiRequest(name, {}, now, 400, f"Bad Request: {exc}")
            self.requests.append(record)
            self.violations.append(f"{name}: body: {exc}")
            self._notify()
            return self._respond(400, ApiError(400, f"Bad Request: {exc}").body())
        method = self._spec.method(name)
        if method is None:
            self.violations.append(f"{name}: unknown method")
            self.requests.append(ApiRequest(name, raw, now, 404, "Not Found"))
            self._notify()
            return self._respond(404, ApiError(404, "Not Found").body())

        params, problems = self._spec.decode(method, raw, files)
        if self.validate:
            problems += self._spec.validate(
                method, params, files, joined, skip_missing={p.path for p in problems}
            )
        record = ApiRequest(method.name, params, now)
        self.requests.append(record)
        if problems:
            for problem in problems:
                self.violations.append(f"{method.name}: {problem.path}: {problem.reason}")
            record.status, record.description = 400, problems[0].description
            self._notify()
            return self._respond(400, ApiError(400, problems[0].description).body())

        delay = self._take_delay(method.name)
        try:
            if delay is not None and not delay.takes_effect:
                await asyncio.sleep(delay.seconds)
            self._check_faults(method, params)
            handler = self._handlers.get(method.name)
            result = await handler(params) if handler else await self._generic(method, params)
            status, body = 200, {"ok": True, "result": result}
        except ApiError as err:
            status, body = err.code, err.body()
            record.status, record.description = err.code, err.description
            if err.code == 429:
                self.count_429 += 1
        self._notify()
        if delay is not None and delay.takes_effect:
            await asyncio.sleep(delay.seconds)
        return self._respond(status, body)

    def _take_delay(self, method: str) -> _Delay | None:
        if not self._delays:
            return None
        lowered = method.lower()
        for delay in self._delays:
            if delay.method in (lowered, "*") and delay.count > 0:
                delay.count -= 1
                if delay.count == 0:
                    self._delays.remove(delay)
                return delay
        return None

    def _check_faults(self, method: MethodSpec, params: dict[str, Any]) -> None:
        chat_id = params.get("chat_id")
        if self._faults:
            lowered = method.name.lower()
            for fault in self._faults:
                if fault.method == "*" and lowered == "getupdates":
                    continue
                if fault.method not in (lowered, "*"):
                    continue
                if fault.chat_id is not None and fault.chat_id != chat_id:
                    continue
                fault.count -= 1
                if fault.count <= 0:
                    self._faults.remove(fault)
                raise _fault_error(fault)
        if self._limits is not None and self._is_limited(method.name):
            wait = self._limits.check(chat_id, asyncio.get_running_loop().time())
            if wait:
                raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
        if isinstance(chat_id, int) and method.name not in ("getChat", "getChatMember"):
            if chat_id in self.deactivated:
                raise ApiError(403, "Forbidden: user is deactivated")
            if chat_id in self.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")

    # ------------------------------------------------------------------ methods

    async def _generic(self, method: MethodSpec, params: dict[str, Any]) -> Any:
        # A send that returns a Message (sendSticker, sendVoice, sendLocation, ...) still
        # makes a message, so the bot's code can read message_id from it.
        if method.returns == ("Message",) and "chat_id" in params:
            chat = self._resolve_chat(params["chat_id"])
            return self._record_sent(chat, method.name, params, text_field="caption").payload
        return True

    async def _get_me(self, params: dict[str, Any]) -> Any:
        return self.bot_user()

    async def _get_updates(self, params: dict[str, Any]) -> Any:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an older long poll ends with 409, as on Telegram
        offset = params.get("offset")
        if isinstance(offset, int) and offset > 0:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        if "allowed_updates" in params:
            allowed = params["allowed_updates"] or []
            self._allowed_updates = frozenset(allowed) if allowed else None
        limit = params.get("limit") or 100
        limit = max(1, min(100, limit))
        timeout = params.get("timeout") or 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._select_updates(limit, offset)
            if batch or self._closing:
                return batch
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            event = self._updates_event
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return []
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )

    def _select_updates(self, limit: int, offset: Any) -> list[dict[str, Any]]:
        updates: list[dict[str, Any]] = list(self._updates)
        if isinstance(offset, int) and offset < 0:
            updates = updates[offset:]  # a negative offset takes the last -offset updates
        allowed = self._allowed_updates
        batch = []
        for update in updates:
            kind = next((k for k in update if k != "update_id"), "")
            if allowed is None:
                if kind in _OPT_IN_UPDATES:
                    continue
            elif kind not in allowed:
                continue
            batch.append(update)
            if len(batch) >= limit:
                break
        return batch

    async def _delete_webhook(self, params: dict[str, Any]) -> Any:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _set_webhook(self, params: dict[str, Any]) -> Any:
        self.webhook_url = params.get("url", "")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: dict[str, Any]) -> Any:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _set_my_commands(self, params: dict[str, Any]) -> Any:
        key = (_scope_key(params.get("scope")), params.get("language_code", ""))
        self.commands[key] = list(params.get("commands") or [])
        return True

    async def _get_my_commands(self, params: dict[str, Any]) -> Any:
        key = (_scope_key(params.get("scope")), params.get("language_code", ""))
        return self.commands.get(key, [])

    async def _delete_my_commands(self, params: dict[str, Any]) -> Any:
        key = (_scope_key(params.get("scope")), params.get("language_code", ""))
        self.commands.pop(key, None)
        return True

    async def _set_description(self, kind: str, params: dict[str, Any]) -> Any:
        self.descriptions[(kind, params.get("language_code", ""))] = params.get(kind, "")
        return True

    async def _get_description(self, kind: str, params: dict[str, Any]) -> Any:
        return {kind: self.descriptions.get((kind, params.get("language_code", "")), "")}

    def _render(
        self, text: str | None, parse_mode: str | None, entities: Any
    ) -> tuple[str | None, list[dict[str, Any]]]:
        """What the user sees: the text with HTML parsed away, and its entities."""
        if text is None:
            return None, []
        if entities:
            return text, list(entities)
        if parse_mode == "HTML":
            try:
                plain, parsed = parse_html_cached(text)
                return plain, list(parsed)
            except HtmlError:
                return text, []  # only reachable with validate=False
        return text, []

    def _reply_to(self, chat: _Chat, params: dict[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        if not isinstance(reply, dict):
            return None
        if reply.get("chat_id") not in (None, chat.id):
            return None
        message_id = reply.get("message_id")
        target: dict[str, Any] | None = chat.incoming.get(message_id)
        if target is None and message_id in chat.sent and not chat.sent[message_id].deleted:
            target = chat.sent[message_id].payload
        if target is None and not reply.get("allow_sending_without_reply"):
            raise ApiError(400, "Bad Request: message to be replied not found")
        if target is None:
            return None
        # Telegram does not nest replies: the replied-to message comes without its own.
        return {k: v for k, v in target.items() if k != "reply_to_message"}

    def _record_sent(
        self,
        chat: _Chat,
        method: str,
        params: dict[str, Any],
        text_field: str,
        extra: dict[str, Any] | None = None,
        **media: Any,
    ) -> SentMessage:
        raw_text = params.get(text_field)
        entity_field = "entities" if text_field == "text" else "caption_entities"
        visible, entities = self._render(
            raw_text, params.get("parse_mode"), params.get(entity_field)
        )
        reply_to = self._reply_to(chat, params)
        payload: dict[str, Any] = {
            "message_id": chat.take_id(),
            "from": self._bot_from(),
            "chat": self.chat_dict(chat.id),
            "date": self.now(),
        }
        if reply_to is not None:
            payload["reply_to_message"] = reply_to
        if extra:
            payload.update(extra)
        if visible is not None:
            payload[text_field] = visible
            if entities:
                payload[entity_field] = entities
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            payload["reply_markup"] = markup  # Telegram echoes only inline keyboards
        if params.get("protect_content"):
            payload["has_protected_content"] = True
        sent = SentMessage(
            message_id=payload["message_id"],
            chat_id=chat.id,
            method=method,
            date=payload["date"],
            text=visible,
            raw_text=raw_text,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup if isinstance(markup, dict) else None,
            protect_content=bool(params.get("protect_content")),
            params=params,
            payload=payload,
            entities=entities,
            **media,
        )
        chat.sent[sent.message_id] = sent
        chat.order.append(sent)
        return sent

    async def _send_message(self, params: dict[str, Any]) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        return self._record_sent(chat, "sendMessage", params, "text").payload

    def _file_for(self, value: Any, kind: str) -> tuple[str, UploadedFile | None]:
        if isinstance(value, UploadedFile):
            file_id = f"{kind}-{next(self._file_ids):06d}"
            self.files[file_id] = value
            return file_id, value
        if isinstance(value, str) and value in self.files:
            return value, self.files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            file_id = f"{kind}-{next(self._file_ids):06d}"
            self.files[file_id] = None
            return file_id, None
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    async def _send_photo(self, params: dict[str, Any]) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        file_id, upload = self._file_for(params.get("photo"), "photo")
        size = len(upload.data) if upload else 0
        sizes = [
            {
                "file_id": f"{file_id}-s",
                "file_unique_id": f"u{file_id}-s",
                "width": 90,
                "height": 90,
                "file_size": max(1, size // 10),
            },
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "width": 800,
                "height": 800,
                "file_size": size,
            },
        ]
        sent = self._record_sent(
            chat,
            "sendPhoto",
            params,
            "caption",
            {"photo": sizes},
            photo=upload.data if upload else None,
            file_id=file_id,
            file_name=upload.filename if upload else None,
        )
        return sent.payload

    async def _send_document(self, params: dict[str, Any]) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        file_id, upload = self._file_for(params.get("document"), "doc")
        document: dict[str, Any] = {"file_id": file_id, "file_unique_id": f"u{file_id}"}
        if upload is not None:
            document.update(
                file_name=upload.filename,
                mime_type=upload.content_type or "application/octet-stream",
                file_size=len(upload.data),
            )
        sent = self._record_sent(
            chat,
            "sendDocument",
            params,
            "caption",
            {"document": document},
            document=upload.data if upload else None,
            file_id=file_id,
            file_name=upload.filename if upload else None,
        )
        return sent.payload

    async def _send_media_group(self, params: dict[str, Any]) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        results = []
        for item in params.get("media") or []:
            item_params = {**params, **{k: v for k, v in item.items() if k != "type"}}
            item_params.pop("media", None)
            results.append(
                self._record_sent(chat, "sendMediaGroup", item_params, "caption").payload
            )
        return results

    def _find_message(self, params: dict[str, Any], verb: str) -> tuple[_Chat, SentMessage]:
        chat = self._resolve_chat(params.get("chat_id"))
        message_id = params.get("message_id")
        sent = chat.sent.get(message_id)  # type: ignore[arg-type]
        if sent is None or sent.deleted:
            if message_id in chat.incoming:
                raise ApiError(400, f"Bad Request: message can't be {verb}ed")
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        return chat, sent

    def _apply_edit(
        self, sent: SentMessage, method: str, text_field: str | None, params: dict[str, Any]
    ) -> Any:
        # Omitting reply_markup in an edit removes the inline keyboard, as on Telegram.
        markup = params.get("reply_markup")
        markup = markup if isinstance(markup, dict) else None
        text, raw, entities = sent.text, sent.raw_text, sent.entities
        parse_mode = sent.parse_mode
        if text_field is not None:
            entity_field = "entities" if text_field == "text" else "caption_entities"
            raw = params.get(text_field)
            parse_mode = params.get("parse_mode")
            text, entities = self._render(raw, parse_mode, params.get(entity_field))
        if (text, entities, markup) == (sent.text, sent.entities, sent.reply_markup):
            raise ApiError(400, _NOT_MODIFIED)
        sent.edits.append(
            {
                "method": method,
                "text": sent.text,
                "raw_text": sent.raw_text,
                "reply_markup": sent.reply_markup,
                "date": self.now(),
            }
        )
        sent.text, sent.raw_text, sent.entities = text, raw, entities
        sent.parse_mode, sent.reply_markup = parse_mode, markup
        payload = sent.payload
        field = "caption" if "caption" in payload or sent.method != "sendMessage" else "text"
        if text_field is not None:
            payload[field] = text
            entity_key = "entities" if field == "text" else "caption_entities"
            if entities:
                payload[entity_key] = entities
            else:
                payload.pop(entity_key, None)
        if markup is not None:
            payload["reply_markup"] = markup
        else:
            payload.pop("reply_markup", None)
        payload["edit_date"] = self.now()
        return payload

    async def _edit_message_text(self, params: dict[str, Any]) -> Any:
        if "inline_message_id" in params:
            return True
        _, sent = self._find_message(params, "edit")
        if sent.method != "sendMessage":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        return self._apply_edit(sent, "editMessageText", "text", params)

    async def _edit_message_caption(self, params: dict[str, Any]) -> Any:
        if "inline_message_id" in params:
            return True
        _, sent = self._find_message(params, "edit")
        if sent.method == "sendMessage":
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        return self._apply_edit(sent, "editMessageCaption", "caption", params)

    async def _edit_message_reply_markup(self, params: dict[str, Any]) -> Any:
        if "inline_message_id" in params:
            return True
        _, sent = self._find_message(params, "edit")
        return self._apply_edit(sent, "editMessageReplyMarkup", None, params)

    async def _delete_message(self, params: dict[str, Any]) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        message_id = params.get("message_id")
        if message_id in chat.incoming:
            del chat.incoming[message_id]  # bots may delete incoming messages in private chats
            return True
        sent = chat.sent.get(message_id)  # type: ignore[arg-type]
        if sent is None or sent.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        sent.deleted = True
        return True

    async def _delete_messages(self, params: dict[str, Any]) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        for message_id in params.get("message_ids") or []:
            chat.incoming.pop(message_id, None)
            sent = chat.sent.get(message_id)
            if sent is not None:
                sent.deleted = True
        return True

    async def _answer_callback_query(self, params: dict[str, Any]) -> Any:
        query_id = params.get("callback_query_id", "")
        if self._open_queries.pop(query_id, None) is None:
            raise ApiError(400, _QUERY_TOO_OLD)
        self.callback_answers.append(
            CallbackAnswer(
                callback_query_id=query_id,
                text=params.get("text"),
                show_alert=bool(params.get("show_alert")),
                url=params.get("url"),
                cache_time=params.get("cache_time"),
            )
        )
        return True

    def _source_message(self, params: dict[str, Any]) -> dict[str, Any]:
        source = self._resolve_chat(params.get("from_chat_id"))
        message_id = params.get("message_id")
        payload = source.incoming.get(message_id)
        if payload is None and message_id in source.sent and not source.sent[message_id].deleted:
            payload = source.sent[message_id].payload
        if payload is None:
            raise ApiError(400, "Bad Request: message to copy not found")
        return payload

    async def _copy_message(self, params: dict[str, Any]) -> Any:
        source = self._source_message(params)
        chat = self._resolve_chat(params.get("chat_id"))
        copied = dict(params)
        if "text" in source:
            # The copy keeps the source's plain text and entities; parse_mode is for captions.
            copied.update(text=source["text"], entities=source.get("entities"))
            copied.pop("parse_mode", None)
            field = "text"
        else:
            if copied.get("caption") is None:
                copied["caption"] = source.get("caption")
            field = "caption"
        # The copy carries the same media (same file ids), without "forwarded from".
        media = {k: source[k] for k in _COPIED_MEDIA if k in source}
        sent = self._record_sent(chat, "copyMessage", copied, field, media)
        return {"message_id": sent.message_id}

    async def _forward_message(self, params: dict[str, Any]) -> Any:
        source = self._source_message(params)
        chat = self._resolve_chat(params.get("chat_id"))
        origin = {"type": "user", "sender_user": source.get("from"), "date": source["date"]}
        forwarded = {"text": source["text"]} if "text" in source else {}
        sent = self._record_sent(
            chat, "forwardMessage", {**params, **forwarded}, "text", {"forward_origin": origin}
        )
        return sent.payload

    async def _get_chat(self, params: dict[str, Any]) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        if chat.id not in self.users and chat.id >= 0:
            raise ApiError(400, "Bad Request: chat not found")
        return {
            **self.chat_dict(chat.id),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _get_file(self, params: dict[str, Any]) -> Any:
        file_id = params.get("file_id", "")
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        upload = self.files[file_id]
        result: dict[str, Any] = {"file_id": file_id, "file_unique_id": f"u{file_id}"}
        if upload is not None:
            result.update(file_size=len(upload.data), file_path=f"files/{file_id}")
        return result


def _scope_key(scope: Any) -> str:
    """A canonical key for a BotCommandScope (no scope is the default scope)."""
    if not scope:
        scope = {"type": "default"}
    return json.dumps(scope, sort_keys=True, separators=(",", ":"))


def _fault_error(fault: _Fault) -> ApiError:
    if fault.status == 429:
        return ApiError(
            429,
            fault.description or f"Too Many Requests: retry after {fault.retry_after}",
            {"retry_after": fault.retry_after},
        )
    text = fault.description or _ERROR_TEXT.get(fault.status, "Error")
    if fault.status == 400 and not fault.description:
        text = "Bad Request: injected failure"
    return ApiError(fault.status, text)
