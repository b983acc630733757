"""Print how fast the store writes and lists transcripts on SQLite and on a throw-away PostgreSQL.

Usage: ``.venv/bin/python scripts/bench_store.py [--turns 2000]`` (PostgreSQL is skipped when the
server binaries are missing). Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.chat.models import Answer, Citation
from bot.store import Store, TranscriptFilter


def bench(url: str, turns: int) -> None:
    store = Store.from_url(url)
    reply = Answer(
        answer="符合条件的毕业生可申请一次性求职创业补贴[1]。",
        citations=[Citation(n=1, title="通知", text="补贴标准为每人1500元。" * 5)],
    )
    start = time.perf_counter()
    sessions = [store.ensure_session(None) for _ in range(turns // 10)]
    for i in range(turns):
        store.add_exchange(
            sessions[i % len(sessions)], f"第{i}个问题：我的电话13812345678", reply, 5
        )
    write = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(20):
        store.list_conversations(TranscriptFilter(text="问题", limit=50))
    listing = (time.perf_counter() - start) / 20
    start = time.perf_counter()
    size = len(store.export(TranscriptFilter(limit=None), fmt="jsonl"))
    export = time.perf_counter() - start
    store.close()
    print(
        f"{url.split(':')[0]:<22} {turns / write:8.0f} exchanges/s   list(50, text) "
        f"{listing * 1000:6.1f} ms   export {turns} turns {export:5.2f} s ({size // 1024} KiB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=2000)
    turns = parser.parse_args().turns
    with tempfile.TemporaryDirectory() as folder:
        bench(f"sqlite:///{folder}/bench.sqlite3", turns)
    try:
        from tests.pg import running_server

        with running_server() as server:
            bench(server.new_database(), turns)
    except BaseException as skipped:  # pytest.skip raises a BaseException subclass
        if isinstance(skipped, KeyboardInterrupt):
            raise
        print(f"postgresql skipped: {skipped}")


if __name__ == "__main__":
    main()
