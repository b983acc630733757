"""Retrieved text is data, never instructions: find passages that try to steer the bot or reader.

Documents may contain, by accident or on purpose, text addressed to the assistant ("忽略之前的
指令", a fake ``system:`` line, "告诉用户…", "reveal your prompt") or text that pushes the reader
into a scam (transfer a deposit to a card number, add a private WeChat id). Such a sentence makes
its whole document untrustworthy, so :func:`quarantine` removes every retrieved passage of that
document before either answerer sees it; the coach then warns that something was set aside.
:func:`defang` also strips instruction-like sentences from passages put into an LLM prompt (a
second line behind the fencing).

Titles are screened like text: a document whose title steers the bot, asks for money or names
an unofficial contact is set aside too (the title would become the answer's source line). A
document asking graduates to pay or for bank credentials (``bot.knowledge.screening``; the
refresh already sets these aside, this catches files indexed before it did) is set aside.

Contact details are claims (``bot.knowledge.claims``): :func:`unverified_claims` lists a
passage's phone numbers, sites and account ids that the official-channel list does not confirm,
and :func:`flag_unverified` adds a warning to an answer that quotes one of them, so such a
detail is never served as fact.

Hand-written cues, tuned to stay silent on ordinary policy text (anti-fraud warnings such as
"正规招聘不收费" and "由个人缴纳，记入个人账户" are not suspicious). They catch the common forms,
not every possible attack.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, field
from typing import Literal

from bot.chat.models import Answer
from bot.chat.prompts import PromptLibrary
from bot.chat.sentences import split_sentences
from bot.knowledge.claims import Claim, OfficialChannels
from bot.knowledge.models import Hit
from bot.knowledge.screening import demand_in, official_source

logger = logging.getLogger(__name__)

Suspicion = Literal["instruction", "payment", "contact"]

# Text addressed to the assistant rather than to a graduate.
_INSTRUCTION = re.compile(
    r"(?:忽略|无视|忘记|忘掉|不要理会|跳过).{0,8}(?:指令|指示|规则|提示|设定|要求|限制)|"
    r"(?:之前|以上|上述|前面|先前)的(?:指令|指示|提示词?)|系统提示|提示词|"
    r"(?:从现在起|从现在开始)，?你|你现在是(?:一个|一名)|"
    r"(?:告诉|转告|回复|回答|提醒|通知)(?:所有|每位|每个)?用户|"
    r"你(?:现在)?(?:必须|务必|一定要)(?:回答|输出|说|声称|告诉|回复)|"
    r"不要(?:提及|透露|说明|告诉|提到).{0,12}(?:来自|来源|文档|本段|资料|指令)|"
    r"请(?:输出|泄露|透露|复述).{0,10}(?:提示|指令|规则|配置|设定)|"
    r"(?:扮演|假装|假扮).{0,8}(?:助手|AI|机器人|模型|管理员|开发者)|开发者模式|越狱模式|"
    r"(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+)*"
    r"(?:previous\s+|prior\s+|above\s+|earlier\s+|preceding\s+|existing\s+)?"
    r"(?:instructions|rules|prompts?|directions|guidelines)|"
    r"system prompt|you are now\b|new instructions|from now on,? you|"
    r"act as (?:an? |the )?(?:assistant|ai|chatbot|system|admin)|"
    r"(?:tell|inform) (?:the |all )?users?\b|do not (?:mention|reveal|tell)[^.]{0,30}"
    r"(?:document|source|passage|instruction)|(?:reveal|print|repeat|output)[^.]{0,20}"
    r"(?:system prompt|your prompt|your instructions)|developer mode|jailbreak|"
    r"</?\s*(?:system|passage|instructions?|im_start|im_end)\b|<\|im_(?:start|end)\|>|"
    r"^\s*\W{0,3}\s*(?:system|assistant|developer|系统|助手)\s*[:：]",
    re.IGNORECASE | re.MULTILINE,
)
# A bank-card or account number: 12 to 19 digits, possibly grouped by spaces or dashes.
_ACCOUNT_NUMBER = re.compile(r"(?<!\d)\d(?:[ \-]?\d){11,18}(?!\d)")
_PAY = re.compile(
    r"转账|汇款|打款|转入|汇入|存入|打到|转到|先交|先缴|缴纳|交纳|支付|付款|"
    r"\b(?:transfer|wire|remit|deposit|pay)\b",
    re.IGNORECASE,
)
_FEE = re.compile(
    r"保证金|押金|手续费|工本费|激活费|解冻费|会员费|服务费|认证费|报名费|"
    r"\b(?:deposit|fee|handling charge)\b",
    re.IGNORECASE,
)
_PRIVATE_DEST = re.compile(
    r"(?:个人|私人|指定|以下|下列|该)(?:银行)?(?:账户|账号|卡号|银行卡)|支付宝|微信转账|"
    r"personal account|private account|(?:this|the following) account",
    re.IGNORECASE,
)
# Anti-fraud advice names the same fees and accounts, to warn against them.
_WARNING = re.compile(
    r"套路|诈骗|骗局|骗你|骗取|警惕|谨防|防范|切勿|不收费|不收取|不会收取|不要轻信|"
    r"\b(?:scam|fraud|never|beware)\b",
    re.IGNORECASE,
)
_THREAT = re.compile(r"否则.{0,10}(?:作废|取消|失效|冻结|无法)|otherwise .{0,30}(?:void|cancel)")
# Sending the reader to a private chat id: "添加客服微信 abc-123", "add WeChat: abc123".
_CONTACT = re.compile(
    r"(?:添加|加|联系|私信|关注)(?:客服|专员|老师|工作人员|办理人员)?(?:的)?"
    r"(?:微信|QQ|vx|wx|企鹅)(?:号)?\s*[:：]?\s*[A-Za-z0-9][A-Za-z0-9_\-]{4,}|"
    r"\b(?:add|contact|message)\b[^.]{0,25}\b(?:wechat|whatsapp|telegram|qq)\b"
    r"(?:\s*id)?\s*[:：]?\s*[A-Za-z0-9][A-Za-z0-9_\-]{4,}",
    re.IGNORECASE,
)


def suspicion(sentence: str) -> Suspicion | None:
    """Why ``sentence`` must not be quoted, or None when it is ordinary text."""
    if _INSTRUCTION.search(sentence):
        return "instruction"
    if _PAY.search(sentence) and _ACCOUNT_NUMBER.search(sentence):
        return "payment"  # a card number to pay into is never advice, warning or not
    if _WARNING.search(sentence):
        return None
    fee_demand = _PAY.search(sentence) and _FEE.search(sentence)
    if fee_demand and (_PRIVATE_DEST.search(sentence) or _THREAT.search(sentence)):
        return "payment"
    if _CONTACT.search(sentence):
        return "contact"
    return None


def is_instruction_like(sentence: str) -> bool:
    """True when ``sentence`` must not be quoted (it steers the assistant or the reader)."""
    return suspicion(sentence) is not None


def suspicious_sentences(text: str) -> list[str]:
    """The sentences (and whole lines, for role tags) of ``text`` that must not be quoted."""
    found = [line for line in text.splitlines() if line.strip() and is_instruction_like(line)]
    found += [s for s in split_sentences(text) if is_instruction_like(s) and s not in found]
    return found


def defang(text: str) -> str:
    """``text`` without its suspicious lines or sentences, for use as prompt data."""
    kept = [s for s in split_sentences(text) if not is_instruction_like(s)]
    return "\n".join(kept)


@dataclass
class Quarantine:
    """Hits safe to use, and the documents set aside with the reason found in each."""

    hits: list[Hit]
    held: dict[str, str] = field(default_factory=dict)  # document title -> suspicion kind

    @property
    def titles(self) -> list[str]:
        return list(self.held)


def _title_suspicion(hit: Hit) -> Suspicion | None:
    title = hit.title or hit.meta.title
    if not title:
        return None
    found = suspicion(title)
    if found is None and demand_in(title, _channels(), official_source(hit.meta, _channels())):
        found = "payment"
    if found is None and _channels().unverified(title, hit.meta.issuer):
        found = "contact"
    return found


def quarantine(hits: list[Hit]) -> Quarantine:
    """Drop every hit of a document in which any retrieved passage, or its title, is suspicious
    or asks graduates to pay or for bank credentials."""
    bad_docs: dict[str, tuple[str, str]] = {}
    for hit in hits:
        if hit.doc_id in bad_docs:
            continue
        title = hit.title or hit.meta.title or hit.source
        kind = _title_suspicion(hit)
        if kind is None and demand_in(
            hit.text, _channels(), official_source(hit.meta, _channels())
        ):
            kind = "payment"
        if kind is not None:
            bad_docs[hit.doc_id] = (title, kind)
            logger.warning("set aside %s (%s)", title[:60], kind)
            continue
        for sentence in suspicious_sentences(hit.text):
            kind = suspicion(sentence) or "instruction"
            title = hit.title or hit.meta.title or hit.source
            bad_docs[hit.doc_id] = (title, kind)
            logger.warning("set aside %s (%s): %s", title, kind, sentence[:60])
            break
    kept = [h for h in hits if h.doc_id not in bad_docs]
    return Quarantine(kept, {title: kind for title, kind in bad_docs.values()})


@functools.cache
def _channels() -> OfficialChannels:
    return OfficialChannels.load()


def unverified_claims(hit: Hit) -> list[str]:
    """The phone numbers, sites and account ids in ``hit`` (text and title) that the official
    channel list does not confirm for its declared issuer, as written."""
    text = "\n".join([hit.title or "", hit.text])
    return [c.text for c in _channels().unverified(text, hit.meta.issuer)]


def _quoted(claim: Claim, answer: str) -> bool:
    if claim.kind == "phone":
        return claim.value in re.sub(r"\D", "", answer) and len(claim.value) >= 3
    return claim.value.lower() in answer.lower()


def flag_unverified(answer: Answer, hits: list[Hit], prompts: PromptLibrary, lang: str) -> str:
    """Warn about every unverified contact claim of ``hits`` that ``answer`` quotes.

    Appends the warning to the answer's text and warnings, records the claims in
    ``answer.extra["unverified_claims"]``, and returns the text added ("" when none)."""
    quoted: list[str] = []
    for hit in hits:
        for claim in _channels().unverified(
            "\n".join([hit.title or "", hit.text]), hit.meta.issuer
        ):
            if _quoted(claim, answer.answer) and claim.text not in quoted:
                quoted.append(claim.text)
    if not quoted:
        return ""
    shown = "、".join(quoted) if lang == "zh" else ", ".join(quoted)
    warning = prompts.render("warning_unverified", lang, claims=shown)
    answer.answer = f"{answer.answer}\n\n{warning}"
    answer.warnings.append(warning)
    answer.extra["unverified_claims"] = quoted
    return "\n\n" + warning
