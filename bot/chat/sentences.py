"""Sentences and terms: the units the extractive answerer and the support check work on.

Splits Chinese and English text into sentences (repairing the mid-sentence line breaks of
newspaper columns and PDF extraction), and turns text into comparable terms: jieba words,
CJK character bigrams and lower-cased English words. Written by hand because sentence splitting
of mixed CJK text and bigram overlap are a few lines each; jieba does the word segmentation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import jieba

jieba.setLogLevel(60)  # jieba prints its dictionary loading to stderr otherwise

_CJK_CHAR = r"\u3400-\u4dbf\u4e00-\u9fff"
_END = re.compile(r"(?<=[。！？!?；;])|(?<=[.](?=\s))")
_MARKER = re.compile(r"\s*\[(\d{1,3})\]")
_CJK_RUN = re.compile(f"[{_CJK_CHAR}]+")
_LATIN_WORD = re.compile(r"[a-z][a-z0-9]+|\d+(?:\.\d+)?")
# Markdown list items, headings, tables and numbered items start a line of their own.
_BLOCK_START = re.compile(r"^(?:[-*+•|#>]|\d{1,2}[.、)]|[（(][一二三四五六七八九十\d]{1,3}[)）])")
_MARKUP = re.compile(r"\*\*|__|^\s*(?:[-*+•>]\s+|#+\s+)")
_HEADER_NOISE = re.compile(r"^\s*(?:第?\s*\d+\s*页|[-—–]\s*\d+\s*[-—–])\s*$")

# Words too common in questions and policy text to say anything about relevance.
STOPWORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "和",
        "与",
        "及",
        "或",
        "等",
        "对",
        "为",
        "有",
        "我",
        "你",
        "他",
        "她",
        "它",
        "们",
        "吗",
        "呢",
        "吧",
        "啊",
        "么",
        "什么",
        "怎么",
        "如何",
        "哪些",
        "哪",
        "谁",
        "多少",
        "可以",
        "能",
        "能否",
        "是否",
        "这个",
        "那个",
        "这些",
        "那些",
        "一个",
        "还",
        "也",
        "就",
        "都",
        "要",
        "会",
        "被",
        "把",
        "请",
        "问",
        "the",
        "a",
        "an",
        "of",
        "to",
        "and",
        "or",
        "is",
        "are",
        "be",
        "in",
        "on",
        "for",
        "with",
        "what",
        "how",
        "who",
        "which",
        "can",
        "do",
        "does",
        "i",
        "my",
        "me",
        "about",
        "please",
        "tell",
    ]
)


def join_broken_lines(text: str) -> str:
    """Undo line breaks inside sentences (newspaper columns, PDF extraction)."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if not _HEADER_NOISE.match(line)]
    lengths = sorted(len(line) for line in lines if line)
    column = lengths[len(lengths) // 2] if lengths else 0
    out: list[str] = []
    for line in lines:
        if not line:
            # A blank line after a full column-width line without final punctuation is a
            # column break inside a sentence, not a paragraph end.
            full = out and out[-1] != "\n" and len(out[-1]) % max(column, 1) >= column - 2
            if not (full and column >= 8 and not re.search(r"[。！？!?：:；;.]$", out[-1])):
                out.append("\n")
            continue
        if (
            out
            and out[-1] != "\n"
            and not re.search(r"[。！？!?：:；;.]$", out[-1])
            and not _BLOCK_START.match(line)
            and not _BLOCK_START.match(out[-1])
        ):
            joiner = "" if re.match(f"[{_CJK_CHAR}，、）)”0-9]", line) else " "
            out[-1] = out[-1] + joiner + line
        else:
            out.append(line)
    return "\n".join(part for part in out if part != "\n")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` in order, stripped, without empty ones."""
    sentences: list[str] = []
    for paragraph in join_broken_lines(text).split("\n"):
        for piece in _END.split(paragraph):
            piece = _MARKUP.sub("", piece).strip()
            if piece:
                sentences.append(piece)
    return sentences


def strip_markers(text: str) -> str:
    """``text`` without ``[n]`` citation markers."""
    return _MARKER.sub("", text)


def markers_in(text: str) -> list[int]:
    """The citation numbers ``[n]`` in ``text``, in order."""
    return [int(n) for n in _MARKER.findall(text)]


def bigrams(text: str) -> set[str]:
    """CJK character bigrams (and single characters of one-character runs)."""
    grams: set[str] = set()
    for run in _CJK_RUN.findall(text):
        if len(run) == 1:
            grams.add(run)
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def keep_whole(names: list[str]) -> None:
    """Make the word splitter keep these names (programme names: 三支一扶) as one word; jieba's
    own dictionary cuts many of them apart. Idempotent; lower-cased like :func:`words`."""
    for name in names:
        if re.search(f"[{_CJK_CHAR}]", name) and name.lower() not in _KEPT:
            jieba.add_word(name.lower(), freq=200_000)
            _KEPT.add(name.lower())


_KEPT: set[str] = set()


def words(text: str) -> set[str]:
    """jieba words and English words of ``text``, lower-cased, without stop words."""
    lowered = text.lower()
    found = {w.strip() for w in jieba.cut_for_search(lowered)}
    found.update(_LATIN_WORD.findall(lowered))
    return {w for w in found if w and w not in STOPWORDS and not re.fullmatch(r"\W+", w)}


def terms(text: str) -> set[str]:
    """Words and bigrams together: what overlap scores compare."""
    return words(text) | bigrams(text)


def present(wanted: Iterable[str], found: set[str], text: str) -> set[str]:
    """The words of ``wanted`` that ``text`` holds: among its words ``found`` (``words(text)``),
    or, for a Chinese word of two or more characters, as a run of its characters. The word
    splitter cuts one phrase differently in different contexts ("考研加分" in a question, "考研
    加分：3年内" in a list item), so a word is not missed only because it was cut apart."""
    lowered = text.lower()
    return {
        w
        for w in wanted
        if w in found or (len(w) > 1 and _CJK_RUN.fullmatch(w) is not None and w in lowered)
    }


def compounds_held(wanted: Iterable[str], held: set[str], text: str) -> set[str]:
    """The Chinese words of ``wanted`` of four or more characters that are not in ``held`` but
    whose two halves (each a word of two or more characters) both are in ``text``: a compound
    the glossary supplies ("申请条件") is held by a block that says "谁可以申请" and "基本条件"."""
    out = set()
    for w in wanted:
        if w in held or len(w) < 4 or _CJK_RUN.fullmatch(w) is None:
            continue
        if any(w[:i] in text and w[i:] in text for i in range(2, len(w) - 1)):
            out.add(w)
    return out
