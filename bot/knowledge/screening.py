"""Screen a document at ingestion for what would make the bot serve fraud as fact.

:func:`screen` looks at a loaded document's title and text, and :func:`form_fields` at an HTML
page's forms, before anything is indexed:

* **set aside** (the file is not indexed; the refresh reports it ``skipped`` with the sentence
  that decided it): a sentence that asks graduates to pay (a fee, deposit or amount with a verb
  of paying, and no negation or warning around it), or to hand over bank credentials (password,
  SMS verification code, CVV, online-banking keys); a form that asks for them; text or a title
  addressed to the assistant (instruction-like, ``bot.chat.safety.suspicion``); a title that
  names an unofficial phone, site or account (the title becomes the answer's source line).
  Social-insurance contributions, tuition and taxes are not fee demands; exam registration fees
  are not either, unless they go to a private account (``bot.chat.safety`` catches those).
* **noted** (indexed, the report says so): contact claims that the official-channel list does
  not confirm (``claims``; the bot quotes them only with a warning) and other web forms.
  The answerer still sets aside retrieved passages with instruction-like text, for documents
  indexed before this screening.

Hand-written rules, tuned on the dev half of ``evals/datasets/poisoned.jsonl`` and on the
starter knowledge base (none of whose documents may be set aside). Anti-fraud advice names the
same fees and codes to warn against them, hence the negations. What it leaves out: the answer
time (``bot.chat.safety``) and the official list itself (``claims``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.knowledge.claims import Claim, OfficialChannels, find_claims
from bot.knowledge.models import DocumentMeta, SourceDocument

_PAY = re.compile(
    r"收取|缴纳|交纳|缴费|交费|缴交|付费|付款|转账|转入|汇款|汇入|打款|充值|预存|预付|扫码支付|扫码付款|"
    r"结清|付清|缴清|交清|补交|补缴|(?:由|须|需)?(?:本人|个人|学员|考生|自行)(?:自行)?(?:承担|负担)|"
    r"(?<![提递转])交(?=[\u4e00-\u9fff]{0,4}(?:费|金)|\s*\d)|"
    r"(?:需|须|要|先|请|应|必须|需要|务必|统一|即可|并|在线|网上)(?:先|另行|自行)?支付|"
    r"开通[\u4e00-\u9fff]{0,6}会员|购买[\u4e00-\u9fff]{0,6}(?:会员|服务|课程|套餐)|"
    r"\b(?:pay|paid|payable|transfer|wire|remit|top up|settle)\b",
    re.IGNORECASE,
)
_FEE = re.compile(
    r"[\u4e00-\u9fff]{0,6}费|保证金|押金|定金|订金|诚意金|\d+(?:\.\d+)?\s*(?:元|块|万元|万)|[¥￥]\s*\d|"
    r"\b(?:fee|fees|deposit|charge|\d+\s*(?:yuan|rmb))\b",
    re.IGNORECASE,
)
_CREDENTIAL = re.compile(
    r"(?:提供|填写|填入|提交|发送|告知|告诉|输入|登记|上传|报送|回复|报上|报出|念出|读出|说出|转发|截图)"
    r"[^。；！？\n]{0,16}"
    r"(?:密码|验证码|校验码|动态码|短信码|CVV|安全码|网银|U盾|口令)|"
    r"(?:银行卡号|卡号|银行账号)[^。；！？\n]{0,12}(?:密码|验证码|动态码|CVV|有效期)|"
    r"\b(?:enter|provide|send|share|submit|give|tell|read out|read|say|confirm|reply with)\b"
    r"[^.;!?\n]{0,60}\b(?:password|PIN|verification code|SMS code|one-time code|CVV|"
    r"security code|expiry date|expiration date|digits on the back|code (?:that |which )?"
    r"(?:we|you|will|arrives?|is) (?:text|sen[dt]|receive))|"
    # a code that is texted to the graduate, then asked for ("…a code will arrive by text;
    # tell the officer that code")
    r"\bcode\b[^.;!?\n]{0,40}\b(?:text message|SMS)\b[^.!?\n]{0,60}"
    r"\b(?:tell|give|read|send|say|forward)\b",
    re.IGNORECASE,
)
# text written for a machine reader rather than for graduates (a note to "any AI model", a
# hidden comment telling someone what to answer)
_ADDRESSED = re.compile(
    r"\b(?:note|message|instructions?|notice)\s+(?:to|for)\s+(?:any\s+|the\s+|all\s+)?"
    r"(?:AI|artificial intelligence|language model|LLM|chatbot|assistant|bot)s?\b|"
    r"\bif you are an?\s+(?:AI|language model|LLM|chatbot|assistant)\b|"
    r"\b(?:AI|language model|LLM|chatbot)s?\s+(?:model\s+|assistant\s+)?reading this\b|"
    r"(?:给|致|写给|对)(?:AI|人工智能|智能助手|大模型|语言模型|机器人|助手)[^。；！？\n]{0,4}"
    r"(?:的)?(?:说明|提示|指令|留言|话)|"
    r"(?:如果|若)你是(?:AI|人工智能|大模型|语言模型|智能助手|助手|机器人)|"
    r"(?:AI|人工智能|大模型|智能助手)[^。；！？\n]{0,6}(?:读到|看到|阅读)(?:本|这)",
    re.IGNORECASE,
)
_COMMENT = re.compile(r"<!--(.*?)-->", re.DOTALL)
_TOLD = re.compile(
    r"\b(?:answer|reply|respond|say|tell|claim|do not mention|never mention)\b|"
    r"回答|回复|告诉|声称|不要提|不得提",
    re.IGNORECASE,
)
# a card or ID number handed to an app, link, mailbox or private contact (not a public office)
_IDENTITY = re.compile(
    r"(?:绑定|填写|提供|提交|发送|上传|输入|告知|登记)[^。；！？\n]{0,12}"
    r"(?:银行卡|身份证号|身份证号码|护照号|card number|ID number|passport number)",
    re.IGNORECASE,
)
_PRIVATE_CHANNEL = re.compile(
    r"APP|App|app|小程序|链接|扫码|二维码|邮箱|微信|QQ|客服|专员|群|telegram|whatsapp|e-?mail|link",
    re.IGNORECASE,
)
# pyramid rewards: money for bringing in classmates
_REFERRAL = re.compile(
    r"(?:邀请|推荐|拉)[^。；！？\n]{0,20}(?:奖励|返利|返现|佣金|提成|现金|红包)|"
    # the link or the word passed on to a person who then signs up, for money
    r"(?:分享|转发|介绍|带)[^。；！？\n]{0,30}(?:同学|朋友|好友|室友|一人|一位|每位|每人|新人)"
    r"[^。；！？\n]{0,30}(?:奖励|返利|返现|佣金|提成|红包|奖金|\d+\s*元)|"
    r"\b(?:invite|refer|share|bring)\b[^.;!?\n]{0,60}"
    r"\b(?:reward|bonus|commission|cash|earn|\d+\s*(?:yuan|rmb))\b",
    re.IGNORECASE,
)
# a post, exam pass or offer promised for money
_GUARANTEE = re.compile(
    r"保过|包过|保证(?:入编|录用|录取|上岸|通过|入职)|包(?:录取|分配|入职|上岸)|内定|保录|"
    r"协议班|打点|\bguaranteed?\b",
    re.IGNORECASE,
)
_NOT = re.compile(
    r"不(?!少于|低于|超过|多于|足|同|等|仅|久)|无需|无须|免|没有|未|别|勿|禁止|严禁|"
    r"\b(?:no|not|never|free|without)\b",
    re.IGNORECASE,
)
_WARNING = re.compile(
    r"诈骗|骗局|骗子|骗取|行骗|谨防|警惕|提防|防范|切勿|违法|违规|非法|举报|报警|反映|立即停止|"
    r"\b(?:scam|scams|fraud|beware|illegal|report)\b",
    re.IGNORECASE,
)
_CONDITIONAL = re.compile(
    r"凡是|凡|如有人|若有人|如遇|若遇|遇到|一旦|任何(?:人|单位|机构|网站)|"
    r"\b(?:if anyone|anyone who)\b",
    re.IGNORECASE,
)
# money a graduate owes the state or a school, not a fee for the subsidy or the job
_EXEMPT = re.compile(
    r"社会保险|社保|医疗保险|养老保险|失业保险|医保|公积金|学费|住宿费|党费|团费|个人所得税|税款|税费|"
    r"报名费|考试费|考务费|报考费|报名考试费|体检费|交通|食宿|差旅|路费|往返|违约金|"
    r"social insurance|tuition|tax|travel|accommodation",
    re.IGNORECASE,
)
# what a fee must never buy: the subsidy, loan, post or offer itself
_BENEFIT = re.compile(
    r"补贴|贷款|资金|奖励|入职|录用|岗位|名额|编制|见习|offer|grant|subsidy|loan|job|post\b",
    re.IGNORECASE,
)
_OFFICIAL_PLACE = re.compile(
    r"报名网站|官方网站|官网|报名系统|网上缴费|official (?:site|website)", re.I
)
_PRIVATE = re.compile(
    r"个人(?:银行)?(?:账户|账号|卡)|私人|指定(?:账户|账号|银行卡)|以下(?:账户|账号)|支付宝|微信转账|收款码|二维码|"
    r"personal account|private account",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[^，,：:]+")
_QUOTED = re.compile(r"“[^“”]{1,80}”|\"[^\"]{1,80}\"|「[^「」]{1,80}」|『[^『』]{1,80}』")
# an English full stop ends a sentence when white space follows it ("www.ncss.cn" and "1.5" go on)
_SENTENCE = re.compile(r"(?:[^。！？；!?;.\n]|\.(?!\s))+(?:[。！？；!?;]|\.(?=\s|$))?")
_FIELD = re.compile(r"<(input|textarea|select)\b([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(
    r"\b(name|placeholder|aria-label|title|id)\s*=\s*[\"']([^\"']{1,80})[\"']", re.IGNORECASE
)
_LABEL = re.compile(r"<label\b[^>]*>(.{1,80}?)</label>", re.IGNORECASE | re.DOTALL)
_SEARCH_FIELD = re.compile(
    r"^(?:q|s|wd|kw|query|search|keyword|keywords|搜索|检索|关键词|关键字)\b", re.I
)
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


def _unquoted(sentence: str) -> str:
    """``sentence`` without what it quotes: a scam phrase in quotation marks is shown to warn
    against it ("一、“领补贴先交审核费”"), not asked of the reader."""
    return _QUOTED.sub("“”", sentence)


def _clause_at(sentence: str, position: int) -> str:
    for m in _CLAUSE.finditer(sentence):
        if m.start() <= position < m.end():
            return m.group(0)
    return sentence


def _warned(sentence: str, position: int) -> bool:
    """True when the demand at ``position`` is negated in its clause, or the sentence is a
    warning about such demands ("凡是…要求缴纳押金的，请立即停止并反映")."""
    clause = _clause_at(sentence, position)
    return bool(_NOT.search(clause) or _CONDITIONAL.search(clause) or _WARNING.search(sentence))


def payment_demand(
    sentence: str, channels: OfficialChannels | None = None, official_source: bool = False
) -> bool:
    """True when ``sentence`` asks the reader to pay (see the module docstring).

    A fee paid at an official place (a listed site named in the sentence, or "the registration
    site" of a document whose declared source is official) is lawful, unless it buys the
    subsidy, loan or post itself; a post or pass promised for money never is."""
    sentence = _unquoted(sentence)
    rest = _PAY.sub("，", sentence)  # the fee must be named apart from the verb ("实际缴费…")
    pay = _PAY.search(sentence)
    if pay is None or not _FEE.search(rest) or _warned(sentence, pay.start()):
        return False
    if _GUARANTEE.search(sentence):
        return True
    if _PRIVATE.search(sentence):
        return True
    if _EXEMPT.search(sentence):
        return False
    named = channels is not None and channels.names_official_place(sentence)
    official = named or (official_source and bool(_OFFICIAL_PLACE.search(sentence)))
    return not (official and not _BENEFIT.search(rest))


def credential_demand(sentence: str, channels: OfficialChannels | None = None) -> bool:
    """True when ``sentence`` asks for a password, verification code or card security data,
    or for a card or ID number through an app, link or private contact."""
    sentence = _unquoted(sentence)
    at_official = channels is not None and channels.names_official_place(sentence)
    found = _CREDENTIAL.search(sentence)
    if found is not None and not _warned(sentence, found.start()) and not at_official:
        return True
    found = _IDENTITY.search(sentence)
    if found is None or _warned(sentence, found.start()) or not _PRIVATE_CHANNEL.search(sentence):
        return False
    return not (channels is not None and channels.names_official_place(sentence))


def referral_scheme(sentence: str) -> bool:
    """True when ``sentence`` pays for bringing in classmates (a pyramid scheme's hook)."""
    sentence = _unquoted(sentence)
    found = _REFERRAL.search(sentence)
    return found is not None and not _warned(sentence, found.start())


def demand_in(
    text: str, channels: OfficialChannels | None = None, official_source: bool = False
) -> str:
    """The first sentence of ``text`` asking to pay, for credentials, or to recruit for money
    ("" when none)."""
    for sentence in sentences(text):
        if (
            payment_demand(sentence, channels, official_source)
            or credential_demand(sentence, channels)
            or referral_scheme(sentence)
        ):
            return sentence
    return ""


def addressed_to_machine(text: str) -> str:
    """The first passage of ``text`` written for an AI reader, not for graduates ("" when
    none): a note to "any AI model" or "给AI助手的说明", or a hidden comment (``<!-- -->``)
    that tells its reader what to answer."""
    found = _ADDRESSED.search(text)
    if found is not None:
        start = text.rfind("\n", 0, found.start()) + 1
        end = text.find("\n", found.end())
        return text[start : end if end >= 0 else len(text)].strip()
    for comment in _COMMENT.finditer(text):
        if _TOLD.search(comment.group(1)):
            return comment.group(0).strip()
    return ""


def official_source(meta: DocumentMeta, channels: OfficialChannels) -> bool:
    """True when the document's declared source is an official site (it may still lie: this
    only lets "pay on the registration site" pass for exam and certification fees)."""
    sites = [c for c in find_claims(meta.source_url) if c.kind == "site"]
    return any(channels.trusted(c, meta.issuer) for c in sites)


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
    official = official_source(doc.meta, channels)
    demand = demand_in(title, channels, official) or demand_in(doc.text, channels, official)
    if not demand:
        demand = next((s for s in sentences(doc.text) if suspicion(s) == "payment"), "")
    steering = next(
        (s for s in [title, *sentences(doc.text)] if s and suspicion(s) == "instruction"), ""
    ) or addressed_to_machine(title + "\n" + doc.text)
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
    elif steering:
        out.set_aside = f"set aside: text addressed to the assistant: “{_shown(steering)}”"
        out.set_aside_zh = f"已搁置：含有针对助手的指令性文字：“{_shown(steering)}”"
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
    if fields:
        shown = ", ".join(_shown(f, 30) for f in fields[:4])
        out.notes.append(
            f"the page holds a web form (not indexed): {shown} / 网页含有表单（未索引）：{shown}"
        )
    return out
