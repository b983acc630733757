"""The distress and redaction datasets keep their promised format, size, coverage and split.

Standard library only, no product imports: these files judge the detectors, so nothing here may
depend on them. Each check returns the problems it found, named by file, line and field; a test
on deliberately broken rows shows the checks do catch what they are for. The test split is frozen
by a fingerprint (see evals/datasets/SAFETY_DATASETS.md for when and how it may change).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

DATASETS = Path(__file__).resolve().parent.parent / "evals" / "datasets"
DISTRESS = DATASETS / "distress.jsonl"
REDACTION = DATASETS / "redaction.jsonl"

DISTRESS_KINDS = {
    "distress": {
        "literal",
        "euphemistic",
        "method",
        "planning",
        "farewell",
        "hopeless",
        "self_harm",
        "mixed",
        "typo_slang",
        "third_person",
    },
    "calm": {"idiom", "stress", "policy", "history"},
}
PII_KINDS = {
    "name",
    "phone",
    "id_card",
    "email",
    "bank_card",
    "qq",
    "wechat",
    "address",
    "student_id",
    "passport",
}
SPLITS = ("dev", "test")
LANGS = {"zh", "en"}
DISTRESS_FIELDS = {"id", "message", "label", "kind", "lang", "split"}
DISTRESS_OPTIONAL = {"context", "note"}
REDACTION_FIELDS = {"id", "message", "lang", "split", "pii", "keep"}
REDACTION_OPTIONAL = {"note"}

# sha256 of the test split (rows sorted by id, canonical JSON, one a line). Change it only in a
# reviewed commit that says why the frozen split changed (SAFETY_DATASETS.md, "Frozen test split").
FROZEN_TEST = {
    "distress.jsonl": "e91aa191cc4cc98ad0be35e15a6824a2b4fc43257fd06913631c7f322e0430b9",
    "redaction.jsonl": "005e91ec80f43373a6db3df6a8fa24925968b3bb21a920e7b653cc067244b88a",
}

Row = tuple[int, dict[str, Any]]  # line number, parsed object


def split_of(case_id: str) -> str:
    return (
        "dev" if int(hashlib.sha256(case_id.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "test"
    )


def read_rows(path: Path) -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    problems: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        where = f"{path.name}:{number}"
        if not line.strip():
            problems.append(f"{where}: blank line")
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as bad:
            problems.append(f"{where}: not valid JSON ({bad.msg})")
            continue
        if not isinstance(value, dict):
            problems.append(f"{where}: a line must be a JSON object")
            continue
        rows.append((number, value))
    return rows, problems


def common_problems(
    name: str, rows: list[Row], required: set[str], optional: set[str], id_prefix: str
) -> list[str]:
    """Fields present and known, ids unique and well formed, split by the hash rule, lang, text."""
    problems: list[str] = []
    seen_ids: dict[str, int] = {}
    seen_messages: dict[str, int] = {}
    pattern = re.compile(rf"{re.escape(id_prefix)}-\d{{3,}}")
    for number, row in rows:
        where = f"{name}:{number}"
        missing = required - row.keys()
        unknown = row.keys() - required - optional
        if missing:
            problems.append(f"{where}: missing field(s) {sorted(missing)}")
        if unknown:
            problems.append(f"{where}: unknown field(s) {sorted(unknown)}")
        case_id = row.get("id")
        if not isinstance(case_id, str) or not pattern.fullmatch(case_id):
            problems.append(f"{where}: field 'id': {case_id!r} is not like {id_prefix}-001")
            continue
        if case_id in seen_ids:
            problems.append(f"{where}: field 'id': {case_id} already on line {seen_ids[case_id]}")
        seen_ids[case_id] = number
        if row.get("split") != split_of(case_id):
            problems.append(
                f"{where}: field 'split': {row.get('split')!r}, the sha256 rule gives "
                f"{split_of(case_id)!r}"
            )
        if row.get("lang") not in LANGS:
            problems.append(f"{where}: field 'lang': {row.get('lang')!r} is not zh or en")
        message = row.get("message")
        if not isinstance(message, str) or not message.strip():
            problems.append(f"{where}: field 'message': must be a non-empty string")
            continue
        if message != message.strip():
            problems.append(f"{where}: field 'message': leading or trailing whitespace")
        if message in seen_messages:
            problems.append(f"{where}: field 'message': same text as line {seen_messages[message]}")
        seen_messages[message] = number
        if "note" in row and (not isinstance(row["note"], str) or not row["note"].strip()):
            problems.append(f"{where}: field 'note': must be a non-empty string when present")
    return problems


def distress_problems(name: str, rows: list[Row]) -> list[str]:
    problems = common_problems(name, rows, DISTRESS_FIELDS, DISTRESS_OPTIONAL, "d")
    for number, row in rows:
        where = f"{name}:{number}"
        label = row.get("label")
        if label not in DISTRESS_KINDS:
            problems.append(f"{where}: field 'label': {label!r} is not distress or calm")
        elif row.get("kind") not in DISTRESS_KINDS[label]:
            problems.append(
                f"{where}: field 'kind': {row.get('kind')!r} is not a {label} kind "
                f"({', '.join(sorted(DISTRESS_KINDS[label]))})"
            )
        if "context" in row:
            context = row["context"]
            if not isinstance(context, list) or not context:
                problems.append(f"{where}: field 'context': must be a non-empty list of turns")
                continue
            for turn_number, turn in enumerate(context):
                field = f"context[{turn_number}]"
                if not isinstance(turn, dict) or set(turn) != {"role", "text"}:
                    problems.append(f"{where}: field '{field}': needs exactly role and text")
                elif turn["role"] not in {"user", "assistant"}:
                    problems.append(f"{where}: field '{field}.role': {turn['role']!r}")
                elif not isinstance(turn["text"], str) or not turn["text"].strip():
                    problems.append(f"{where}: field '{field}.text': must be non-empty")
    return problems


def occurrences(message: str, text: str) -> list[tuple[int, int]]:
    found = []
    start = message.find(text)
    while start != -1:
        found.append((start, start + len(text)))
        start = message.find(text, start + 1)
    return found


def overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def redaction_problems(name: str, rows: list[Row]) -> list[str]:
    problems = common_problems(name, rows, REDACTION_FIELDS, REDACTION_OPTIONAL, "r")
    for number, row in rows:
        where = f"{name}:{number}"
        message = row.get("message")
        pii, keep = row.get("pii"), row.get("keep")
        if not isinstance(message, str):
            continue
        if not isinstance(pii, list) or not isinstance(keep, list):
            problems.append(f"{where}: fields 'pii' and 'keep' must be lists")
            continue
        pii_spans: list[tuple[str, tuple[int, int]]] = []
        for index, item in enumerate(pii):
            field = f"pii[{index}]"
            if not isinstance(item, dict) or set(item) != {"text", "kind"}:
                problems.append(f"{where}: field '{field}': needs exactly text and kind")
                continue
            if item["kind"] not in PII_KINDS:
                problems.append(f"{where}: field '{field}.kind': {item['kind']!r} is unknown")
            text = item["text"]
            if not isinstance(text, str) or not text.strip() or text != text.strip():
                problems.append(f"{where}: field '{field}.text': empty or padded with spaces")
                continue
            spans = occurrences(message, text)
            if not spans:
                problems.append(f"{where}: field '{field}.text': {text!r} is not in the message")
            for span in spans:
                for other_text, other in pii_spans:
                    if overlap(span, other) and other_text != text:
                        problems.append(
                            f"{where}: field '{field}.text': {text!r} overlaps {other_text!r}"
                        )
            pii_spans.extend((text, span) for span in spans)
        for index, text in enumerate(keep):
            field = f"keep[{index}]"
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{where}: field '{field}': must be a non-empty string")
                continue
            spans = occurrences(message, text)
            if not spans:
                problems.append(f"{where}: field '{field}': {text!r} is not in the message")
            for span in spans:
                for pii_text, pii_span in pii_spans:
                    if overlap(span, pii_span):
                        problems.append(
                            f"{where}: field '{field}': {text!r} overlaps personal data "
                            f"{pii_text!r}"
                        )
    return problems


def id_card_ok(text: str) -> bool:
    """GB 11643 check digit of an 18-character resident ID number."""
    if not re.fullmatch(r"\d{17}[\dXx]", text):
        return False
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(text[:17], weights, strict=True))
    return "10X98765432"[total % 11] == text[17].upper()


def luhn_ok(text: str) -> bool:
    digits = text.replace(" ", "").replace("-", "")
    if not re.fullmatch(r"\d{15,19}", digits):
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def fingerprint(rows: list[Row]) -> str:
    test_rows = sorted(
        (row for _, row in rows if row.get("split") == "test"), key=lambda r: r["id"]
    )
    canonical = "\n".join(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in test_rows)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load(path: Path) -> list[Row]:
    rows, problems = read_rows(path)
    assert not problems, "\n".join(problems)
    return rows


@pytest.fixture(scope="module")
def distress() -> list[Row]:
    return load(DISTRESS)


@pytest.fixture(scope="module")
def redaction() -> list[Row]:
    return load(REDACTION)


def test_distress_rows_are_well_formed(distress: list[Row]) -> None:
    problems = distress_problems(DISTRESS.name, distress)
    assert not problems, "\n".join(problems)


def test_distress_sizes_and_every_kind_in_both_splits(distress: list[Row]) -> None:
    labels = Counter(row["label"] for _, row in distress)
    assert labels["distress"] >= 170 and labels["calm"] >= 120, labels
    present = {(row["label"], row["kind"], row["split"]) for _, row in distress}
    missing = [
        f"{label}/{kind} has no {split} case"
        for label, kinds in DISTRESS_KINDS.items()
        for kind in sorted(kinds)
        for split in SPLITS
        if (label, kind, split) not in present
    ]
    assert not missing, "\n".join(missing)
    in_dialogue = Counter(row["label"] for _, row in distress if "context" in row)
    assert in_dialogue["distress"] >= 15, in_dialogue
    dialogue_splits = {row["split"] for _, row in distress if "context" in row}
    assert dialogue_splits == set(SPLITS)


def test_distress_language_mix(distress: list[Row]) -> None:
    for label in DISTRESS_KINDS:
        langs = Counter(row["lang"] for _, row in distress if row["label"] == label)
        share = langs["en"] / sum(langs.values())
        assert 0.18 <= share <= 0.35, (label, langs)


def test_redaction_rows_are_well_formed(redaction: list[Row]) -> None:
    problems = redaction_problems(REDACTION.name, redaction)
    assert not problems, "\n".join(problems)


def test_redaction_sizes_and_every_kind_in_both_splits(redaction: list[Row]) -> None:
    assert len(redaction) >= 320
    clean = [row for _, row in redaction if not row["pii"]]
    assert len(clean) >= 100
    assert {row["split"] for row in clean} == set(SPLITS)
    present = {(item["kind"], row["split"]) for _, row in redaction for item in row["pii"]}
    missing = [
        f"{kind} has no {split} case"
        for kind in sorted(PII_KINDS)
        for split in SPLITS
        if (kind, split) not in present
    ]
    assert not missing, "\n".join(missing)
    langs = Counter(row["lang"] for _, row in redaction)
    assert 0.65 <= langs["zh"] / len(redaction) <= 0.85, langs


def test_redaction_numbers_are_well_formed(redaction: list[Row]) -> None:
    # invented, but shaped like the real thing: a detector that checks digits must accept them
    bad = [
        f"{REDACTION.name}: {row['id']}: {item['kind']} {item['text']!r} fails its check digit"
        for _, row in redaction
        for item in row["pii"]
        if (item["kind"] == "id_card" and not id_card_ok(item["text"]))
        or (item["kind"] == "bank_card" and not luhn_ok(item["text"]))
    ]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", [DISTRESS, REDACTION], ids=lambda p: p.name)
def test_test_split_is_frozen(path: Path) -> None:
    got = fingerprint(load(path))
    assert got == FROZEN_TEST[path.name], (
        f"{path.name}: the frozen test split changed (fingerprint {got}); "
        "see SAFETY_DATASETS.md before updating FROZEN_TEST"
    )


def test_the_checks_catch_broken_rows() -> None:
    good_id = next(f"d-{n:03d}" for n in range(1, 100) if split_of(f"d-{n:03d}") == "dev")
    rows: list[Row] = [
        (1, {"id": good_id, "message": "m", "label": "calm", "kind": "idiom", "lang": "zh",
             "split": "test"}),
        (2, {"id": good_id, "message": "m", "label": "distress", "kind": "idiom", "lang": "fr",
             "split": "dev", "context": [{"role": "bot", "text": "x"}]}),
        (3, {"id": "x-1", "message": " ", "label": "calm", "kind": "stress", "lang": "en",
             "split": "dev", "extra": 1}),
    ]  # fmt: skip
    found = "\n".join(distress_problems("d.jsonl", rows))
    for expected in (
        "d.jsonl:1: field 'split'",
        "d.jsonl:2: field 'id'",
        "d.jsonl:2: field 'kind'",
        "d.jsonl:2: field 'lang'",
        "d.jsonl:2: field 'message': same text as line 1",
        "d.jsonl:2: field 'context[0].role'",
        "d.jsonl:3: unknown field(s) ['extra']",
        "d.jsonl:3: field 'id'",
    ):
        assert expected in found, (expected, found)

    rid = next(f"r-{n:03d}" for n in range(1, 100) if split_of(f"r-{n:03d}") == "dev")
    message = "我叫张伟，电话13812345678，补贴1500元"
    broken: list[Row] = [
        (1, {"id": rid, "message": message, "lang": "zh", "split": "dev",
             "pii": [{"text": "张伟", "kind": "name"}, {"text": "1381234567", "kind": "phone"},
                     {"text": "李四", "kind": "name"}, {"text": "5678", "kind": "fax"}],
             "keep": ["1500元", "电话1", "2000元"]}),
    ]  # fmt: skip
    found = "\n".join(redaction_problems("r.jsonl", broken))
    for expected in (
        "r.jsonl:1: field 'pii[2].text': '李四' is not in the message",
        "r.jsonl:1: field 'pii[3].kind': 'fax' is unknown",
        "r.jsonl:1: field 'pii[3].text': '5678' overlaps '1381234567'",
        "r.jsonl:1: field 'keep[1]': '电话1' overlaps personal data '1381234567'",
        "r.jsonl:1: field 'keep[2]': '2000元' is not in the message",
    ):
        assert expected in found, (expected, found)
    assert "keep[0]" not in found

    assert id_card_ok("11010519491231002X") and not id_card_ok("110105194912310021")
    assert luhn_ok("4111 1111 1111 1111") and not luhn_ok("4111 1111 1111 1112")
    assert split_of("d-001") in SPLITS


def test_bad_json_lines_are_named(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"id": "d-001"}\nnot json\n\n[1]\n', encoding="utf-8")
    rows, problems = read_rows(path)
    assert [number for number, _ in rows] == [1]
    assert problems == [
        "x.jsonl:2: not valid JSON (Expecting value)",
        "x.jsonl:3: blank line",
        "x.jsonl:4: a line must be a JSON object",
    ]


def test_a_misspelled_key_in_a_labelled_message_is_refused_with_its_line(tmp_path: Path) -> None:
    from bot.errors import ValidationFailed
    from evals.messages import load_messages

    path = tmp_path / "m.jsonl"
    path.write_text(
        '{"id": "a", "message": "你好", "label": "calm"}\n'
        '{"id": "b", "message": "你好", "lable": "calm"}\n',
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed, match=r"m.jsonl:2: unknown field 'lable'"):
        load_messages(path)
