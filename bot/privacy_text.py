"""What Silta tells a client about their data: /privacy in full, and in short on the consent
screen. Both read the controller, its data-protection contact and the retention from the policy,
so the text always says what this installation really does."""

from __future__ import annotations

from bot.callbacks import encode
from bot.i18n import Translator
from bot.messages import h
from bot.outgoing import OutMessage
from bot.policy import Policy


def _controller(t: Translator, policy: Policy) -> str:
    """The data controller's name, or a general wording when the admin has not set one."""
    if policy.privacy.controller:
        return t.ltr(h(policy.privacy.controller))
    return t("the organisation your worker works for")


def _retention_days(policy: Policy) -> int:
    """The retention period in whole days (at least one)."""
    return max(1, round(policy.retention.total_seconds() / 86400))


def privacy(t: Translator, policy: Policy) -> OutMessage:
    """The full privacy notice: who, what, how long, how to see it, how to stop."""
    days = _retention_days(policy)
    who = [t("Who keeps your data: {controller}.").format(controller=_controller(t, policy))]
    if policy.privacy.contact:
        who.append(
            t("Data protection contact: {contact}").format(contact=t.ltr(h(policy.privacy.contact)))
        )
    parts = [
        # The first line is a lock-screen preview: it says only "your data".
        t("🔒 Your data in Silta"),
        "\n".join(who),
        t(
            "What is kept: your Telegram account number, the name your worker wrote, your "
            "language, your answers, the messages and files you send here, and the meetings, "
            "deadlines and plan your worker adds. Nothing else about you is asked here."
        ),
        t.ngettext(
            "How long: while you use Silta, and {n} day after it ends. Then it is deleted.",
            "How long: while you use Silta, and {n} days after it ends. Then it is deleted.",
            days,
        ).format(n=days),
        t(
            "Who sees it: your worker, and their colleagues when your worker is away. "
            "Messages travel through Telegram."
        ),
        t(
            "To see your data, ask your worker: they can give you a copy of everything Silta "
            "keeps about you."
        ),
        t(
            "To stop: /stop pauses the messages. To end Silta for good, tell your worker; "
            "your data is then deleted after the time above."
        ),
    ]
    return OutMessage("\n\n".join(parts), protect=True)


def privacy_short(t: Translator, policy: Policy) -> str:
    """The same in two sentences, for the consent screen."""
    days = _retention_days(policy)
    return t.ngettext(
        "Your data is kept by {controller}, while you use Silta and {n} day after. "
        "You can stop at any time.",
        "Your data is kept by {controller}, while you use Silta and {n} days after. "
        "You can stop at any time.",
        days,
    ).format(controller=_controller(t, policy), n=days)


def privacy_button(t: Translator) -> tuple[str, str]:
    """A button that opens the full notice in `t`'s language (also before joining)."""
    return (t("🔒 Your data"), encode("pv", 0, t.lang))
