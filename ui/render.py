"""Markdown for the pages: an answer with its sources, one source's passage, a stored conversation.

Pure functions from ``bot`` models to strings, shared by the graduate chat and the counselor
review, so both show a citation the same way. No Gradio here.
"""

from __future__ import annotations

from pathlib import Path

from bot.chat.models import Answer, Citation
from bot.store.models import Conversation, StoredTurn
from ui.texts import t


def section_of(citation: Citation) -> str:
    """The section path without the document title that often heads it."""
    steps = [s.strip() for s in citation.section.split(" / ") if s.strip()]
    return " / ".join(s for s in steps if s != citation.title.strip())


def citation_label(citation: Citation, lang: str) -> str:
    """One line naming a source: ``[1] 《title》 · section · p. 3``."""
    parts = [f"[{citation.n}] 《{citation.title or citation.source or '?'}》"]
    if section_of(citation):
        parts.append(section_of(citation))
    if citation.page is not None:
        parts.append(f"第{citation.page}页" if lang == "zh" else f"p. {citation.page}")
    if citation.date:
        parts.append(citation.date)
    return " · ".join(parts)


def citation_detail(citation: Citation, lang: str) -> str:
    """The passage behind a citation, with document, section, page and date."""
    rows = [
        (t("document", lang), citation.title or "—"),
        (t("section", lang), section_of(citation) or "—"),
        (t("page", lang), str(citation.page) if citation.page is not None else "—"),
        (t("date", lang), citation.date or "—"),
        (t("source_file", lang), f"`{Path(citation.source).name}`" if citation.source else "—"),
    ]
    table = "\n".join(f"- **{name}**：{value}" for name, value in rows)
    quoted = "\n".join(f"> {line}" for line in citation.text.splitlines() if line.strip())
    return f"#### [{citation.n}] {citation.title}\n\n{table}\n\n{quoted}"


def answer_markdown(answer: Answer, lang: str) -> str:
    """The answer as shown in the chat: text, warnings, then the numbered sources."""
    parts = [answer.answer.strip()]
    if answer.warnings:
        parts.append("\n".join(f"注意 / Note: {warning}" for warning in answer.warnings))
    if answer.citations:
        head = "来源：" if lang == "zh" else "Sources:"
        lines = [f"- {citation_label(c, lang)}" for c in answer.citations]
        parts.append(f"**{head}**\n" + "\n".join(lines))
    plan = answer.extra.get("plan_markdown") if answer.extra else None
    if isinstance(plan, str) and plan and plan not in answer.answer:
        parts.append(plan)
    return "\n\n".join(p for p in parts if p)


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "—"}[value]


def turn_markdown(turn: StoredTurn) -> str:
    """One stored exchange for a counselor: question, answer, mode, latency, sources, ratings."""
    answer = turn.answer
    facts = (
        f"intent `{answer.intent}` · mode `{answer.mode}` · {turn.latency_ms} ms"
        f" · {'**abstained**' if answer.abstained else 'answered'}"
        f"{' · **flagged**' if answer.flagged else ''} · {turn.created_at:%Y-%m-%d %H:%M}"
    )
    lines = [
        f"### Turn {turn.position + 1} (id {turn.id})",
        f"**Q:** {turn.question}",
        f"**A:** {answer.answer}",
        facts,
    ]
    if answer.warnings:
        lines.append("Warnings: " + "; ".join(answer.warnings))
    for citation in answer.citations:
        excerpt = citation.text.replace("\n", " ")
        if len(excerpt) > 160:
            excerpt = excerpt[:160] + "…"
        lines.append(f"- {citation_label(citation, 'zh')} (score {citation.score:.2f}): {excerpt}")
    if turn.feedback is not None:
        thumb = "thumbs up" if turn.feedback.rating > 0 else "**thumbs down**"
        lines.append(f"Feedback: {thumb} {turn.feedback.comment}")
    for note in turn.annotations:
        lines.append(
            f"Annotation by {note.by_user}: correct {_yes_no(note.correct)} · citations "
            f"{_yes_no(note.citations_ok)} · tone {_yes_no(note.tone_ok)} · {note.note}"
        )
    return "\n\n".join(lines)


def conversation_markdown(conversation: Conversation) -> str:
    head = (
        f"## Conversation {conversation.id}\n\nstarted {conversation.started_at:%Y-%m-%d %H:%M}"
        f" · language {conversation.lang} · {len(conversation.turns)} turns"
    )
    if conversation.flagged:
        head += f" · **flagged**: {conversation.flag_reason or '—'}"
    return "\n\n---\n\n".join([head, *(turn_markdown(turn) for turn in conversation.turns)])
