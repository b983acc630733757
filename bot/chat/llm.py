"""The LLM answerer: an OpenAI-compatible chat model through ``langchain_openai.ChatOpenAI``.

``make_chat_model(settings)`` is the one place a chat model is chosen. The answerer streams the
answer token by token from prompts that fence the retrieved passages as labelled data, and
condenses follow-ups with the condense prompt. Retries with exponential back-off on 429 and 5xx
and the request timeout are the OpenAI client's (``max_retries``, ``timeout``); this module maps
what still fails to :class:`LLMError` with a message a user can act on. It leaves out checking
the answer (``checks``) and falling back to offline mode (``coach``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from bot.chat.models import Turn
from bot.chat.prompts import PromptLibrary
from bot.chat.safety import defang
from bot.errors import LLMError
from bot.knowledge.models import Hit
from bot.settings import Settings

logger = logging.getLogger(__name__)

_HISTORY_TURNS = 6


def chat_provider(settings: Settings) -> str:
    """``"openai"`` when an endpoint is configured and not forced offline, else ``"offline"``."""
    return "openai" if settings.llm_configured else "offline"


def make_chat_model(settings: Settings) -> Any | None:
    """The chat model for ``settings``; None in offline mode."""
    match chat_provider(settings):
        case "openai":
            from langchain_openai import ChatOpenAI

            key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
            return ChatOpenAI(
                model=settings.chat_model,
                # Local servers (Ollama, llama.cpp, vLLM) accept any key; the client needs one.
                api_key=key or "not-needed",  # type: ignore[arg-type]
                base_url=settings.openai_base_url,
                timeout=settings.llm_timeout_s,
                max_retries=settings.llm_max_retries,
                temperature=0.1,
                streaming=True,
            )
        case _:
            return None


def explain(error: Exception, settings: Settings | None = None) -> LLMError:
    """An :class:`LLMError` that says what went wrong with the endpoint and what to do."""
    import openai

    where = (settings.openai_base_url if settings else None) or "the OpenAI API"
    if isinstance(error, openai.AuthenticationError):
        return LLMError(
            f"the endpoint {where} rejected the API key (401): check OPENAI_API_KEY",
            message_zh=f"接口 {where} 拒绝了 API 密钥（401）：请检查 OPENAI_API_KEY",
        )
    if isinstance(error, openai.APITimeoutError):
        return LLMError(
            f"the endpoint {where} did not answer in time (llm_timeout_s)",
            message_zh=f"接口 {where} 响应超时（llm_timeout_s）",
        )
    if isinstance(error, openai.APIConnectionError):
        return LLMError(
            f"cannot reach the endpoint {where}: is it running? (OPENAI_BASE_URL)",
            message_zh=f"无法连接接口 {where}：服务是否在运行？（OPENAI_BASE_URL）",
        )
    if isinstance(error, openai.RateLimitError):
        return LLMError(
            f"the endpoint {where} is rate-limiting requests (429) after retries",
            message_zh=f"接口 {where} 限流（429），重试后仍失败",
        )
    if isinstance(error, openai.APIStatusError):
        return LLMError(
            f"the endpoint {where} answered with status {error.status_code}",
            message_zh=f"接口 {where} 返回状态码 {error.status_code}",
        )
    return LLMError(
        f"the endpoint {where} failed: {type(error).__name__}: {error}",
        message_zh=f"接口 {where} 出错：{type(error).__name__}：{error}",
    )


def fence_passages(hits: list[Hit]) -> str:
    """Passages numbered for citation, each fenced and stripped of instruction-like text."""
    blocks = []
    for n, hit in enumerate(hits, start=1):
        date = hit.meta.publish_date.isoformat() if hit.meta.publish_date else ""
        expiry = hit.meta.expiry_date.isoformat() if hit.meta.expiry_date else ""
        text = defang(hit.text).replace("<", "‹").replace(">", "›")
        title = hit.title.replace('"', "'")
        blocks.append(
            f'<passage n="{n}" title="{title}" section="{hit.section}" date="{date}" '
            f'expires="{expiry}">\n{text}\n</passage>'
        )
    return "\n".join(blocks)


def format_history(history: list[Turn]) -> str:
    lines = [f"{turn.role}: {turn.text}" for turn in history[-_HISTORY_TURNS:]]
    return "\n".join(lines)


class LLMAnswerer:
    """Streams grounded answers and condenses follow-ups through a LangChain chat model."""

    def __init__(self, model: Any, prompts: PromptLibrary, settings: Settings | None = None):
        self.model = model
        self.prompts = prompts
        self.settings = settings

    def stream(
        self, question: str, hits: list[Hit], history: list[Turn], lang: str, parts: str = ""
    ) -> Iterator[str]:
        """Text deltas of the answer; raises :class:`LLMError` when the endpoint fails.
        ``parts`` is the rendered plan of a compound question (its parts, each with the passage
        numbers chosen for it), empty for a question of one part."""
        from langchain_core.messages import HumanMessage, SystemMessage

        history_text = format_history(history)
        messages = [
            SystemMessage(self.prompts.render("system", lang)),
            HumanMessage(
                self.prompts.render(
                    "answer",
                    lang,
                    passages=fence_passages(hits),
                    history=history_text,
                    question=question,
                    parts=parts,
                )
            ),
        ]
        try:
            for chunk in self.model.stream(messages):
                text = chunk.content if isinstance(chunk.content, str) else ""
                if text:
                    yield text
        except LLMError:
            raise
        except Exception as error:  # the client's errors; anything else is re-raised below
            raise self._map(error) from error

    def condense(self, message: str, history: list[Turn], lang: str) -> str:
        """The follow-up rewritten as a standalone question (one non-streamed call)."""
        from langchain_core.messages import HumanMessage

        prompt = self.prompts.render(
            "condense", lang, history=format_history(history), question=message
        )
        try:
            reply = self.model.invoke([HumanMessage(prompt)])
        except Exception as error:
            raise self._map(error) from error
        text = reply.content if isinstance(reply.content, str) else ""
        return text.strip().strip('"“”') or message

    def _map(self, error: Exception) -> LLMError:
        import httpx
        import openai

        if isinstance(error, openai.OpenAIError | httpx.HTTPError):
            return explain(error, self.settings)
        raise error
