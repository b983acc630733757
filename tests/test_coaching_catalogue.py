"""The occupation catalogue: schema, coverage, the cross-check and search."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.coaching.occupations import (
    check_catalogue,
    default_path,
    load_occupations,
    parse_occupations,
    search,
)
from bot.errors import ValidationFailed
from bot.planning.catalogue import load_catalogue

DOCS = Path(__file__).resolve().parents[1] / "knowledge" / "docs"
# The large disciplines: 工、理、文、经管、法、医、农、教育、艺术.
GROUPS = {
    "工": {"engineering"},
    "理": {"science"},
    "文": {"literature", "history", "philosophy"},
    "经管": {"economics", "management"},
    "法": {"law"},
    "医": {"medicine"},
    "农": {"agriculture"},
    "教育": {"education"},
    "艺术": {"arts"},
}


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(default_path().read_text(encoding="utf-8"))


def test_the_catalogue_covers_every_large_discipline() -> None:
    catalogue = load_occupations()
    assert len(catalogue.occupations) >= 120
    for group, codes in GROUPS.items():
        count = sum(bool(codes & set(o.disciplines)) for o in catalogue.occupations)
        assert count >= 5, f"{group}: only {count} occupations"


def test_every_fact_names_a_known_source() -> None:
    catalogue = load_occupations()
    for occ in catalogue.occupations:
        assert occ.riasec.source in catalogue.sources
        if occ.dadian:
            assert occ.dadian.source == "dadian-2022" and occ.dadian.via
    for cert in catalogue.certificates.values():
        assert cert.source in catalogue.sources


def test_the_cross_check_passes_on_the_shipped_files() -> None:
    assert check_catalogue(load_occupations(), load_catalogue(), DOCS) == []


def test_the_growth_fields_quote_the_reference_paper(shared_corpus: Path) -> None:
    catalogue = load_occupations()
    assert check_catalogue(catalogue, load_catalogue(), DOCS, shared_corpus.parent) == []
    data = catalogue.model_dump()
    data["growth_fields"]["ai"]["quote"] = "论文里没有的词语"
    problems = check_catalogue(
        parse_occupations(data), load_catalogue(), DOCS, shared_corpus.parent
    )
    paper = "corpus/seeds/graduate-employment-mechanism-paper.txt"
    assert problems == [f"growth field 'ai': quote '论文里没有的词语' is not in {paper}"]


def test_an_unreachable_employment_resource_is_reported(raw: dict) -> None:
    data = dict(raw)
    data["routes"] = {k: dict(v) for k, v in raw["routes"].items()}
    data["routes"]["special_post"]["resources"] = []
    problems = check_catalogue(parse_occupations(data), load_catalogue(), DOCS)
    assert problems == ["resource 'special-post-teachers' is reachable from no occupation"]


def test_a_route_clause_not_in_its_document_is_reported(raw: dict) -> None:
    data = dict(raw)
    data["routes"] = {k: dict(v) for k, v in raw["routes"].items()}
    data["routes"]["campus"]["clause"] = {
        **raw["routes"]["campus"]["clause"],
        "quote": "没有这句话",
    }
    problems = check_catalogue(parse_occupations(data), load_catalogue(), DOCS)
    assert len(problems) == 1 and "route 'campus'" in problems[0] and "没有这句话" in problems[0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"routes": ["campus", "nowhere"]}, "unknown route 'nowhere'"),
        ({"riasec": {"code": "IIA", "source": "careercoach-editorial"}}, "repeats a letter"),
        (
            {
                "dadian": {
                    "code": "2-02-10",
                    "title": "x",
                    "source": "dadian-2022",
                    "checked": "secondary",
                    "via": "somewhere public",
                }
            },
            "dadian.code",
        ),
        ({"disciplines": ["cooking"]}, "unknown discipline"),
        ({"salary": 10000}, "unknown field"),
    ],
)
def test_a_bad_entry_names_the_occupation_and_the_field(
    raw: dict, change: dict, message: str
) -> None:
    data = dict(raw)
    data["occupations"] = [dict(raw["occupations"][0], **change), *raw["occupations"][1:]]
    with pytest.raises(ValidationFailed, match=message) as caught:
        parse_occupations(data, source="occupations.yaml")
    assert raw["occupations"][0]["id"] in str(caught.value.message)
    assert "occupations.yaml" in caught.value.message_zh


def test_search_by_words_major_and_code() -> None:
    catalogue = load_occupations()
    teachers = search(catalogue, "教师")
    assert teachers and all(
        "教师" in o.name.zh or "教" in " ".join(o.majors) or o.dadian for o in teachers
    )
    by_major = search(catalogue, major="护理学")
    assert "nurse" in {o.id for o in by_major}
    assert all(any("护理" in m for m in o.majors) for o in by_major)
    social = search(catalogue, code="SA")
    assert social and all(set(o.riasec.code[:2]) == {"S", "A"} for o in social)
    assert search(catalogue, "no-such-occupation-word") == []
