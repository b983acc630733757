"""The reference-corpus dataset's evidence is really in the documents, within one PDF page."""

from __future__ import annotations

from pathlib import Path

import pypdf

from evals.cases import load_cases
from evals.matching import normalise
from evals.shipped import DATASETS, REPO


def test_reference_evidence_is_in_the_text_and_on_one_pdf_page(shared_corpus: Path) -> None:
    seeds = {
        p.stem: normalise(p.read_text(encoding="utf-8")) for p in shared_corpus.glob("seeds/*.txt")
    }
    pages = {
        p.stem: [normalise(page.extract_text() or "") for page in pypdf.PdfReader(p).pages]
        for p in shared_corpus.glob("pdf/*.pdf")
    }
    assert set(seeds) == set(pages)
    for case in load_cases(DATASETS / "reference_corpus.jsonl"):
        for evidence in case.evidence:
            wanted = normalise(evidence)
            in_text = [name for name, text in seeds.items() if wanted in text]
            assert in_text, f"{case.id}: {evidence!r} not in any seed text"
            for name in in_text:
                assert any(wanted in page for page in pages[name]), (
                    f"{case.id}: {evidence!r} spans a page break in {name}.pdf"
                )


def test_unanswerable_number_baits_are_really_unanswered(shared_corpus: Path) -> None:
    # the amounts these questions tempt a system to invent do not exist in the documents
    text = "".join(
        normalise(p.read_text(encoding="utf-8")) for p in shared_corpus.glob("seeds/*.txt")
    )
    for needle in ("元/月", "每月补贴", "截止日期", "万元", "利率"):
        assert needle not in text


def test_plan_cases_name_real_catalogue_ids_and_cover_diverse_graduates() -> None:
    # a mistyped id would pass silently as "not eligible", so every label must exist
    from bot.planning.catalogue import load_catalogue
    from bot.planning.profile import Profile

    ids = {r.id for r in load_catalogue(REPO / "knowledge" / "resources.yaml").resources}
    cases = load_cases(DATASETS / "plans.jsonl")
    assert len(cases) >= 15
    for case in cases:
        labelled = set(case.expected_eligible) | set(case.expected_not_eligible)
        assert labelled <= ids, f"{case.id}: unknown ids {sorted(labelled - ids)}"
        assert not set(case.expected_eligible) & set(case.expected_not_eligible), case.id
        assert case.today is not None, f"{case.id}: a plan case fixes 'today'"
        Profile.model_validate(case.profile)
    profiles = [Profile.model_validate(c.profile) for c in cases]
    assert {p.education for p in profiles} >= {"zhuanke", "bachelor", "master", "phd"}
    assert sum(1 for p in profiles if p.nationality not in (None, "中国")) >= 2
    found = {c for p in profiles for c in p.circumstances or []}
    assert {"dibao", "poverty_alleviated", "disability", "veteran", "student_loan"} <= found
