"""What the answering engine takes and gives: turns, citations, answers and stream events.

Shared by the engine, the planning flow, the store, the CLI, the web app and the evals, so it
holds data only.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, Field

Intent = Literal[
    "greeting",  # hello / what can you do
    "policy",  # a question the knowledge base should answer
    "planning",  # career-planning request, handed to the planning flow
    "out_of_scope",  # poems, homework, code …
    "distress",  # the graduate may be in crisis
    "meta",  # asks for the system prompt or configuration
]


class Turn(BaseModel):
    """One message of a conversation."""

    role: Literal["user", "assistant"]
    text: str


class Citation(BaseModel):
    """A numbered source behind an answer; ``n`` matches the ``[n]`` marker in the text."""

    n: int
    title: str
    section: str = ""
    page: int | None = None
    source: str = ""
    text: str  # the passage (or the part of it) that supports the answer
    score: float = 0.0
    date: str = ""  # publish date of the document, ISO format, when known
    doc_id: str = ""
    chunk_id: str = ""


class Answer(BaseModel):
    """The engine's reply; ``careercoach ask --json`` prints exactly these fields."""

    answer: str
    citations: list[Citation] = Field(default_factory=list)
    abstained: bool = False  # True when the knowledge base did not support an answer
    mode: Literal["llm", "offline"] = "offline"
    warnings: list[str] = Field(default_factory=list)  # e.g. an expired document was cited
    intent: Intent = "policy"
    flagged: bool = False  # marked for a counselor's attention (e.g. distress)
    lang: Literal["zh", "en"] = "zh"
    standalone_query: str = ""  # the question as rewritten for retrieval
    extra: dict[str, object] = Field(default_factory=dict)  # e.g. a plan in Markdown


class StreamEvent(BaseModel):
    """A piece of a streamed answer: text deltas, then one final event with the whole answer."""

    delta: str = ""
    answer: Answer | None = None  # set on the last event only


class Planner(Protocol):
    """The planning flow the engine hands career-planning conversations to."""

    def respond(self, message: str, history: list[Turn], lang: str) -> Answer: ...

    def in_progress(self, history: list[Turn]) -> bool:
        """True while the flow waits for the graduate's answer to one of its questions."""
        ...


class VerifiedSource(Protocol):
    """Counselors' verified answers (``bot.verified``), consulted before retrieval."""

    def match(self, question: str, lang: str) -> Answer | None:
        """The verified answer to ``question``, or None to answer it as usual."""
        ...
