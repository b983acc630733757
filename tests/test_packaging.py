"""The wheel runs on its own: built from the checkout, installed outside it, asked and served.

The fast test checks that ``pyproject.toml`` names every package folder (packages are listed by
hand, see the comment there). The slow one builds the wheel, installs it with ``--no-deps`` into
a new virtual environment in a temporary folder (its dependencies come from this environment's
site-packages through a ``.pth`` line, which does not bring in the editable install's path
hook), then from a folder outside the checkout runs ``careercoach --version``, ``careercoach
serve`` on a free port and ``careercoach ask --offline`` against what serve indexed.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.local_server import free_port, running

REPO = Path(__file__).resolve().parent.parent
FIXTURE_DOC = REPO / "tests" / "fixtures" / "chat" / "internship.md"


def _listed_packages() -> set[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return set(config["tool"]["setuptools"]["packages"])


def test_every_package_folder_is_listed_in_pyproject() -> None:
    found = set()
    for top in ("bot", "ui", "evals"):
        for folder in [REPO / top, *(p for p in (REPO / top).rglob("*") if p.is_dir())]:
            if "__pycache__" in folder.parts or not any(folder.glob("*.py")):
                continue
            found.add(".".join(folder.relative_to(REPO).parts))
    missing = found - _listed_packages()
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_data_folders_resolve_through_bot_resources() -> None:
    from bot.resources import data_path, package_path

    assert data_path("knowledge", "docs").samefile(REPO / "knowledge" / "docs")
    assert data_path("prompts", "system.zh.md").is_file()
    assert package_path("bot.store.migrations", "script.py.mako").is_file()
    with pytest.raises(ValueError, match="not a shipped data folder"):
        data_path("tests")


def _run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=600, **kwargs)  # type: ignore[call-overload,no-any-return]


@pytest.mark.slow
def test_wheel_installed_outside_the_checkout_asks_and_serves(tmp_path: Path) -> None:
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(REPO), "-w", "dist"],
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("careercoach-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in (
        "careercoach_prompts/system.zh.md",
        "careercoach_knowledge/resources.yaml",
        "careercoach_knowledge/crisis.yaml",
        "bot/store/migrations/script.py.mako",
        "ui/templates/login.html",
        "evals/thresholds.yaml",
    ):
        assert shipped in names, f"{shipped} is missing from the wheel"
    starter = [n for n in names if n.startswith("careercoach_knowledge/docs/")]
    assert len(starter) == len(list((REPO / "knowledge" / "docs").iterdir()))
    assert not [n for n in names if "__pycache__" in n]

    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", "--without-pip", str(venv)]).returncode == 0
    py = venv / "bin" / "python"
    purelib = _run([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(purelib.stdout.strip()) / "careercoach-test-deps.pth").write_text("\n".join(deps) + "\n")
    installed = _run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps",
         "--no-index", str(wheel)]
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-3000:]

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    cli = str(venv / "bin" / "careercoach")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAREERCOACH_", "OPENAI_"))}
    env.update(
        CAREERCOACH_HOME=str(tmp_path / "home"),
        PYTHONPATH="",
        ANONYMIZED_TELEMETRY="False",
        HF_HUB_OFFLINE="1",
    )

    where = _run(
        [str(py), "-c", "import bot, bot.resources as r; print(bot.__file__); "
         "print(r.data_path('knowledge', 'docs')); print(r.package_path('ui', 'templates'))"],
        cwd=outside, env=env,
    )  # fmt: skip
    assert where.returncode == 0, where.stderr
    for line in where.stdout.split():
        assert str(venv) in line and str(REPO) not in line, where.stdout

    version = _run([cli, "--version"], cwd=outside, env=env)
    assert version.returncode == 0 and "careercoach 0." in version.stdout, version.stderr

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / FIXTURE_DOC.name).write_text(FIXTURE_DOC.read_text(encoding="utf-8"), "utf-8")
    # a conversation past retention, which serve's daily purge deletes when it starts
    from datetime import UTC, datetime, timedelta

    from bot.chat.models import Answer
    from bot.settings import Settings
    from bot.store import Store

    home_settings = Settings(home=tmp_path / "home")
    long_ago = datetime.now(UTC) - timedelta(days=400)
    with Store(home_settings, clock=lambda: long_ago) as old:
        old.add_exchange(old.ensure_session(None), "很久以前的问题", Answer(answer="旧"), 1)
    port = free_port()
    serve_env = {**env, "CAREERCOACH_STARTER_KB_DIR": str(docs)}
    base = f"http://127.0.0.1:{port}"
    with running(
        [cli, "serve", "--offline", "--port", str(port)],
        f"{base}/api/health",
        "careercoach serve from the wheel",
        timeout_s=300,
        env=serve_env,
        cwd=outside,
        log=tmp_path / "serve.log",
    ):
        health = httpx.get(f"{base}/api/health", timeout=30).json()
        assert health["status"] == "ok" and health["documents"] == 1, health
        login = httpx.get(f"{base}/login", timeout=30)
        assert login.status_code == 200 and "<form" in login.text
        docs = httpx.get(f"{base}/api/docs", timeout=30)  # the API page, served without a CDN
        assert docs.status_code == 200 and "/api/chat" in docs.text and "<script" not in docs.text
        with Store(home_settings) as store:
            deadline = time.monotonic() + 120
            while store.count_conversations() and time.monotonic() < deadline:
                time.sleep(0.2)  # the purge runs in serve's own thread, soon after start
            assert store.count_conversations() == 0, "serve did not purge past retention"

    question = "就业见习的期限是多长？"
    asked = _run([cli, "ask", "--offline", "--json", question], cwd=outside, env=env)
    assert asked.returncode == 0, asked.stderr[-3000:]
    answer = json.loads(asked.stdout)
    assert not answer["abstained"], answer
    assert "3至12个月" in answer["answer"]
    assert answer["citations"][0]["title"].startswith("某省就业见习管理办法")
