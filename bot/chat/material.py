"""What the LLM mode writes from: the same parts and blocks the offline answerer chose.

The model does not pick its own sources or decide on its own whether the knowledge base answers:
for each part of the question the offline answerer's decision stands (``bot.chat.decision``).
An answered part's material is its block's passages (whole sections), followed by the part's
other retrieved passages so the model can complete what the block started; an unanswered part
has none. A compound question gets a plan listing each part's heading with the numbers of the
passages chosen for it, or saying the knowledge base has nothing for it. After generation
:meth:`Material.enforce` replaces what the model wrote under a part the decision did not answer
with the fixed "not in the knowledge base" sentence; the coach then checks every sentence's
citations and numbers (``bot.chat.checks``). When no part is answered there is no material and
the coach answers offline (an abstention).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.chat.extractive import Extract, part_heading
from bot.chat.prompts import PromptLibrary
from bot.knowledge.models import Hit


@dataclass
class Material:
    """Numbered passages for the model, the plan of parts, and each part's heading."""

    hits: list[Hit]
    plan: str = ""
    headings: list[str] = field(default_factory=list)  # one per part, for a compound question
    answered: list[bool] = field(default_factory=list)

    def enforce(self, draft: str, prompts: PromptLibrary, lang: str) -> str:
        """``draft`` with each unanswered part's text replaced by the fixed missing sentence;
        a draft without the parts' headings is kept as it is (the sentence checks still run)."""
        if not self.headings:
            return draft
        sections = _sections(draft, self.headings)
        if sections is None:
            return draft
        missing = prompts.render("part_missing", lang)
        out = []
        for heading, body, answered in zip(self.headings, sections, self.answered, strict=True):
            out.append(f"{heading}\n{body.strip() if answered else missing}")
        return "\n\n".join(out)


def llm_material(extract: Extract, prompts: PromptLibrary) -> Material:
    """The material for the model from the offline answerer's parts (see the module docstring)."""
    hits: list[Hit] = []
    lines: list[str] = []
    headings: list[str] = []
    answered: list[bool] = []
    lang = extract.analysis.lang

    def number(hit: Hit) -> int:
        known = next((i for i, h in enumerate(hits) if h.chunk_id == hit.chunk_id), None)
        if known is None:
            hits.append(hit)
            known = len(hits) - 1
        return known + 1

    for answer in extract.parts:
        numbers: list[int] = []
        if answer.answered and answer.block is not None:
            chosen = answer.block.passages
            numbers = [number(answer.passages[i].hit) for i in chosen]
            # the part's other retrieved passages follow, so the model may complete the block
            for i, passage in enumerate(answer.passages):
                if i not in chosen:
                    number(passage.hit)
        heading = prompts.render("part_heading", lang, ask=part_heading(answer.part.text))
        headings.append(heading)
        answered.append(bool(numbers))
        if numbers:
            cited = " ".join(f"[{n}]" for n in numbers)
            lines.append(prompts.render("answer_part_line", lang, heading=heading, numbers=cited))
        else:
            lines.append(prompts.render("answer_part_missing_line", lang, heading=heading))
    if len(extract.parts) < 2 or not hits:
        return Material(hits)
    plan = prompts.render("answer_parts", lang, plan="\n".join(lines))
    return Material(hits, plan, headings, answered)


def _sections(draft: str, headings: list[str]) -> list[str] | None:
    """The text under each heading, in order; None when any heading is missing."""
    positions = []
    start = 0
    for heading in headings:
        pattern = re.compile(r"^[ \t*#]*" + re.escape(heading.strip()) + r"[ \t*]*$", re.M)
        match = pattern.search(draft, start)
        if match is None:
            return None
        positions.append((match.start(), match.end()))
        start = match.end()
    ends = [p[0] for p in positions[1:]] + [len(draft)]
    return [draft[p[1] : end] for p, end in zip(positions, ends, strict=True)]
