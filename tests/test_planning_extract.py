"""Profiles from YAML and from free text (Chinese and English), offline rules only."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.errors import ValidationFailed
from bot.planning.extract import rules_profile
from bot.planning.profile import Profile, load_profile

TODAY = date(2026, 11, 22)


def test_yaml_profile_accepts_labels_aliases_and_cities(tmp_path: Path) -> None:
    path = tmp_path / "me.yaml"
    path.write_text(
        "education: 本科\nmajor: 会计\ngraduation_date: 2027-06\nhome_province: 兰州\n"
        "target_regions: [甘肃省, Shanghai]\ncircumstances: [低保户, 建档立卡]\n"
        "paths: [考公, 基层项目]\nnationality: China\ninterests: 写作，摄影\n",
        encoding="utf-8",
    )
    profile = load_profile(path)
    assert profile.education == "bachelor"
    assert profile.graduation_date == date(2027, 6, 30)
    assert profile.home_province == "甘肃"
    assert profile.target_regions == ["甘肃", "上海"]
    assert profile.circumstances == ["dibao", "poverty_alleviated"]
    assert profile.paths == ["civil_service", "grassroots"]
    assert profile.nationality == "中国"
    assert profile.interests == ["写作", "摄影"]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("education: 小学\n", "education"),
        ("circumstances: [有钱]\n", "circumstances"),
        ("home_province: 火星\n", "home_province"),
        ("graduation_date: next year\n", "graduation_date"),
        ("age: 9\n", "age"),
        ("favourite_food: 面条\n", "favourite_food"),
    ],
)
def test_yaml_mistakes_name_the_field(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "me.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        load_profile(path)
    assert f"field '{field}'" in caught.value.message
    assert f"“{field}”" in caught.value.message_zh


def test_a_yaml_list_at_top_level_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "me.yaml"
    path.write_text("- 本科\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="mapping"):
        load_profile(path)


def test_merging_keeps_known_fields_and_takes_newer_ones() -> None:
    old = Profile(education="本科", circumstances=[])
    new = Profile(major="会计", education="硕士")
    merged = old.merged(new)
    assert (merged.education, merged.major, merged.circumstances) == ("master", "会计", [])


CASES = [
    (
        "本科会计专业，甘肃人，家里是低保户，想回老家工作",
        {
            "education": "bachelor",
            "major": "会计",
            "discipline": "management",
            "home_province": "甘肃",
            "target_regions": ["甘肃"],
            "circumstances": ["dibao"],
            "language": "zh",
        },
    ),
    (
        "我是计算机专业硕士，26届，想去深圳做人工智能算法",
        {
            "education": "master",
            "major": "计算机",
            "graduation_date": date(2026, 6, 30),
            "target_regions": ["广东"],
            "paths": ["private"],
        },
    ),
    (
        "毕业两年了还没找到工作，大专，学的是市场营销，河南人",
        {
            "education": "zhuanke",
            "major": "市场营销",
            "graduation_date": date(2024, 6, 30),
            "home_province": "河南",
            "employed": False,
            "circumstances": ["unemployed_after_leaving"],
        },
    ),
    (
        "专科大三，想专升本，家里是贫困户，广西的",
        {
            "education": "zhuanke",
            "paths": ["upgrade_degree"],
            "circumstances": ["poverty_alleviated"],
            "graduation_date": date(2027, 6, 30),
            "home_province": "广西",
        },
    ),
    (
        "退伍军人，本科，想考公",
        {"education": "bachelor", "paths": ["civil_service"], "circumstances": ["veteran"]},
    ),
    (
        "博士在读，物理专业，28岁，想做科研，预备党员",
        {
            "education": "phd",
            "major": "物理",
            "age": 28,
            "paths": ["research"],
            "political_status": "probationary_member",
        },
    ),
    (
        "美术专业本科毕业，想自己创业开个工作室，家在成都",
        {
            "education": "bachelor",
            "discipline": "arts",
            "paths": ["startup"],
            "home_province": "四川",
        },
    ),
    (
        "I'm an international student from Pakistan, master's in computer science, "
        "graduating in 2027.",
        {
            "language": "en",
            "education": "master",
            "nationality": "Pakistan",
            "major": "computer science",
            "graduation_date": date(2027, 6, 30),
            "home_province": None,
        },
    ),
    (
        "I have a bachelor degree in accounting, graduated in 2026, my family is low-income, "
        "I'm from Gansu and want to go back home",
        {
            "language": "en",
            "education": "bachelor",
            "home_province": "甘肃",
            "target_regions": ["甘肃"],
            "circumstances": ["dibao"],
        },
    ),
    (
        "本科，2027届，家庭没有特殊情况，想进国企",
        {"circumstances": [], "paths": ["soe"], "graduation_date": date(2027, 6, 30)},
    ),
    (
        "我是残疾人，本科英语专业，办了助学贷款",
        {"circumstances": ["disability", "student_loan"], "major": "英语"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_rules_read_the_description(text: str, expected: dict[str, object]) -> None:
    profile = rules_profile(text, TODAY)
    for field, value in expected.items():
        assert getattr(profile, field) == value, field


def test_nothing_said_nothing_filled() -> None:
    profile = rules_profile("你好", TODAY)
    assert profile.known_fields() == ["language"]
    assert "考研" not in (profile.major or "")
    assert rules_profile("我想考研", TODAY).education is None  # 考研 is a path, not a degree
