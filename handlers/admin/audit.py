"""/audit: the latest audit log entries."""

from __future__ import annotations

from bot.i18n import N_
from bot.messages import h
from bot.services import admin as admin_service
from handlers.admin.shared import as_code, fit
from handlers.common import Request

AUDIT_LINES = 20


ACTOR_LABELS = {
    "client": N_("client"),
    "system": N_("Silta"),
    "cli": N_("command line"),
}


async def cmd_audit(rq: Request) -> None:
    """The latest audit entries: when, who, what, which client."""
    t = rq.t
    zone = rq.core.policy.zone
    entries = await admin_service.recent_audit(rq.core, AUDIT_LINES)
    lines = [t("<b>Audit log</b>, the latest {count}:").format(count=len(entries))]
    for line in entries:
        e = line.entry
        if line.actor_name is not None:
            actor = t.ltr(h(line.actor_name))
        elif e.actor_kind in ACTOR_LABELS:
            actor = t(ACTOR_LABELS[e.actor_kind])
        else:
            actor = h(e.actor_kind)
        parts = [t.stamp(e.at, zone), actor, as_code(e.action)]
        if e.client_id is not None:
            parts.append(t.ltr(f"#{e.client_id}"))
        if e.detail:
            parts.append(h(e.detail))
        lines.append(" · ".join(parts))
    if not entries:
        lines.append(t("Nothing yet."))
    await rq.reply(fit(t, lines))
