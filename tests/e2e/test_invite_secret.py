"""An invite made by the command line works in the bot, whatever environment each one saw."""

from __future__ import annotations

import asyncio
import contextlib
import io
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot import invites
from bot.clock import utc_iso
from silta.cli import main
from tests.fake_telegram import FakeTelegram
from tests.harness import T0, start_silta, stop_silta

WELCOME = "Silta"
DID_NOT_WORK = "That code did not work"


def _cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(list(argv))
    return code, out.getvalue()


@pytest.fixture
def cli_only_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The command line as an operator runs it: only SILTA_DB, no bot token anywhere."""
    for name in ("SILTA_TOKEN", "SILTA_INVITE_PEPPER"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "silta.db"
    monkeypatch.setenv("SILTA_DB", str(path))
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return path


async def test_a_code_made_by_the_cli_without_the_token_lets_the_client_in(
    tg: FakeTelegram, tmp_path: Path, cli_only_db: Path
) -> None:
    made = await asyncio.to_thread(
        _cli, "worker", "add", "--telegram-id", "100", "--name", "Maria", "--team", "North"
    )
    assert made[0] == 0
    code, out = await asyncio.to_thread(
        _cli, "client", "add", "--name", "Pete", "--worker", "1", "--bot", "silta_test_bot"
    )
    assert code == 0, out
    link = next(line for line in out.splitlines() if line.startswith("link:"))
    invite_code = link.rsplit("=", 1)[1]
    silta = await start_silta(tg, tmp_path)
    try:
        pete = tg.user(5001, language_code="en")
        await pete.command("start", invite_code)
        answer = await pete.next_message()
        assert DID_NOT_WORK not in (answer.text or "")
        assert WELCOME in (answer.text or "")
    finally:
        await stop_silta(silta)


async def test_live_codes_from_before_the_stored_secret_keep_working(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    silta = await start_silta(tg, tmp_path)
    try:
        worker = await silta.add_worker(100, language="en")
        card = await silta.add_client(worker, "Pete", language="en")
        other = await silta.add_client(worker, "Ann", language="en")
        # As an installation upgraded from a token-derived secret: Pete's code was hashed with
        # the token before the upgrade; Ann's code hashed so is not an old one and stays refused.
        token = tg.token.encode()
        with sqlite3.connect(silta.db_path) as conn:
            for c, legacy in ((card, 1), (other, 0)):
                conn.execute(
                    "UPDATE invites SET code_hash = ?, legacy_pepper = ?, expires_at = ? "
                    "WHERE client_id = ?",
                    (
                        invites.hash_code(c.code, token),
                        legacy,
                        utc_iso(T0 + timedelta(days=3)),
                        c.client.id if c.client else 0,
                    ),
                )
        pete = tg.user(5001, language_code="en")
        await pete.command("start", card.code)
        assert WELCOME in ((await pete.next_message()).text or "")
        ann = tg.user(5002, language_code="en")
        await ann.command("start", other.code)
        assert DID_NOT_WORK in ((await ann.next_message()).text or "")
    finally:
        await stop_silta(silta)
