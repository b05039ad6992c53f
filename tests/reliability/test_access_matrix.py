"""Every command and every button, pressed by every role that should not get its way.

A worker of another team, a client, a deactivated worker, a stranger and a prison partner (linked
to client A only) try each command (bare and naming team South's client) and each callback kind
with the ids of team South's records.
Each try is refused in words (a reply or a callback answer), every button press is answered,
nothing they may not change changes, and no reply shows them team South's client.
"""

from __future__ import annotations

import pytest

from handlers import admin as admin_handlers
from handlers import partner as partner_handlers
from handlers import worker as worker_handlers
from storage import engine as engine_repo
from tests.fake_telegram import FakeUser
from tests.harness import Silta
from tests.reliability.world import World, audit_history, build_world, diff, snapshot

CLIENT_COMMANDS = ("next", "contact", "language", "stop", "help", "start", "guide", "privacy")
CLIENT_KINDS = ("cs", "ck", "ap", "dl", "lang", "ps", "gd", "pv", "un")
# Every choice the handlers put on buttons, per callback kind, plus one that never exists.
CHOICES: dict[str, tuple[str, ...]] = {
    "al": ("ack", "s1", "s4", "done"),
    "at": ("came", "missed"),
    "fl": ("x", "tok.x", "tok.save", "tok.bk", "tok.m1", "tok.lang-en", "tok.skip"),
    "cl": (*worker_handlers.CLIENT_ACTIONS, *sorted(worker_handlers.CARD_CHANGES)),
    "wa": ("move", "cancel", "cancelok", "keep"),
    "wd": ("cancel",),
    "pl": ("add", "edit", "view", "tick", "del"),
    "co": ("add", "sh1", "sh0", "rm", "rmok", "keep"),
    "ho": ("w{worker_a}", "w{worker_b}"),
    "rc": ("1796000000", "x"),
    "rn": ("",),
    "adw": ("off", "offy", "offn", "on"),
    "adt": ("tok",),
    "adl": ("en.tok",),
    "cs": ("yes", "no"),
    "ck": ("good", "ok", "bad", "call"),
    "ap": ("yes", "move", "help"),
    "dl": ("done", "later", "help"),
    "lang": ("en", "fi"),
    "ps": ("week", "month", "open", "cancel"),
    "gs": ("money", "housing", "nosuch"),
    "gd": ("_index", "_new", "money"),
    "pv": ("en", "fi"),
    "pc": ("view", "release"),
    "pt": ("done", "open", "note"),
    "rf": ("take", "decline", "d-area"),
    "pa": ("confirmed", "reschedule"),
    "pp": ("view", "end", "endy", "keep", "u{client_b}", "x{client_b}", "x{client_a}"),
    "un": ("show",),
}
# Phrases that would show team South's client to someone who may not see it.
SECRETS = (
    "Bea (#",
    "Office B",
    "Rent form",
    "Get an ID card",
    "Ville (#",
    "Sirkka South",
    "040 555",
)


def all_commands() -> list[str]:
    return sorted(
        set(worker_handlers.COMMANDS)
        | set(admin_handlers.COMMANDS)
        | set(admin_handlers.WORKER_COMMANDS)
        | set(partner_handlers.COMMANDS)
        | set(CLIENT_COMMANDS)
    )


def all_kinds() -> list[str]:
    return sorted(
        set(worker_handlers.CALLBACKS)
        | set(admin_handlers.CALLBACKS)
        | set(partner_handlers.CALLBACKS)
        | set(CLIENT_KINDS)
    )


async def _targets(world: World) -> dict[str, list[int]]:
    """The ids each callback kind would act on in team South's records."""
    silta = world.silta
    b = world.client_b
    async with silta.core.db.read() as conn:
        cur = await conn.execute("SELECT id FROM deadlines WHERE client_id = ?", (b.id,))
        deadlines = [r[0] for r in await cur.fetchall()]
        cur = await conn.execute("SELECT id FROM plan_items WHERE client_id = ?", (b.id,))
        items = [r[0] for r in await cur.fetchall()]
        cur = await conn.execute("SELECT id FROM partner_contacts WHERE client_id = ?", (b.id,))
        partners = [r[0] for r in await cur.fetchall()]
        cur = await conn.execute(
            "SELECT id, kind FROM contacts WHERE client_id = ? AND state = 'open'", (b.id,)
        )
        contacts = {kind: cid for cid, kind in await cur.fetchall()}
        cur = await conn.execute(
            "SELECT id FROM invites WHERE client_id = ? AND used_at IS NULL", (world.invited_b.id,)
        )
        invites = [r[0] for r in await cur.fetchall()]
        alerts = [a.id for a in await engine_repo.open_alerts(conn, client_id=b.id)]
        cur = await conn.execute(
            "SELECT id FROM outbox_all WHERE client_id = ? ORDER BY id DESC LIMIT 3", (b.id,)
        )
        rows = [r[0] for r in await cur.fetchall()]
        team = world.worker_b.team_id or 0
    return {
        "al": alerts,
        "at": [world.appointment_b.id],
        "fl": [b.id, 0],
        "cl": [b.id, world.invited_b.id],
        "wa": [world.appointment_b.id],
        "wd": deadlines,
        "pl": [b.id, *items],
        "co": [b.id, *partners],
        "ho": [b.id],
        "rc": [b.id],
        "rn": rows,
        "adw": [world.worker_b.id],
        "adt": [team],
        "adl": [team],
        "cs": invites,
        "ck": [contacts["checkin"]],
        "ap": [contacts["appointment"]],
        "dl": [1],
        "lang": [0],
        "ps": [b.id],
        "gs": [b.id],
        "gd": [0],
        "pv": [0],
        "pc": [b.id, world.invited_b.id],
        "pt": items,
        "rf": [1],
        "pa": [world.appointment_b.id],
        "pp": [world.partner_b],
        "un": [0],
    }


ACTORS = ("worker_a", "client_a", "inactive", "stranger", "partner")


def _protected(world: World, actor: str) -> list[int]:
    """Clients whose records this actor may not change."""
    south = [world.client_b.id, world.invited_b.id]
    return south if actor in ("worker_a", "client_a", "partner") else [world.client_a.id, *south]


def _edits(user: FakeUser) -> int:
    return sum(len(m.edits) for m in user.messages())


def _leaks(user: FakeUser, since: int) -> list[str]:
    """Texts shown to the user since message index `since` (edits included) that name South."""
    shown = [m.text or "" for m in user.messages()[since:]]
    shown += [m.text or "" for m in user.messages()[:since] if m.edits]
    return [text for text in shown if any(s in text for s in SECRETS)]


@pytest.fixture
async def world(silta: Silta) -> World:
    return await build_world(silta)


def test_the_matrix_knows_every_command_and_callback_kind() -> None:
    assert set(CHOICES) == set(all_kinds()), "a new callback kind needs its choices here"
    assert len(all_commands()) >= 25


@pytest.mark.parametrize("actor", ACTORS)
async def test_every_command_is_refused_in_words_and_changes_nothing(
    world: World, actor: str
) -> None:
    user = world.users[actor]
    protected = _protected(world, actor)
    history = await audit_history(world.silta)
    args_for = ("", str(world.client_b.id), f"#{world.client_b.id} 2026-12-24 10:00 Office")
    silent = []
    for name in all_commands():
        for args in args_for:
            before = await snapshot(world.silta, protected, None)
            count = len(user.messages())
            await user.command(name, args)
            await world.flush()
            changed = diff(before, await snapshot(world.silta, protected, None))
            assert not changed, f"/{name} {args} by {actor} changed {changed}"
            if len(user.messages()) == count:
                silent.append(f"/{name} {args}".strip())
            assert not _leaks(user, count), f"/{name} {args} showed {actor} team South's client"
    assert not silent, f"{actor} got no answer to {silent}"
    assert (await audit_history(world.silta))[: len(history)] == history, "audit is append-only"
    world.tg.assert_no_violations()


@pytest.mark.parametrize("actor", ACTORS)
async def test_every_button_of_others_is_refused_in_words_and_changes_nothing(
    world: World, actor: str
) -> None:
    user = world.users[actor]
    protected = _protected(world, actor)
    targets = await _targets(world)
    ids = {
        "worker_a": world.worker_a.id,
        "worker_b": world.worker_b.id,
        "client_a": world.client_a.id,
        "client_b": world.client_b.id,
    }
    pressed: list[tuple[str, str, int]] = []
    for kind in all_kinds():
        for target in targets[kind]:
            for choice in CHOICES[kind]:
                data = f"v1:{kind}:{target}:{choice.format(**ids)}"
                before = await snapshot(world.silta, protected, None)
                count = len(user.messages())
                edits = _edits(user)
                last = user.last_message()
                # Press under the actor's own latest message, or as a forged old button.
                on = last.message_id if last is not None else 999_999
                qid = await user.press(on, callback_data=data, forge=True)
                await world.flush()
                changed = diff(before, await snapshot(world.silta, protected, None))
                assert not changed, f"{data} pressed by {actor} changed {changed}"
                answer = next(a for a in world.tg.callback_answers if a.callback_query_id == qid)
                said = len(user.messages()) - count + _edits(user) - edits
                pressed.append((data, answer.text or "", said))
                assert not _leaks(user, count), f"{data} showed {actor} team South's client"
    unanswered = [d for d, text, new in pressed if not text and not new]
    assert not unanswered, f"{actor}: presses answered without words: {unanswered}"
    assert len(pressed) > 60
    world.tg.assert_no_violations()


async def test_the_snapshot_sees_a_change_by_someone_who_may_make_it(world: World) -> None:
    """The control: team South's own worker takes the alert, and the snapshot notices."""
    protected = _protected(world, "worker_a")
    before = await snapshot(world.silta, protected, None)
    card = world.alert_card_b
    qid = await world.users["worker_b"].press(card, callback_data=f"v1:al:{world.alert_b.id}:ack")
    answer = await world.tg.wait_for_callback_answer(qid)
    await world.flush()
    assert "alerts" in diff(before, await snapshot(world.silta, protected, None)), answer
    # And the attendance card works for its owner too.
    qid = await world.users["worker_b"].press(
        world.attendance_b, callback_data=f"v1:at:{world.appointment_b.id}:came"
    )
    assert (await world.tg.wait_for_callback_answer(qid)).text == "Thank you, recorded."


async def test_a_deactivated_worker_and_strangers_get_words_for_plain_text(world: World) -> None:
    for actor in ("inactive", "stranger"):
        user = world.users[actor]
        count = len(user.messages())
        await user.send("hello, what can I do here?")
        await world.flush()
        assert len(user.messages()) == count + 1
    assert "not active" in (world.users["inactive"].last_message().text or "")  # type: ignore[union-attr]
