"""`silta client|appointment|deadline|contact ...`: bulk work from the command line, exit 0 or 2."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.invites import normalize_code
from silta.cli import main


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh database with one worker (#1, Maria in team North)."""
    path = tmp_path / "silta.db"
    monkeypatch.setenv("SILTA_DB", str(path))
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    assert (
        main(
            ["worker", "add", "--telegram-id", "100", "--name", "Maria Virtanen", "--team", "North"]
        )
        == 0
    )
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _future(days: int = 30) -> date:
    """A local day safely ahead of the real clock the CLI uses."""
    return datetime.now(UTC).date() + timedelta(days=days)


def test_client_add_prints_a_working_link_and_writes_a_png(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    qr = tmp_path / "pete.png"
    code, out, err = _run(
        capsys,
        "client",
        "add",
        "--name",
        "Pete",
        "--worker",
        "1",
        "--language",
        "en",
        "--release-date",
        "2026-01-15",
        "--qr",
        str(qr),
        "--bot",
        "silta_test_bot",
    )
    assert code == 0, err
    lines = dict(line.split(":", 1) for line in out.splitlines()[1:])
    assert out.startswith("client #1 Pete (worker #1 Maria Virtanen)")
    link = lines["link"].strip()
    assert link.startswith("https://t.me/silta_test_bot?start=")
    grouped = lines["code"].strip()
    assert normalize_code(grouped) == link.rsplit("=", 1)[1]
    assert lines["expires"].strip().endswith("Europe/Helsinki")
    assert qr.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert qr.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT nickname, worker_id, language, release_date, status FROM clients"
        ).fetchone()
        actions = [r[0] for r in conn.execute("SELECT actor_kind || ':' || action FROM audit_log")]
    assert row == ("Pete", 1, "en", "2026-01-15", "invited")
    assert "cli:client.create" in actions


def test_the_link_uses_the_name_the_running_bot_recorded(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code, _, err = _run(capsys, "client", "add", "--name", "Pete", "--worker", "1")
    assert code == 2 and "--bot" in err and len(err.strip().splitlines()) == 1
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM clients").fetchone()[0] == 0
        conn.execute("INSERT INTO meta(key, value) VALUES ('bot_username', 'SiltaBot')")
    code, out, _ = _run(capsys, "client", "add", "--name", "Pete", "--worker", "1")
    assert code == 0 and "https://t.me/SiltaBot?start=" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--name", "131052-308T", "--worker", "1"], "identity code"),
        (["--name", "Pete", "--worker", "9"], "no active worker #9"),
        (["--name", "Pete", "--worker", "1", "--language", "de"], "--language"),
        (["--name", "Pete", "--worker", "1", "--release-date", "15.1.2026"], "--release-date"),
        (["--name", "x" * 41, "--worker", "1"], "--name"),
    ],
)
def test_client_add_refuses_bad_input_in_one_line(
    db: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    capsys.readouterr()
    code, out, err = _run(capsys, "client", "add", *argv, "--bot", "silta_bot")
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_missing_option_exits_2(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["client", "add", "--name", "Pete"])
    assert exit_info.value.code == 2


def test_a_new_invite_from_the_command_line(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, "client", "add", "--name", "Pete", "--worker", "1", "--bot", "silta_bot")
    code, out, err = _run(
        capsys,
        "client",
        "invite",
        "--client",
        "1",
        "--bot",
        "silta_bot",
        "--qr",
        str(tmp_path / "new.png"),
    )
    assert code == 0, err
    assert "earlier one stopped working" in out
    with sqlite3.connect(db) as conn:
        states = conn.execute(
            "SELECT revoked_at IS NOT NULL FROM invites WHERE kind = 'client' ORDER BY id"
        ).fetchall()
    assert states == [(1,), (0,)]
    code, out, _ = _run(capsys, "client", "list", "--worker", "1")
    assert code == 0 and "Pete" in out and "invited" in out
    code, _, err = _run(capsys, "client", "invite", "--client", "7", "--bot", "silta_bot")
    assert code == 2 and "no client #7" in err


def test_appointments_added_listed_and_cancelled(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, "client", "add", "--name", "Pete", "--worker", "1", "--bot", "silta_bot")
    day = _future()
    code, out, err = _run(
        capsys,
        "appointment",
        "add",
        "--client",
        "1",
        "--at",
        f"{day.isoformat()} 10:00",
        "--place",
        "Kela office",
    )
    assert code == 0, err
    assert out.startswith(f"appointment #1 for client #1: {day.isoformat()} 10:00, Kela office")
    code, out, _ = _run(capsys, "appointment", "list", "--client", "1")
    assert code == 0 and "scheduled" in out and f"{day.isoformat()} 10:00" in out
    code, out, _ = _run(capsys, "appointment", "cancel", "1")
    assert code == 0 and "cancelled" in out
    code, _, err = _run(capsys, "appointment", "cancel", "1")
    assert code == 2 and "already changed" in err
    with sqlite3.connect(db) as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_log")]
    assert "appointment.add" in actions and "appointment.cancel" in actions


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("2020-01-01 10:00", "already passed"),
        ("2030-02-30 10:00", "does not exist"),
        ("soon", "must look like YYYY-MM-DD HH:MM"),
    ],
)
def test_appointment_times_are_checked(
    db: Path, capsys: pytest.CaptureFixture[str], at: str, message: str
) -> None:
    _run(capsys, "client", "add", "--name", "Pete", "--worker", "1", "--bot", "silta_bot")
    code, out, err = _run(
        capsys, "appointment", "add", "--client", "1", "--at", at, "--place", "Office"
    )
    assert code == 2 and message in err and out == ""


def test_appointment_for_an_unknown_client_or_with_a_long_place(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at = f"{_future().isoformat()} 10:00"
    code, _, err = _run(
        capsys, "appointment", "add", "--client", "5", "--at", at, "--place", "Office"
    )
    assert code == 2 and "no such client" in err
    _run(capsys, "client", "add", "--name", "Pete", "--worker", "1", "--bot", "silta_bot")
    code, _, err = _run(
        capsys, "appointment", "add", "--client", "1", "--at", at, "--place", "x" * 101
    )
    assert code == 2 and "does not fit" in err


def test_appointment_kinds_from_the_command_line(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, "client", "add", "--name", "Pete", "--worker", "1", "--bot", "silta_bot")
    at = f"{_future().isoformat()} 10:00"
    add = ("appointment", "add", "--client", "1", "--at", at)
    code, out, err = _run(capsys, *add, "--kind", "phone")
    assert code == 0, err
    assert out.strip().endswith("10:00, phone")
    link = "https://meet.example.fi/r/abc"
    code, out, err = _run(capsys, *add, "--kind", "video", "--link", link)
    assert code == 0 and out.strip().endswith(f"video: {link}"), err
    code, out, err = _run(capsys, *add, "--kind", "joint", "--place", "Meeting room 2")
    assert code == 0 and "joint: Meeting room 2" in out, err
    for argv, why in (
        (("--kind", "video"), "--kind video needs --link URL"),
        (("--kind", "video", "--link", "javascript:alert(1)"), "--link must be an http"),
        (("--kind", "video", "--link", "https://x.fi/" + "a" * 500), "at most 500"),
        (("--kind", "joint"), "--kind joint needs --place TEXT"),
        (("--place", "Office", "--link", link), "--link is only for --kind video"),
        ((), "--kind in_person needs --place TEXT"),
    ):
        code, out, err = _run(capsys, *add, *argv)
        assert code == 2 and why in err and out == "", argv
    with pytest.raises(SystemExit) as exited:
        main([*add, "--kind", "car"])
    assert exited.value.code == 2 and "invalid choice" in capsys.readouterr().err
    code, out, _ = _run(capsys, "appointment", "list", "--client", "1")
    assert code == 0 and " phone " in out and link in out and "Meeting room 2" in out
    with sqlite3.connect(db) as conn:
        kinds = [r[0] for r in conn.execute("SELECT kind FROM appointments ORDER BY id")]
    assert kinds == ["phone", "video", "joint"]


def test_partner_contacts_added_listed_and_removed(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, "client", "add", "--name", "Pete", "--worker", "1", "--bot", "silta_bot")
    add = ("contact", "add", "--client", "1")
    code, out, err = _run(
        capsys,
        *add,
        "--role",
        "prison",
        "--name",
        "Liisa Laine",
        "--organisation",
        "Vantaan vankila",
        "--phone",
        "029 56 60400",
        "--email",
        "liisa.laine@om.fi",
    )
    assert code == 0 and out.strip() == "contact #1 for client #1: prison", err
    code, out, err = _run(
        capsys, *add, "--role", "housing", "--organisation", "Asuntotoimisto", "--shareable"
    )
    assert code == 0 and "(the client sees it)" in out, err
    for argv, why in (
        (("--role", "housing"), "give --name or --organisation"),
        (("--role", "other", "--name", "131052-308T"), "personal identity code"),
        (("--role", "other", "--name", "X", "--phone", "131052-308T"), "personal identity code"),
        (("--role", "other", "--name", "X", "--phone", "soon"), "--phone must be a phone number"),
        (("--role", "other", "--name", "X", "--email", "x@y"), "--email must be an email"),
        (("--role", "other", "--name", "x" * 81), "--name must be 1-80"),
    ):
        code, out, err = _run(capsys, *add, *argv)
        assert code == 2 and why in err and out == "", argv
    code, _, err = _run(capsys, "contact", "add", "--client", "9", "--role", "other", "--name", "X")
    assert code == 2 and "no such client" in err
    code, out, _ = _run(capsys, "contact", "list", "--client", "1")
    assert code == 0
    assert (
        "prison        no     Liisa Laine, Vantaan vankila, 029 56 60400, liisa.laine@om.fi" in out
    )
    assert "housing       yes    Asuntotoimisto" in out
    code, out, _ = _run(capsys, "contact", "remove", "1")
    assert code == 0 and "removed" in out
    code, _, err = _run(capsys, "contact", "remove", "1")
    assert code == 2 and "no contact #1" in err
    with sqlite3.connect(db) as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_log")]
        details = [r[0] or "" for r in conn.execute("SELECT detail FROM audit_log")]
    assert "contact.add" in actions and "contact.remove" in actions
    assert not [d for d in details if "Liisa" in d or "029" in d]


def test_deadlines_added_listed_and_cancelled(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "client", "add", "--name", "Pete", "--worker", "1", "--bot", "silta_bot")
    due = _future(10).isoformat()
    code, out, err = _run(
        capsys,
        "deadline",
        "add",
        "--client",
        "1",
        "--kind",
        "housing_allowance",
        "--due",
        due,
        "--monthly",
    )
    assert code == 0, err
    assert out.strip() == f"deadline #1 for client #1: housing_allowance by {due} (every month)"
    code, _, err = _run(capsys, "deadline", "add", "--client", "1", "--kind", "other", "--due", due)
    assert code == 2 and "--label" in err
    code, out, err = _run(
        capsys,
        "deadline",
        "add",
        "--client",
        "1",
        "--kind",
        "other",
        "--due",
        due,
        "--label",
        "Library card",
    )
    assert code == 0, err
    code, out, _ = _run(capsys, "deadline", "list", "--client", "1")
    assert "housing_allowance" in out and "other (Library card)" in out
    code, out, _ = _run(capsys, "deadline", "cancel", "2")
    assert code == 0
    code, out, _ = _run(capsys, "deadline", "list", "--client", "1")
    assert "cancelled" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--kind", "pension", "--due", "2030-01-01"], "--kind must be one of"),
        (["--kind", "id_card", "--due", "2020-01-01"], "already passed"),
        (["--kind", "id_card", "--due", "1.1.2030"], "--due must be a date"),
    ],
)
def test_deadline_input_is_checked(
    db: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    _run(capsys, "client", "add", "--name", "Pete", "--worker", "1", "--bot", "silta_bot")
    code, _, err = _run(capsys, "deadline", "add", "--client", "1", *argv)
    assert code == 2 and message in err


def test_client_set_corrects_the_release_date_and_plans_again(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    far = _future(400)
    assert _run(capsys, "client", "add", "--name", "Pete", "--worker", "1", "--bot", "b")[0] == 0
    code, out, err = _run(capsys, "client", "set", "1", "--release-date", far.isoformat())
    assert code == 0, err
    assert f"release date {far.isoformat()}" in out
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT release_date FROM clients").fetchone() == (far.isoformat(),)
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_log")]
    assert "client.release_date" in actions
    code, out, _ = _run(capsys, "client", "set", "1", "--release-date", "none")
    assert code == 0 and "not known" in out
    code, _, err = _run(capsys, "client", "set", "1", "--release-date", "1.12.")
    assert code == 2 and "--release-date" in err
    code, _, err = _run(capsys, "client", "set", "9", "--release-date", "none")
    assert code == 2 and "no client #9" in err


def test_printable_cards_from_the_command_line(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pypdfium2

    release = _future(30)
    card = tmp_path / "pete.pdf"
    code, out, err = _run(
        capsys,
        "client",
        "add",
        "--name",
        "Pete",
        "--worker",
        "1",
        "--language",
        "ru",
        "--release-date",
        release.isoformat(),
        "--card",
        str(card),
        "--bot",
        "silta_test_bot",
    )
    assert code == 0, err
    # Made a month before release, the invite lasts until 14 days after it.
    last = release + timedelta(days=14)
    assert f"card:    valid to the end of {last.isoformat()}" in out
    assert card.stat().st_mode & 0o777 == 0o600
    document = pypdfium2.PdfDocument(card.read_bytes())
    assert len(document) == 1
    width, height = document[0].get_size()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (105, 148)
    text = document[0].get_textpage().get_text_range()
    assert f"{last.day}.{last.month}.{last.year}" in text and "Maria" in text
    document.close()
    _run(capsys, "client", "add", "--name", "Anna", "--worker", "1", "--bot", "silta_test_bot")
    # --sheet without --card is refused before any invite changes.
    code, _, err = _run(capsys, "client", "invite", "--client", "1", "2", "--sheet")
    assert code == 2 and "--card" in err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM invites").fetchone() == (2,)
    sheet = tmp_path / "sheet.pdf"
    code, out, err = _run(
        capsys,
        "client",
        "invite",
        "--client",
        "1",
        "2",
        "--card",
        str(sheet),
        "--sheet",
        "--bot",
        "silta_test_bot",
    )
    assert code == 0, err
    assert out.count("the earlier one stopped working") == 2
    document = pypdfium2.PdfDocument(sheet.read_bytes())
    width, height = document[0].get_size()
    assert len(document) == 1
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
    document.close()
    code, out, _ = _run(capsys, "client", "list")
    assert "release in 30 days" in out and "before release, date not set" in out


def test_a_joint_meeting_on_video_takes_a_link_from_the_command_line(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, "client", "add", "--name", "Pete", "--worker", "1", "--bot", "silta_bot")
    at = f"{_future().isoformat()} 10:00"
    add = ("appointment", "add", "--client", "1", "--at", at, "--kind", "joint")
    link = "https://teams.example.fi/l/meetup-join/42"
    code, out, err = _run(capsys, *add, "--link", link)
    assert code == 0 and out.strip().endswith(f"joint: {link}"), err
    code, out, err = _run(capsys, *add, "--link", "javascript:alert(1)")
    assert code == 2 and "--link must be an http" in err and out == ""
    code, out, err = _run(capsys, *add)
    assert code == 2 and "--kind joint needs --place TEXT or --link URL" in err
    with sqlite3.connect(db) as conn:
        found = list(conn.execute("SELECT kind, place, link FROM appointments"))
    assert found == [("joint", "", link)]
