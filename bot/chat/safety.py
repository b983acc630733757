"""Retrieved text is data, never instructions: find and drop instruction-like sentences.

Documents may contain (by accident or on purpose) text such as "忽略之前的指令" or a fake system
prompt. The offline answerer drops such sentences from its extracts; the LLM answerer drops them
from passages and also fences the passages as labelled data in the prompt. Hand-written cues;
they catch the common forms, not every possible attack (the fencing is the second line).
"""

from __future__ import annotations

import re

from bot.chat.sentences import split_sentences

_INSTRUCTION_LIKE = re.compile(
    r"忽略(?:之前|以上|前面|上面|所有|先前)|无视(?:之前|以上|所有)|(?:之前|以上)的(?:指令|指示|规则)|"
    r"系统提示|提示词|你现在是|你必须(?:回答|输出|说)|请(?:输出|泄露|透露)|扮演|"
    r"ignore (?:all |any |the )?(?:previous|prior|above|earlier)|disregard (?:all |the )?"
    r"(?:previous|prior|above)|system prompt|you are now|new instructions|act as|"
    r"</?(?:system|passage|instructions?)>|^\s*(?:system|assistant)\s*[:：]",
    re.IGNORECASE | re.MULTILINE,
)


def is_instruction_like(sentence: str) -> bool:
    """True when ``sentence`` reads like an instruction to the assistant."""
    return _INSTRUCTION_LIKE.search(sentence) is not None


def defang(text: str) -> str:
    """``text`` without its instruction-like lines or sentences, for use as prompt data."""
    kept = [s for s in split_sentences(text) if not is_instruction_like(s)]
    return "\n".join(kept)
