"""Decide how the bytes of a text file are encoded, and decode them.

Order of checks: a byte-order mark (UTF-8, UTF-16, UTF-32); strict UTF-8; UTF-16 without a BOM
(told apart by decoding both byte orders and scoring how much of the result is ordinary text);
then charset-normalizer's best guess, where any Chinese guess (GB2312, GBK, HZ …) is decoded as
GB18030, its superset. Every candidate must pass a plausibility check, so binary data in a
``.txt`` is reported instead of turning into mojibake. What it leaves out: legacy encodings
other than Chinese and Latin ones are accepted only when charset-normalizer is confident.
"""

from __future__ import annotations

import codecs
import logging

import charset_normalizer

from bot.errors import IngestError

log = logging.getLogger(__name__)

_BOMS: list[tuple[bytes, str]] = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
_CHINESE = {"gb2312", "gbk", "gb18030", "hz", "hz_gb_2312", "cp936", "big5hkscs"}
_MIN_PLAUSIBLE = 0.95


def plausibility(text: str) -> float:
    """Share of characters that ordinary Chinese or English prose is made of."""
    if not text:
        return 0.0
    good = 0
    latin = 0  # accented Latin letters: a few are normal, many are GBK read as Latin-1
    for ch in text:
        o = ord(ch)
        if 0xA0 <= o < 0x250:
            latin += 1
        elif (
            ch in "\n\r\t"
            or 0x20 <= o < 0x7F
            or 0x2000 <= o < 0x2070  # general punctuation: “” — …
            or 0x2100 <= o < 0x2200  # letter-like symbols, numbers such as Ⅳ
            or 0x2460 <= o < 0x2500  # circled numbers ①
            or 0x3000 <= o < 0x3040  # CJK punctuation
            or 0x3400 <= o < 0x4DC0
            or 0x4E00 <= o < 0xA000
            or 0xFF00 <= o < 0xFFF0  # full-width forms
            or 0x25A0 <= o < 0x2700  # shapes and symbols: ■ ★ √
        ):
            good += 1
    return (good + min(latin, 0.03 * len(text))) / len(text)


def decode_text(data: bytes, path: str) -> str:
    """Decode ``data`` to text or raise :class:`IngestError` saying why it is not text."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise IngestError(
                    path,
                    f"broken {codec} text after its byte-order mark",
                    reason_zh=f"字节顺序标记之后的 {codec} 文本已损坏",
                ) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if "\x00" not in text:
            return text
    utf16 = _guess_utf16(data)
    if utf16 is not None:
        return utf16
    if b"\x00" in data:
        raise IngestError(
            path,
            "binary content, not text (contains NUL bytes)",
            reason_zh="这是二进制内容，不是文本（含 NUL 字节）",
        )
    best = charset_normalizer.from_bytes(data).best()
    candidates: list[str] = []
    if best is not None:
        name = best.encoding.lower().replace("-", "_")
        candidates.append("gb18030" if name in _CHINESE else best.encoding)
    candidates.append("gb18030")
    for codec in candidates:
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        score = plausibility(text)
        log.debug("%s: %s scores %.3f", path, codec, score)
        if score >= _MIN_PLAUSIBLE:
            return text
    raise IngestError(
        path,
        "binary content or unknown text encoding (not UTF-8, GB18030, UTF-16)",
        reason_zh="二进制内容或无法识别的文本编码（不是 UTF-8、GB18030、UTF-16）",
    )


def _guess_utf16(data: bytes) -> str | None:
    """UTF-16 without a byte-order mark: the byte order whose text reads as prose.

    ASCII characters leave NUL bytes at odd offsets in little-endian and even offsets in
    big-endian text; that decides the order when present (either order of English text is
    otherwise "plausible", as its code units land in the CJK range). Chinese text has no NULs
    and the plausibility score decides.
    """
    if len(data) < 4 or len(data) % 2:
        return None
    zeros_even, zeros_odd = data[0::2].count(0), data[1::2].count(0)
    if zeros_odd > 2 * zeros_even:
        order = ["utf-16-le"]
    elif zeros_even > 2 * zeros_odd:
        order = ["utf-16-be"]
    else:
        order = ["utf-16-le", "utf-16-be"]
    best: tuple[float, str] | None = None
    for codec in order:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        score = plausibility(text)
        if best is None or score > best[0]:
            best = (score, text)
    if best is not None and best[0] >= 0.98:
        return best[1]
    return None
