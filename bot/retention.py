"""The daily purge that ``careercoach serve`` runs: transcripts older than ``retention_days``.

One background thread per serve process: a purge at start, then one every ``every_s`` seconds
(a day) until :meth:`PurgeSchedule.stop`. A failed purge is logged and tried again at the next
turn; it never stops the web app. Several serve processes on one database each purge, which is
harmless (the second finds nothing to delete). ``retention_purge=false`` turns it off for
deployments that schedule ``careercoach transcripts purge --yes`` themselves (docs/DEPLOY.md).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

log = logging.getLogger(__name__)

DAY_S = 24 * 3600.0


class PurgeSchedule:
    def __init__(
        self, purge: Callable[[timedelta], int], retention_days: int, every_s: float = DAY_S
    ) -> None:
        self._purge = purge
        self._age = timedelta(days=retention_days)
        self._every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="retention-purge", daemon=True)
        self.runs = 0  # purges attempted, for tests and logs

    def start(self) -> PurgeSchedule:
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.runs += 1
            try:
                count = self._purge(self._age)
                log.info("retention: purged %d conversations older than %s", count, self._age)
            except Exception:
                log.exception("retention: the purge failed; trying again at the next turn")
            self._stop.wait(self._every_s)
