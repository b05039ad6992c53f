"""Why a typed value was refused, as text that reads in English and translates later.

A `Reason` is a str (the English text, for the command line and logs) that also keeps its
gettext message id and format arguments, so the bot can say it in the admin's language.
"""

from __future__ import annotations

from typing import Any, Protocol


class Translate(Protocol):
    def __call__(self, message: str) -> str: ...


class Reason(str):
    """English text of `msgid` formatted with `args`; `render` says it in another language."""

    msgid: str
    args: dict[str, Any]

    def __new__(cls, msgid: str, **args: Any) -> Reason:
        self = super().__new__(cls, msgid.format(**args))
        self.msgid = msgid
        self.args = args
        return self


def render(t: Translate, reason: str) -> str:
    """`reason` in the language of `t` (plain text that is not a Reason stays as it is)."""
    if isinstance(reason, Reason):
        return t(reason.msgid).format(**reason.args)
    return reason
