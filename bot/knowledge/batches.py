"""Embedding passages in batches during a refresh: bounded requests, retries, failures per batch.

A CPU embedding server under load can take longer than the client timeout for a big request,
and one failed request must not abort a refresh of many files. So passages go to the model in
batches of ``embedding_batch``; a failed batch is retried ``embedding_retries`` times with a
doubling back-off; a batch that still fails fails only the passages in it (their files are
reported with the reason). After ``GIVE_UP`` batches in a row have failed, the endpoint is
taken to be down and the remaining passages are not tried (reported so), instead of waiting out
every retry of every batch. What it leaves out: the cache (``embedding_cache``) and which files
the passages belong to (``build``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

GIVE_UP = 3


@dataclass(frozen=True)
class BatchPolicy:
    size: int = 16
    retries: int = 3
    backoff_s: float = 1.0


@dataclass
class Embedded:
    """Vectors of the passages that succeeded (unit length) and the reason of each failure."""

    vectors: dict[int, np.ndarray]
    failures: dict[int, str]


def _reason(exc: Exception, tries: int) -> str:
    text = " ".join(str(exc).split())[:200]
    return (
        f"embedding failed after {tries} tries ({type(exc).__name__}: {text}) "
        f"/ 生成向量失败（已尝试 {tries} 次）"
    )


def embed_in_batches(
    model: Embeddings,
    texts: list[str],
    policy: BatchPolicy,
    sleep: Callable[[float], None] = time.sleep,
) -> Embedded:
    out = Embedded({}, {})
    failed_in_a_row = 0
    for start in range(0, len(texts), policy.size):
        idx = list(range(start, min(start + policy.size, len(texts))))
        if failed_in_a_row >= GIVE_UP:
            why = (
                f"not embedded: the last {GIVE_UP} embedding batches failed, the endpoint "
                f"looks down / 向量服务连续 {GIVE_UP} 批失败，未再尝试"
            )
            out.failures.update(dict.fromkeys(idx, why))
            continue
        block: np.ndarray | None = None
        for attempt in range(policy.retries + 1):
            try:
                got = model.embed_documents([texts[i] for i in idx])
                if len(got) != len(idx):
                    raise ValueError(f"{len(got)} vectors for {len(idx)} passages")
                block = np.asarray(got, dtype=np.float32)
                if block.ndim != 2 or not np.isfinite(block).all():
                    raise ValueError("the model returned vectors that are not finite numbers")
                break
            except Exception as exc:  # any endpoint or model failure: retried, then reported
                if attempt == policy.retries:
                    log.warning("embedding batch at %d failed: %s", start, exc)
                    out.failures.update(dict.fromkeys(idx, _reason(exc, attempt + 1)))
                    failed_in_a_row += 1
                else:
                    sleep(policy.backoff_s * 2**attempt)
        if block is None:
            continue
        failed_in_a_row = 0
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        block = block / np.where(norms == 0, 1.0, norms)
        for i, v in zip(idx, block, strict=True):
            out.vectors[i] = v
    return out
