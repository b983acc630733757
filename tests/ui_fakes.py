"""Small stand-ins for the coach and the knowledge base, for the web app's handler and HTTP tests.

The store is never faked: the tests use the real ``bot.store.Store`` on SQLite.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bot.chat.models import Answer, Citation, StreamEvent, Turn
from bot.knowledge.manifest import DocumentInfo
from bot.knowledge.models import Chunk, DocumentMeta, Hit
from bot.settings import Settings
from bot.store import Store
from ui.services import Services

PASSAGE = "对离校未就业的低保家庭毕业生，按规定给予一次性求职创业补贴。"


class FakeCoach:
    """Answers every question with one cited passage; remembers what it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[Turn], str | None]] = []

    def answer(
        self, message: str, history: list[Turn] | None = None, lang: str | None = None
    ) -> Answer:
        self.calls.append((message, list(history or []), lang))
        abstain = "火星" in message
        citation = Citation(
            n=1,
            title="一次性求职补贴",
            section="二、申领条件",
            page=3,
            source="/srv/careercoach/knowledge/docs/subsidy.md",
            text=PASSAGE,
            score=0.8,
            date="2024-05-01",
            doc_id="doc-1",
            chunk_id="doc-1-0000-abcdef",
        )
        return Answer(
            answer="知识库里没有这方面的信息。"
            if abstain
            else f"可以申请一次性求职补贴[1]。（{message}）",
            citations=[] if abstain else [citation],
            abstained=abstain,
            intent="distress" if "不想活" in message else "policy",
            lang="en" if message.isascii() else "zh",
            flagged="不想活" in message,
        )

    def stream(
        self, message: str, history: list[Turn] | None = None, lang: str | None = None
    ) -> Iterator[StreamEvent]:
        answer = self.answer(message, history, lang)
        for piece in (answer.answer[:4], answer.answer[4:]):
            yield StreamEvent(delta=piece)
        yield StreamEvent(answer=answer)


@dataclass
class FileReport:
    path: str
    status: str
    reason: str = ""
    doc_id: str = ""
    chunks: int = 0


@dataclass
class Report:
    files: list[FileReport]

    @property
    def ok(self) -> bool:
        return all(f.status != "failed" for f in self.files)


@dataclass
class Status:
    documents: int
    chunks: int
    last_refresh: str = ""


class FakeEmbeddings:
    """Deterministic vectors from character bigrams: similar wording, similar vector."""

    dims = 512

    def _vector(self, text: str) -> list[float]:
        import hashlib

        vector = [0.0] * self.dims
        chars = [c for c in text.lower() if c.isalnum()]
        for a, b in itertools.pairwise(chars):
            bucket = int(hashlib.md5((a + b).encode()).hexdigest(), 16) % self.dims
            vector[bucket] += 1.0
        return vector

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


@dataclass
class FakeKB:
    """Keeps "documents" as the files it was asked to refresh, one chunk each."""

    docs: dict[str, str] = field(default_factory=dict)  # doc_id -> path
    progress_seen: list[tuple[int, int, str]] = field(default_factory=list)
    meta: dict[str, DocumentMeta] = field(default_factory=dict)

    def refresh(self, paths: Sequence[Path], progress: Any = None) -> Report:
        files = []
        expanded = [
            p for root in paths for p in ([root] if root.is_file() else sorted(root.iterdir()))
        ]
        for done, path in enumerate(expanded, 1):
            if progress is not None:
                progress(done, len(expanded), str(path))
                self.progress_seen.append((done, len(expanded), str(path)))
            if path.suffix not in (".md", ".txt"):
                files.append(FileReport(str(path), "skipped", "unsupported type"))
                continue
            doc_id = f"doc-{path.stem}"
            self.docs[doc_id] = str(path)
            files.append(FileReport(str(path), "indexed", "", doc_id, 1))
        return Report(files)

    def status(self) -> Status:
        return Status(documents=len(self.docs), chunks=len(self.docs))

    def remove(self, ref: str) -> list[str]:
        from bot.errors import NotFoundError

        if ref not in self.docs:
            raise NotFoundError(f"{ref}: no such document")
        del self.docs[ref]
        return [ref]

    def documents(self) -> list[DocumentInfo]:
        return [
            DocumentInfo(
                doc_id=d, path=p, title=Path(p).stem, chunks=1,
                meta=self.meta.get(d, DocumentMeta(issuer="人社部", region="全国")),
            )
            for d, p in self.docs.items()
        ]  # fmt: skip

    def _hit(self, doc_id: str, score: float = 0.5) -> Hit:
        path = self.docs[doc_id]
        text = Path(path).read_text(encoding="utf-8") if Path(path).is_file() else PASSAGE
        return Hit(
            chunk_id=f"{doc_id}-0000-abcdef", doc_id=doc_id, text=text, title=Path(path).stem,
            section_path=[Path(path).stem, "一、对象"], source=path,
            meta=self.meta.get(doc_id, DocumentMeta()), score=score, dense_score=0.8,
            lexical_score=3.2,
        )  # fmt: skip

    def search(self, query: str, k: int = 5, filters: Any = None) -> list[Hit]:
        return [self._hit(d) for d in list(self.docs)[:k]]

    def chunk(self, chunk_id: str) -> Hit | None:
        doc_id = chunk_id.rsplit("-", 2)[0]
        return self._hit(doc_id) if doc_id in self.docs else None

    def chunks(self, doc_id: str) -> list[Chunk]:
        hit = self._hit(doc_id)
        return [Chunk(chunk_id=hit.chunk_id, doc_id=doc_id, ordinal=0, text=hit.text,
                      section_path=hit.section_path)]  # fmt: skip

    def embeddings(self) -> FakeEmbeddings:
        return FakeEmbeddings()


def fake_plan(fields: dict[str, Any], lang: str) -> tuple[str, dict[str, Any]]:
    head = "# 职业规划" if lang == "zh" else "# Career plan"
    return f"{head}\n\n- {fields.get('education')} {fields.get('major')}", fields


def make_services(settings: Settings) -> tuple[Services, FakeCoach, FakeKB, Store]:
    coach, kb, store = FakeCoach(), FakeKB(), Store(settings)
    services = Services(
        settings=settings,
        coach=coach,
        kb=kb,
        store=store,
        plan=fake_plan,
    )
    return services, coach, kb, store


class FakeRequest:
    """What the handlers read from a Gradio request: the checked session id the role guard puts
    in the request state, the client address and the login name."""

    def __init__(
        self, session: str | None = None, username: str | None = None, client: str = "10.0.0.1"
    ) -> None:
        self.state = SimpleNamespace(careercoach_session=session)
        self.client = SimpleNamespace(host=client)
        self.username = username
