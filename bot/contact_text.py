"""How a client's partner contacts read: on the worker's card and list, and to the client."""

from __future__ import annotations

from html import escape

from bot.callbacks import encode
from bot.i18n import N_, Translator
from bot.outgoing import OutMessage
from storage.models import PartnerContact

ROLE_LABELS = {
    "prison": N_("Prison"),
    "social_worker": N_("Social worker (omatyöntekijä)"),
    "housing": N_("Housing"),
    "substance_use": N_("Substance-use services"),
    "health": N_("Health services"),
    "probation": N_("Probation (Rikosseuraamuslaitos)"),
    "other": N_("Other"),
}


def role_label(t: Translator, role: str) -> str:
    return t(ROLE_LABELS.get(role, ROLE_LABELS["other"]))


def contact_line(t: Translator, contact: PartnerContact) -> str:
    """'Prison: Liisa Laine, Vantaa prison, ☎ 029 56 60400, ✉ liisa@example.fi' (HTML-escaped)."""
    parts = [t.ltr(escape(v, quote=False)) for v in (contact.name, contact.organisation) if v]
    if contact.phone:
        parts.append("☎ " + t.ltr(escape(contact.phone, quote=False)))
    if contact.email:
        parts.append("✉ " + t.ltr(escape(contact.email, quote=False)))
    return role_label(t, contact.role) + ": " + ", ".join(parts)


def useful_numbers(t: Translator, contacts: list[PartnerContact]) -> OutMessage:
    """The contacts the worker shared with the client."""
    if not contacts:
        return OutMessage(t("Your worker has not added any numbers for you yet."), protect=True)
    lines = [t("Useful numbers from your worker:")]
    lines += ["• " + contact_line(t, c) for c in contacts]
    return OutMessage("\n".join(lines), protect=True)


def useful_numbers_button(t: Translator) -> tuple[str, str]:
    """The button under /help that shows them."""
    return (t("📇 Useful numbers"), encode("un", 0, "show"))
