"""Optional LLM-judged faithfulness: does the cited text back every claim of the answer?

Off by default (``careercoach eval --judge``); needs an OpenAI-compatible endpoint. The judge
prompt is ``prompts/eval_judge.<lang>.md``; the model answers with a score between 0 and 1 and
the first number in its reply is taken. An unusable reply yields ``None`` (not counted), never a
guessed score. The lexical checks in :mod:`evals.metrics` stay the gate; this is a second view.
"""

from __future__ import annotations

import logging
import re

from bot.chat.prompts import PromptLibrary
from bot.errors import ConfigError
from bot.settings import Settings
from evals.suites.answers import JudgeFn

log = logging.getLogger(__name__)

_SCORE = re.compile(r"(?<![\d.])(0(?:\.\d+)?|1(?:\.0+)?)(?![\d.])")


def parse_score(reply: str) -> float | None:
    """The first number in [0, 1] in the judge's reply, or None."""
    found = _SCORE.search(reply)
    return float(found.group(1)) if found else None


def make_judge(settings: Settings, prompts: PromptLibrary | None = None) -> JudgeFn:
    """A judge calling the configured endpoint; raises ConfigError when none is configured."""
    if not settings.llm_configured:
        raise ConfigError(
            "--judge needs an LLM endpoint: set OPENAI_BASE_URL or OPENAI_API_KEY",
            message_zh="--judge 需要配置大模型接口：请设置 OPENAI_BASE_URL 或 OPENAI_API_KEY",
        )
    from openai import OpenAI, OpenAIError

    library = prompts or PromptLibrary()
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "unused"
    client = OpenAI(
        api_key=key,
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
    )

    def judge(question: str, answer: str, passages: list[str]) -> float | None:
        numbered = "\n\n".join(f"[{i}] {p}" for i, p in enumerate(passages, start=1))
        prompt = library.render(
            "eval_judge", "zh", question=question, answer=answer, passages=numbered
        )
        try:
            reply = client.chat.completions.create(
                model=settings.chat_model,
                messages=[{"role": "user", "content": prompt}],
                temperature=0,
            )
        except OpenAIError as error:
            log.warning("judge call failed: %s", error)
            return None
        return parse_score(reply.choices[0].message.content or "")

    return judge
