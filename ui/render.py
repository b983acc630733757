"""Markdown for the pages: an answer with its sources, one source's passage, a stored conversation.

Pure functions from ``bot`` models to strings, shared by the graduate chat and the counselor
review, so both show a citation the same way. No Gradio here. Every piece of text that came from
a graduate, a document or a model goes through ``ui.sanitize`` (``literal`` for what must read
exactly as typed, ``strict`` for answers), so it is shown as text, never as HTML; only the
structure around it (labels, headings, lists) is written here. In the counselor view each
graduate's message and each answer sits in its own labelled blockquote, so a message cannot
pass itself off as a turn heading or an annotation line.
"""

from __future__ import annotations

from pathlib import Path

from bot.chat.models import Answer, Citation
from bot.store.models import Conversation, StoredTurn
from ui.sanitize import literal, quoted, strict
from ui.texts import t


def section_of(citation: Citation) -> str:
    """The section path without the document title that often heads it (plain text)."""
    steps = [s.strip() for s in citation.section.split(" / ") if s.strip()]
    return " / ".join(s for s in steps if s != citation.title.strip())


def citation_text(citation: Citation, lang: str) -> str:
    """One line naming a source, as plain text: ``[1] 《title》 · section · p. 3``.

    For places that show text as it is (the sources radio's labels), not Markdown."""
    parts = [f"[{citation.n}] 《{citation.title or Path(citation.source).name or '?'}》"]
    if section_of(citation):
        parts.append(section_of(citation))
    if citation.page is not None:
        parts.append(f"第{citation.page}页" if lang == "zh" else f"p. {citation.page}")
    if citation.date:
        parts.append(citation.date)
    return " · ".join(parts)


def citation_label(citation: Citation, lang: str) -> str:
    """:func:`citation_text` as inert Markdown."""
    return literal(citation_text(citation, lang))


def citation_detail(citation: Citation, lang: str) -> str:
    """The passage behind a citation, with document, section, page and date."""
    rows = [
        (t("document", lang), literal(citation.title) or "—"),
        (t("section", lang), literal(section_of(citation)) or "—"),
        (t("page", lang), str(citation.page) if citation.page is not None else "—"),
        (t("date", lang), literal(citation.date) or "—"),
        (t("source_file", lang), literal(Path(citation.source).name) if citation.source else "—"),
    ]
    table = "\n".join(f"- **{name}**：{value}" for name, value in rows)
    head = f"#### \\[{citation.n}\\] {literal(citation.title)}"
    return f"{head}\n\n{table}\n\n{quoted(literal(citation.text))}"


def answer_markdown(answer: Answer, lang: str) -> str:
    """The answer as shown in the chat: text, warnings, then the numbered sources."""
    parts = [strict(answer.answer.strip())]
    if answer.warnings:
        parts.append("\n\n".join(f"注意 / Note: {literal(warning)}" for warning in answer.warnings))
    if answer.citations:
        head = "来源：" if lang == "zh" else "Sources:"
        lines = [f"- {citation_label(c, lang)}" for c in answer.citations]
        parts.append(f"**{head}**\n" + "\n".join(lines))
    plan = answer.extra.get("plan_markdown") if answer.extra else None
    if isinstance(plan, str) and plan and plan not in answer.answer:
        parts.append(strict(plan))
    return "\n\n".join(p for p in parts if p)


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "—"}[value]


def turn_markdown(turn: StoredTurn) -> str:
    """One stored exchange for a counselor: question, answer, mode, latency, sources, ratings.

    The graduate's words and the answer are each quoted under a label; everything else on the
    page is written by this function, with untrusted parts (titles, comments, notes) literal."""
    answer = turn.answer
    facts = (
        f"intent `{answer.intent}` · mode `{answer.mode}` · {turn.latency_ms} ms"
        f" · {'**abstained**' if answer.abstained else 'answered'}"
        f"{' · **flagged**' if answer.flagged else ''} · {turn.created_at:%Y-%m-%d %H:%M}"
    )
    lines = [
        f"### Turn {turn.position + 1} (id {turn.id})",
        "**毕业生原话 / graduate's message:**",
        quoted(literal(turn.question) or "—"),
        "**回答 / answer:**",
        quoted(strict(answer.answer) or "—"),
        facts,
    ]
    if answer.warnings:
        lines.append("Warnings: " + "; ".join(literal(w) for w in answer.warnings))
    for citation in answer.citations:
        excerpt = citation.text.replace("\n", " ")
        if len(excerpt) > 160:
            excerpt = excerpt[:160] + "…"
        lines.append(
            f"- {citation_label(citation, 'zh')} (score {citation.score:.2f}): {literal(excerpt)}"
        )
    if turn.feedback is not None:
        thumb = "thumbs up" if turn.feedback.rating > 0 else "**thumbs down**"
        lines.append(f"Feedback: {thumb}")
        if turn.feedback.comment:
            lines.append(quoted(literal(turn.feedback.comment)))
    for note in turn.annotations:
        lines.append(
            f"Annotation by {literal(note.by_user)}: correct {_yes_no(note.correct)} · citations "
            f"{_yes_no(note.citations_ok)} · tone {_yes_no(note.tone_ok)} · {literal(note.note)}"
        )
    return "\n\n".join(lines)


def conversation_markdown(conversation: Conversation) -> str:
    head = (
        f"## Conversation {conversation.id}\n\nstarted {conversation.started_at:%Y-%m-%d %H:%M}"
        f" · language {literal(conversation.lang)} · {len(conversation.turns)} turns"
    )
    if conversation.flagged:
        head += f" · **flagged**: {literal(conversation.flag_reason) or '—'}"
    return "\n\n---\n\n".join([head, *(turn_markdown(turn) for turn in conversation.turns)])
