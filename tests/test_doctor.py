"""``careercoach doctor`` against the scripted OpenAI-compatible server: what works, what is
misnamed, what is refused or unreachable, each said in words, with exit 1 on a failure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from tests.llm_server import Reply, ScriptedLLMServer
from tests.local_server import free_port


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedLLMServer]:
    with ScriptedLLMServer() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("CAREERCOACH_CHAT_MODEL", "scripted-chat")
        yield server


def _doctor(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, dict[str, str]]]:
    code = main(["doctor", "--json"])
    checks = json.loads(capsys.readouterr().out)
    return code, {c["name"]: c for c in checks}


def test_a_working_endpoint_passes_every_check(
    endpoint: ScriptedLLMServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CAREERCOACH_EMBEDDING_PROVIDER", "openai")
    monkeypatch.setenv("CAREERCOACH_EMBEDDING_MODEL", "scripted-embed")
    endpoint.embedding_dim = 12
    endpoint.enqueue("好")
    code, checks = _doctor(capsys)
    assert code == 0, checks
    assert [checks[n]["level"] for n in ("models", "completion", "embeddings")] == ["ok"] * 3
    assert "12-dimensional" in checks["embeddings"]["message"]
    completion = next(r for r in endpoint.requests if "messages" in r)
    assert completion["model"] == "scripted-chat" and completion["max_tokens"] == 1
    assert checks["index"]["level"] == "warn" and "empty" in checks["index"]["message"]


def test_a_model_the_endpoint_does_not_list_is_named_with_the_ones_it_does(
    endpoint: ScriptedLLMServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CAREERCOACH_CHAT_MODEL", "deepseek-chat")
    endpoint.models = ["qwen-plus", "qwen-turbo"]
    endpoint.enqueue(Reply(status=404))
    code, checks = _doctor(capsys)
    assert code == 1
    models = checks["models"]
    assert models["level"] == "warn" and "'deepseek-chat'" in models["message"]
    assert "qwen-plus, qwen-turbo" in models["message"]
    assert checks["completion"]["level"] == "fail" and "404" in checks["completion"]["message"]


def test_a_refused_key_says_to_check_it(
    endpoint: ScriptedLLMServer, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint.enqueue(Reply(status=401))
    code, checks = _doctor(capsys)
    assert code == 1
    assert "rejected the API key" in checks["completion"]["message"]
    assert "OPENAI_API_KEY" in checks["completion"]["message"]


def test_failing_embeddings_are_reported(
    endpoint: ScriptedLLMServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CAREERCOACH_EMBEDDING_PROVIDER", "openai")
    endpoint.embedding_status = 503
    endpoint.enqueue("好")
    code, checks = _doctor(capsys)
    assert code == 1 and checks["embeddings"]["level"] == "fail"
    assert "503" in checks["embeddings"]["message"]


def test_no_server_at_the_url_is_said_in_words(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    code, checks = _doctor(capsys)
    assert code == 1
    assert "cannot reach the endpoint" in checks["models"]["message"]
    assert "无法连接" in checks["completion"]["message_zh"]


def test_offline_and_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "✓ database" in out and "offline mode" in out and "! index" in out
    assert "careercoach kb refresh" in out  # the fix for the empty index


def test_an_index_built_with_another_embedding_model_is_pointed_out(
    endpoint: ScriptedLLMServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.md").write_text("# 见习\n\n就业见习期限一般为3至12个月。\n", encoding="utf-8")
    assert main(["kb", "refresh", str(docs)]) == 0  # with the bundled model
    monkeypatch.setenv("CAREERCOACH_EMBEDDING_PROVIDER", "openai")
    monkeypatch.setenv("CAREERCOACH_EMBEDDING_MODEL", "bge-m3")
    endpoint.enqueue("好")
    capsys.readouterr()
    code, checks = _doctor(capsys)
    assert code == 0 and checks["index"]["level"] == "warn"
    assert "the settings say openai:bge-m3" in checks["index"]["message"]
    assert "kb refresh --force" in checks["index"]["fix"]
