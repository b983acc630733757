"""Route a message to an intent: meta, greeting, out-of-scope, planning or policy.

Hand-written cue lists, checked in order of how much a mistake costs: attempts to extract the
system prompt first, then greetings, then requests the coach is not for, then career planning;
everything else is a policy question for the knowledge base. A possible crisis is not decided
here: the coach asks ``distress.DistressDetector`` about every message before routing it.
Leaves out any model-based classification.
"""

from __future__ import annotations

import re

from bot.chat.models import Intent

_META = re.compile(
    r"系统提示|提示词|system prompt|your (?:prompt|instructions)|initial instructions|"
    r"忽略(?:之前|以上|前面|上面)|ignore (?:all |the )?(?:previous|prior|above)|"
    r"你的(?:配置|设定|指令)|(?:show|reveal|print|repeat).{0,20}(?:prompt|instructions|config)|"
    r"api[ _-]?key|密钥|developer mode|开发者模式|jailbreak|越狱",
    re.IGNORECASE,
)
# A greeting word at the start; what follows it is routed on its own ("你好，三支一扶怎么报名？"
# is a policy question).
_GREETING_WORD = re.compile(
    r"^(?:你好|您好|嗨|哈喽|哈啰|在吗|在不在|早上好|上午好|中午好|下午好|晚上好|早安|晚安|"
    r"hi|hello|hey|good (?:morning|afternoon|evening))(?![a-z])(?:\s*(?:呀|啊|哇|there))?"
    r"[\s!！。.,，~?？、]*",
    re.IGNORECASE,
)
# Questions about the assistant itself; only short messages count.
_CAPABILITY = re.compile(
    r"你(?:都)?(?:能|可以|会)(?:帮我|为我|给我|帮忙|帮)?(?:做|干)?(?:些|点)?(?:什么|啥)|"
    r"你有(?:什么|哪些)(?:功能|用)|你是(?:谁|什么)|(?:这个|你)(?:怎么|如何)用|使用说明|^帮助$|"
    r"^help$|what (?:can|do) you (?:do|help)|who are you|what are you|how do i use (?:you|this)|"
    r"how does this work",
    re.IGNORECASE,
)
_CAPABILITY_MAX_CHARS = 24
# Requests to produce something that is not employment help: verse, homework, code, jokes …
_OUT_OF_SCOPE = re.compile(
    r"写.{0,8}(?:诗|词|歌|对联|小说)|一首.{0,8}(?:诗|词|歌)|作诗|七言|五言|绝句|律诗|藏头诗|"
    r"写(?:一)?篇(?:作文|散文|小说)|作文|(?:做|写|解)(?:这道|一道|下)?.{0,6}(?:作业|习题|题)|"
    r"解方程|数学题|微积分|导数|写(?:一段|个|段)?(?:代码|程序|脚本|函数)|(?:调试|debug).{0,6}代码|"
    r"笑话|讲个故事|天气|彩票|菜谱|做菜|翻译一下|"
    r"\b(?:poem|poetry|haiku|limerick|lyrics)\b|homework|\bessay\b|"
    r"\b(?:write|fix|debug)\b.{0,30}\b(?:code|function|script|program|sql|regex)\b|"
    r"\bjoke\b|weather|recipe|stock price",
    re.IGNORECASE,
)
_PLANNING = re.compile(
    r"职业规划|生涯规划|规划一下|帮我规划|职业方向|适合(?:什么|做|从事)|转行|求职计划|发展路径|"
    r"考研还是|考公还是|还是工作|选哪个|offer.{0,6}选|career plan|plan my career|"
    r"which (?:job|career)|career path|what job suits|should i (?:choose|take|go)",
    re.IGNORECASE,
)


def route(message: str) -> Intent:
    """The intent of ``message``; ``"policy"`` when no cue matches."""
    text = message.strip()
    if _META.search(text):
        return "meta"
    rest = _GREETING_WORD.sub("", text).strip()
    if not rest:
        return "greeting"
    if len(rest) <= _CAPABILITY_MAX_CHARS and _CAPABILITY.search(rest):
        return "greeting"
    if _OUT_OF_SCOPE.search(rest):
        return "out_of_scope"
    if _PLANNING.search(rest):
        return "planning"
    return "policy"
