"""``careercoach kb check [--repair]``: say in words whether the index is whole, and mend it.

The check reads the pointer, opens every generation record as a reader would (counts of
sources, documents, chunks and vectors must agree; every segment must open), checksums the
segments of the generation serving, and lists leftovers (segments no record uses, unfinished
temporary folders, a first-format index). It changes nothing.

``repair`` runs a refresh of no folders with ``repair=True`` (see ``refresh.run_refresh``): it
builds on the newest readable generation, loads the documents whose rows are damaged again from
their files (vectors from the embedding cache, so nothing is embedded twice), re-adds missing
vectors to a Chroma server, converts a first-format index, commits a whole generation (which
also mends the pointer), then deletes the damaged records and what only they used; every one of
these actions is reported. A document whose file is gone cannot be rebuilt and is reported.
What it leaves out: the reader's own fallback while damage lasts (``base``).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from bot.knowledge import legacy
from bot.knowledge.build import RefreshContext
from bot.knowledge.index import GenerationDamaged, SegmentPool, open_generation
from bot.knowledge.refresh import run_refresh
from bot.knowledge.segment import SegmentDamaged
from bot.knowledge.state import FileState, PointerDamaged, RecordDamaged


class CheckReport(BaseModel):
    whole: bool
    pointer: int | None = None  # the generation the pointer names, None when it cannot be read
    problems: list[str] = Field(default_factory=list)  # what is wrong, in words
    notes: list[str] = Field(default_factory=list)  # leftovers that do no harm
    actions: list[str] = Field(default_factory=list)  # what --repair did


def check_index(ctx: RefreshContext) -> CheckReport:
    state = ctx.state
    report = CheckReport(whole=True)
    numbers = state.generations()
    try:
        report.pointer = state.pointer()
    except PointerDamaged as exc:
        report.problems.append(f"the generation pointer is damaged: {exc}")
    if report.pointer is None and numbers and not report.problems:
        report.problems.append(f"the generation pointer is missing ({state.where})")
    if report.pointer is not None and report.pointer not in numbers:
        report.problems.append(
            f"the pointer names generation {report.pointer}, which has no record"
        )
    if isinstance(state, FileState) and (old := legacy.find(state.root)) is not None:
        report.problems.append(
            f"{old} is an index in the first format; --repair (or a refresh) converts it"
        )
    referenced: set[str] = set()
    pool = SegmentPool(state, map_vectors=False)
    for m in numbers:
        try:
            referenced |= set(state.read(m).segments)
            open_generation(state, pool, ctx.server, m).close()
        except RecordDamaged as exc:  # blocks every clean-up until it is removed
            report.problems.append(f"generation {m}: {exc}")
        except GenerationDamaged as exc:
            if report.pointer is not None and m > report.pointer:
                report.notes.append(f"generation {m} was never committed (a refresh was stopped)")
            elif m == report.pointer or report.pointer not in numbers:
                report.problems.append(f"generation {m}: {exc}")
            else:
                report.notes.append(f"generation {m}, not serving, is damaged ({exc})")
    if report.pointer is not None and report.pointer in numbers:
        try:
            record = state.read(report.pointer)
        except RecordDamaged:
            record = None
        for seg_id in record.segments if record else []:
            try:
                seg = pool.acquire(seg_id)
            except SegmentDamaged:
                continue  # reported above
            report.problems += seg.verify()
            pool.release(seg_id)
    orphans = [s for s in state.segment_ids() if s not in referenced]
    if orphans:
        report.notes.append(
            f"{len(orphans)} segment(s) no generation uses (the next refresh deletes them)"
        )
    report.whole = not report.problems
    return report


def repair_index(ctx: RefreshContext) -> CheckReport:
    """Mend what ``check_index`` finds; the result is the check after the repair."""
    done = run_refresh(ctx, [], repair=True)
    after = check_index(ctx)
    after.actions = [*done.warnings, *(f"{f.status}: {f.path}: {f.reason}" for f in done.files)]
    if done.new_generation:
        after.actions.append(f"committed generation {done.generation}")
    return after
