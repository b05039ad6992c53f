"""/refer: a partner tells the team of a person at the start of their sentence."""

from __future__ import annotations

from bot.i18n import LANGUAGE_NAMES, LANGUAGES, Translator
from bot.messages import h
from bot.partner_text import REFERRAL_REASONS, release_date_example
from bot.services import onboarding
from bot.services import referrals as referral_service
from bot.services.onboarding import OnboardingError
from bot.timeparse import TimeParseError
from handlers import keyboards as kb
from handlers.common import Request, answer_query
from handlers.context import Flow
from handlers.worker.flow import begin_flow, chosen, end_flow, flow_buttons, prompt


def _ask_nickname(t: Translator) -> str:
    return t(
        "Who is the referral for? A first name or a nickname is enough. Never write an "
        "identity number or health details."
    )


async def cmd_refer(rq: Request) -> None:
    """/refer: nickname, expected release date, language, consent, reason; then the team."""
    flow = begin_flow(rq, "refer", "nickname")
    if rq.args:
        await on_nickname(rq, flow, rq.args)
        return
    await prompt(rq, flow, _ask_nickname(rq.t))


async def on_nickname(rq: Request, flow: Flow, text: str) -> None:
    t = rq.t
    try:
        nickname = onboarding.check_nickname(text)
    except OnboardingError as exc:
        if exc.code == "identity_code":
            problem = t(
                "That looks like a personal identity code. Please use only a first name or a "
                "nickname."
            )
        else:
            problem = t("Please write a nickname of 1 to {n} characters.").format(
                n=onboarding.MAX_NICKNAME
            )
        await prompt(rq, flow, problem)
        return
    flow.nickname = nickname
    flow.step = "release"
    await prompt(
        rq,
        flow,
        t("When is {client} expected to be released? For example {example}.").format(
            client=t.ltr(h(nickname)), example="15.3.2027"
        ),
    )


async def on_release(rq: Request, flow: Flow, text: str) -> None:
    t = rq.t
    today = rq.core.now().astimezone(rq.core.policy.zone).date()
    try:
        day = onboarding.parse_release_date(text, today)
    except TimeParseError:
        day = None
    if day is None or day < today:
        await prompt(
            rq,
            flow,
            release_date_example(t),
        )
        return
    flow.release = day
    flow.step = "language"
    button = flow_buttons(flow)
    rows = kb.pairs([(LANGUAGE_NAMES[code], button(f"lang-{code}")) for code in LANGUAGES])
    await prompt(
        rq,
        flow,
        t("Which language does {client} read?").format(client=t.ltr(h(flow.nickname))),
        rows,
    )


async def on_language(rq: Request, flow: Flow, verb: str, item_id: int) -> None:
    t = rq.t
    code = verb.removeprefix("lang-")
    if code not in LANGUAGES:
        await kb.stale(rq.query, t)
        return
    await answer_query(rq.query)
    await chosen(rq, LANGUAGE_NAMES[code])
    flow.language = code
    flow.step = "consent"
    button = flow_buttons(flow)
    await prompt(
        rq,
        flow,
        t("Did the client agree that the prison contacts social services?"),
        [
            [(t("Yes, the client agreed"), button("c-yes"))],
            [(t("Not asked yet"), button("c-not_asked"))],
        ],
    )


async def on_consent(rq: Request, flow: Flow, verb: str, item_id: int) -> None:
    t = rq.t
    consent = verb.removeprefix("c-")
    if consent not in referral_service.CONSENTS:
        await kb.stale(rq.query, t)
        return
    await answer_query(rq.query)
    await chosen(rq, t("Yes") if consent == "yes" else t("Not asked yet"))
    flow.kind = consent
    flow.step = "reason"
    button = flow_buttons(flow)
    rows = [[(t(text), button(f"r-{key}"))] for key, text in REFERRAL_REASONS.items()]
    await prompt(rq, flow, t("What is the referral mainly about?"), rows)


async def on_reason(rq: Request, flow: Flow, verb: str, item_id: int) -> None:
    t = rq.t
    reason = verb.removeprefix("r-")
    if reason not in REFERRAL_REASONS or flow.release is None or flow.language is None:
        await kb.stale(rq.query, t)
        return
    await answer_query(rq.query)
    await chosen(rq, t(REFERRAL_REASONS[reason]))
    end_flow(rq)
    try:
        await referral_service.refer(
            rq.core,
            rq.partner,
            nickname=flow.nickname,
            release_date=flow.release,
            language=flow.language,
            consent=flow.kind,
            reason=reason,
        )
    except OnboardingError:
        await rq.reply(t("Something went wrong. Please try again."))
        return
    await rq.reply(
        t(
            "Thank you. The referral of {client} went to the social services team; you will hear "
            "here who takes it."
        ).format(client=t.ltr(h(flow.nickname)))
    )
