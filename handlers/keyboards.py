"""Inline keyboards of the worker's side: client pickers, client cards, plans, flows.

Buttons carry only ids and a short choice (bot.callbacks); whether a press is still valid is
decided from the database (or, for a conversation, from its token) when it arrives.
"""

from __future__ import annotations

from telegram import CallbackQuery

from bot.callbacks import encode
from bot.i18n import LANGUAGE_NAMES, Translator
from bot.messages import PLAN_OWNERS, PLAN_STATES
from bot.policy import Policy
from bot.services.plan import item_title
from bot.services.workers import ClientRow
from handlers.common import answer_query
from storage.models import Client, PlanItem, Worker

Buttons = list[list[tuple[str, str]]]

# Telegram allows about 100 buttons on one message; lists longer than this say how to go on.
MAX_PICK = 30
MAX_LABEL = 40


async def stale(query: CallbackQuery, t: Translator) -> None:
    """Answer the press of a button that no longer does anything (nothing changes)."""
    await answer_query(query, t("This button is no longer active."))


def short(text: str, limit: int = MAX_LABEL) -> str:
    """A button label that fits a phone screen."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def pairs(buttons: list[tuple[str, str]]) -> Buttons:
    """Two buttons to a row: narrow screens, few taps."""
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def client_picker(clients: list[Client], action: str) -> Buttons:
    """One button per client, pressing it does `action` for that client."""
    return pairs([(short(c.label), encode("cl", c.id, action)) for c in clients[:MAX_PICK]])


def client_list(rows: list[ClientRow]) -> Buttons:
    """Buttons that open the cards of the listed clients."""
    return client_picker([r.client for r in rows], "card")


def card_actions(t: Translator, client: Client) -> Buttons:
    """What a worker can do from a client's card, by the client's state."""
    cid = client.id
    if client.status == "closed":
        return []
    rows: Buttons = [
        [
            (t("📅 Appointment"), encode("cl", cid, "appt")),
            (t("🗓 Deadline"), encode("cl", cid, "dl")),
        ],
        [
            (t("📆 Appointments"), encode("cl", cid, "appts")),
            (t("🗂 Deadlines"), encode("cl", cid, "dls")),
        ],
        [
            (t("📋 Release plan"), encode("cl", cid, "plan")),
            (t("📇 Contacts"), encode("cl", cid, "ct")),
        ],
        [(t("🔗 New invite"), encode("cl", cid, "inv"))],
    ]
    last = [(t("🔁 Hand over"), encode("cl", cid, "ho"))]
    if client.status == "active":
        last.append((t("⏸ Pause"), encode("cl", cid, "pause")))
    elif client.status == "paused":
        last.append((t("▶️ Resume"), encode("cl", cid, "resume")))
    rows.append(last)
    rows.append(
        [
            (t("🔓 Release date"), encode("cl", cid, "rel")),
            (t("🧾 Summary"), encode("cl", cid, "sum")),
        ]
    )
    rows.append(
        [
            (t("📖 Guide topic"), encode("cl", cid, "guide")),
            (t("⛔ Close"), encode("cl", cid, "close")),
        ]
    )
    return rows


def confirm_close(t: Translator, client: Client) -> Buttons:
    return [
        [
            (t("⛔ Yes, close"), encode("cl", client.id, "closeok")),
            (t("No, keep"), encode("cl", client.id, "keep")),
        ]
    ]


def handover_choices(workers: list[Worker], client: Client) -> Buttons:
    """One button per colleague the client can be handed to."""
    return pairs([(short(w.name), encode("ho", client.id, f"w{w.id}")) for w in workers[:MAX_PICK]])


PLAN_MARKS = {"open": "☐ ", "done": "☑️ ", "not_needed": "➖ "}


def plan_item_title(policy: Policy, t: Translator, item: PlanItem) -> str:
    """An item as the worker reads it: their own text, or the template's label."""
    return item_title(policy, t, item)


def plan_view(t: Translator, client: Client, items: list[PlanItem], policy: Policy) -> Buttons:
    """Tick buttons for every item with a ✏️ for its owner, date and state, then add / remove."""
    rows: Buttons = [
        [
            (
                PLAN_MARKS.get(i.state, "☐ ") + short(plan_item_title(policy, t, i), 60),
                encode("pl", i.id, "tick"),
            ),
            ("✏️", encode("pl", i.id, "item")),
        ]
        for i in items[:MAX_PICK]
    ]
    if client.status != "closed":
        rows.append(
            [
                (t("➕ Add item"), encode("pl", client.id, "add")),
                (t("🗑 Remove an item"), encode("pl", client.id, "edit")),
            ]
        )
    return rows


def plan_item_menu(t: Translator, item: PlanItem) -> Buttons:
    """Owner, state and due date of one item, and the way back."""
    owners = [
        (("• " if item.owner == o else "") + t(label), encode("pl", item.id, f"o{o}"))
        for o, label in PLAN_OWNERS.items()
    ]
    states = [
        (("• " if item.state == s else "") + t(label), encode("pl", item.id, f"s{s}"))
        for s, label in PLAN_STATES.items()
    ]
    rows = [*pairs(owners), states, [(t("📅 Due date"), encode("pl", item.id, "due"))]]
    if item.owner == "prison":
        rows.append([(t("📝 Note for the prison"), encode("pl", item.id, "note"))])
    rows.append([(t("← Back"), encode("pl", item.client_id, "view"))])
    return rows


def plan_remove(t: Translator, client: Client, items: list[PlanItem], policy: Policy) -> Buttons:
    """One remove button per item, and the way back."""
    rows: Buttons = [
        [("🗑 " + short(plan_item_title(policy, t, i), 60), encode("pl", i.id, "del"))]
        for i in items[:MAX_PICK]
    ]
    rows.append([(t("← Back"), encode("pl", client.id, "view"))])
    return rows


def languages(t: Translator, flow_button: FlowButton, codes: tuple[str, ...]) -> Buttons:
    """Language choices for a new client, and the phone's own language."""
    rows = pairs([(LANGUAGE_NAMES[code], flow_button(f"lang-{code}")) for code in codes])
    rows.append([(t("📱 Let the client's phone decide"), flow_button("lang-auto"))])
    return rows


class FlowButton:
    """Buttons of one conversation: they carry its token, so old ones are known to be stale."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, verb: str, item_id: int = 0) -> str:
        return encode("fl", item_id, f"{self.token}.{verb}")

    def cancel(self, t: Translator) -> list[tuple[str, str]]:
        """The Cancel row every step of a conversation has."""
        return [(t("✖ Cancel"), self("x"))]
