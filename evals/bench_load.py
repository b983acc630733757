"""Load benchmark of the web app: N simulated graduates at once through ``POST /api/chat``.

Starts a real ``careercoach serve --offline`` on 127.0.0.1 (temporary home unless ``--home``
names one; the knowledge base is ``--kb``, default the starter knowledge base, indexed on first
start), then for each concurrency level N (default 1, 10, 50) runs N client threads, each a
graduate with its own session asking a fixed number of questions in turn (a follow-up among
them). Reports per level: requests, errors, throughput, p50/p95/max latency as the client sees it,
and the server's resident memory (current and peak, from ``/proc/<pid>/status``). Every level has
a bounded request count, so the run stops by itself. Not a test: it prints figures (and JSON with
``--json``); nothing here asserts a speed.

With ``--refresh-every S`` a maintainer refreshes the knowledge base during every level: a
new document is written into (a copy of) the knowledge folder and ``careercoach kb refresh``
runs in its own process, every S seconds, as long as the level lasts; the report adds how many
refreshes ran and failed, so errors during index switches show up in the level's errors.

    python -m evals.bench_load                     # N = 1, 10, 50
    python -m evals.bench_load --levels 1,10 --requests 3 --json
    python -m evals.bench_load --levels 50 --requests 8 --refresh-every 5
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bot.resources import data_path

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "我家是低保户，毕业找工作有没有补贴？",
    "那需要什么材料？",
    "三支一扶是什么？怎么报名？",
    "大学生创业可以申请什么贷款？",
    "What is the one-time job-seeking subsidy?",
    "西部计划服务期满后有什么政策？",
    "就业见习期间有生活补贴吗？",
    "离校未就业怎么办理失业登记？",
    "特岗教师的招聘条件是什么？",
    "Can international students get help finding a job?",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def memory_mb(pid: int) -> dict[str, float]:
    """Resident memory of a process now and at its peak (Linux /proc), in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return {
        "rss_mb": round(fields.get("VmRSS", 0.0), 1),
        "peak_rss_mb": round(fields.get("VmHWM", 0.0), 1),
    }


def server_env(home: Path, kb: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CAREERCOACH_"))}
    env.update(
        CAREERCOACH_HOME=str(home),
        CAREERCOACH_STARTER_KB_DIR=str(kb),
        ANONYMIZED_TELEMETRY="False",
        HF_HUB_OFFLINE="1",
    )
    return env


def start_server(home: Path, kb: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = server_env(home, kb)
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--offline", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"server not ready after {timeout_s:.0f} s:\n{log.read_text()[-2000:]}")


def graduate(
    url: str,
    first: int,
    count: int,
    latencies: list[float],
    errors: list[str],
    lock: threading.Lock,
) -> None:
    """One simulated graduate: ``count`` questions in one session, one after the other."""
    session: str | None = None
    with httpx.Client(base_url=url, timeout=120) as client:
        for i in range(count):
            body: dict[str, Any] = {"message": QUESTIONS[(first + i) % len(QUESTIONS)]}
            if session:
                body["session_id"] = session
            started = time.perf_counter()
            try:
                answer = client.post("/api/chat", json=body)
                answer.raise_for_status()
                session = answer.json()["session_id"]
            except (httpx.HTTPError, KeyError, ValueError) as error:
                with lock:
                    errors.append(f"{type(error).__name__}: {error}"[:200])
                continue
            with lock:
                latencies.append(time.perf_counter() - started)


class Refresher:
    """Writes a new document and runs ``careercoach kb refresh`` every ``every`` seconds."""

    def __init__(self, home: Path, kb: Path, every: float) -> None:
        self.home, self.kb, self.every = home, kb, every
        self.done = 0
        self.failed: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            n = self.done + len(self.failed)
            note = self.kb / f"bench-refresh-{n:04d}.md"
            note.write_text(
                f"# 补充通知 {n}\n\n第{n}批高校毕业生就业见习岗位已发布，请及时报名。\n",
                encoding="utf-8",
            )
            out = subprocess.run(
                [sys.executable, "-m", "bot", "kb", "refresh", str(self.kb)],
                env=server_env(self.home, self.kb), cwd=REPO, capture_output=True, text=True,
                check=False,
            )  # fmt: skip
            if out.returncode == 0:
                self.done += 1
            else:
                self.failed.append((out.stderr or out.stdout).strip()[-300:])

    def __enter__(self) -> Refresher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_level(
    url: str, users: int, per_user: int, pid: int, refresher: Refresher | None = None
) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    threads = [
        threading.Thread(target=graduate, args=(url, u, per_user, latencies, errors, lock))
        for u in range(users)
    ]
    started = time.perf_counter()
    with refresher or contextlib.nullcontext():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0

    refreshes = {}
    if refresher is not None:
        refreshes = {
            "refreshes": refresher.done,
            "refresh_failures": len(refresher.failed),
            "first_refresh_failure": refresher.failed[0] if refresher.failed else "",
        }
    return refreshes | {
        "users": users,
        "requests": users * per_user,
        "ok": len(latencies),
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "seconds": round(elapsed, 2),
        "throughput_rps": round(len(latencies) / elapsed, 2) if elapsed else 0.0,
        "p50_ms": round(pct(0.50), 1),
        "p95_ms": round(pct(0.95), 1),
        "max_ms": round(ordered[-1] * 1000, 1) if ordered else 0.0,
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1) if ordered else 0.0,
        **memory_mb(pid),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,10,50", help="concurrent graduates per level")
    parser.add_argument("--requests", type=int, default=4, help="questions per graduate")
    parser.add_argument("--kb", type=Path, default=data_path("knowledge", "docs"))
    parser.add_argument("--home", type=Path, help="reuse this home (keeps the index)")
    parser.add_argument("--start-timeout", type=float, default=900.0)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--refresh-every", type=float, help="refresh the knowledge base every S seconds meanwhile"
    )
    args = parser.parse_args(argv)
    levels = [int(n) for n in args.levels.split(",") if n.strip()]

    with tempfile.TemporaryDirectory(prefix="cc-bench-load-") as scratch:
        home = args.home or Path(scratch) / "home"
        home.mkdir(parents=True, exist_ok=True)
        kb = args.kb
        if args.refresh_every:  # refreshes write into a copy, never into the given folder
            kb = Path(scratch) / "kb"
            shutil.copytree(args.kb, kb)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = Path(scratch) / "serve.log"
        began = time.perf_counter()
        process = start_server(home, kb, port, log)
        try:
            wait_ready(url, process, log, args.start_timeout)
            startup_s = time.perf_counter() - began
            health = httpx.get(f"{url}/api/health", timeout=10).json()
            run_level(url, 1, 1, process.pid)  # warm-up: loads the embedding model and jieba
            idle = memory_mb(process.pid)
            results = []
            for n in levels:
                refresher = Refresher(home, kb, args.refresh_every) if args.refresh_every else None
                results.append(run_level(url, n, args.requests, process.pid, refresher))
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    report = {
        "startup_s": round(startup_s, 1),
        "documents": health.get("documents"),
        "chunks": health.get("chunks"),
        "mode": health.get("mode"),
        "idle_after_warmup": idle,
        "levels": results,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(
        f"server ready in {report['startup_s']} s; {report['documents']} documents, "
        f"{report['chunks']} chunks, mode {report['mode']}; after warm-up "
        f"RSS {idle['rss_mb']} MiB; {os.cpu_count()} CPUs"
    )
    print(
        f"{'users':>5} {'reqs':>5} {'errors':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'max ms':>8} {'RSS MiB':>8} {'peak MiB':>9}"
    )
    for r in results:
        print(
            f"{r['users']:>5} {r['requests']:>5} {r['errors']:>6} {r['throughput_rps']:>7} "
            f"{r['p50_ms']:>8} {r['p95_ms']:>8} {r['max_ms']:>8} {r['rss_mb']:>8} "
            f"{r['peak_rss_mb']:>9}"
        )
        if r["first_error"]:
            print(f"      first error: {r['first_error']}")
        if "refreshes" in r:
            print(f"      refreshes during the level: {r['refreshes']} done, "
                  f"{r['refresh_failures']} failed {r['first_refresh_failure']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
