"""Personal-data redaction for everything the product stores or logs.

:func:`redact` replaces, in this order: e-mail addresses (``[邮箱]``), 身份证号 (18-digit with a
valid birth date and an optional X check character, and the old 15-digit form: ``[身份证号]``),
bank card numbers (16–19 digits, grouped or not, that pass the Luhn check or follow a label
such as 卡号/银行卡: ``[银行卡号]``), mobile numbers (1[3-9]xxxxxxxxx, with an optional +86 and
spaces or dashes: ``[电话]``), landlines with an area code (010-12345678, (0755)8765 4321 …:
``[电话]``), QQ and WeChat ids when labelled (``[QQ号]``, ``[微信号]``); then, as spans
(:mod:`bot.privacy.places`, :mod:`bot.privacy.names`): home and mailing addresses that reach a
door (``[地址]``), labelled student, candidate and staff numbers (``[学号]``), passport numbers
(``[护照号]``) and private persons' names, Chinese and English (``[姓名]``).

Everything is found on a folded copy of the text, character for character: full-width digits and
letters as ASCII (１３８…, ＱＱ), traditional characters simplified (電話, 陳). What is not personal
data comes back exactly as typed.

It leaves alone what graduates and policies write every day: years and dates, amounts,
document numbers such as 财社〔2017〕164号, service hotlines (12333, 24365, 400/800 numbers),
percentages, places named as places (我是甘肃人), a surname with a role (张老师, 小李, Mr. Wang),
brands and public figures the dictionary knows (李宁, 周大福), and a classroom (课在3号楼201).
Written by hand, with jieba's dictionary and part-of-speech tagger (already a dependency) for
names. jionlp was considered and left out: it has no person-name or free-text address finder
(its location recogniser needs another tokenizer, jiojio), its phone/ID/e-mail extractors repeat
what is here, its wheel is 16.5 MB, and on import it unzips dictionaries into its own package
folder (fails on a read-only install) and prints a banner. Tested on positives and negatives in
``tests/test_store_redact.py`` and measured by ``careercoach eval redaction``.

:class:`RedactingFilter` applies the same to log records; :func:`install_log_redaction` puts it
on the root logger's handlers.
"""

from __future__ import annotations

import difflib
import functools
import logging
import re

from bot.chat.normalize import to_simplified
from bot.privacy import names, places

_ND = r"(?<![0-9A-Za-z])"  # not preceded by a digit or letter
_NE = r"(?![0-9A-Za-z])"  # not followed by one

_EMAIL = re.compile(
    r"[A-Za-z0-9._%+-]+[@＠][A-Za-z0-9-]+(?:[.．。][A-Za-z0-9-]+)*[.．。][A-Za-z]{2,}"
)
# Spelled-out addresses ("lihua at 163 dot com", "lihua#qq.com", "lihua(at)gmail.com"): only with
# a mail provider's domain or a mail label just before, so "meet at 3 dot" stays.
_MAIL_DOMAINS = (
    r"(?:qq|163|126|139|189|sina|sohu|yeah|foxmail|aliyun|gmail|outlook|hotmail|live|yahoo|icloud|"
    r"msn|me|proton|protonmail|[a-z0-9-]*edu|stu|mail)"
)
_AT = r"\s*(?:\(at\)|\[at\]|\{at\}|\bat\b|#|艾特|圈a|圈A)\s*"
_DOT = r"\s*(?:\.|．|。|\(dot\)|\[dot\]|\bdot\b|点)\s*"
_EMAIL_SPELLED = re.compile(
    r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9][A-Za-z0-9._%+-]*)"
    + _AT
    + r"((?:[A-Za-z0-9-]+"
    + _DOT
    + r")*[A-Za-z0-9-]+)"
    + _DOT
    + r"(com|cn|net|org|edu|io|me)\b(?:"
    + _DOT
    + r"cn\b)?",
    re.IGNORECASE,
)
_MAIL_LABEL = re.compile(r"(?:邮箱|邮件|e-?mail|mail)[^A-Za-z0-9]{0,6}$", re.IGNORECASE)

_BIRTH = r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_ID18 = re.compile(_ND + r"[1-9]\d{5}" + _BIRTH + r"\d{3}[0-9Xx]" + r"(?![0-9A-Za-z])")
_ID15 = re.compile(
    _ND + r"[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}" + r"(?![0-9])"
)

_CARD = re.compile(_ND + r"(?:\d{16,19}|\d{4}(?:([ -])\d{4}){3}(?:[ -]\d{1,3})?)" + _NE)
_CARD_LABEL = re.compile(r"(?:卡号|银行卡|储蓄卡|借记卡|信用卡|账号|帐号|card)[^\d]{0,12}$", re.I)

_MOBILE = re.compile(
    _ND + r"(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}" + _NE,
)
_LANDLINE = re.compile(
    _ND
    + r"(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3}[ -])[ ]?[2-9]\d{2,3}[ -]?\d{4}"
    + r"(?:[ ]?(?:转|ext\.?|-)[ ]?\d{1,5})?"
    + _NE,
    re.I,
)
_QQ = re.compile(
    r"((?:QQ|qq|扣扣|企鹅)(?:号码|号|\s*number|\s*no\.?|\s*id)?\s*(?:是|为|is|:|：)?\s*)"
    r"[1-9]\d{4,11}" + _NE,
    re.I,
)
_WECHAT = re.compile(
    r"((?:微信|威信|薇信|[Vv]信|wechat|vx|wx|(?<![A-Za-z])[Vv](?=\s*[:：]))(?:号码|号|\s*id|\s*ID)?"
    r"(?:[^\s\w]{0,2}(?:吧|呀|啊)?[，,]?\s*(?:我的|我的是|是|为|is)|\s*(?:是|为|is))?\s*[:：]?\s*)"
    r"([A-Za-z][-_A-Za-z0-9]{5,19})" + _NE,
    re.I,
)


def _spelled_email(match: re.Match[str]) -> str:
    domain = match.group(2).lower()
    first = re.split(r"[\s.．。(\[点]|dot", domain)[0]
    before = match.string[max(0, match.start() - 12) : match.start()]
    if re.fullmatch(_MAIL_DOMAINS, first) or _MAIL_LABEL.search(before):
        return "[邮箱]"
    return match.group(0)


# Digits written in Chinese (一三八…, 幺 for 1 as read aloud): a mobile or a landline spelled out.
_ZH_VALUE = {
    **dict.fromkeys("零〇○洞", "0"),
    **dict(zip("一二三四五六七八九", "123456789", strict=True)),
    "幺": "1",
    "两": "2",
}
_ZH_DIGITS = "".join(_ZH_VALUE)
_SPELLED_NUMBER = re.compile(rf"[{_ZH_DIGITS}0-9](?:[ -]?[{_ZH_DIGITS}0-9]){{6,14}}")
_PHONE_LABEL = re.compile(
    r"(?:电话|手机|号码|联系|座机|tel|phone)[^，。,.!?！？]{0,6}$", re.IGNORECASE
)


def _spelled_phone(match: re.Match[str]) -> str:
    text = match.group(0)
    if not re.search(rf"[{_ZH_DIGITS}]", text):
        return text  # all Arabic digits: the numeric patterns have had their turn
    digits = "".join(_ZH_VALUE.get(ch, ch) for ch in text if ch not in " -")
    before = match.string[max(0, match.start() - 10) : match.start()]
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return "[电话]"
    if re.fullmatch(r"0\d{9,11}", digits) and _PHONE_LABEL.search(before):
        return "[电话]"
    return text


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# Numbers a label says are not a card: orders, parcels, invoices, tickets, documents.
_NOT_CARD_LABEL = re.compile(
    r"(?:订单|单号|流水号|运单|快递|物流|发票|票号|工单|合同编号|编号|批次|order|tracking|invoice|"
    r"ticket|reference|ref\.?)[^\d]{0,8}$",
    re.I,
)


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    before = match.string[max(0, match.start() - 16) : match.start()]
    if _CARD_LABEL.search(before):
        return "[银行卡号]"
    if _luhn_ok(digits) and not _NOT_CARD_LABEL.search(before):
        return "[银行卡号]"
    return match.group(0)


def _wechat(match: re.Match[str]) -> str:
    value = match.group(2)
    if not re.search(r"[\d_-]", value) and value.lower() in _WECHAT_WORDS:
        return match.group(0)
    return f"{match.group(1)}[微信号]"


# words that follow 微信 without being an id ("wechat group", "WeChat Pay")
_WECHAT_WORDS = frozenset({"public", "official", "account", "moments", "groups", "channel"})


# Full-width digits, Latin letters and the symbols of numbers and addresses (１３８, ＱＱ, ＠, ＋)
# fold to ASCII for finding; Chinese punctuation (，：) stays, the patterns expect it.
_FULL_WIDTH = {c: c - 0xFEE0 for c in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B)]}
_FULL_WIDTH |= {c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)}
_FULL_WIDTH |= {ord(c): ord(c) - 0xFEE0 for c in "＠＋－＿．＃"} | {0x3000: 0x20}


@functools.lru_cache(maxsize=4096)
def _simplified_char(ch: str) -> str:
    out = to_simplified(ch)
    return out if len(out) == 1 else ch


def _folded(text: str) -> str:
    """``text`` character for character (same length): full-width letters and digits as ASCII,
    traditional characters simplified (電話 → 电话, 陳 → 陈), so the patterns see one script."""
    text = text.translate(_FULL_WIDTH)
    if to_simplified(text) == text:
        return text
    return "".join(_simplified_char(ch) for ch in text)


def redact(text: str) -> str:
    """``text`` with personal data replaced by labels such as ``[电话]``; idempotent.

    Found on the folded text (:func:`_folded`); what is not personal data is returned exactly as
    typed (full-width, traditional) by aligning the folded text with its redacted form."""
    if not text:
        return text
    folded = _folded(text)
    redacted = _redact(folded)
    if folded == text or redacted == folded:
        return redacted if folded == text else text
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, folded, redacted, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        out.append(text[a1:a2] if op == "equal" else redacted[b1:b2])
    return "".join(out)


def _redact(text: str) -> str:
    text = _EMAIL.sub("[邮箱]", text)
    text = _EMAIL_SPELLED.sub(_spelled_email, text)
    text = _ID18.sub("[身份证号]", text)
    text = _CARD.sub(_card, text)
    text = _ID15.sub("[身份证号]", text)
    text = _MOBILE.sub("[电话]", text)
    text = _LANDLINE.sub("[电话]", text)
    text = _SPELLED_NUMBER.sub(_spelled_phone, text)
    text = _QQ.sub(r"\1[QQ号]", text)
    text = _WECHAT.sub(_wechat, text)
    return _replace_spans(text)


_LABELLED = re.compile(r"\[[^\[\]]{1,6}\]")


def _replace_spans(text: str) -> str:
    """Addresses, labelled ids, passports and names, found as spans and replaced right to left.

    Overlaps keep the earlier (then the longer) span; nothing inside an existing label moves."""
    found: list[tuple[int, int, str]] = []
    found += [(a, b, "[地址]") for a, b in places.addresses(text)]
    found += [(a, b, "[学号]") for a, b in places.labelled_ids(text)]
    found += [(a, b, "[护照号]") for a, b in places.passports(text)]
    found += [(a, b, "[姓名]") for a, b in names.chinese_names(text)]
    found += [(a, b, "[姓名]") for a, b in names.english_names(text)]
    taken = [m.span() for m in _LABELLED.finditer(text)]
    chosen: list[tuple[int, int, str]] = []
    for a, b, label in sorted(found, key=lambda f: (f[0], -(f[1] - f[0]))):
        if a >= b or any(a < y and x < b for x, y in taken):
            continue
        chosen.append((a, b, label))
        taken.append((a, b))
    for a, b, label in sorted(chosen, reverse=True):
        text = text[:a] + label + text[b:]
    return text


class RedactingFilter(logging.Filter):
    """Redacts a log record's formatted message (and drops its args) before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let logging report it as usual
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> RedactingFilter:
    """Add a :class:`RedactingFilter` to every handler of ``logger`` (the root by default).

    Handler filters see records propagated from every child logger, which logger filters do not.
    Call after logging is configured; calling twice adds nothing.
    """
    target = logger or logging.getLogger()
    flt = RedactingFilter()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(flt)
    return flt
