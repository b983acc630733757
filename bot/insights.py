"""Group graduates' questions by meaning: the dashboard's top unanswered questions and the
maintainers' knowledge gaps.

Questions are embedded with the knowledge base's own model (through its embedding cache, so a
question is embedded once) and grouped greedily: each question, most recent first, joins the
group whose first member (its seed) it is closest to when that cosine reaches ``threshold``,
or starts a new group. A group's label is its most central question. Hand-written: a few
thousand questions need no clustering library, and the greedy pass is stable as questions come.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.store.knowledge_gaps import GapGroup
from bot.store.models import AskedQuestion

# Cosine (multilingual-e5-small, passage side) at which two questions ask the same thing; set
# by reading groups of the starter questions, not tuned on an evaluation set.
GROUP_THRESHOLD = 0.9
MAX_EXAMPLES = 5


@dataclass
class QuestionGroup:
    questions: list[AskedQuestion] = field(default_factory=list)
    label: str = ""

    @property
    def conversations(self) -> int:
        return len({q.conversation_id for q in self.questions})

    def as_gap(self) -> GapGroup:
        texts = list(dict.fromkeys(q.question for q in self.questions))
        return GapGroup(
            label=self.label,
            turn_ids=[q.turn_id for q in self.questions],
            examples=texts[:MAX_EXAMPLES],
            asked=self.conversations,
            first_seen=min(q.created_at for q in self.questions),
            last_seen=max(q.created_at for q in self.questions),
        )


def _unit(vectors: list[list[float]]) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.asarray(matrix / np.where(norms == 0, 1.0, norms))


def group_questions(
    questions: Sequence[AskedQuestion],
    embeddings: Embeddings,
    threshold: float = GROUP_THRESHOLD,
) -> list[QuestionGroup]:
    """Groups of similar questions, the ones asked in most conversations first."""
    if not questions:
        return []
    ordered = sorted(questions, key=lambda q: q.created_at, reverse=True)
    vectors = _unit(embeddings.embed_documents([q.question for q in ordered]))
    seeds: list[int] = []
    members: list[list[int]] = []
    for i in range(len(ordered)):
        if seeds:
            sims = vectors[seeds] @ vectors[i]
            best = int(np.argmax(sims))
            if float(sims[best]) >= threshold:
                members[best].append(i)
                continue
        seeds.append(i)
        members.append([i])
    groups = []
    for indexes in members:
        centre = vectors[indexes].mean(axis=0)
        central = indexes[int(np.argmax(vectors[indexes] @ centre))]
        groups.append(QuestionGroup([ordered[i] for i in indexes], ordered[central].question))
    groups.sort(key=lambda g: (-g.conversations, -len(g.questions)))
    return groups
