"""``careercoach doctor``: check an installation piece by piece and say what is wrong in words.

Each check returns a :class:`Check` (``ok``, ``warn`` or ``fail``, one line in English and in
Chinese, and the fix). The endpoint checks use the same settings and the same ``openai`` client
the product answers with: the model list (``GET /models``: is the configured model served?),
one tiny completion (``max_tokens`` 1: the key, the model name and the route work), and, when
embeddings go through an endpoint, one embedding (its dimension). Local pieces: the home folder,
the database and its schema, the index, a Chroma server when one is configured.
Nothing here writes to the index or the database.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from bot.settings import Settings

Level = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Check:
    name: str
    level: Level
    message: str
    message_zh: str = ""
    fix: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "level": self.level,
            "message": self.message,
            "message_zh": self.message_zh or self.message,
            "fix": self.fix,
        }


def _client(settings: Settings, base_url: str | None) -> Any:
    import openai

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    return openai.OpenAI(
        api_key=key or "not-needed",
        base_url=base_url,
        timeout=min(settings.llm_timeout_s, 30.0),
        max_retries=0,  # a check reports the first failure as it is
    )


def _failure(name: str, error: Exception, settings: Settings, what: str) -> Check:
    from bot.chat.llm import explain

    said = explain(error, settings)
    return Check(name, "fail", f"{what}: {said.message}", f"{what}：{said.message_zh}")


def check_home(settings: Settings) -> Check:
    home = settings.home
    try:
        home.mkdir(parents=True, exist_ok=True)
        probe = home / ".doctor-probe"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        return Check(
            "home",
            "fail",
            f"cannot write to {home} ({error.strerror})",
            f"无法写入 {home}（{error.strerror}）",
            "set CAREERCOACH_HOME to a folder this user owns",
        )
    free_gb = shutil.disk_usage(home).free / 1e9
    if free_gb < 1:
        return Check(
            "home",
            "warn",
            f"{home}: only {free_gb:.2f} GB free",
            f"{home}：仅剩 {free_gb:.2f} GB",
            "free some space: a refresh needs room for a new index generation",
        )
    return Check(
        "home", "ok", f"{home} ({free_gb:.0f} GB free)", f"{home}（剩余 {free_gb:.0f} GB）"
    )


def check_database(settings: Settings) -> Check:
    from sqlalchemy import text

    from bot.cli.failures import explain as explain_failure
    from bot.store.database import make_engine

    where = "PostgreSQL" if settings.database_url else "SQLite"
    try:
        engine = make_engine(settings.sqlalchemy_url)
        try:
            with engine.connect() as connection:
                connection.execute(text("select 1"))
                version = _schema_version(connection)
        finally:
            engine.dispose()
    except Exception as error:
        known = explain_failure(error)
        message = known.message if known else f"{type(error).__name__}: {error}"
        zh = known.message_zh if known else message
        return Check("database", "fail", message, zh)
    if not version:
        return Check("database", "ok", f"{where}: empty (the schema is made on first use)",
                     f"{where}：空库（首次使用时建表）")  # fmt: skip
    return Check("database", "ok", f"{where}: schema {version}", f"{where}：表结构版本 {version}")


def _schema_version(connection: Any) -> str | None:
    from alembic.migration import MigrationContext

    revision = MigrationContext.configure(connection).get_current_revision()
    return str(revision) if revision else None


def check_index(settings: Settings) -> Check:
    from bot.knowledge.base import KnowledgeBase

    try:
        status = KnowledgeBase(settings).status()
    except Exception as error:
        message = getattr(error, "message", f"{type(error).__name__}: {error}")
        return Check("index", "fail", str(message), fix="run careercoach kb check --repair")
    if not status.chunks:
        return Check(
            "index",
            "warn",
            "the knowledge base is empty",
            "知识库为空",
            "careercoach serve indexes the starter documents on first start; or run "
            "careercoach kb refresh FOLDER",
        )
    failed = len(status.failures)
    line = f"{status.documents} documents, {status.chunks} chunks, model {status.model}"
    configured = f"{settings.embedding_provider}:{settings.embedding_model}"
    if status.model and status.model != configured:
        return Check(
            "index",
            "warn",
            f"{line}, but the settings say {configured}: searches fail or mislead until the "
            "index is embedded again",
            f"索引使用的向量模型是 {status.model}，而设置为 {configured}",
            "run careercoach kb refresh --force FOLDER… (or set the embedding settings back)",
        )
    if failed:
        return Check(
            "index",
            "warn",
            f"{line}; {failed} files not indexed",
            f"{line}；{failed} 个文件未索引",
            "careercoach kb status lists them with the reason",
        )
    return Check("index", "ok", line, line)


def check_chroma(settings: Settings) -> Check:
    import httpx

    url = (settings.chroma_url or "").rstrip("/")
    for path in ("/api/v2/heartbeat", "/api/v1/heartbeat"):
        try:
            answer = httpx.get(url + path, timeout=10)
        except httpx.HTTPError as error:
            return Check(
                "chroma",
                "fail",
                f"cannot reach the Chroma server {url} ({type(error).__name__})",
                f"无法连接 Chroma 服务器 {url}",
                "start it (chroma run --path DIR --host 127.0.0.1 --port 8000) or correct "
                "CAREERCOACH_CHROMA_URL",
            )
        if answer.status_code == 200:
            return Check("chroma", "ok", f"{url} answers", f"{url} 正常")
    return Check(
        "chroma",
        "fail",
        f"{url} answered {answer.status_code}: not a Chroma server?",
        f"{url} 返回 {answer.status_code}：不是 Chroma 服务器？",
        "CAREERCOACH_CHROMA_URL must be the server's base URL, e.g. http://127.0.0.1:8000",
    )


def check_models(settings: Settings) -> Check:
    """The endpoint lists its models, and the configured chat model is among them."""
    try:
        served = sorted(m.id for m in _client(settings, settings.openai_base_url).models.list())
    except Exception as error:
        return _failure("models", error, settings, "listing the models")
    if settings.chat_model in served:
        return Check(
            "models",
            "ok",
            f"{settings.chat_model} is served ({len(served)} models)",
            f"已提供模型 {settings.chat_model}",
        )
    shown = ", ".join(served[:12]) + (" …" if len(served) > 12 else "")
    return Check(
        "models",
        "warn",
        f"CAREERCOACH_CHAT_MODEL={settings.chat_model!r} is not in the endpoint's list "
        f"({shown or 'empty'})",
        f"接口的模型列表中没有 {settings.chat_model}（{shown or '空'}）",
        "set CAREERCOACH_CHAT_MODEL to one of the listed names (some servers list no aliases; "
        "the completion check below says whether the name works)",
    )


def check_completion(settings: Settings) -> Check:
    started = time.perf_counter()
    try:
        reply = _client(settings, settings.openai_base_url).chat.completions.create(
            model=settings.chat_model,
            messages=[{"role": "user", "content": "回复“好”。Reply OK."}],
            max_tokens=1,
            temperature=0,
        )
    except Exception as error:
        return _failure(
            "completion", error, settings, f"a one-token reply from {settings.chat_model}"
        )
    took = time.perf_counter() - started
    if not reply.choices:
        return Check(
            "completion", "fail", "the endpoint answered with no choices", "接口返回了空回复",
            "check that OPENAI_BASE_URL ends with /v1 (or the path the server documents)",
        )  # fmt: skip
    return Check(
        "completion",
        "ok",
        f"{settings.chat_model} answered in {took:.1f} s",
        f"{settings.chat_model} 在 {took:.1f} 秒内作答",
    )


def check_embeddings(settings: Settings) -> Check:
    base_url = settings.embedding_base_url or settings.openai_base_url
    try:
        result = _client(settings, base_url).embeddings.create(
            model=settings.embedding_model, input=["一次性求职补贴"]
        )
        dimension = len(result.data[0].embedding)
    except Exception as error:
        return _failure("embeddings", error, settings, f"embedding with {settings.embedding_model}")
    return Check(
        "embeddings",
        "ok",
        f"{settings.embedding_model} gives {dimension}-dimensional vectors",
        f"{settings.embedding_model} 返回 {dimension} 维向量",
    )


def run_checks(settings: Settings) -> list[Check]:
    """Every check that applies to ``settings``, in the order a person would fix them."""
    checks: list[Callable[[Settings], Check]] = [check_home, check_database]
    if settings.chroma_url:
        checks.append(check_chroma)
    checks.append(check_index)
    if settings.llm_configured:
        checks += [check_models, check_completion]
    if settings.embedding_provider == "openai":
        checks.append(check_embeddings)
    results = [check(settings) for check in checks]
    if not settings.llm_configured:
        why = "CAREERCOACH_OFFLINE=true" if settings.offline else "no OPENAI_BASE_URL or key"
        results.append(
            Check(
                "llm",
                "ok",
                f"offline mode ({why}): answers are extractive and cited",
                f"离线模式（{why}）：回答为摘录并附引用",
                "docs/DEPLOY.md shows how to connect DeepSeek, Qwen, Ollama, vLLM or llama.cpp",
            )
        )
    return results
