"""The order of the chosen sentences: the direct answer first, lists with their lead-in.

The passage holding the best sentence comes first, opening with the run of adjacent chosen
sentences around that sentence (from the "…：" lead-in of its list, when it is a list item);
other passages follow in the order of their best sentence, each in reading order. What is
chosen is the extractive answerer's business; this module only orders it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Scored:
    """A candidate sentence with its score; ``position`` is its place in its passage."""

    score: float
    lexical: float
    hit_index: int
    position: int
    text: str


def lead_in(item: Scored, by_place: dict[tuple[int, int], Scored]) -> Scored | None:
    """The "…：" sentence a list item belongs to: the nearest one before it in its passage,
    with only items ending in "；" between them."""
    for step in range(1, 7):
        before = by_place.get((item.hit_index, item.position - step))
        if before is None:
            return None
        if before.text.endswith(("：", ":")):
            return before
        if not before.text.endswith(("；", ";")):
            return None
    return None


def reading_order(chosen: list[Scored], best: Scored, lead_in: Scored | None) -> list[Scored]:
    """The passage of the best sentence first, opening with the run of adjacent chosen
    sentences around the best one (from its list's lead-in, if any), so the direct answer
    leads; other passages follow in the order of their best sentence, in reading order."""
    first_seen: dict[int, int] = {best.hit_index: -1}
    for rank, item in enumerate(chosen):
        first_seen.setdefault(item.hit_index, rank)
    places = {s.position for s in chosen if s.hit_index == best.hit_index}
    start = end = best.position
    while start - 1 in places:
        start -= 1
    while end + 1 in places:
        end += 1
    if lead_in is not None and lead_in in chosen:
        start = min(start, lead_in.position)

    def key(s: Scored) -> tuple[int, int, int]:
        lead_run = s.hit_index == best.hit_index and start <= s.position <= end
        return (first_seen[s.hit_index], 0 if lead_run else 1, s.position)

    return sorted(chosen, key=key)
