"""Every prompt file renders with sample values, and rendering is strict both ways."""

from __future__ import annotations

import re

import pytest

from bot.chat.prompts import PromptError, PromptLibrary


def test_every_prompt_renders_with_sample_values() -> None:
    prompts = PromptLibrary()
    names = prompts.names()
    assert len(names) >= 30
    for name, lang in names:
        values = {v: f"<{v}>" for v in prompts.variables(name, lang)}
        text = prompts.render(name, lang, **values)
        assert text.strip(), f"{name}.{lang} is empty"
        assert "{{" not in text, f"{name}.{lang} left a variable unfilled"
        for value in values.values():
            assert value in text


def test_every_prompt_exists_in_both_languages_with_the_same_variables() -> None:
    prompts = PromptLibrary()
    names = prompts.names()
    by_name: dict[str, set[str]] = {}
    for name, lang in names:
        by_name.setdefault(name, set()).add(lang)
    # The English-only gloss and the offline framing are still provided in both languages.
    for name, langs in by_name.items():
        assert langs == {"zh", "en"}, f"{name} lacks a language: {langs}"
        assert prompts.variables(name, "zh") == prompts.variables(name, "en"), name


def test_missing_variable_raises_and_names_it() -> None:
    with pytest.raises(PromptError, match=r"missing variables \['expiry'\]"):
        PromptLibrary().render("note_expired", "zh", title="《x》")


def test_unused_variable_raises() -> None:
    with pytest.raises(PromptError, match=r"unused variables \['extra'\]"):
        PromptLibrary().render("greeting", "en", extra="x")


def test_missing_file_raises_with_its_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PromptError, match=re.escape(str(tmp_path / "nope.zh.md"))):
        PromptLibrary(tmp_path).render("nope", "zh")


def test_no_prompt_text_in_python_sources() -> None:
    """The Chinese reply sentences live in prompts/, not in bot/chat/*.py."""
    from pathlib import Path

    import bot.chat

    folder = Path(bot.chat.__file__).parent
    for path in folder.glob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            assert "请以最新文件为准" not in line and "12333" not in line, (path, line)
