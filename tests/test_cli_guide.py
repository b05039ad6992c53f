"""`silta guide show|apply`: the county's guide is checked whole, stored as a new version, and
a file with problems names every one and changes nothing."""

from __future__ import annotations

from pathlib import Path

from bot.core import Core
from bot.guide import default_guide, guide_from_toml
from bot.services import guide as guide_service
from tests.test_cli_admin import Run, db_path, silta, with_core  # noqa: F401  (fixtures)


def _version(path: Path) -> int:
    async def go(core: Core) -> int:
        version, _guide = await guide_service.current_guide(core)
        return version

    return with_core(path, go)


def test_show_prints_the_default_which_applies_back_unchanged(
    silta: Run,  # noqa: F811
    db_path: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    code, out, _ = silta("guide", "show")
    assert code == 0
    assert guide_from_toml(out) == default_guide()
    assert "014 266 0149" in out and "09 2525 0111" in out and "112" in out
    (tmp_path / "g.toml").write_text(out, encoding="utf-8")
    code, out, _ = silta("guide", "apply", str(tmp_path / "g.toml"))
    assert (code, out.strip()) == (0, "guide unchanged (version 0)")


def test_a_changed_number_is_stored_as_a_new_version(
    silta: Run,  # noqa: F811
    db_path: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    _, text, _ = silta("guide", "show")
    (tmp_path / "g.toml").write_text(text.replace("014 266 0149", "014 000 0000"), "utf-8")
    code, out, err = silta("guide", "apply", str(tmp_path / "g.toml"))
    assert code == 0, err
    assert "guide version 1 stored: 6 topics" in out
    _, shown, _ = silta("guide", "show")
    assert "014 000 0000" in shown and "014 266 0149" not in shown
    assert _version(db_path) == 1


def test_a_missing_language_and_a_long_topic_are_both_named_and_nothing_applied(
    silta: Run,  # noqa: F811
    db_path: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    _, text, _ = silta("guide", "show")
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("title.et")]
    broken = "".join(lines) + (
        '\n[topics.long]\ntitle.fi = "Pitkä"\ntitle.en = "Long"\n'
        f'text.fi = "{"sana " * 700}"\ntext.en = "Short."\nfallback = "en"\n'
    )
    (tmp_path / "bad.toml").write_text(broken, encoding="utf-8")
    code, out, err = silta("guide", "apply", str(tmp_path / "bad.toml"))
    assert code == 2
    assert "nothing was changed" in err
    for topic in ("money", "housing", "id_bank", "health", "social_office", "crisis"):
        assert f"topics.{topic}.title.et: missing" in err, topic
    assert "topics.long.text.fi: 3499 characters; at most 3000" in err
    assert _version(db_path) == 0


def test_a_topic_with_a_fallback_may_leave_languages_out(
    silta: Run,  # noqa: F811
    db_path: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    (tmp_path / "g.toml").write_text(
        '[topics.food]\nfallback = "fi"\ntitle.fi = "Ruoka-apu"\ntitle.en = "Food aid"\n'
        'text.fi = "Ruoka-apua saa seurakunnilta."\ntext.en = "Churches give food aid."\n',
        encoding="utf-8",
    )
    code, out, err = silta("guide", "apply", str(tmp_path / "g.toml"))
    assert code == 0, err
    assert "shown in fi/en with a note where not translated: food" in out
