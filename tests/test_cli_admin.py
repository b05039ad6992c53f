"""The admin's CLI: policy show/apply/set, audit CSV, stats, purge, export, backup, workers."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
import stat
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.clock import SystemClock
from bot.config import Settings
from bot.core import Core
from bot.policy import default_policy, policy_from_toml, set_policy_value
from bot.services import clients as client_service
from bot.services import onboarding
from silta.cli import main
from storage import admin as admin_repo
from storage import outbox
from storage import people as people_repo
from storage.db import Database
from tests.e2e.test_admin_policy import POLICY_EXAMPLES

T = TypeVar("T")


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh database for the CLI, with no stray settings from the environment or .env."""
    import os

    for name in list(os.environ):
        if name.startswith("SILTA_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "silta.db"
    monkeypatch.setenv("SILTA_DB", str(path))
    return path


class Run:
    """`silta ...` in process: exit code, stdout and stderr."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse refusing the arguments
            code = int(exc.code or 0)
        out, err = self.capsys.readouterr()
        return code, out, err


@pytest.fixture
def silta(capsys: pytest.CaptureFixture[str], db_path: Path) -> Run:
    return Run(capsys)


def with_core(db_path: Path, fn: Callable[[Core], Awaitable[T]]) -> T:
    """Run `fn` with a Core on the CLI's database, as another process would."""

    async def go() -> T:
        db = await Database.open(db_path)
        core = Core(db=db, clock=SystemClock(), settings=Settings(db=db_path, _env_file=None))
        await core.load_policy()
        try:
            return await fn(core)
        finally:
            await db.close()

    return asyncio.run(go())


async def joined_client(core: Core) -> int:
    """A worker and a client who has joined (so check-ins are planned)."""
    async with core.db.tx() as conn:
        worker = await people_repo.add_worker(
            conn, name="Maria Virtanen", now=core.now(), telegram_id=1101, language="en"
        )
    card = await onboarding.create_client(core, worker, "Pete", language="en")
    offer = await client_service.present_code(core, 1001, card.code)
    assert offer.invite_id is not None
    joined = await client_service.consent(core, 1001, offer.invite_id, True, "en")
    assert joined.client is not None
    return joined.client.id


def policy_version(db_path: Path) -> int:
    async def read(core: Core) -> int:
        async with core.db.read() as conn:
            latest = await admin_repo.latest_policy(conn)
        return latest[0] if latest else 0

    return with_core(db_path, read)


# --- policy -----------------------------------------------------------------------------------


def test_policy_show_prints_toml_that_applies_back_unchanged(
    silta: Run, db_path: Path, tmp_path: Path
) -> None:
    code, out, _ = silta("policy", "show")
    assert code == 0
    assert policy_from_toml(out) == default_policy()
    (tmp_path / "p.toml").write_text(out, encoding="utf-8")
    code, out, _ = silta("policy", "apply", str(tmp_path / "p.toml"))
    assert (code, out.strip()) == (0, "policy unchanged (version 0)")


def test_every_policy_key_can_be_set_from_the_cli(silta: Run, db_path: Path) -> None:
    expected = default_policy()
    for version, (key, value) in enumerate(POLICY_EXAMPLES, start=1):
        expected = set_policy_value(expected, key, value)
        # Values with spaces may be typed as several words.
        code, out, err = silta("policy", "set", key, *value.split(" "))
        assert code == 0, err
        assert f"policy version {version} stored" in out
        assert " -> " in out
    code, out, _ = silta("policy", "show")
    assert policy_from_toml(out) == expected


def test_a_whole_file_applies_and_replans(silta: Run, db_path: Path, tmp_path: Path) -> None:
    client_id = with_core(db_path, joined_client)
    _, toml_text, _ = silta("policy", "show")
    changed = toml_text.replace('time = "10:00"', 'time = "13:37"')
    (tmp_path / "p.toml").write_text(changed, encoding="utf-8")
    code, out, err = silta("policy", "apply", str(tmp_path / "p.toml"))
    assert code == 0, err
    assert "checkins.time: 10:00 -> 13:37" in out
    assert "re-planned 1 client(s)" in out

    async def next_checkin(core: Core) -> datetime:
        async with core.db.read() as conn:
            rows = await outbox.pending_for_client(conn, client_id)
        (due,) = [r.due_at for r in rows if r.kind == "checkin"]
        return due.astimezone(core.policy.zone)

    due = with_core(db_path, next_checkin)
    assert due.strftime("%H:%M") == "13:37"


def test_an_invalid_file_is_refused_as_a_whole(silta: Run, db_path: Path, tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(
        'retention = "90d"\n'  # valid on its own, but the file is refused as a whole
        "[checkins]\n"
        'answer_within = "soon"\n'
        'nudge_afer = "1h"\n'
        "[escalation]\n"
        'steps = [{ to = "boss", after = "0s" }]\n',
        encoding="utf-8",
    )
    code, out, err = silta("policy", "apply", str(tmp_path / "bad.toml"))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert lines[0].startswith("silta: nothing was changed")
    problems = {line.strip().split(":", 1)[0] for line in lines[1:]}
    assert {"checkins.answer_within", "checkins.nudge_afer", "escalation.steps.0.to"} <= problems
    assert any("did you mean checkins.nudge_after" in line for line in lines)
    assert policy_version(db_path) == 0


def test_a_file_that_is_not_toml_is_refused(silta: Run, db_path: Path, tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("[checkins\ntime = 10:00\n", encoding="utf-8")
    code, _, err = silta("policy", "apply", str(tmp_path / "bad.toml"))
    assert code == 2
    assert "(file): not valid TOML" in err
    code, _, err = silta("policy", "apply", str(tmp_path / "missing.toml"))
    assert code == 2
    assert "cannot read" in err
    assert policy_version(db_path) == 0


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("checkins.nudge_after", "9h", "checkins.nudge_after: must be shorter than answer_within"),
        ("checkins.phases", "14:1d,7:3d,7d", "checkins.phases.1.until_day: must be larger"),
        ("workers.digest_tme", "08:00", "workers.digest_tme: unknown setting"),
        ("appointments.confirm_by", "0s", "appointments.confirm_by:"),
    ],
)
def test_a_bad_value_is_refused_with_its_key(
    silta: Run, db_path: Path, key: str, value: str, problem: str
) -> None:
    code, out, err = silta("policy", "set", key, value)
    assert code == 2
    assert out == ""
    assert problem in err
    assert policy_version(db_path) == 0


# --- audit, stats -----------------------------------------------------------------------------


def test_audit_exports_csv_since_a_day(silta: Run, db_path: Path) -> None:
    client_id = with_core(db_path, joined_client)
    silta("policy", "set", "checkins.time", "11:00")
    code, out, _ = silta("audit", "--since", "2000-01-01")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["at", "actor_id", "actor_kind", "action", "client_id", "detail"]
    actions = [(r[2], r[3], r[4]) for r in rows[1:]]
    assert ("worker", "client.create", str(client_id)) in actions
    assert ("client", "client.join", str(client_id)) in actions
    assert ("cli", "policy.change", "") in actions
    assert all("Pete" not in ",".join(r) for r in rows)
    future = (datetime.now() + timedelta(days=2)).date().isoformat()
    _, out, _ = silta("audit", "--since", future)
    assert out.strip().splitlines() == ["at,actor_id,actor_kind,action,client_id,detail"]
    code, _, err = silta("audit", "--since", "yesterday")
    assert code == 2 and "--since must be a date" in err


def test_stats_prints_the_period(silta: Run, db_path: Path) -> None:
    with_core(db_path, joined_client)
    code, out, _ = silta("stats", "--days", "7")
    assert code == 0
    assert out.startswith("period: last 7 days")
    assert "clients now: active 1" in out
    assert "check-ins: 0 sent, 0 answered" in out
    code, _, err = silta("stats", "--days", "0")
    assert code == 2 and "days must be 1 to" in err
    code, _, _ = silta("stats", "--days", "many")
    assert code == 2


# --- data protection and backup -----------------------------------------------------------------


def test_export_writes_everything_about_one_client(
    silta: Run, db_path: Path, tmp_path: Path
) -> None:
    client_id = with_core(db_path, joined_client)
    code, out, _ = silta("export", str(client_id))
    assert code == 0
    data = json.loads(out)
    assert data["client"]["nickname"] == "Pete"
    assert {"appointments", "deadlines", "contacts", "alerts", "audit_log", "messages"} <= set(data)

    target = tmp_path / "pete.json"
    code, _, err = silta("export", str(client_id), "--out", str(target))
    assert code == 0 and "exported" in err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text(encoding="utf-8"))["client"]["id"] == client_id

    code, _, err = silta("export", "999")
    assert code == 2 and "no client #999" in err
    _, audit_csv, _ = silta("audit")
    assert f"client.export,{client_id}" in audit_csv


def test_backup_is_private_and_does_not_overwrite(
    silta: Run, db_path: Path, tmp_path: Path
) -> None:
    with_core(db_path, joined_client)
    target = tmp_path / "copy.db"
    code, out, _ = silta("backup", str(target))
    assert code == 0 and "backup written" in out
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT count(*) FROM clients").fetchone() == (1,)
    code, _, err = silta("backup", str(target))
    assert code == 1 and "exists" in err
    code, _, _ = silta("backup", str(target), "--force")
    assert code == 0


def test_purge_removes_clients_closed_long_ago(silta: Run, db_path: Path) -> None:
    client_id = with_core(db_path, joined_client)

    async def close_long_ago(core: Core) -> None:
        async with core.db.tx() as conn:
            await people_repo.update_client(
                conn, client_id, status="closed", closed_at=core.now() - timedelta(days=400)
            )

    with_core(db_path, close_long_ago)
    code, out, _ = silta("purge")
    assert (code, out.strip()) == (0, "purged 1 client(s)")
    _, out, _ = silta("export", str(client_id))
    assert json.loads(out)["client"]["nickname"] is None
    _, out, _ = silta("purge")
    assert out.strip() == "purged 0 client(s)"


# --- workers ----------------------------------------------------------------------------------


def test_worker_deactivate_and_reactivate(silta: Run, db_path: Path) -> None:
    client_id = with_core(db_path, joined_client)

    async def maria(core: Core) -> Any:
        async with core.db.read() as conn:
            return await people_repo.worker_by_telegram(conn, 1101)

    worker = with_core(db_path, maria)
    code, out, _ = silta("worker", "deactivate", str(worker.id))
    assert code == 0
    assert f"worker #{worker.id} deactivated" in out
    assert f"hand over client #{client_id}" in out
    assert not with_core(db_path, maria).active
    code, out, _ = silta("worker", "reactivate", str(worker.id))
    assert code == 0 and "reactivated" in out
    assert with_core(db_path, maria).active
    code, _, err = silta("worker", "deactivate", "999")
    assert code == 2 and "no worker #999" in err


def test_worker_add_prints_the_join_link_and_list_shows_who_cannot_be_reached(
    silta: Run, db_path: Path
) -> None:
    code, out, _ = silta(
        "worker", "add", "--telegram-id", "1200", "--name", "Anna Aalto", "--bot", "silta_bot"
    )
    assert code == 0
    assert "join:    https://t.me/silta_bot" in out
    assert "must open this and press Start" in out

    async def unreachable(core: Core) -> None:
        async with core.db.tx() as conn:
            anna = await people_repo.worker_by_telegram(conn, 1200)
            assert anna is not None
            await people_repo.update_worker(conn, anna.id, unreachable=1)

    with_core(db_path, unreachable)
    code, out, _ = silta("worker", "list")
    assert code == 0
    [line] = [row for row in out.splitlines() if "Anna Aalto" in row]
    assert "unreachable" in line
