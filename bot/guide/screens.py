"""The guide as the client sees it: a list of topics, one screen per topic, buttons to move."""

from __future__ import annotations

from bot.callbacks import encode
from bot.guide import Guide, Topic
from bot.i18n import LANGUAGE_NAMES, Translator
from bot.messages import h
from bot.outgoing import OutMessage

# Choices of the "all topics" buttons; topic keys start with a letter, so they never clash.
# NEW_INDEX sits under messages that stay (/help, a topic a worker sent): the list comes new.
INDEX = "_index"
NEW_INDEX = "_new"


def guide_button(t: Translator) -> tuple[str, str]:
    """The button that opens the guide (on /help and after joining) as a new message."""
    return (t("📖 Service guide"), encode("gd", 0, NEW_INDEX))


def index(t: Translator, guide: Guide) -> OutMessage:
    """The list of topics, two buttons to a row."""
    buttons = [
        (topic.title[topic.language_for(t.lang)], encode("gd", 0, topic.key))
        for topic in guide.topics
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    text = t("📖 Service guide: which office does what. Choose a topic.")
    return OutMessage(text, rows, protect=True)


def topic_text(t: Translator, topic: Topic) -> str:
    """A topic's title and text in the reader's language, or the fallback with a note."""
    lang = topic.language_for(t.lang)
    lines = [f"<b>{h(topic.title[lang])}</b>", "", h(topic.text[lang])]
    if lang != t.lang:
        lines += [
            "",
            t("This topic is not yet in your language. Here it is in {language}.").format(
                language=LANGUAGE_NAMES.get(lang, lang)
            ),
        ]
    return "\n".join(lines)


def topic_screen(t: Translator, topic: Topic) -> OutMessage:
    """One topic, with a button back to the list."""
    back = [[(t("◀️ All topics"), encode("gd", 0, INDEX))]]
    return OutMessage(topic_text(t, topic), back, protect=True)


def sent_topic(t: Translator, worker_first_name: str, topic: Topic) -> OutMessage:
    """A topic a worker sent; the first line (a lock-screen preview) names only the worker."""
    head = t("{worker} sent you a page from the guide:").format(worker=t.ltr(h(worker_first_name)))
    back = [[(t("📖 All topics"), encode("gd", 0, NEW_INDEX))]]
    return OutMessage(f"{head}\n\n{topic_text(t, topic)}", back, protect=True)
