"""/contacts: the people around a client (prison, social worker, housing, …); add, share, remove."""

from __future__ import annotations

from bot.callbacks import Callback, encode
from bot.contact_text import contact_line, role_label
from bot.services import contacts as contact_service
from bot.transport import OutMessage
from handlers import keyboards as kb
from handlers.common import Request, answer_query, edit_query_message
from handlers.context import Flow
from handlers.worker.flow import begin_flow, chosen, end_flow, flow_buttons, prompt
from handlers.worker.shared import client_name, closed_text, not_found, pick_client
from storage.models import Client, PartnerContact

# The steps after the role, each skippable: (flow step, field).
FIELDS = ("name", "organisation", "phone", "email")


async def cmd_contacts(rq: Request) -> None:
    """/contacts [CLIENT]: the client's partner contacts with add, share and remove buttons."""
    client = await pick_client(rq, "ct")
    if client is not None:
        await show_contacts(rq, client)


async def show_contacts(rq: Request, client: Client) -> None:
    t = rq.t
    found, contacts = await contact_service.contacts(rq.core, rq.me, client.id)
    if found is None:
        await rq.reply(not_found(t))
        return
    lines = [t("Contacts of {client}:").format(client=client_name(t, found))]
    rows: kb.Buttons = []
    for contact in contacts:
        shared = contact.shareable
        lines.append(("🔓 " if shared else "• ") + contact_line(t, contact))
        if found.status == "closed":
            continue
        who = kb.short(contact.name or contact.organisation or "", 20)
        rows.append(
            [
                (
                    (t("🔒 Stop sharing {name}") if shared else t("🔓 Share {name}")).format(
                        name=who
                    ),
                    encode("co", contact.id, "sh0" if shared else "sh1"),
                ),
                (t("✖ Remove {name}").format(name=who), encode("co", contact.id, "rm")),
            ]
        )
    if not contacts:
        lines.append(t("None yet."))
    lines.append("")
    lines.append(t("🔓 = the client sees it under /help. Other contacts only workers see."))
    if found.status != "closed":
        rows.append([(t("➕ Add a contact"), encode("co", found.id, "add"))])
    await rq.reply(OutMessage("\n".join(lines), rows[: kb.MAX_PICK]))


async def on_contact_button(rq: Request, cb: Callback) -> None:
    """Add (for a client), share, stop sharing, or remove (for a contact)."""
    query = rq.query
    t = rq.t
    core = rq.core
    if cb.choice == "add":
        client, _ = await contact_service.contacts(core, rq.me, cb.id)
        if client is None or client.status == "closed":
            await kb.stale(query, t)
            return
        await answer_query(query)
        await start_add(rq, client)
    elif cb.choice in ("sh0", "sh1"):
        result = await contact_service.share_contact(core, rq.me, cb.id, cb.choice == "sh1")
        if result.status != "ok" or result.client is None:
            await kb.stale(query, t)
            return
        await answer_query(
            query,
            t("The client now sees it under /help.")
            if cb.choice == "sh1"
            else t("Only workers see it now."),
        )
        await show_contacts(rq, result.client)
    elif cb.choice == "rm":
        if await contact_service.contact_for(core, rq.me, cb.id) is None:
            await kb.stale(query, t)
            return
        await answer_query(query)
        await rq.reply(
            OutMessage(
                t("Remove this contact? It is deleted, not hidden."),
                [
                    [
                        (t("Yes, remove it"), encode("co", cb.id, "rmok")),
                        (t("No, keep it"), encode("co", cb.id, "keep")),
                    ]
                ],
            )
        )
    elif cb.choice == "rmok":
        result = await contact_service.remove_contact(core, rq.me, cb.id)
        if result.status != "ok" or result.client is None:
            await kb.stale(query, t)
            await edit_query_message(query, t("This has already changed. Nothing was done."))
            return
        await answer_query(query, t("Removed."))
        await edit_query_message(query, t("The contact was removed."))
    elif cb.choice == "keep":
        await answer_query(query)
        await edit_query_message(query, t("Kept as it was."))
    else:
        await kb.stale(query, t)


async def start_add(rq: Request, client: Client) -> None:
    """Adding a contact, step by step: the role by buttons, then name, organisation, phone and
    email, each skippable; then whether the client may see it."""
    t = rq.t
    if client.status == "closed":
        await rq.reply(closed_text(t, client))
        return
    flow = begin_flow(rq, "contact", "role", client_id=client.id, label=client.label)
    button = flow_buttons(flow)
    rows = [[(role_label(t, role), button("r-" + role))] for role in contact_service.ROLES]
    await prompt(
        rq,
        flow,
        t("A new contact for {client}. Who is it?").format(client=client_name(t, client)),
        rows,
    )


async def on_role(rq: Request, flow: Flow, verb: str, item_id: int) -> None:
    role = verb.removeprefix("r-")
    if role not in contact_service.ROLES:
        await kb.stale(rq.query, rq.t)
        return
    await answer_query(rq.query)
    await chosen(rq, role_label(rq.t, role))
    flow.contact = {"role": role}
    await _ask(rq, flow, "name")


async def _ask(rq: Request, flow: Flow, step: str) -> None:
    t = rq.t
    flow.step = step
    texts = {
        "name": t("The person's name? Write it, or tap Skip."),
        "organisation": t("The organisation? For example: Vantaa prison. Write it, or tap Skip."),
        "phone": t("The phone number? Write it, or tap Skip."),
        "email": t("The email address? Write it, or tap Skip."),
    }
    await prompt(rq, flow, texts[step], [[(t("Skip"), flow_buttons(flow)("skip"))]])


async def on_field(rq: Request, flow: Flow, text: str) -> None:
    """A typed name, organisation, phone or email: checked at once, asked again if it is wrong."""
    t = rq.t
    step = flow.step
    fields = {k: flow.contact.get(k) for k in FIELDS}
    fields[step] = text
    status, _ = contact_service.check_fields(flow.contact.get("role") or "", **fields)
    problems = {
        "identity_code": t(
            "That looks like a personal identity code. Contacts never hold one: please write "
            "it without."
        ),
        "bad_phone": t("That is not a phone number. Write digits, e.g. 040 123 4567 or +358 …"),
        "bad_email": t("That is not an email address, e.g. name@example.fi."),
        "invalid": t("That is too long. Please write it shorter."),
    }
    if status in problems:
        await prompt(rq, flow, problems[status], [[(t("Skip"), flow_buttons(flow)("skip"))]])
        return
    flow.contact[step] = text
    await _next(rq, flow)


async def on_skip(rq: Request, flow: Flow, verb: str, item_id: int) -> None:
    await answer_query(rq.query)
    await chosen(rq, rq.t("Skip"))
    flow.contact.pop(flow.step, None)
    await _next(rq, flow)


async def _next(rq: Request, flow: Flow) -> None:
    """The next field, or (after the organisation with no name either) asked again, or the end."""
    t = rq.t
    step = flow.step
    if step == "organisation" and not (
        flow.contact.get("name") or flow.contact.get("organisation")
    ):
        # Nobody to call otherwise: the organisation is asked again, without Skip.
        await prompt(rq, flow, t("Please give at least a name or an organisation."))
        return
    if step != "email":
        await _ask(rq, flow, FIELDS[FIELDS.index(step) + 1])
        return
    flow.step = "share"
    button = flow_buttons(flow)
    summary = contact_line(t, _preview(flow))
    await prompt(
        rq,
        flow,
        t("Save this contact?")
        + "\n"
        + summary
        + "\n\n"
        + t(
            "May the client see it (under /help)? Share only numbers meant for the client, "
            "such as the housing office's."
        ),
        [
            [(t("✅ Save, only workers see it"), button("s0"))],
            [(t("✅ Save, the client sees it too"), button("s1"))],
        ],
    )


def _preview(flow: Flow) -> PartnerContact:
    """The contact as it would be saved, for the summary."""
    return PartnerContact(
        id=0,
        client_id=flow.client_id,
        role=flow.contact.get("role") or "other",
        name=flow.contact.get("name"),
        organisation=flow.contact.get("organisation"),
        phone=flow.contact.get("phone"),
        email=flow.contact.get("email"),
        shareable=False,
        created_by=None,
    )


async def on_save(rq: Request, flow: Flow, verb: str, item_id: int) -> None:
    t = rq.t
    end_flow(rq)
    c = flow.contact
    result = await contact_service.add_contact(
        rq.core,
        rq.me,
        flow.client_id,
        c.get("role") or "",
        name=c.get("name"),
        organisation=c.get("organisation"),
        phone=c.get("phone"),
        email=c.get("email"),
        shareable=verb == "s1",
    )
    await answer_query(rq.query)
    if result.status != "ok" or result.client is None:
        await chosen(rq, t("That does not fit. Nothing was saved."))
        return
    await chosen(rq, t("Saved."))
    await show_contacts(rq, result.client)
