"""The reference-corpus dataset's evidence is really in the documents, within one PDF page."""

from __future__ import annotations

from pathlib import Path

import pypdf

from evals.cases import load_cases
from evals.matching import normalise
from evals.shipped import DATASETS


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
