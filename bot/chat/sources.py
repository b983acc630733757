"""Citations from hits, freshness of the cited documents, and the source list shown to users.

Freshness: newer documents on the same subject rank first, a document superseded by another
retrieved one is dropped, and a cited document that has expired, is superseded or is not yet in
force gets a note in the answer and a warning. "Same subject" is approximated by the ranking
itself (the hits already answer one query); this module does not compare documents' topics.
"""

from __future__ import annotations

from datetime import date

from bot.chat.models import Citation
from bot.chat.prompts import PromptLibrary
from bot.knowledge.models import Hit

# How much a year of recency is worth relative to the fused score, and its cap.
_RECENCY_PER_YEAR = 0.04
_RECENCY_CAP = 0.2
_STALE_FACTOR = 0.8


def prefer_fresh(hits: list[Hit], today: date) -> list[Hit]:
    """Hits re-ranked for freshness; hits superseded by another retrieved document removed."""
    present = {h.doc_id for h in hits} | {h.title for h in hits if h.title}
    kept = [h for h in hits if not (h.meta.superseded_by and h.meta.superseded_by in present)]
    years = [h.meta.publish_date.year for h in kept if h.meta.publish_date]
    oldest = min(years) if years else None

    def weight(hit: Hit) -> float:
        factor = 1.0
        if oldest is not None and hit.meta.publish_date:
            bonus = _RECENCY_PER_YEAR * (hit.meta.publish_date.year - oldest)
            factor += min(bonus, _RECENCY_CAP)
        if hit.meta.superseded_by or not hit.meta.valid_on(today):
            factor *= _STALE_FACTOR
        return hit.score * factor

    return sorted(kept, key=weight, reverse=True)


def citation_of(n: int, hit: Hit, text: str | None = None) -> Citation:
    """The citation numbered ``n`` for ``hit``; ``text`` is the supporting part if known."""
    published = hit.meta.publish_date.isoformat() if hit.meta.publish_date else ""
    return Citation(
        n=n,
        title=hit.title or hit.meta.title or hit.source,
        section=hit.section,
        page=hit.page,
        source=hit.source,
        text=text if text is not None else hit.text,
        score=round(hit.score, 4),
        date=published,
        doc_id=hit.doc_id,
        chunk_id=hit.chunk_id,
    )


def freshness_notes(hits: list[Hit], today: date, lang: str, prompts: PromptLibrary) -> list[str]:
    """One note per cited document that is expired, superseded or not yet in force."""
    notes: list[str] = []
    seen: set[str] = set()
    for hit in hits:
        if hit.doc_id in seen:
            continue
        seen.add(hit.doc_id)
        title = hit.title or hit.meta.title or hit.source
        meta = hit.meta
        if meta.expiry_date and today > meta.expiry_date:
            notes.append(
                prompts.render(
                    "note_expired", lang, title=title, expiry=_day(meta.expiry_date, lang)
                )
            )
        elif meta.effective_date and today < meta.effective_date:
            notes.append(
                prompts.render(
                    "note_not_yet_effective",
                    lang,
                    title=title,
                    effective=_day(meta.effective_date, lang),
                )
            )
        if meta.superseded_by:
            notes.append(
                prompts.render("note_superseded", lang, title=title, newer=meta.superseded_by)
            )
    return notes


def _day(day: date, lang: str) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.isoformat()


def format_sources(citations: list[Citation], lang: str) -> str:
    """A readable source list: ``[n] 《title》 section, page, date``."""
    lines = []
    for c in citations:
        parts = [f"[{c.n}] 《{c.title}》" if lang == "zh" else f"[{c.n}] {c.title}"]
        if c.section:
            parts.append(c.section)
        if c.page is not None:
            parts.append(f"第{c.page}页" if lang == "zh" else f"p. {c.page}")
        if c.date:
            parts.append(c.date)
        lines.append(" · ".join(parts))
    return "\n".join(lines)
