"""What a graduate may see of the server: no endpoint addresses, settings or server paths.

The engine's warnings and errors are written for operators too ("接口 http://10.0.0.5:8000/v1
响应超时（llm_timeout_s）"); :func:`for_graduates` replaces every configured endpoint address
(chat and embedding endpoints, the Chroma server, the database), any other URL with a private or
loopback host, and setting names (``OPENAI_BASE_URL``, ``CAREERCOACH_…``, ``llm_timeout_s``) by
neutral words, so the message still says what happened. The log keeps the full text.
:func:`public_answer` is the ``/api/chat`` body: citations name the file (``x.md``) and the
document id, never an absolute path on the server. The better place to separate the operator's
message from the graduate's is the engine's error itself (``bot/chat/llm.explain``).
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit

from bot.chat.models import Answer
from bot.settings import Settings

_URL = re.compile(r"\b(?:https?|postgres(?:ql)?(?:\+\w+)?|sqlite)://[^\s，。；、）)\]>\"']+", re.I)
_ENV_NAME = re.compile(r"\b(?:OPENAI|CAREERCOACH)_[A-Z0-9_]+\b")
_HIDDEN = {"zh": "（服务地址已隐藏）", "en": "(service address hidden)"}


def _private_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").strip("[]")
    if host in ("localhost", "") or host.endswith((".local", ".internal", ".lan")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


def _configured(settings: Settings) -> list[str]:
    values = [
        settings.openai_base_url,
        settings.embedding_base_url,
        settings.chroma_url,
        settings.database_url,
    ]
    found = []
    for value in values:
        if value:
            found.append(value.rstrip("/"))
            netloc = urlsplit(value).netloc.rsplit("@", 1)[-1]
            if netloc:
                found.append(netloc)
    return sorted(found, key=len, reverse=True)


def for_graduates(text: str, settings: Settings, lang: str = "zh") -> str:
    """``text`` without endpoint addresses, server paths or setting names."""
    hidden = _HIDDEN.get(lang, _HIDDEN["en"])
    for value in _configured(settings):
        text = text.replace(value, hidden)
    text = _URL.sub(lambda m: hidden if _private_host(m.group(0)) else m.group(0), text)
    text = _ENV_NAME.sub("", text)
    names = "|".join(
        re.escape(name) for name in sorted(Settings.model_fields, key=len, reverse=True)
    )
    text = re.sub(rf"[（(]\s*(?:{names})\s*[）)]", "", text)
    home = str(settings.home)
    if home and home != "/":
        text = text.replace(home, "…")
    return re.sub(r"[（(]\s*[）)]", "", text)


def public_answer(answer: Answer, settings: Settings) -> dict[str, Any]:
    """The answer as ``/api/chat`` returns it."""
    body: dict[str, Any] = answer.model_dump(mode="json")
    for citation in body["citations"]:
        citation["source"] = PurePath(str(citation.get("source") or "")).name
    body["warnings"] = [for_graduates(w, settings, answer.lang) for w in answer.warnings]
    return body
