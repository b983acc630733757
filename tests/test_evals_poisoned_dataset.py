"""The poisoned-document dataset is well formed: files, labels, claims and the dev/test split.

Standard library only and no product imports: the dataset must stay independent of the
screening code it measures.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest

DATASETS = Path(__file__).resolve().parents[1] / "evals" / "datasets"
CASES_FILE = DATASETS / "poisoned.jsonl"
KB = DATASETS / "poisoned_kb"

POISONED_KINDS = {
    "fake_hotline",
    "fee_demand",
    "bank_details",
    "lookalike_site",
    "account_id",
    "poisoned_title",
    "official_issuer_bad_contact",
    "injection",
    "html_form",
    "placement_fee",
    "referral",
}
KINDS = POISONED_KINDS | {"clean"}
# kinds whose label follows from the kind; the others depend on what the document asks for
ALWAYS_SET_ASIDE = {
    "fee_demand",
    "bank_details",
    "injection",
    "html_form",
    "placement_fee",
    "referral",
}
ALWAYS_WARN = {"fake_hotline", "account_id", "official_issuer_bad_contact"}
FIELDS = {"id", "file", "kind", "expect", "question", "bad_claims", "good_claims", "lang", "split"}
# the metadata fields the knowledge loader accepts; any other key would make it fail the file
META_KEYS = {
    "title",
    "issuer",
    "region",
    "doc_type",
    "publish_date",
    "effective_date",
    "expiry_date",
    "source_url",
    "source_title",
    "superseded_by",
    "language",
    "tags",
}
DOC_SUFFIXES = {".md", ".txt", ".html"}


def _load_cases() -> list[dict]:
    cases = []
    for number, line in enumerate(CASES_FILE.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            case = json.loads(line)
            assert isinstance(case, dict), f"poisoned.jsonl line {number}: not an object"
            cases.append(case)
    return cases


CASES = _load_cases()


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".meta.yaml")


def _searchable(case: dict) -> str:
    """The document's text plus its sidecar, where a poisoned title may live."""
    path = KB.parent / case["file"]
    text = path.read_text(encoding="utf-8")
    if _sidecar(path).exists():
        text += "\n" + _sidecar(path).read_text(encoding="utf-8")
    return _squash(text)


def _meta_keys(block: str) -> set[str]:
    return {m.group(1) for m in re.finditer(r"^([A-Za-z_][\w-]*)\s*:", block, re.MULTILINE)}


def _split_of(case_id: str) -> str:
    return "dev" if int(hashlib.sha256(case_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def test_cases_have_exactly_the_documented_fields_and_valid_values() -> None:
    ids = [c.get("id") for c in CASES]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    for case in CASES:
        cid = case.get("id")
        assert set(case) == FIELDS, f"{cid}: fields {sorted(set(case) ^ FIELDS)}"
        assert re.fullmatch(r"p-\d{3}", cid), cid
        assert case["kind"] in KINDS, f"{cid}: unknown kind {case['kind']!r}"
        assert case["expect"] in {"set_aside", "warn", "clean"}, f"{cid}: {case['expect']!r}"
        assert case["lang"] in {"zh", "en"}, f"{cid}: {case['lang']!r}"
        assert case["split"] in {"dev", "test"}, f"{cid}: {case['split']!r}"
        assert isinstance(case["question"], str) and len(case["question"].strip()) >= 6, cid
        assert isinstance(case["bad_claims"], list) and isinstance(case["good_claims"], list), cid


def test_expectations_agree_with_the_kind() -> None:
    for case in CASES:
        cid, kind, expect = case["id"], case["kind"], case["expect"]
        if kind == "clean":
            assert expect == "clean", cid
            assert case["good_claims"] and not case["bad_claims"], cid
            continue
        assert expect in {"set_aside", "warn"}, cid
        assert case["bad_claims"] and not case["good_claims"], cid
        if kind in ALWAYS_SET_ASIDE:
            assert expect == "set_aside", f"{cid}: a {kind} document is set aside"
        if kind in ALWAYS_WARN:
            assert expect == "warn", f"{cid}: a {kind} document only needs a warning"


def test_every_file_exists_and_every_document_has_a_case() -> None:
    listed = [c["file"] for c in CASES]
    assert len(listed) == len(set(listed)), "a document is listed twice"
    for case in CASES:
        path = KB.parent / case["file"]
        assert path.parent == KB, f"{case['id']}: {case['file']} is not in poisoned_kb/"
        assert path.is_file(), f"{case['id']}: {case['file']} does not exist"
        assert path.suffix in DOC_SUFFIXES, f"{case['id']}: {path.suffix}"
    on_disk = {p.name for p in KB.iterdir() if not p.name.endswith(".meta.yaml")}
    assert on_disk == {Path(f).name for f in listed}, "documents without a case (or missing)"
    for sidecar in KB.glob("*.meta.yaml"):
        assert (KB / sidecar.name.removesuffix(".meta.yaml")).is_file(), f"orphan {sidecar.name}"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_document_size_and_metadata_keys(case: dict) -> None:
    path = KB.parent / case["file"]
    text = path.read_text(encoding="utf-8")
    assert 300 <= len(text) <= 1500, f"{case['file']}: {len(text)} characters"
    if text.startswith("---\n"):
        block = text[4:].split("\n---\n", 1)
        assert len(block) == 2, f"{case['file']}: unterminated front matter"
        assert _meta_keys(block[0]) <= META_KEYS, f"{case['file']}: {_meta_keys(block[0])}"
    if _sidecar(path).exists():
        keys = _meta_keys(_sidecar(path).read_text(encoding="utf-8"))
        assert keys <= META_KEYS, f"{_sidecar(path).name}: {sorted(keys - META_KEYS)}"
        assert "title" in keys or "issuer" in keys, f"{_sidecar(path).name} declares nothing"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_claims_are_exact_substrings_of_their_document(case: dict) -> None:
    text = _searchable(case)
    for claim in case["bad_claims"] + case["good_claims"]:
        assert isinstance(claim, str) and len(_squash(claim)) >= 5, f"{case['id']}: {claim!r}"
        assert "<" not in claim and ">" not in claim, f"{case['id']}: markup in {claim!r}"
        assert _squash(claim) in text, f"{case['id']}: {claim!r} not in {case['file']}"


def test_no_bad_claim_appears_in_a_clean_document() -> None:
    # otherwise "never served as fact" could not be told apart from a clean answer
    clean = {c["file"]: _searchable(c) for c in CASES if c["kind"] == "clean"}
    for case in CASES:
        for claim in case["bad_claims"]:
            inside = [f for f, text in clean.items() if _squash(claim) in text]
            assert not inside, f"{case['id']}: {claim!r} also in {inside}"


def test_split_follows_the_hash_rule() -> None:
    for case in CASES:
        assert case["split"] == _split_of(case["id"]), f"{case['id']}: split {case['split']}"


def test_counts_and_coverage_of_both_splits() -> None:
    assert len(CASES) >= 40
    assert sum(1 for c in CASES if c["kind"] == "clean") >= 15
    assert sum(1 for c in CASES if c["kind"] != "clean") >= 30
    for split in ("dev", "test"):
        kinds = {c["kind"] for c in CASES if c["split"] == split}
        assert kinds == KINDS, f"{split} lacks {sorted(KINDS - kinds)}"
        expects = {c["expect"] for c in CASES if c["split"] == split}
        assert expects == {"set_aside", "warn", "clean"}, f"{split}: {expects}"
    assert sum(1 for c in CASES if c["lang"] == "en") >= 5


def test_documents_come_in_several_formats() -> None:
    files = [KB.parent / c["file"] for c in CASES]
    suffixes = Counter(p.suffix for p in files)
    assert all(suffixes[s] >= 3 for s in DOC_SUFFIXES), suffixes
    md = [p for p in files if p.suffix == ".md"]
    with_front_matter = [p for p in md if p.read_text(encoding="utf-8").startswith("---\n")]
    assert len(with_front_matter) >= 3 and len(md) - len(with_front_matter) >= 3
    assert sum(1 for p in files if _sidecar(p).exists()) >= 3
