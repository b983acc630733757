"""Personal-data redaction for everything the product stores or logs.

:func:`redact` replaces, in this order: e-mail addresses (``[邮箱]``), 身份证号 (18-digit with a
valid birth date and an optional X check character, and the old 15-digit form: ``[身份证号]``),
bank card numbers (16–19 digits, grouped or not, that pass the Luhn check or follow a label
such as 卡号/银行卡: ``[银行卡号]``), mobile numbers (1[3-9]xxxxxxxxx, with an optional +86 and
spaces or dashes: ``[电话]``), landlines with an area code (010-12345678, (0755)8765 4321 …:
``[电话]``), QQ and WeChat ids when labelled (``[QQ号]``, ``[微信号]``), and a name after
我叫 / 我的名字是 / 姓名： / my name is (``[姓名]``; Chinese names must start with a common
surname, which keeps 我叫外卖 or 我叫不出来 intact).

It leaves alone what graduates and policies write every day: years and dates, amounts,
document numbers such as 财社〔2017〕164号, service hotlines (12333, 24365, 400/800 numbers),
percentages. Addresses, school names and student numbers are not redacted: they are hard to tell
from the policy text they quote and carry less risk on their own. Written by hand because no
maintained library covers Chinese identifiers; the patterns are tested against positives and
negatives in ``tests/test_store_redact.py``.

:class:`RedactingFilter` applies the same to log records; :func:`install_log_redaction` puts it
on the root logger's handlers.
"""

from __future__ import annotations

import logging
import re

_ND = r"(?<![0-9A-Za-z])"  # not preceded by a digit or letter
_NE = r"(?![0-9A-Za-z])"  # not followed by one

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

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
_QQ = re.compile(r"((?:QQ|qq|扣扣)(?:号码|号)?(?:是|为)?\s*[:：]?\s*)[1-9]\d{4,11}" + _NE)
_WECHAT = re.compile(
    r"((?:微信|wechat|WeChat|vx|VX|wx|WX)(?:号码|号|id|ID)?(?:是|为)?\s*[:：]?\s*)"
    r"[A-Za-z][-_A-Za-z0-9]{5,19}" + _NE
)

# Common surnames (single and compound) — a name is redacted only when it starts with one.
_SURNAMES_2 = "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|长孙|宇文|司徒|夏侯|令狐|端木"
_SURNAMES_1 = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
    "左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕"
    "屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
# Characters that end a name early: they start the words that usually follow one.
_NAME_STOP = "想要是在的了和今从去来毕读学现刚也就还都已请问能可会有，。、！？,.!? "
_NAME = re.compile(
    r"((?:我叫|我的名字是|我的名字叫|我名字叫|本人姓名[:：]?|姓名[:：]\s*|名字[:：]\s*))"
    rf"(?:{_SURNAMES_2}|[{_SURNAMES_1}])[^\W\d_A-Za-z{_NAME_STOP}]{{1,2}}"
)
_NAME_EN = re.compile(r"\b((?:my name is|I am called|I'm called)\s+)[A-Z][a-z]+(?:\s[A-Z][a-z]+)?")


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


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    before = match.string[max(0, match.start() - 16) : match.start()]
    if _luhn_ok(digits) or _CARD_LABEL.search(before):
        return "[银行卡号]"
    return match.group(0)


def redact(text: str) -> str:
    """``text`` with personal data replaced by labels such as ``[电话]``; idempotent."""
    if not text:
        return text
    text = _EMAIL.sub("[邮箱]", text)
    text = _ID18.sub("[身份证号]", text)
    text = _CARD.sub(_card, text)
    text = _ID15.sub("[身份证号]", text)
    text = _MOBILE.sub("[电话]", text)
    text = _LANDLINE.sub("[电话]", text)
    text = _QQ.sub(r"\1[QQ号]", text)
    text = _WECHAT.sub(r"\1[微信号]", text)
    text = _NAME.sub(r"\1[姓名]", text)
    text = _NAME_EN.sub(r"\1[姓名]", text)
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
