"""The kind registry: every row the planner or a service can write has a kind that knows it."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

from bot.scheduling import planner
from bot.scheduling.kinds import rows
from bot.scheduling.kinds.base import ClientMessage, Kind
from bot.scheduling.kinds.registry import CLIENT_KINDS, KINDS, Unknown, kind_of
from storage.outbox import ROUTINE, TIMELY, URGENT

ROOT = Path(__file__).resolve().parents[2]
ROWS = ROOT / "bot" / "scheduling" / "kinds" / "rows.py"


def _written_kinds() -> set[str]:
    """Every literal `kind=` that rows.py can give a row."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(ROWS.read_text())):
        if (
            isinstance(node, ast.keyword)
            and node.arg == "kind"
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            found.add(node.value.value)
    return found


def test_every_kind_a_row_can_have_is_registered() -> None:
    written = _written_kinds()
    assert {"checkin", "alert", "daily", "worker_notice"} <= written  # the scan sees them
    assert written <= set(KINDS), written - set(KINDS)


def test_rows_are_built_only_by_the_row_constructors() -> None:
    """No hand-built outbox row (and so no key format written out) outside kinds/rows.py."""
    offenders = []
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]:
        if path == ROWS:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                if name == "Planned":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_each_registered_kind_is_named_by_its_key_and_is_a_kind() -> None:
    for name, kind in KINDS.items():
        assert isinstance(kind, Kind)
        assert kind.name == name
        assert kind_of(name) is kind
    assert isinstance(kind_of("no such kind"), Unknown)


def test_the_planners_client_kinds_are_the_client_message_kinds() -> None:
    """What a pause or a block stops is exactly what talks to the client."""
    assert set(planner.CLIENT_KINDS) == CLIENT_KINDS
    assert all(isinstance(KINDS[name], ClientMessage) for name in planner.CLIENT_KINDS)


def test_a_timer_sends_nothing_and_a_message_is_no_timer() -> None:
    for kind in KINDS.values():
        assert kind.timer == (type(kind).prepare is Kind.prepare), kind.name


def test_keys_identify_the_thing_they_plan() -> None:
    """Two rows for the same thing share a key; a different thing never does."""
    from datetime import UTC, datetime

    at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert rows.checkin(1, at).key == rows.checkin(1, at).key
    assert rows.checkin(1, at).key != rows.checkin(2, at).key
    assert rows.pause_end(1, at).key != rows.checkin(1, at).key


def test_rows_are_written_with_their_kinds_priority_class() -> None:
    """The class a row is claimed by (storage.outbox URGENT, TIMELY, ROUTINE) is its kind's;
    the exceptions (an urgent alert's card and ladder, a reminder the day before) are in
    rows.py and say so."""
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    built = [
        rows.checkin(1, now),
        rows.pause_end(1, now),
        rows.nudge(1, 2, now),
        rows.contact_due(1, 2, now),
        rows.relay_to_worker(1, 2, "hi", now, "x"),
        rows.relay_to_client(1, 2, "hi", now, "x"),
        rows.client_notice(1, "resumed", now, once="x"),
        rows.worker_notice(2, 1, "joined", now, once="x"),
        rows.digest(2, now.date(), now),
        rows.daily(now.date(), now),
    ]
    for row in built:
        assert row.priority == kind_of(row.kind).priority, row.kind
    assert kind_of("relay_to_worker").priority == URGENT
    assert kind_of("checkin").priority == ROUTINE
    assert kind_of("nudge").priority == TIMELY
