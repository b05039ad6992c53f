"""`silta plan ...`: a release plan built from the command line, its dates following the release."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from silta.cli import main


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "silta.db"
    monkeypatch.setenv("SILTA_DB", str(path))
    monkeypatch.chdir(tmp_path)
    assert main(["worker", "add", "--telegram-id", "100", "--name", "Maria Virtanen"]) == 0
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _rows(out: str) -> dict[str, list[str]]:
    """The plan listing by item text: [id, due, from release, owner, state]."""
    found = {}
    for line in out.splitlines()[1:]:
        parts = line.split(None, 5)
        found[parts[5]] = parts[:5]
    return found


def test_a_plan_from_the_catalogue_follows_the_release_date(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    release = datetime.now(UTC).date() + timedelta(days=30)
    args = ("client", "add", "--name", "Pete", "--worker", "1", "--bot", "silta_test_bot")
    assert _run(capsys, *args, "--release-date", release.isoformat())[0] == 0
    code, out, err = _run(capsys, "plan", "add", "--client", "1", "--template", "id_card")
    assert code == 0, err
    assert out.startswith("plan item #1 for client #1")
    own = ("plan", "add", "--client", "1", "--text", "Phone contract", "--owner", "client")
    assert _run(capsys, *own, "--due=+3d")[0] == 0
    # A negative offset is written as people write it, without "=": not read as an option.
    before = ("plan", "add", "--client", "1", "--text", "Bus card", "--owner", "client")
    code, _, err = _run(capsys, *before, "--due", "-7d")
    assert code == 0, err
    code, out, _ = _run(capsys, "plan", "list", "--client", "1")
    rows = _rows(out)
    id_card = (release - timedelta(days=21)).isoformat()
    assert rows["ID card"] == ["1", id_card, "-21d", "prison", "open"]
    assert rows["Bus card"][1:3] == [(release - timedelta(days=7)).isoformat(), "-7d"]
    assert rows["Phone contract"][1:] == [
        (release + timedelta(days=3)).isoformat(),
        "+3d",
        "client",
        "open",
    ]
    # The release date moves a week later: so do the items.
    later = release + timedelta(days=7)
    assert _run(capsys, "client", "set", "1", "--release-date", later.isoformat())[0] == 0
    rows = _rows(_run(capsys, "plan", "list", "--client", "1")[1])
    assert rows["ID card"][1] == (later - timedelta(days=21)).isoformat()
    # An absolute date, a new owner and a state.
    assert _run(capsys, "plan", "set", "1", "--due", "2030-01-02", "--owner", "worker")[0] == 0
    assert _run(capsys, "plan", "set", "2", "--state", "not_needed")[0] == 0
    rows = _rows(_run(capsys, "plan", "list", "--client", "1")[1])
    assert rows["ID card"] == ["1", "2030-01-02", "-", "worker", "open"]
    assert rows["Phone contract"][4] == "not_needed"
    code, _, err = _run(capsys, "plan", "set", "1", "--due", "soon")
    assert code == 2 and "--due must be like" in err
    code, _, err = _run(capsys, "plan", "add", "--client", "1", "--template", "nope")
    assert code == 2 and "--template must be one of" in err
