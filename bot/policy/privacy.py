"""Policy settings about privacy: who keeps clients' data (shown by /privacy) and the words
that make an appointment place revealing on a lock screen."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

# --- privacy (what /privacy tells clients; words that make an appointment place revealing) ---

# Stems of words that reveal a clinic or service when they stand in an appointment's place;
# the worker is warned and may write a neutral wording instead.
_SENSITIVE_PLACES = [
    "klinik",
    "päihde",
    "päihtee",
    "katkaisu",
    "terveysasema",
    "terveyskeskus",
    "mielenterv",
    "psykiatr",
    "sosiaali",
    "kela",
    "rikosseuraamus",
    "vankila",
    "hälsocentral",
    "missbruk",
    "social",
    "fängelse",
    "clinic",
    "health",
    "substance",
    "prison",
    "probation",
]


def _words(value: list[str]) -> list[str]:
    """Lower-case stems, each a short word, no duplicates."""
    words: list[str] = []
    for raw in value:
        word = " ".join(str(raw).split()).lower()
        if len(word) > 40:
            raise ValueError(f"{word[:40]!r}…: at most 40 characters a word")
        if word and word not in words:
            words.append(word)
    if len(words) > 200:
        raise ValueError("at most 200 words")
    return words


def _optional_text(value: str) -> str:
    """One line of text, or empty when the admin writes - or none."""
    text = " ".join(str(value).split())
    return "" if text.lower() in ("-", "none") else text


class PrivacyPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    """Who keeps clients' data (shown by /privacy) and the words that make a place revealing."""

    # The data controller, e.g. the wellbeing services county; empty: "the social services".
    controller: Annotated[str, AfterValidator(_optional_text)] = Field(default="", max_length=200)
    # The data-protection officer's contact (an address, phone or web page).
    contact: Annotated[str, AfterValidator(_optional_text)] = Field(default="", max_length=200)
    sensitive_places: Annotated[list[str], AfterValidator(_words)] = Field(
        default_factory=lambda: list(_SENSITIVE_PLACES)
    )

    def revealing(self, place: str) -> bool:
        """Whether a typed place contains a word that names a clinic or service."""
        text = place.lower()
        return any(word in text for word in self.sensitive_places)
