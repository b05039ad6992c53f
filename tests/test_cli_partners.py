"""`silta partner list|deactivate`: the prison partners from the command line, exit 0 or 2."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from silta.cli import main


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Maria (#1) with client Pete (#1), and Liisa from the prison (#1) linked to Pete."""
    path = tmp_path / "silta.db"
    monkeypatch.setenv("SILTA_DB", str(path))
    monkeypatch.chdir(tmp_path)
    assert main(["worker", "add", "--telegram-id", "100", "--name", "Maria Virtanen"]) == 0
    assert main(["client", "add", "--name", "Pete", "--worker", "1", "--bot", "silta_bot"]) == 0
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO partners(telegram_id, name, organisation, invited_by, active, created_at)"
            " VALUES (500, 'Liisa Laine', 'Jyväskylä prison', 1, 1, '2026-12-01T09:00:00Z')"
        )
        conn.execute(
            "INSERT INTO partner_links(partner_id, client_id, created_at) "
            "VALUES (1, 1, '2026-12-01T09:00:00Z')"
        )
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_partner_list_and_deactivate(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    code, out, _ = _run(capsys, "partner", "list")
    assert code == 0
    [head, row] = out.strip().splitlines()
    assert head.split()[:3] == ["id", "name", "organisation"]
    assert "Liisa Laine" in row and "active" in row and "Maria Virtanen" in row
    assert row.split()[-1] == "1"
    code, out, _ = _run(capsys, "partner", "deactivate", "1")
    assert code == 0 and "access ended; 1 client link(s) ended" in out
    code, out, _ = _run(capsys, "partner", "deactivate", "1")
    assert code == 0 and "already ended" in out
    code, out, _ = _run(capsys, "partner", "list")
    assert " ended " in out and out.strip().splitlines()[1].split()[-1] == "0"
    code, out, err = _run(capsys, "partner", "deactivate", "7")
    assert code == 2 and "no partner #7" in err and out == ""
    with sqlite3.connect(db) as conn:
        assert list(conn.execute("SELECT count(*) FROM partner_links")) == [(0,)]
        assert list(conn.execute("SELECT active FROM partners")) == [(0,)]
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_log")]
        told = list(conn.execute("SELECT kind FROM outbox WHERE kind = 'worker_notice'"))
    assert "partner.deactivate" in actions
    assert told == [("worker_notice",)], "Maria is told her client's partner is gone"
