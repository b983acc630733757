"""Which sentences of a cited passage an answer relies on, as character ranges to highlight.

An answer sentence carrying ``[n]`` is compared with each sentence of passage ``n``: a passage
sentence is highlighted when most of its characters (CJK characters, words, digits) appear in
one such answer sentence, or the answer sentence quotes most of it. Offline answers quote
sentences nearly verbatim, so this finds them exactly; a model's paraphrase finds the sentences
sharing its facts. Hand-written: no library aligns Chinese quotations with their sources.
"""

from __future__ import annotations

import re

_MARK = re.compile(r"\[(\d{1,3})\]")
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
_TOKEN = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]+|\d+(?:\.\d+)?")
MIN_SHARE = 0.6
MIN_TOKENS = 8  # shorter lines are headings or labels: never highlighted on their own


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def cited_sentences(answer: str) -> dict[int, list[str]]:
    """Answer sentences by the citation numbers they carry."""
    out: dict[int, list[str]] = {}
    for match in _SENTENCE.finditer(answer):
        sentence = match.group(0)
        for n in {int(x) for x in _MARK.findall(sentence)}:
            out.setdefault(n, []).append(_MARK.sub("", sentence))
    return out


def _share(part: list[str], whole: list[str]) -> float:
    if not part:
        return 0.0
    pool: dict[str, int] = {}
    for token in whole:
        pool[token] = pool.get(token, 0) + 1
    hit = 0
    for token in part:
        if pool.get(token, 0) > 0:
            pool[token] -= 1
            hit += 1
    return hit / len(part)


def highlights(passage: str, claims: list[str]) -> list[tuple[int, int]]:
    """``[start, end)`` ranges of the sentences of ``passage`` that ``claims`` rely on."""
    wanted = [_tokens(c) for c in claims if c.strip()]
    ranges: list[tuple[int, int]] = []
    for match in _SENTENCE.finditer(passage):
        tokens = _tokens(match.group(0))
        if len(tokens) < MIN_TOKENS:
            continue
        for claim in wanted:
            if _share(tokens, claim) >= MIN_SHARE or _share(claim, tokens) >= MIN_SHARE:
                start = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
                ranges.append((start, match.end()))
                break
    return ranges
