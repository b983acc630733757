"""Screen a document at ingestion for what would make the bot serve fraud as fact.

:func:`screen` looks at a loaded document's title and text, and :func:`form_fields` at an HTML
page's forms, before anything is indexed:

* **set aside** (the file is not indexed; the refresh reports it ``skipped`` with the sentence
  that decided it): a sentence that asks graduates to pay (a fee, deposit or amount with a verb
  of paying, and no negation or warning around it), or to hand over bank credentials (password,
  SMS verification code, CVV, online-banking keys); a form that asks for them; a title that
  names an unofficial phone, site or account (the title becomes the answer's source line).
  Social-insurance contributions, tuition and taxes are not fee demands; exam registration fees
  are not either, unless they go to a private account (``bot.chat.safety`` catches those).
* **noted** (indexed, the report says so): contact claims that the official-channel list does
  not confirm (``claims``; the bot quotes them only with a warning), instruction-like text
  (the answerer sets such documents aside when retrieved), and other web forms.

Hand-written rules, tuned on the dev half of ``evals/datasets/poisoned.jsonl`` and on the
starter knowledge base (none of whose documents may be set aside). Anti-fraud advice names the
same fees and codes to warn against them, hence the negations. What it leaves out: the answer
time (``bot.chat.safety``) and the official list itself (``claims``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.knowledge.claims import Claim, OfficialChannels
from bot.knowledge.models import SourceDocument

_PAY = re.compile(
    r"收取|缴纳|交纳|缴费|交费|缴交|付费|付款|转账|转入|汇款|汇入|打款|充值|预存|预付|扫码支付|扫码付款|"
    r"(?:需|须|要|先|请|应|必须|需要|务必|统一|即可|并)(?:先|另行|自行)?支付|"
    r"\b(?:pay|paid|transfer|wire|remit|top up)\b",
    re.IGNORECASE,
)
_FEE = re.compile(
    r"[\u4e00-\u9fff]{0,6}费|保证金|押金|定金|订金|诚意金|\d+(?:\.\d+)?\s*(?:元|块|万元)|[¥￥]\s*\d|"
    r"\b(?:fee|fees|deposit|charge|\d+\s*(?:yuan|rmb))\b",
    re.IGNORECASE,
)
_CREDENTIAL = re.compile(
    r"(?:提供|填写|填入|提交|发送|告知|输入|登记|上传|报送|回复|报上|转发|截图)[^。；！？\n]{0,16}"
    r"(?:密码|验证码|校验码|动态码|短信码|CVV|安全码|网银|U盾|口令)|"
    r"(?:银行卡号|卡号|银行账号)[^。；！？\n]{0,12}(?:密码|验证码|动态码|CVV|有效期)|"
    r"\b(?:enter|provide|send|share|submit|give)\b[^.;!?\n]{0,40}"
    r"\b(?:password|PIN|verification code|SMS code|one-time code|CVV|security code)\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(
    r"不收|不会收|不得|不要|不需|无需|无须|不用|免费|免收|严禁|禁止|切勿|谨防|警惕|防范|提防|诈骗|骗局|骗子|骗取|"
    r"违法|违规|非法|举报|拒绝|一律|从不|绝不|不向|不会要求|任何|"
    r"\b(?:no|not|never|free|scam|fraud|beware|refuse|illegal)\b",
    re.IGNORECASE,
)
# money a graduate owes the state or a school, not a fee for the subsidy or the job
_EXEMPT = re.compile(
    r"社会保险|社保|医疗保险|养老保险|失业保险|医保|公积金|学费|住宿费|党费|团费|个人所得税|税款|税费|"
    r"报名费|考试费|考务费|报考费|体检费|工本费由|social insurance|tuition|tax",
    re.IGNORECASE,
)
_PRIVATE = re.compile(
    r"个人(?:银行)?(?:账户|账号|卡)|私人|指定(?:账户|账号|银行卡)|以下(?:账户|账号)|支付宝|微信转账|收款码|二维码|"
    r"personal account|private account",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]?")
_FIELD = re.compile(r"<(input|textarea|select)\b([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r"\b(name|placeholder|aria-label|title|id)\s*=\s*[\"']([^\"']{1,80})[\"']", re.I)
_LABEL = re.compile(r"<label\b[^>]*>(.{1,80}?)</label>", re.IGNORECASE | re.DOTALL)
_SEARCH_FIELD = re.compile(r"^(?:q|s|wd|kw|query|search|keyword|keywords|搜索|检索|关键词|关键字)\b", re.I)
_SECRET_FIELD = re.compile(
    r"密码|验证码|动态码|CVV|安全码|卡号|银行卡|password|passcode|otp|sms|card|cvv|pin\b", re.I
)


@dataclass
class Screening:
    """What screening found in one document."""

    set_aside: str = ""  # why the document is not indexed ("" when it may be)
    set_aside_zh: str = ""
    notes: list[str] = field(default_factory=list)  # "english / 中文", for the refresh report
    unverified: list[Claim] = field(default_factory=list)


def sentences(text: str) -> list[str]:
    return [m.group(0).strip() for m in _SENTENCE.finditer(text) if m.group(0).strip()]


def payment_demand(sentence: str) -> bool:
    """True when ``sentence`` asks the reader to pay (see the module docstring)."""
    # the fee must be named apart from the verb: "实际缴费的三分之二" names no fee
    if not (_PAY.search(sentence) and _FEE.search(_PAY.sub("，", sentence))):
        return False
    if _NEGATION.search(sentence):
        return False
    return not (_EXEMPT.search(sentence) and not _PRIVATE.search(sentence))


def credential_demand(sentence: str) -> bool:
    """True when ``sentence`` asks for a password, verification code or card security data."""
    return bool(_CREDENTIAL.search(sentence)) and not _NEGATION.search(sentence)


def demand_in(text: str) -> str:
    """The first sentence of ``text`` asking to pay or for credentials ("" when none)."""
    for sentence in sentences(text):
        if payment_demand(sentence) or credential_demand(sentence):
            return sentence
    return ""


def form_fields(markup: str) -> list[str]:
    """The names, placeholders and labels of an HTML page's input fields."""
    found = []
    for _, attrs in _FIELD.findall(markup):
        kind = re.search(r"type\s*=\s*[\"']?(\w+)", attrs, re.I)
        if kind and kind.group(1).lower() in {"hidden", "submit", "button", "reset", "image"}:
            continue
        names = [value for _, value in _ATTR.findall(attrs)]
        found.append(" ".join(names) or "(unnamed field)")
    found += [re.sub(r"<[^>]+>|\s+", " ", label).strip() for label in _LABEL.findall(markup)]
    return [f for f in found if f and not _SEARCH_FIELD.search(f)]


def _shown(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def screen(
    doc: SourceDocument, channels: OfficialChannels, *, fields: list[str] | None = None
) -> Screening:
    """Screen ``doc`` (and its web form ``fields``); see the module docstring."""
    from bot.chat.safety import suspicion

    out = Screening()
    issuer = doc.meta.issuer
    title = doc.meta.title
    in_title = channels.unverified(title, issuer) if title else []
    demand = demand_in(title) or demand_in(doc.text)
    if not demand:
        demand = next((s for s in sentences(doc.text) if suspicion(s) == "payment"), "")
    secret_fields = [f for f in fields or [] if _SECRET_FIELD.search(f)]
    if demand:
        out.set_aside = (
            "set aside as possible fraud: asks graduates to pay or for bank details: "
            f"“{_shown(demand)}”"
        )
        out.set_aside_zh = f"疑似诈骗，已搁置：要求毕业生付费或提供银行信息：“{_shown(demand)}”"
    elif secret_fields:
        shown = ", ".join(_shown(f, 30) for f in secret_fields[:3])
        out.set_aside = (
            f"set aside as possible fraud: a web form asks for bank or login secrets ({shown})"
        )
        out.set_aside_zh = f"疑似诈骗，已搁置：网页表单索要银行卡或密码类信息（{shown}）"
    elif in_title:
        shown = ", ".join(str(c) for c in in_title[:3])
        out.set_aside = f"set aside: the title names an unofficial contact ({shown})"
        out.set_aside_zh = f"已搁置：标题中含有非官方联系方式（{shown}）"
    if out.set_aside:
        return out
    out.unverified = channels.unverified(doc.text, issuer)
    if out.unverified:
        shown = ", ".join(_shown(str(c), 40) for c in out.unverified[:5])
        more = f" (+{len(out.unverified) - 5})" if len(out.unverified) > 5 else ""
        out.notes.append(
            f"contact details not on the official list, quoted only with a warning: {shown}{more}"
            f" / 含有不在官方渠道名单中的联系方式，引用时会附警告：{shown}{more}"
        )
    steering = next((s for s in sentences(doc.text) if suspicion(s) == "instruction"), "")
    if steering:
        out.notes.append(
            f"instruction-like text, set aside whenever retrieved: “{_shown(steering)}” / "
            f"含有类似指令的文字，检索到时会被搁置：“{_shown(steering)}”"
        )
    if fields:
        shown = ", ".join(_shown(f, 30) for f in fields[:4])
        out.notes.append(
            f"the page holds a web form (not indexed): {shown} / 网页含有表单（未索引）：{shown}"
        )
    return out
