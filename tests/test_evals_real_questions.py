"""The held-out answer datasets are well formed: facts really are in the knowledge base,
splits follow the sha256 rule, paraphrases point at real cases, follow-ups name real guides.

Standard library only (no product imports), so the datasets can be checked anywhere.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DATASETS = REPO / "evals" / "datasets"
DOCS = REPO / "knowledge" / "docs"

REAL = DATASETS / "real_questions.jsonl"
PARAPHRASES = DATASETS / "paraphrases.jsonl"
FOLLOWUPS = DATASETS / "followups.jsonl"
ORIGINALS = {
    "starter_kb": DATASETS / "starter_kb.jsonl",
    "reference_corpus": DATASETS / "reference_corpus.jsonl",
}

_HEADING = re.compile(r"^#+\s*")
_LIST_MARKER = re.compile(r"^(?:[-*]\s+|\d+\.\s+)")
_SPACE = re.compile(r"\s+")


def plain_text(markdown: str) -> str:
    """A guide's body as a reader sees it: no front matter, headings, list markers or bold marks."""
    lines = markdown.splitlines()
    if lines and lines[0].strip() == "---":
        lines = lines[lines.index("---", 1) + 1 :]
    out = []
    for line in lines:
        line = _LIST_MARKER.sub("", _HEADING.sub("", line.strip()))
        out.append(line.replace("**", ""))
    return "\n".join(out)


def squeeze(text: str) -> str:
    return _SPACE.sub("", text)


def doc_texts() -> dict[str, str]:
    return {p.name: squeeze(plain_text(p.read_text(encoding="utf-8"))) for p in DOCS.glob("*.md")}


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def expected_split(case_id: str) -> str:
    return "dev" if int(hashlib.sha256(case_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


# ---------------------------------------------------------------- the markup stripping itself


def test_plain_text_drops_front_matter_headings_markers_and_bold() -> None:
    sample = "---\ntitle: x\n---\n## 是什么\n- **一页纸**：应届生\n1. 第一步；\n正文"
    assert plain_text(sample) == "是什么\n一页纸：应届生\n第一步；\n正文"


# ---------------------------------------------------------------- real_questions.jsonl


def test_real_questions_have_every_field_with_the_right_type() -> None:
    fields = {
        "id": str,
        "question": str,
        "source_url": str,
        "answerable": bool,
        "key_facts": list,
        "lead_facts": list,
        "evidence": list,
        "qualitative": bool,
        "lang": str,
        "tags": list,
        "doc": str,
        "split": str,
        "note": str,
    }
    for case in rows(REAL):
        for name, kind in fields.items():
            assert isinstance(case.get(name), kind), (
                f"{case.get('id')}: field {name!r} is not {kind}"
            )
        assert case["question"].strip(), f"{case['id']}: empty question"
        assert case["lang"] in {"zh", "en"}, f"{case['id']}: lang {case['lang']!r}"
        assert case["note"].strip(), f"{case['id']}: a note says why it is (un)answerable"


def test_real_question_ids_are_unique_and_sequential() -> None:
    ids = [case["id"] for case in rows(REAL)]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    assert ids == [f"rq-{n:03d}" for n in range(1, len(ids) + 1)]


def test_every_real_question_has_a_public_source() -> None:
    for case in rows(REAL):
        assert re.match(r"https?://\S+$", case["source_url"]), (
            f"{case['id']}: {case['source_url']!r}"
        )


def test_key_facts_lead_facts_and_evidence_are_in_the_named_guide() -> None:
    texts = doc_texts()
    for case in rows(REAL):
        if not case["answerable"]:
            continue
        assert case["doc"] in texts, f"{case['id']}: no guide named {case['doc']!r}"
        text = texts[case["doc"]]
        for fact in case["key_facts"] + case["lead_facts"] + case["evidence"]:
            assert squeeze(fact) in text, f"{case['id']}: {fact!r} is not in {case['doc']}"


def test_facts_and_evidence_have_the_agreed_lengths() -> None:
    for case in rows(REAL):
        for fact in case["key_facts"]:
            assert 4 <= len(fact) <= 30, f"{case['id']}: key fact of {len(fact)} chars {fact!r}"
            assert "**" not in fact and "\n" not in fact, f"{case['id']}: markup in {fact!r}"
        for passage in case["evidence"]:
            assert 10 <= len(passage) <= 40, f"{case['id']}: evidence of {len(passage)} chars"


def test_lead_facts_are_key_facts_and_answerable_cases_have_all_three() -> None:
    for case in rows(REAL):
        if case["answerable"]:
            assert case["key_facts"], f"{case['id']}: answerable without key facts"
            assert case["lead_facts"], f"{case['id']}: answerable without a lead fact"
            assert case["evidence"], f"{case['id']}: answerable without evidence"
            assert len(case["evidence"]) <= 3, f"{case['id']}: more than 3 evidence passages"
            missing = set(case["lead_facts"]) - set(case["key_facts"])
            assert not missing, f"{case['id']}: lead facts not among key facts: {missing}"


def test_unanswerable_cases_name_no_guide_and_no_facts() -> None:
    for case in rows(REAL):
        if not case["answerable"]:
            assert case["doc"] == "", f"{case['id']}: unanswerable but names {case['doc']!r}"
            assert not (case["key_facts"] or case["lead_facts"] or case["evidence"]), case["id"]
            assert not case["qualitative"], f"{case['id']}: qualitative applies to answerable cases"


def test_real_questions_have_the_promised_mix_in_each_split() -> None:
    cases = rows(REAL)
    assert len(cases) >= 130
    for split in ("dev", "test"):
        part = [c for c in cases if c["split"] == split]
        unanswerable = sum(not c["answerable"] for c in part) / len(part)
        english = sum(c["lang"] == "en" for c in part) / len(part)
        assert 0.12 <= unanswerable <= 0.30, f"{split}: {unanswerable:.0%} unanswerable"
        assert 0.06 <= english <= 0.20, f"{split}: {english:.0%} English"
    covered = {c["doc"] for c in cases if c["answerable"]}
    assert len(covered) >= 15, f"only {len(covered)} guides have an answerable real question"


def test_questions_are_not_duplicated_within_the_real_set() -> None:
    counts = Counter(squeeze(case["question"]) for case in rows(REAL))
    assert not [q for q, n in counts.items() if n > 1]


# ---------------------------------------------------------------- splits of every answers dataset


def test_every_answers_dataset_splits_by_the_sha256_rule() -> None:
    for path in (REAL, *ORIGINALS.values(), FOLLOWUPS):
        for case in rows(path):
            assert case.get("split") == expected_split(case["id"]), f"{path.name}: {case['id']}"


def test_original_ids_are_unique() -> None:
    for path in ORIGINALS.values():
        ids = [case["id"] for case in rows(path)]
        assert len(ids) == len(set(ids)), path.name


# ---------------------------------------------------------------- paraphrases.jsonl


def test_paraphrases_point_at_real_cases_and_copy_their_labels() -> None:
    originals = {name: {c["id"]: c for c in rows(path)} for name, path in ORIGINALS.items()}
    seen: Counter[str] = Counter()
    ids = []
    for para in rows(PARAPHRASES):
        ids.append(para["id"])
        assert para["dataset"] in originals, f"{para['id']}: unknown dataset {para['dataset']!r}"
        source = originals[para["dataset"]].get(para["paraphrase_of"])
        assert source is not None, f"{para['id']}: {para['paraphrase_of']!r} is not a case"
        for name in ("answerable", "evidence", "lang", "split", "tags"):
            assert para[name] == source[name], f"{para['id']}: {name} differs from the original"
        assert para["id"].startswith(f"{source['id']}-p"), para["id"]
        assert squeeze(para["question"]) != squeeze(source["question"]), f"{para['id']}: a copy"
        seen[f"{para['dataset']}:{source['id']}"] += 1
    assert len(ids) == len(set(ids))
    expected = {f"{name}:{i}" for name, cases in originals.items() for i in cases}
    assert set(seen) == expected, sorted(expected - set(seen))
    assert set(seen.values()) == {3}, "each case gets exactly three paraphrases"


def test_the_three_paraphrases_of_a_case_differ_from_each_other() -> None:
    by_case: dict[str, set[str]] = {}
    for para in rows(PARAPHRASES):
        by_case.setdefault(para["paraphrase_of"], set()).add(squeeze(para["question"]))
    assert all(len(questions) == 3 for questions in by_case.values())


# ---------------------------------------------------------------- followups.jsonl


def test_followups_have_three_or_four_turns_naming_real_guides() -> None:
    texts = doc_texts()
    conversations = rows(FOLLOWUPS)
    assert len(conversations) >= 14
    ids = [c["id"] for c in conversations]
    assert len(ids) == len(set(ids))
    for conversation in conversations:
        turns = conversation["turns"]
        assert 3 <= len(turns) <= 4, f"{conversation['id']}: {len(turns)} turns"
        for number, turn in enumerate(turns, start=1):
            where = f"{conversation['id']} turn {number}"
            assert turn["user"].strip(), f"{where}: empty message"
            assert turn["doc"] in texts, f"{where}: no guide named {turn['doc']!r}"
            for fact in turn.get("key_facts", []):
                assert squeeze(fact) in texts[turn["doc"]], (
                    f"{where}: {fact!r} not in {turn['doc']}"
                )


def test_followups_include_topic_changes_and_english_conversations() -> None:
    conversations = rows(FOLLOWUPS)
    changes = [c for c in conversations if len({t["doc"] for t in c["turns"]}) > 1]
    english = [c for c in conversations if re.match(r"[A-Za-z]", c["turns"][0]["user"])]
    assert len(changes) >= 3
    assert 2 <= len(english) <= 4
