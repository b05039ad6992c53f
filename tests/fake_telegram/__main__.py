"""Run the fake Bot API standalone: python -m tests.fake_telegram --port 8081."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .server import DEFAULT_TOKEN, FakeTelegram


async def _serve(args: argparse.Namespace) -> None:
    fake = FakeTelegram(
        token=args.token,
        host=args.host,
        port=args.port,
        validate=not args.no_validate,
        strict_chats=args.strict_chats,
        control=True,
    )
    await fake.start()
    # Flushed at once so a parent process can read the URL from our stdout.
    print(fake.api_url, flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m tests.fake_telegram", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument(
        "--token", default=DEFAULT_TOKEN, help="the token reported at /_control/state"
    )
    parser.add_argument("--no-validate", action="store_true", help="skip spec checks (benchmarks)")
    parser.add_argument(
        "--strict-chats", action="store_true", help="unknown chat ids: chat not found"
    )
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
