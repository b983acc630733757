"""The resource catalogue: schema errors name the entry and field; every clause is real."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.errors import ValidationFailed
from bot.planning.catalogue import default_catalogue_path, load_catalogue, parse_catalogue
from bot.planning.clauses import DocumentShelf, unverified_clauses
from tests.conftest import FIXTURES, REPO

MINI = FIXTURES / "planning" / "resources.yaml"
MINI_DOCS = FIXTURES / "planning" / "docs"


def _mini() -> dict[str, Any]:
    return yaml.safe_load(MINI.read_text(encoding="utf-8"))


def test_the_real_catalogue_loads_and_covers_the_main_kinds() -> None:
    catalogue = load_catalogue(default_catalogue_path())
    kinds = {r.kind for r in catalogue.resources}
    assert {"programme", "subsidy", "loan", "exam"} <= kinds
    ids = {r.id for r in catalogue.resources}
    assert {
        "job-seeking-subsidy",
        "sanzhi-yifu",
        "western-volunteer",
        "special-post-teachers",
        "selected-graduates",
        "startup-guarantee-loan",
        "military-enlistment",
    } <= ids


def test_every_clause_of_the_real_catalogue_is_in_its_document() -> None:
    catalogue = load_catalogue(default_catalogue_path())
    assert len(catalogue.clauses()) > 50
    assert unverified_clauses(catalogue, REPO / "knowledge" / "docs") == []


def test_every_regional_entry_points_to_the_local_rule() -> None:
    catalogue = load_catalogue(default_catalogue_path())
    for resource in catalogue.resources:
        if resource.regional:
            assert resource.local_rule is not None, resource.id
    assert catalogue.get("job-seeking-subsidy").regional


def test_the_mini_catalogue_verifies_against_its_fixture_documents() -> None:
    catalogue = load_catalogue(MINI)
    assert unverified_clauses(catalogue, MINI_DOCS) == []


def test_a_wrong_quote_section_or_document_is_reported() -> None:
    data = _mini()
    conditions = data["resources"][0]["conditions"]
    conditions[0]["clause"]["quote"] = "这句话不在文件里"
    conditions[1]["clause"]["section"] = "不存在的标题"
    conditions[2]["clause"]["doc"] = "missing-doc.md"
    problems = unverified_clauses(parse_catalogue(data), MINI_DOCS)
    assert any("does not contain '这句话不在文件里'" in p for p in problems)
    assert any("has no heading '不存在的标题'" in p for p in problems)
    assert any("'missing-doc.md' does not exist" in p for p in problems)


def test_quotes_match_across_whitespace_emphasis_and_subsections() -> None:
    shelf = DocumentShelf(MINI_DOCS)
    data = _mini()["resources"][0]["conditions"]
    catalogue_clause = parse_catalogue(_mini()).resources[0].conditions[0].clause
    assert catalogue_clause is not None
    assert shelf.problem(catalogue_clause) is None  # "高校毕业生" is bold in the document
    assert data[2]["clause"]["section"] == "谁可以申请"  # its quote sits in the ### subsection
    assert shelf.title("demo-grant.md") == "演示补贴指南"


def _error(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationFailed) as caught:
        parse_catalogue(data, source="resources.yaml")
    return caught.value.message


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["resources"][0]["conditions"][2].update(field="salary"),
            ["'demo-grant'", "conditions[2]", "unknown field 'salary'"],
        ),
        (
            lambda d: d["resources"][0]["conditions"][1].update(value="rich"),
            ["'demo-grant'", "conditions[1]", "'rich' is not a circumstances code"],
        ),
        (
            lambda d: d["resources"][0]["conditions"][2].update(op="contains"),
            ["'demo-grant'", "conditions[2]", "operator 'contains' does not suit field 'age'"],
        ),
        (
            lambda d: d["resources"][0]["conditions"][0].pop("clause"),
            ["'demo-grant'", "has no clause"],
        ),
        (
            lambda d: d["resources"][1].pop("channel"),
            ["'demo-service'", "field 'channel'", "required field is missing"],
        ),
        (lambda d: d["resources"][1].update(id="demo-grant"), ["duplicate id 'demo-grant'"]),
        (lambda d: d["resources"][0].update(kind="gift"), ["'demo-grant'", "field 'kind'"]),
        (lambda d: d["resources"][0].update(regional=True), ["'demo-grant'", "local_rule"]),
        (
            lambda d: d["resources"][0]["windows"][0].update(months=[13]),
            ["'demo-grant'", "windows[0]", "between 1 and 12"],
        ),
        (
            lambda d: d["calendar"][0].update(typical=False),
            ["calendar entry 'demo-fair'", "needs a clause, or typical: true"],
        ),
        (
            lambda d: d["resources"][0]["apply"][0]["clause"].update(doc="notes.txt"),
            ["'demo-grant'", "apply[0].clause.doc"],
        ),
        (
            lambda d: d["resources"][0].update(last_checked="yesterday"),
            ["'demo-grant'", "field 'last_checked'"],
        ),
        (
            lambda d: d["resources"][0].update(colour="red"),
            ["'demo-grant'", "field 'colour'", "unknown field"],
        ),
    ],
)
def test_a_maintainers_mistake_names_the_entry_and_field(mutate: Any, expected: list[str]) -> None:
    data = copy.deepcopy(_mini())
    mutate(data)
    message = _error(data)
    for part in expected:
        assert part in message


def test_chinese_message_and_bad_yaml(tmp_path: Path) -> None:
    data = _mini()
    data["resources"][0]["paths"] = ["moon_landing"]
    with pytest.raises(ValidationFailed) as caught:
        parse_catalogue(data)
    assert "demo-grant" in caught.value.message_zh and "字段" in caught.value.message_zh
    broken = tmp_path / "resources.yaml"
    broken.write_text("resources: [\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="not valid YAML"):
        load_catalogue(broken)
    with pytest.raises(ValidationFailed, match="cannot read"):
        load_catalogue(tmp_path / "absent.yaml")
