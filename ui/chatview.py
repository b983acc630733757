"""The graduate chat as data for the page script (``templates/chat.js``): conversations,
messages, citations with the sentences to highlight, feedback, plan summaries.

Everything here is plain JSON-able data: the script inserts every text with ``textContent``
(never as HTML), so a graduate's message, a passage or a model's answer is always inert.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.chat.models import Answer, Citation
from bot.highlight import cited_sentences, highlights
from bot.planning.summary import summary
from bot.store.models import Conversation, SessionConversation, StoredTurn
from ui.render import citation_text, section_of
from ui.texts import EXAMPLES, t
from ui.timefmt import local, zone_label

LABEL_KEYS = [
    "conversations",
    "new_chat",
    "rename",
    "delete",
    "confirm_delete",
    "send",
    "stop",
    "regenerate",
    "placeholder",
    "sources",
    "helpful",
    "not_helpful",
    "rated",
    "comment_label",
    "send_comment",
    "commented",
    "open_original",
    "passage",
    "stopped",
    "verified",
    "plan_next",
    "download_plan",
    "whole_plan",
    "examples",
    "no_sources",
    "close",
    "rename_prompt",
    "busy",
    "input_label",
    "document",
    "section",
    "page",
    "date",
    "empty",
    "too_long",
    "times_in",
    "highlight_note",
]


def labels(lang: str) -> dict[str, str]:
    return {key: t(key, lang) for key in LABEL_KEYS}


def citation_view(citation: Citation, claims: list[str], lang: str, label: str) -> dict[str, Any]:
    link = ""
    if citation.doc_id and citation.chunk_id:
        link = f"/documents/{citation.doc_id}?passage={citation.chunk_id}"
    return {
        "n": citation.n,
        "label": label,
        "title": citation.title or "—",
        "section": section_of(citation),
        "page": citation.page,
        "date": citation.date,
        "text": citation.text,
        "marks": [list(r) for r in highlights(citation.text, claims)],
        "original": link,
    }


def citations_view(answer: Answer, lang: str) -> list[dict[str, Any]]:
    """Each citation with a label no other citation of the answer shares."""
    claims = cited_sentences(answer.answer)
    seen: dict[str, int] = {}
    out = []
    for citation in answer.citations:
        label = citation_text(citation, lang)  # plain: the script inserts it as text
        bare = label.split("] ", 1)[-1]
        seen[bare] = seen.get(bare, 0) + 1
        if seen[bare] > 1:  # two passages of one section: say which is which
            label += f" · {t('passage', lang)} {seen[bare]}"
        out.append(citation_view(citation, claims.get(citation.n, []), lang, label))
    return out


def answer_view(answer: Answer, lang: str) -> dict[str, Any]:
    extra = answer.extra or {}
    view: dict[str, Any] = {
        "role": "assistant",
        "text": answer.answer,
        "warnings": list(answer.warnings),
        "citations": citations_view(answer, lang),
        "verified": None,
        "plan": None,
    }
    verified = extra.get("verified")
    if isinstance(verified, dict):
        view["verified"] = {"day": str(verified.get("approved_at", ""))[:10]}
    plan = extra.get("plan")
    if isinstance(plan, dict):
        view["plan"] = summary(plan)
    return view


def turn_views(turn: StoredTurn, tz: ZoneInfo, lang: str) -> list[dict[str, Any]]:
    reply = answer_view(turn.answer, lang)
    reply["turn_id"] = turn.id
    reply["time"] = local(turn.created_at, tz, "%m-%d %H:%M")
    if reply["plan"] is not None:
        reply["plan"]["download"] = f"/plans/{turn.id}.md"
    feedback = turn.feedback
    reply["feedback"] = (
        {"rating": feedback.rating, "comment": feedback.comment} if feedback else None
    )
    return [{"role": "user", "text": turn.question}, reply]


def chat_view(
    conversation: Conversation | None,
    conversations: list[SessionConversation],
    tz: ZoneInfo,
    lang: str,
    max_chars: int = 2000,
) -> dict[str, Any]:
    """The whole chat for the page's script; ``max_chars`` is the longest message accepted
    (``settings.max_message_chars``), which the input box enforces and its notice names."""
    messages: list[dict[str, Any]] = []
    for turn in conversation.turns if conversation else []:
        messages += turn_views(turn, tz, lang)
    return {
        "lang": lang,
        "labels": {**labels(lang), "too_long": t("too_long", lang).format(n=max_chars)},
        "max_chars": max_chars,
        "zone": zone_label(tz, lang),
        "examples": EXAMPLES[lang],
        "conversation_id": conversation.id if conversation else None,
        "conversations": [
            {
                "id": c.id,
                "title": c.title,
                "updated": local(c.updated_at, tz, "%m-%d %H:%M"),
                "turns": c.turn_count,
            }
            for c in conversations
        ],
        "messages": messages,
        "busy": False,
    }
