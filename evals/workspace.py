"""Builds what the suites run against: throw-away indexes, coaches, baselines, catalogues.

Each knowledge folder gets its own home under one temporary directory (removed on ``close``),
indexed with the product's own ``KnowledgeBase.refresh``. Every such home's ``cache`` folder is
a link to the caller's cache, so passage vectors computed once (by an earlier eval run, a
benchmark or ``kb refresh``) are not computed again. Scoring is not done here.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from bot.chat.distress import Assessment
from bot.chat.models import Answer
from bot.errors import ValidationFailed
from bot.knowledge.embeddings import make_embeddings
from bot.settings import Settings
from evals.baselines import Bm25Baseline, DenseBaseline, plain_documents, split_recursive
from evals.cases import Case

log = logging.getLogger(__name__)


class Workspace:
    """Lazily built, cached per knowledge path; use as a context manager."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._tmp = tempfile.TemporaryDirectory(prefix="careercoach-eval-")
        self._kbs: dict[Path, Any] = {}
        self._reports: dict[Path, Any] = {}
        self._coaches: dict[Path, Any] = {}
        self._baselines: dict[Path, tuple[DenseBaseline, Bm25Baseline]] = {}
        self._detectors: dict[Path, Any] = {}

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._kbs.clear()
        self._coaches.clear()
        self._detectors.clear()
        self._tmp.cleanup()

    def settings_for(self, kb: Path) -> Settings:
        """Settings whose home is private to ``kb`` but whose cache is shared."""
        key = hashlib.sha256(str(kb.resolve()).encode()).hexdigest()[:12]
        home = Path(self._tmp.name) / key
        if not home.exists():
            home.mkdir(parents=True)
            self.settings.cache_dir.mkdir(parents=True, exist_ok=True)
            (home / "cache").symlink_to(self.settings.cache_dir.resolve(), target_is_directory=True)
        return self.settings.model_copy(update={"home": home})

    def knowledge_base(self, kb: Path) -> Any:
        """A ``KnowledgeBase`` over ``kb``, refreshed once."""
        kb = kb.resolve()
        if kb not in self._kbs:
            from bot.knowledge.base import KnowledgeBase

            base = KnowledgeBase(self.settings_for(kb))
            report = base.refresh([kb])
            self._reports[kb] = report
            log.info("indexed %s for evaluation: %s", kb, report)
            if not base.status().chunks:
                raise ValidationFailed(
                    f"--kb: nothing could be indexed from {kb} ({report})",
                    message_zh=f"--kb：{kb} 中没有可索引的内容（{report}）",
                )
            self._kbs[kb] = base
        return self._kbs[kb]

    def refresh_report(self, kb: Path) -> Any:
        """The report of the refresh that indexed ``kb`` for this workspace."""
        self.knowledge_base(kb)
        return self._reports[kb.resolve()]

    def answer_fn(self, kb: Path) -> Callable[[Case], Answer]:
        """Ask the coach built by the product's own wiring (``bot.app.build_app``) over ``kb``."""
        kb = kb.resolve()
        if kb not in self._coaches:
            from bot.app import build_app

            product = build_app(self.settings_for(kb), kb=self.knowledge_base(kb))
            self._coaches[kb] = product.coach  # wired as the web app and the CLI wire it
        coach = self._coaches[kb]
        return lambda case: coach.answer(case.question, history=[], lang=None)

    def coach(self, kb: Path) -> Any:
        """The coach over ``kb`` (built by :meth:`answer_fn`)."""
        self.answer_fn(kb)
        return self._coaches[kb.resolve()]

    def converse_fn(self, kb: Path) -> Callable[[str, list[Any]], Answer]:
        """One turn of a conversation with the coach over ``kb``: (message, history) -> answer."""
        coach = self.coach(kb)
        return lambda message, history: coach.answer(message, history=history, lang=None)

    def distress_fn(self, bank: Path) -> Callable[[str], Assessment]:
        """The product's distress detector (``build_distress``) with the phrasing bank ``bank``
        and the embedding model of a knowledge base (not indexed: only its model is used)."""
        bank = bank.resolve()
        if bank not in self._detectors:
            from bot.chat.coach import build_distress
            from bot.knowledge.base import KnowledgeBase

            base = KnowledgeBase(self.settings_for(bank))
            self._detectors[bank] = build_distress(base.settings, base, bank)
        return self._detectors[bank].assess

    def baselines(self, kb: Path) -> tuple[DenseBaseline, Bm25Baseline]:
        kb = kb.resolve()
        if kb not in self._baselines:
            chunks = split_recursive(plain_documents([kb]))
            dense = DenseBaseline(chunks, make_embeddings(self.settings_for(kb)))
            self._baselines[kb] = (dense, Bm25Baseline(chunks))
        return self._baselines[kb]

    def eligibility_fn(self, catalogue_path: Path) -> Callable[[Case], set[str]]:
        """Ids of the catalogue entries ``assess`` finds a case's profile eligible for."""
        from bot.planning.catalogue import load_catalogue
        from bot.planning.eligibility import assess
        from bot.planning.profile import Profile

        catalogue = load_catalogue(catalogue_path)

        def eligible(case: Case) -> set[str]:
            profile = Profile.model_validate(case.profile or {})
            results = assess(profile, catalogue, case.today or date.today())
            return {_entry_id(r) for r in results if _is_eligible(r)}

        return eligible


def _entry_id(result: Any) -> str:
    return str(result.resource_id)


def _is_eligible(result: Any) -> bool:
    # "likely": every condition met; "possible" (some facts unknown) does not count as eligible
    return bool(result.outcome == "likely")
