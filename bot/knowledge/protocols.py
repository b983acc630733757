"""The narrow interfaces other packages depend on, so they can be tested with fakes."""

from __future__ import annotations

from typing import Protocol

from bot.knowledge.models import Hit, SearchFilters


class Retriever(Protocol):
    """Anything that turns a query into ranked hits."""

    def search(self, query: str, k: int = 5, filters: SearchFilters | None = None) -> list[Hit]: ...
