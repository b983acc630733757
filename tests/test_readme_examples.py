"""The README's knowledge-base examples, run as typed against the starter documents.

The starter documents are indexed once per session (``eval_workspace``); the commands run
through :func:`bot.cli.main` with that index's home, as a maintainer would after ``make run``.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from evals.shipped import STARTER_DOCS

README = Path(__file__).resolve().parent.parent / "README.md"
pytestmark = pytest.mark.slow


def _readme_commands(name: str) -> list[list[str]]:
    """The README's `careercoach NAME "…" …` lines, each with its optional [--flag value] taken
    (a `[--json|--markdown]` choice is left out) and its trailing comment dropped."""
    commands = []
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith(f'careercoach {name} "') or line.startswith(f"careercoach {name} --"):
            command = re.sub(r"\[[^\]]*\|[^\]]*\]", "", line.split("  #")[0])
            command = re.sub(r"\[([^\]]+)\]", r"\1", command)
            commands.append(shlex.split(command)[1:])
    assert commands, f"README.md has no `careercoach {name}` example"
    return commands


def _readme_search() -> list[str]:
    return _readme_commands("search")[0]


@pytest.fixture
def starter_home(eval_workspace: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    eval_workspace.knowledge_base(STARTER_DOCS)
    home = eval_workspace.settings_for(STARTER_DOCS).home
    monkeypatch.setenv("CAREERCOACH_HOME", str(home))
    return Path(home)


def test_the_readme_search_example_finds_passages(
    starter_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _readme_search()
    assert {"--region", "--doc-type", "--valid-on", "--json"} <= set(argv)
    assert main(argv) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits, "the README example returns nothing"
    assert all(h["meta"]["doc_type"] == "guide" for h in hits)
    assert all(h["meta"]["region"] in ("甘肃", "全国") for h in hits)


def test_plain_search_output_keeps_chinese_text(
    starter_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "一次性求职补贴发给哪些人？", "-k", "2"]) == 0
    out = capsys.readouterr().out
    excerpts = [
        line.strip() for line in out.splitlines() if line.startswith("   ") and "/" not in line
    ]
    assert excerpts and all(len(e) > 40 for e in excerpts), out


def test_an_unknown_doc_type_names_the_types_the_index_has(
    starter_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "补贴", "--doc-type", "policy"]) == 2
    err = capsys.readouterr().err
    assert "'policy': no indexed document has this type" in err and "guide, service" in err


@pytest.mark.parametrize("example", range(2))
def test_the_readme_ask_examples_answer_from_the_starter_documents(
    example: int, starter_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _readme_commands("ask")[example]
    argv += [flag for flag in ("--json", "--offline") if flag not in argv]
    assert main(argv) == 0
    answer = json.loads(capsys.readouterr().out)
    question = argv[1]
    assert answer["mode"] == "offline" and not answer["abstained"], answer
    assert answer["lang"] == ("en" if question.isascii() else "zh")
    assert answer["citations"], answer
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer["answer"])}
    assert markers and markers <= {c["n"] for c in answer["citations"]}, answer
    starter = {p.name for p in STARTER_DOCS.iterdir()}
    assert all(Path(c["source"]).name in starter for c in answer["citations"]), answer
    # both examples ask about the one-time job-seeking subsidy: its own document is cited
    assert any(Path(c["source"]).name == "job-seeking-subsidy.md" for c in answer["citations"])


def test_the_readme_eligible_example_understands_the_description(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAREERCOACH_HOME", str(tmp_path))
    argv = next(a for a in _readme_commands("eligible") if "--describe" in a)
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    profile = result["profile"]
    assert profile["education"] == "bachelor" and profile["home_province"] == "甘肃"
    assert "dibao" in profile["circumstances"]
    outcomes = {r["id"]: r["outcome"] for r in result["results"]}
    assert outcomes["job-seeking-subsidy"] in ("likely", "possible")
    assert outcomes["upgrade-to-bachelor"] == "unlikely"  # already studying for a bachelor's
