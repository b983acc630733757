"""The distress and redaction suites, their line format and their place in the runner.

Fixtures are written here (never copied from the datasets); the detectors are fakes, so each
metric can be checked by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.chat.distress import Assessment
from bot.errors import ValidationFailed
from evals.gate import check
from evals.messages import load_messages, message_suite
from evals.runner import by_split, select
from evals.suites.distress import LABELS, run_distress
from evals.suites.redaction import outside_pieces, run_redaction


def write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


DISTRESS_ROWS = [
    {"id": "a", "message": "危险的话", "label": "distress", "kind": "literal", "split": "dev"},
    {"id": "b", "message": "委婉的话", "label": "distress", "kind": "euphemistic", "split": "test"},
    {"id": "c", "message": "平静的话", "label": "calm", "kind": "idiom", "split": "test"},
    {"id": "d", "message": "另一句平静的话", "label": "calm", "kind": "policy", "split": "test"},
]


def fake_assess(message: str) -> Assessment:
    levels = {"危险的话": "likely", "委婉的话": "possible", "平静的话": "possible"}
    return Assessment(levels.get(message, "none"), "fake", 0.01)  # type: ignore[arg-type]


def test_distress_metrics_count_either_level_as_caught(tmp_path: Path) -> None:
    cases = load_messages(write(tmp_path / "d.jsonl", DISTRESS_ROWS), LABELS)
    result = run_distress(cases, fake_assess, dataset="d")
    assert result.metrics == {
        "recall": 1.0,
        "likely_recall": 0.5,
        "false_alarm_rate": 0.5,
        "false_crisis_reply_rate": 0.0,
    }
    assert [c.passed for c in result.cases] == [True, True, False, True]
    assert result.counts["wrong calm:idiom"] == 1
    assert result.cases[2].details["level"] == "possible"


def test_splits_are_run_apart_and_the_gate_reads_test(tmp_path: Path) -> None:
    cases = load_messages(write(tmp_path / "d.jsonl", DISTRESS_ROWS), LABELS)
    halves = dict(by_split(cases, tmp_path / "d.jsonl"))
    assert [c.id for c in halves["dev"]] == ["a"] and len(halves["test"]) == 3
    dev = run_distress(halves["dev"], fake_assess, dataset="d")
    test = run_distress(halves["test"], fake_assess, dataset="d")
    dev.split, test.split = "dev", "test"
    limits = {"d": {"distress": {"false_alarm_rate": {"max": 0.2}}}}
    assert check([dev], limits) == []  # dev is never gated
    assert [s.metric for s in check([test], limits)] == ["false_alarm_rate"]


def test_a_bad_line_names_the_file_line_and_field(tmp_path: Path) -> None:
    bad = write(
        tmp_path / "bad.jsonl", [DISTRESS_ROWS[0], {"id": "x", "message": "m", "label": "maybe"}]
    )
    with pytest.raises(ValidationFailed, match=r"bad.jsonl:2: field 'label'"):
        load_messages(bad, LABELS)
    empty = write(tmp_path / "e.jsonl", [{"id": "x", "message": ""}])
    with pytest.raises(ValidationFailed, match="field 'message'") as raised:
        load_messages(empty)
    assert "字段" in raised.value.message_zh
    twice = write(tmp_path / "t.jsonl", [DISTRESS_ROWS[0], DISTRESS_ROWS[0]])
    with pytest.raises(ValidationFailed, match="duplicate id"):
        load_messages(twice, LABELS)


REDACTION_ROWS = [
    {
        "id": "r1",
        "message": "我叫某甲，电话一二三，补贴1500元",
        "pii": [{"text": "某甲", "kind": "name"}, {"text": "一二三", "kind": "phone"}],
        "keep": ["1500元"],
        "split": "test",
    },
    {"id": "r2", "message": "打12333问问", "pii": [], "keep": ["12333"], "split": "test"},
    {"id": "r3", "message": "我是某乙", "pii": [{"text": "某乙", "kind": "name"}], "keep": []},
]


def test_redaction_metrics(tmp_path: Path) -> None:
    rows = [{**r, "split": "test"} for r in REDACTION_ROWS]
    cases = load_messages(write(tmp_path / "r.jsonl", rows))

    def redact(text: str) -> str:
        # removes 某甲 and 一二三 but swallows the comma after 某甲; leaves 某乙; keeps the rest
        return text.replace("某甲，", "[姓名]").replace("一二三", "[电话]")

    result = run_redaction(cases, redact, dataset="r")
    assert result.metrics["recall"] == 2 / 3
    assert result.metrics["false_redaction_rate"] == 1 / 3  # r1 lost its comma
    assert result.metrics["keep_intact"] == 1.0
    assert result.counts["missed name"] == 1
    assert result.cases[0].details["damaged"] == "，电话"
    assert result.cases[1].passed and not result.cases[2].passed


def test_a_span_missing_from_its_message_is_a_dataset_error(tmp_path: Path) -> None:
    row = {"id": "r", "message": "你好", "pii": [{"text": "张三", "kind": "name"}], "keep": []}
    cases = load_messages(write(tmp_path / "r.jsonl", [row]))
    with pytest.raises(ValidationFailed, match="not in the message"):
        run_redaction(cases, lambda t: t, dataset="r")


def test_outside_pieces() -> None:
    assert outside_pieces("ab张三cd李四", ["张三", "李四"]) == ["ab", "cd"]
    assert outside_pieces("无", []) == ["无"]


def test_runner_picks_the_suite_from_the_line_format(tmp_path: Path) -> None:
    distress = write(tmp_path / "mine_d.jsonl", DISTRESS_ROWS)
    redaction = write(tmp_path / "mine_r.jsonl", REDACTION_ROWS)
    assert message_suite(distress) == "distress" and message_suite(redaction) == "redaction"
    [run] = select("all", distress, kb=tmp_path)
    assert run.suites == ("distress",)
    shipped = {r.spec.name: r.suites for r in select("all")}
    assert shipped["distress"] == ("distress",) and shipped["redaction"] == ("redaction",)
