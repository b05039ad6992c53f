"""The fake Telegram in its own process for benchmarks, with a few measuring endpoints.

``python -m bench.fakeserver --port 0`` prints its api_url and serves. Besides the fake's own
/_control routes it answers:

- ``GET /_bench/sends?since=<monotonic>``: the monotonic times of accepted sends (status 200),
  the number of 429 answers, and the number of other failures.
- ``POST /_bench/forget``: drop the request log (keeps chats and messages), so long runs stay small.
- ``POST /_bench/probes``: people during a burst (bench/burst.py): presses, texts to the
  worker and /contact, timed to the answer, the edit and the worker's message.
- ``POST /_bench/presses`` ``{"chats": [...], "rate": 200, "seconds": 60}``: press the first button
  of the newest buttoned message in each chat, in turn, at `rate` per second, and answer with the
  milliseconds from each press to the bot's answerCallbackQuery (null: never answered).

Times are time.monotonic() (the event loop's clock), which on Linux is shared by every process,
so the benchmark process can compare them with its own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from typing import Any

from aiohttp import web

from tests.fake_telegram import FakeTelegram
from tests.fake_telegram import server as fake_server

_SEND_PREFIXES = ("send", "copy", "forward")


class BenchFake(FakeTelegram):
    """The fake Telegram that also notes when each button press was answered."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pressed_at: dict[str, float] = {}
        self.answered_at: dict[str, float] = {}
        self.unanswered: set[str] = set()
        self.all_answered = asyncio.Event()

    async def _answer_callback_query(self, params: dict[str, Any]) -> Any:
        query_id = params.get("callback_query_id", "")
        if query_id in self.pressed_at and query_id not in self.answered_at:
            self.answered_at[query_id] = time.monotonic()
            self.unanswered.discard(query_id)
            if not self.unanswered:
                self.all_answered.set()
        return await super()._answer_callback_query(params)


def _bench_routes(app: web.Application, fake: BenchFake) -> None:
    async def sends(request: web.Request) -> web.Response:
        since = float(request.query.get("since", "0"))
        ok: list[float] = []
        failed = 0
        for r in fake.requests:
            if r.time < since or not r.method.startswith(_SEND_PREFIXES):
                continue
            if r.status == 200:
                ok.append(r.time)
            elif r.status != 429:
                failed += 1
        return web.json_response({"ok": ok, "count_429": fake.count_429, "failed": failed})

    async def forget(request: web.Request) -> web.Response:
        fake.requests.clear()
        return web.json_response({"ok": True})

    async def presses(request: web.Request) -> web.Response:
        body = await request.json()
        chats: list[int] = body["chats"]
        rate = float(body["rate"])
        seconds = float(body["seconds"])
        targets = []
        for chat_id in chats:
            message = next((m for m in reversed(fake.messages(chat_id)) if m.callback_data), None)
            if message is not None:
                targets.append((fake.user(chat_id), message.message_id, message.callback_data[0]))
        if not targets:
            return web.json_response({"error": "no buttons to press"}, status=400)
        total = int(rate * seconds)
        start = time.monotonic()
        ids: list[str] = []
        pressed_chats: list[int] = []
        for i in range(total):
            # Pace by the schedule, not by sleeping a fixed step, so the rate holds under load.
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            user, message_id, data = targets[i % len(targets)]
            fake.all_answered.clear()
            query_id = await user.press(message_id, data)
            fake.pressed_at[query_id] = time.monotonic()
            fake.unanswered.add(query_id)
            ids.append(query_id)
            pressed_chats.append(user.id)
        # Give the bot time to answer the last presses.
        if fake.unanswered:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(fake.all_answered.wait(), 15)
        latencies = [
            (fake.answered_at[q] - fake.pressed_at[q]) * 1000 if q in fake.answered_at else None
            for q in ids
        ]
        # The edit of each pressed message: the first edit in its chat after the press.
        edits: dict[int, list[float]] = {}
        for r in fake.requests:
            if r.status == 200 and r.method.startswith("edit"):
                edits.setdefault(r.params.get("chat_id"), []).append(r.time)
        edit_ms = []
        for q, chat in zip(ids, pressed_chats, strict=True):
            after = [t for t in edits.get(chat, []) if t >= fake.pressed_at[q]]
            edit_ms.append((min(after) - fake.pressed_at[q]) * 1000 if after else None)
        return web.json_response(
            {
                "latencies_ms": latencies,
                "edit_ms": edit_ms,
                "started": start,
                "ended": time.monotonic(),
            }
        )

    async def probes(request: web.Request) -> web.Response:
        """People during a burst: presses at `press_rate`, and every `help_every` seconds one
        probe writes to their worker and another asks to be contacted (/contact).

        Answers, per press: ms to answerCallbackQuery and to the edit of the pressed message;
        per help request: ms to the first message in the probe's worker's chat after it.
        """
        body = await request.json()
        probes: list[dict[str, int]] = body["probes"]
        seconds = float(body["seconds"])
        press_rate = float(body["press_rate"])
        help_every = float(body["help_every"])
        presses: list[tuple[str, int, float]] = []
        helps: list[tuple[str, int, float]] = []
        start = time.monotonic()
        next_help = start + help_every / 2
        n = 0
        while time.monotonic() - start < seconds:
            at = start + n / press_rate
            delay = min(at, next_help) - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            now = time.monotonic()
            if now >= next_help:
                writer = probes[len(helps) % len(probes)]
                caller = probes[(len(helps) + 1) % len(probes)]
                await fake.user(writer["chat"]).send("I need help, please call me")
                helps.append(("text", writer["worker"], time.monotonic()))
                await fake.user(caller["chat"]).command("contact")
                helps.append(("contact", caller["worker"], time.monotonic()))
                next_help += help_every
                continue
            probe = probes[n % len(probes)]
            n += 1
            chat = probe["chat"]
            message = next((m for m in reversed(fake.messages(chat)) if m.callback_data), None)
            if message is None:
                continue
            fake.all_answered.clear()
            query_id = await fake.user(chat).press(message.message_id, message.callback_data[0])
            fake.pressed_at[query_id] = time.monotonic()
            fake.unanswered.add(query_id)
            presses.append((query_id, chat, fake.pressed_at[query_id]))
        if fake.unanswered:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(fake.all_answered.wait(), 30)
        await asyncio.sleep(float(body.get("grace", 30)))
        ok = [r for r in fake.requests if r.status == 200]
        edits = [r for r in ok if r.method.startswith("edit")]
        sends = [r for r in ok if r.method.startswith(_SEND_PREFIXES)]

        def first_after(rows: list[Any], chat: int, t: float) -> float | None:
            found = [r.time for r in rows if r.params.get("chat_id") == chat and r.time >= t]
            return (min(found) - t) * 1000 if found else None

        return web.json_response(
            {
                "answer_ms": [
                    (fake.answered_at[q] - t) * 1000 if q in fake.answered_at else None
                    for q, _, t in presses
                ],
                "edit_ms": [first_after(edits, chat, t) for _, chat, t in presses],
                "help_ms": [[kind, first_after(sends, worker, t)] for kind, worker, t in helps],
            }
        )

    app.router.add_get("/_bench/sends", sends)
    app.router.add_post("/_bench/probes", probes)
    app.router.add_post("/_bench/forget", forget)
    app.router.add_post("/_bench/presses", presses)


def _install_routes() -> None:
    """Hook the bench routes in where the fake adds its control routes."""
    original = fake_server.add_control_routes

    def add_routes(app: web.Application, fake: FakeTelegram) -> None:
        original(app, fake)
        assert isinstance(fake, BenchFake)
        _bench_routes(app, fake)

    fake_server.add_control_routes = add_routes  # type: ignore[assignment]


async def _serve(port: int) -> None:
    _install_routes()
    fake = BenchFake(port=port, validate=False, control=True)
    await fake.start()
    print(fake.api_url, flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await fake.stop()


def main() -> None:
    """Serve until terminated."""
    parser = argparse.ArgumentParser(prog="python -m bench.fakeserver")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port))


if __name__ == "__main__":
    main()
