"""Embedding passages in batches during a refresh: bounded requests, retries, failures per batch.

A CPU embedding server under load can take longer than the client timeout for a big request,
and one failed request must not abort a refresh of many files. So passages go to the model in
batches of ``embedding_batch``; a failed batch is retried ``embedding_retries`` times with a
doubling back-off; a batch that still fails is tried once more file by file (when it holds
passages of several files), so one bad file does not take its neighbours down, and what still
fails fails only those files (reported with the reason). After ``GIVE_UP`` batches in a row
have failed, the endpoint is taken to be down and the remaining passages are not tried
(reported so), instead of waiting out every retry of every batch. What it leaves out: the cache
(``embedding_cache``) and which files the passages belong to (``build``).
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


def _embed(model: Embeddings, texts: list[str]) -> np.ndarray:
    got = model.embed_documents(texts)
    if len(got) != len(texts):
        raise ValueError(f"{len(got)} vectors for {len(texts)} passages")
    block = np.asarray(got, dtype=np.float32)
    if block.ndim != 2 or not np.isfinite(block).all():
        raise ValueError("the model returned vectors that are not finite numbers")
    norms = np.linalg.norm(block, axis=1, keepdims=True)
    return block / np.where(norms == 0, 1.0, norms)


def embed_in_batches(
    model: Embeddings,
    texts: list[str],
    policy: BatchPolicy,
    sleep: Callable[[float], None] = time.sleep,
    owners: list[int] | None = None,
) -> Embedded:
    """Vectors of ``texts``; ``owners`` (one per text: which file) lets a failed batch be
    retried file by file."""
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
        error: Exception | None = None
        for attempt in range(policy.retries + 1):
            try:
                out.vectors.update(zip(idx, _embed(model, [texts[i] for i in idx]), strict=True))
                error = None
                break
            except Exception as exc:  # any endpoint or model failure: retried, then reported
                error = exc
                if attempt < policy.retries:
                    sleep(policy.backoff_s * 2**attempt)
        if error is None:
            failed_in_a_row = 0
            continue
        log.warning("embedding batch at %d failed: %s", start, error)
        groups: dict[int, list[int]] = {}
        for i in idx:
            groups.setdefault(owners[i] if owners else 0, []).append(i)
        rescued = False
        for members in groups.values() if len(groups) > 1 else []:
            try:  # once, file by file: the bad file fails, its neighbours need not
                out.vectors.update(
                    zip(members, _embed(model, [texts[i] for i in members]), strict=True)
                )
                rescued = True
            except Exception as exc:
                out.failures.update(dict.fromkeys(members, _reason(exc, policy.retries + 2)))
        if len(groups) == 1:
            out.failures.update(dict.fromkeys(idx, _reason(error, policy.retries + 1)))
        failed_in_a_row = 0 if rescued else failed_in_a_row + 1
    return out
