"""How the coach retrieves for one question part: the query it sends and the hits it keeps.

A part's query is the analysed question's (``QuestionAnalysis.query_for``) with the official
names of its everyday wording (低保户 → 低保家庭) and, for English, the Chinese names of the key
terms, because the lexical side sees no glossary. The retriever is asked for twice the hits
needed; when none of the first ``k`` has a section heading of the part's type (报名条件 for
who-can-apply), the best such section takes the k-th place, so a guide's other sections cannot
crowd out the one asked. Leaves out ranking itself (the retriever's) and freshness (``sources``).
"""

from __future__ import annotations

from bot.chat.analysis import Part, QuestionAnalysis
from bot.chat.glossary import Glossary
from bot.chat.question import QuestionType
from bot.knowledge.models import Hit
from bot.knowledge.protocols import Retriever


def part_query(analysis: QuestionAnalysis, part: Part, glossary: Glossary) -> str:
    """The retrieval query for ``part``."""
    query = analysis.query_for(part)
    extra = [t.zh for t in glossary.colloquial_in(query) if t.zh not in query]
    if analysis.lang == "en":
        extra += [t.zh for t in glossary.chinese_for(query) if t.zh not in query]
    return " ".join([query, *dict.fromkeys(extra)])


def prefer_sections(hits: list[Hit], kind: QuestionType, k: int) -> list[Hit]:
    """The first ``k`` hits, the last giving way to the best of the rest whose section heading
    is of the part's type when none of the first ``k`` has one."""
    top = hits[:k]
    if kind.headings is None or any(kind.headings.search(h.section) for h in top):
        return top
    spare = [h for h in hits[k:] if kind.headings.search(h.section)]
    return [*top[: k - 1], spare[0]] if spare and k > 0 else top


def retrieve(
    retriever: Retriever, analysis: QuestionAnalysis, part: Part, glossary: Glossary, k: int
) -> list[Hit]:
    """The hits for one part (before freshness and screening)."""
    found = retriever.search(part_query(analysis, part, glossary), 2 * k)
    return prefer_sections(found, part.kind, k)
