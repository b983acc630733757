"""Route a message to an intent: distress, meta, greeting, out-of-scope, planning or policy.

Hand-written cue lists, checked in order of how much a mistake costs: a possible crisis first
(a false alarm costs a kind message; a miss costs far more), then attempts to extract the system
prompt, then greetings, then requests the coach is not for, then career planning; everything
else is a policy question for the knowledge base. Leaves out any model-based classification.
"""

from __future__ import annotations

import re

from bot.chat.models import Intent

_DISTRESS = re.compile(
    r"不想活|活着没意思|活不下去|想死|去死|自杀|轻生|结束(?:自己的)?生命|了结自己|跳楼|割腕|"
    r"没有活下去|撑不下去了|不如死|"
    r"kill myself|suicid|end my life|don'?t want to live|want to die|no reason to live|"
    r"hurt myself|self[- ]harm",
    re.IGNORECASE,
)
_META = re.compile(
    r"系统提示|提示词|system prompt|your (?:prompt|instructions)|initial instructions|"
    r"忽略(?:之前|以上|前面|上面)|ignore (?:all |the )?(?:previous|prior|above)|"
    r"你的(?:配置|设定|指令)|(?:show|reveal|print|repeat).{0,20}(?:prompt|instructions|config)|"
    r"api[ _-]?key|密钥|developer mode|开发者模式|jailbreak|越狱",
    re.IGNORECASE,
)
_GREETING = re.compile(
    r"^(?:你好|您好|嗨|哈喽|在吗|早上好|晚上好|下午好|hi|hello|hey|good (?:morning|evening))"
    r"[\s!！。.,，~]*$|你(?:能|可以|会)(?:做|干)什么|你是谁|怎么用|使用说明|帮助|^help$|"
    r"what can you do|who are you|how do i use",
    re.IGNORECASE,
)
_OUT_OF_SCOPE = re.compile(
    r"写.{0,8}诗|一首.{0,8}诗|作诗|写诗|诗歌|写(?:一)?篇作文|作文|作业|习题|解方程|数学题|写代码|编程|代码|"
    r"python|javascript|java\b|sql\b|笑话|讲个故事|天气|股票|彩票|菜谱|翻译一下|"
    r"\bpoem\b|\bpoetry\b|homework|\bessay\b|write (?:me )?(?:a |some )?code|\bjoke\b|weather|"
    r"recipe|stock price",
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
    if _DISTRESS.search(text):
        return "distress"
    if _META.search(text):
        return "meta"
    if not text or _GREETING.search(text):
        return "greeting"
    if _OUT_OF_SCOPE.search(text):
        return "out_of_scope"
    if _PLANNING.search(text):
        return "planning"
    return "policy"
