"""Operator safety at the command line: backups that cannot destroy what they point at and never
claim a copy they did not verify, settings within their ranges, and arguments checked before
anything changes."""

# ruff: noqa: F811  (the CLI fixtures, imported from test_cli_admin, are parameters here)

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from bot.policy import POLICY_KEYS
from storage import admin as admin_repo
from tests.e2e.test_policy_ranges import OUT_OF_RANGE, UNUSUAL, key_of
from tests.test_cli_admin import (  # noqa: F401  (pytest fixtures)
    Run,
    db_path,
    joined_client,
    policy_version,
    silta,
    with_core,
)


def _clients(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM clients").fetchone()[0])


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


# --- 1. backups ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["itself", "-wal", "-shm", "symlink", "hard link", "../ path"])
def test_a_backup_onto_the_live_database_is_refused_and_the_database_kept(
    silta: Run, db_path: Path, tmp_path: Path, name: str
) -> None:
    with_core(db_path, joined_client)
    target = {
        "itself": db_path,
        "-wal": Path(f"{db_path}-wal"),
        "-shm": Path(f"{db_path}-shm"),
        "symlink": tmp_path / "link.db",
        "hard link": tmp_path / "hard.db",
        "../ path": tmp_path / "sub" / ".." / db_path.name,
    }[name]
    if name == "symlink":
        target.symlink_to(db_path)
    elif name == "hard link":
        os.link(db_path, target)
    elif name == "../ path":
        (tmp_path / "sub").mkdir()
    code, out, err = silta("backup", str(target), "--force")
    assert code == 1
    assert "backup written" not in out
    assert "live database" in _one_line(err) or "not a regular file" in err
    assert _clients(db_path) == 1
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_backup_never_deletes_a_target_that_is_not_a_regular_file(
    silta: Run, db_path: Path, tmp_path: Path
) -> None:
    with_core(db_path, joined_client)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    for target in (fifo, folder):
        code, out, err = silta("backup", str(target), "--force")
        assert code == 1 and "not a regular file" in _one_line(err)
        assert "backup written" not in out
    assert stat.S_ISFIFO(fifo.stat().st_mode) and folder.is_dir()


def test_a_backup_that_fails_verification_is_not_reported_and_leaves_no_file(
    silta: Run, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage import backup as backup_module  # here: the module is new with issue 21

    with_core(db_path, joined_client)
    real_copy = backup_module._copy_counted

    def copy_then_lose_the_tail(src: sqlite3.Connection, target: Path) -> dict[str, int]:
        counts = real_copy(src, target)
        with target.open("r+b") as fh:  # as a disk that lost the last writes would
            fh.truncate(target.stat().st_size // 2)
        return counts

    monkeypatch.setattr(backup_module, "_copy_counted", copy_then_lose_the_tail)
    target = tmp_path / "copy.db"
    code, out, err = silta("backup", str(target))
    assert code == 1
    assert "backup written" not in out and "failed" in _one_line(err)
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]


def test_a_backup_reports_what_it_verified(silta: Run, db_path: Path, tmp_path: Path) -> None:
    with_core(db_path, joined_client)
    target = tmp_path / "copy.db"
    code, out, _ = silta("backup", str(target))
    assert code == 0 and "verified" in out
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM clients").fetchone() == (1,)
    assert not Path(f"{target}-wal").exists()  # one self-contained file


# --- 2. settings within their ranges ------------------------------------------------------------


@pytest.mark.parametrize("pattern", sorted(OUT_OF_RANGE))
def test_policy_set_of_an_out_of_range_value_is_refused_with_the_range_even_with_force(
    silta: Run, db_path: Path, pattern: str
) -> None:
    value, words = OUT_OF_RANGE[pattern]
    for force in ([], ["--force"]):
        code, _, err = silta("policy", "set", key_of(pattern), value, *force)
        assert code == 2 and words in err, err
    assert policy_version(db_path) == 0


@pytest.mark.parametrize("key", sorted(UNUSUAL))
def test_policy_set_outside_the_usual_range_needs_force_and_is_audited(
    silta: Run, db_path: Path, key: str
) -> None:
    value, words = UNUSUAL[key]
    code, _, err = silta("policy", "set", key, value)
    assert code == 2 and words in err and "--force" in err, err
    assert policy_version(db_path) == 0
    code, out, _ = silta("policy", "set", key, value, "--force")
    assert code == 0 and "version 1" in out

    async def forced(core: object) -> list[str]:
        async with core.db.read() as conn:  # type: ignore[attr-defined]
            entries = await admin_repo.audit_entries(conn)
        return [e.detail or "" for e in entries if e.action == "policy.force"]

    details = with_core(db_path, forced)
    assert len(details) == 1 and words in details[0]


def test_the_issues_examples_are_refused(silta: Run, db_path: Path) -> None:
    """`retention 1s` would purge every closed client at the next daily run; `checkins.phases
    1s` sent 300 clients 1,712 check-ins in a minute."""
    for key, value in (("retention", "1s"), ("checkins.phases", "1s")):
        code, _, err = silta("policy", "set", key, value, "--force")
        assert code == 2 and "must be between" in err
    assert policy_version(db_path) == 0


def test_policy_apply_needs_force_for_unusual_values(
    silta: Run, db_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "p.toml"
    path.write_text('retention = "10d"\n', encoding="utf-8")
    code, _, err = silta("policy", "apply", str(path))
    assert code == 2 and "30d to 1825d" in err
    assert policy_version(db_path) == 0
    code, _, _ = silta("policy", "apply", str(path), "--force")
    assert code == 0 and policy_version(db_path) == 1


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_an_empty_policy_file_is_refused(
    silta: Run, db_path: Path, tmp_path: Path, text: str
) -> None:
    path = tmp_path / "empty.toml"
    path.write_text(text, encoding="utf-8")
    code, out, err = silta("policy", "apply", str(path))
    assert code == 2 and "sets nothing" in err
    assert "unchanged" not in out


def test_a_policy_file_over_a_megabyte_is_refused_by_its_size_before_reading(
    silta: Run, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.toml"
    with path.open("wb") as fh:
        fh.truncate(20 * 1024 * 1024)  # 20 MB (sparse: no time spent writing it)
    read: list[str] = []
    monkeypatch.setattr("tomllib.loads", lambda text: read.append(text) or {})
    code, _, err = silta("policy", "apply", str(path))
    assert code == 2 and "at most 1 MB" in _one_line(err)
    assert read == []


def test_every_policy_key_has_a_range_in_the_cli_tests() -> None:
    assert set(OUT_OF_RANGE) == set(POLICY_KEYS)


# --- 3. arguments checked before any change -----------------------------------------------------


def test_client_add_with_a_qr_path_that_cannot_be_written_creates_nothing(
    silta: Run, db_path: Path, tmp_path: Path
) -> None:
    code, _, _ = silta("worker", "add", "--telegram-id", "1101", "--name", "Maria Virtanen")
    assert code == 0
    for qr in ("/missing/dir/card.png", str(tmp_path)):
        code, out, err = silta(
            "client", "add", "--name", "Pete", "--worker", "1", "--bot", "silta_bot", "--qr", qr
        )
        assert code == 2 and "--qr" in _one_line(err)
        assert out == ""
    assert _clients(db_path) == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["client", "invite", "--client", "99999999999999999999999", "--bot", "silta_bot"],
        ["client", "export", "99999999999999999999999"],
        ["export", "-5"],
        [
            "appointment",
            "add",
            "--client",
            "9223372036854775808",
            "--at",
            "2030-01-01 10:00",
            "--place",
            "x",
        ],
        ["appointment", "add", "--client", "0", "--at", "2030-01-01 10:00", "--place", "x"],
        ["worker", "add", "--telegram-id", "99999999999999999999999", "--name", "X"],
        ["admin", "add", "99999999999999999999999"],
    ],
)
def test_an_id_sqlite_cannot_hold_is_a_usage_error_not_a_traceback(
    silta: Run, db_path: Path, argv: list[str]
) -> None:
    code, out, err = silta(*argv)
    assert code == 2, (out, err)
    assert "Traceback" not in err


def test_an_appointment_in_year_9999_is_refused(silta: Run, db_path: Path) -> None:
    client_id = with_core(db_path, joined_client)
    code, _, err = silta(
        "appointment", "add", "--client", str(client_id), "--at", "9999-01-01 10:00",
        "--place", "Kela",
    )  # fmt: skip
    assert code == 2 and "five years" in _one_line(err)
    code, _, err = silta(
        "deadline", "add", "--client", str(client_id), "--kind", "housing_allowance",
        "--due", "9999-01-01",
    )  # fmt: skip
    assert code == 2 and "five years" in _one_line(err)
