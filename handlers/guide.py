"""The client's service guide: /guide, and the buttons that move between its topics."""

from __future__ import annotations

from bot.callbacks import Callback
from bot.guide import screens
from bot.services import guide as guide_service
from handlers.common import Request, answer_query, edit_query_message


async def cmd_guide(rq: Request) -> None:
    """/guide: the list of topics."""
    _version, guide = await guide_service.current_guide(rq.core)
    await rq.reply(screens.index(rq.t, guide))


async def on_guide(rq: Request, cb: Callback) -> None:
    """A topic, or back to the list; the screen is replaced, so the chat stays short."""
    t = rq.t
    _version, guide = await guide_service.current_guide(rq.core)
    await answer_query(rq.query)
    # A topic the county removed meanwhile shows the list as it is now.
    topic = guide.topic(cb.choice)
    screen = screens.index(t, guide) if topic is None else screens.topic_screen(t, topic)
    if cb.choice == screens.NEW_INDEX or rq.query is None:
        await rq.reply(screen)
    else:
        await edit_query_message(rq.query, screen.text, screen.buttons)
