"""Start-up problems end in one line and an exit code of their own within seconds, never a hang
or a traceback (README: "Exit codes"). Each is `python -m silta` in a process of its own."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.fake_telegram import FakeTelegram
from tests.reliability.helpers import bot_env

# Every start-up refusal must come well within this; a hang is killed and fails the test.
PROMPT = 15.0


async def silta(tmp: Path, env: dict[str, str], *argv: str) -> tuple[int, list[str], float]:
    """`python -m silta ARGV`: exit code, stderr lines, seconds taken; killed after PROMPT."""
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "silta",
        *argv,
        env=env,
        cwd=tmp,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, err = await asyncio.wait_for(proc.communicate(), PROMPT)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError(f"silta {' '.join(argv)} still running after {PROMPT} s") from None
    assert proc.returncode is not None
    return proc.returncode, err.decode().strip().splitlines(), time.monotonic() - started


def silta_lines(lines: list[str]) -> list[str]:
    """stderr without the INFO/WARNING log lines of `silta run`: what the operator is told."""
    return [line for line in lines if " INFO " not in line and " WARNING " not in line]


def _corrupt(db: Path) -> None:
    db.write_bytes(b"this is not a database, it was overwritten by mistake\n" * 100)


async def test_a_damaged_database_is_one_line_and_exit_code_3(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    db = tmp_path / "silta.db"
    _corrupt(db)
    for command in (["client", "list"], ["run"]):
        code, lines, _ = await silta(tmp_path, bot_env(tg, db), *command)
        assert code == 3, (command, lines)
        assert len(silta_lines(lines)) == 1 and "damaged" in lines[-1], lines
    assert not tg.calls("getUpdates")


async def test_a_database_from_a_newer_silta_is_refused_and_left_alone(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    db = tmp_path / "silta.db"
    code, _, _ = await silta(tmp_path, bot_env(tg, db), "migrate")
    assert code == 0
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(
            "INSERT INTO schema_version(version, name, applied_at) "
            "VALUES (9999, '9999_future.sql', '2030-01-01')"
        )
    before = db.read_bytes()
    for command in (["client", "list"], ["run"], ["migrate"]):
        code, lines, _ = await silta(tmp_path, bot_env(tg, db), *command)
        assert code == 4, (command, lines)
        assert len(silta_lines(lines)) == 1 and "newer" in lines[-1], lines
    assert db.read_bytes() == before
    assert not tg.calls("getUpdates")


@pytest.mark.parametrize(
    ("setting", "needle"),
    [
        ({"SILTA_DB": "/proc/silta.db"}, "SILTA_DB"),
        ({"SILTA_DB": "/proc/self/status"}, "SILTA_DB"),
        ({"SILTA_API_URL": "htp:/api.telegram.org/bot"}, "SILTA_API_URL"),
        ({"SILTA_API_URL": "https://api.telegram.org:99999/bot"}, "SILTA_API_URL"),
        ({"SILTA_API_URL": "not a url"}, "SILTA_API_URL"),
    ],
)
async def test_an_unusable_path_or_a_malformed_api_url_is_exit_code_2_at_once(
    tg: FakeTelegram, tmp_path: Path, setting: dict[str, str], needle: str
) -> None:
    env = bot_env(tg, tmp_path / "silta.db", **setting)
    code, lines, took = await silta(tmp_path, env, "run")
    assert code == 2, lines
    assert len(lines) == 1 and needle in lines[0], lines
    assert took < 10


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_an_unreachable_bot_api_is_retried_with_backoff_then_exit_code_5(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    nobody = f"http://127.0.0.1:{_free_port()}/bot"
    env = bot_env(tg, tmp_path / "silta.db", SILTA_API_URL=nobody, SILTA_START_WAIT="4")
    code, lines, took = await silta(tmp_path, env, "run")
    assert code == 5, lines
    retries = [line for line in lines if "retrying in" in line]
    assert len(retries) >= 2, lines  # said so in the log, waiting 1 s, then 2 s, ...
    told = silta_lines(lines)
    assert len(told) == 1 and "did not answer" in told[0], lines
    assert 3.5 < took < PROMPT


@contextlib.asynccontextmanager
async def refusing_telegram() -> AsyncIterator[str]:
    """A Bot API that answers every request as Telegram does for a revoked token."""

    async def unauthorized(request: web.Request) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", unauthorized)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/bot"
    finally:
        await runner.cleanup()


async def test_a_token_telegram_refuses_is_one_line_and_exit_code_6(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    async with refusing_telegram() as url:
        env = bot_env(tg, tmp_path / "silta.db", SILTA_API_URL=url)
        code, lines, took = await silta(tmp_path, env, "run")
    assert code == 6, lines
    told = silta_lines(lines)
    assert len(told) == 1 and "refused SILTA_TOKEN" in told[0], lines
    assert took < 10


@contextlib.contextmanager
def tiny_disk(where: Path) -> Iterator[Path]:
    """A 64 KiB file system (tmpfs); skips the test where mounting is not allowed."""
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tiny file system needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


async def test_a_full_disk_is_one_line_and_exit_code_7(tg: FakeTelegram, tmp_path: Path) -> None:
    with tiny_disk(tmp_path / "tiny") as disk:
        for command in (["client", "list"], ["run"]):
            for name in ("silta.db", "silta.db-wal", "silta.db-shm"):
                (disk / name).unlink(missing_ok=True)
            env = bot_env(tg, disk / "silta.db")
            code, lines, _ = await silta(tmp_path, env, *command)
            assert code == 7, (command, lines)
            told = silta_lines(lines)
            assert len(told) == 1 and "disk is full" in told[0], lines
