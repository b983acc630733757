"""The profile form's adapter over the real planning package and the shipped catalogue."""

from __future__ import annotations

from datetime import date

import pytest

from bot.errors import ValidationFailed
from bot.settings import Settings
from ui.planning import form_profile, make_plan_maker


def test_form_fields_become_a_profile_and_the_form_wins_over_free_text() -> None:
    fields = {
        "education": "bachelor",
        "major": "会计",
        "graduation_year": 2026,
        "home_province": "甘肃",
        "target_province": "",
        "paths": ["grassroots"],
        "circumstances": ["dibao"],
        "describe": "我是硕士，想去北京",
    }
    profile = form_profile(fields, "zh", date(2026, 3, 1))
    assert profile.education == "bachelor"  # the form's choice beats the text's 硕士
    assert profile.major == "会计" and profile.graduation_date == date(2026, 6, 30)
    assert profile.paths == ["grassroots"] and profile.circumstances == ["dibao"]
    assert profile.target_regions  # taken from the free text (北京)


def test_a_bad_form_value_names_the_field() -> None:
    with pytest.raises(ValidationFailed, match="home_province"):
        form_profile({"home_province": "Atlantis"}, "zh", date(2026, 3, 1))


def test_plan_maker_writes_a_plan_from_the_catalogue(settings: Settings) -> None:
    maker = make_plan_maker(settings, retriever=None)
    assert maker is not None, "knowledge/resources.yaml should load"
    markdown, profile = maker(
        {"education": "bachelor", "circumstances": ["dibao"], "graduation_year": 2026}, "zh"
    )
    assert markdown.startswith("#") and "一次性求职补贴" in markdown
    assert profile["circumstances"] == ["dibao"] and profile["language"] == "zh"
    english, _ = maker({"education": "master", "paths": ["startup"]}, "en")
    assert "plan" in english.lower()
