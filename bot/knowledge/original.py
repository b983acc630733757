"""The original document at a citation: the page with the passage highlighted, or its section.

A citation names a document id and a chunk id. :class:`Originals` looks both up in the serving
generation and answers with where the passage sits:

* for a PDF or an image, the pages its boxes are on (:meth:`Originals.place`), and each page
  rendered as a PNG with the passage's boxes painted over it (:meth:`Originals.page_png`;
  pypdfium2 renders PDF pages, Pillow draws);
* for Markdown, HTML, Word and text, the section the passage belongs to as plain text with the
  passage's character range, and the section's anchor. The section is re-read from the file
  with the same loader, so the offsets recorded at indexing time apply.

Files are found only through the index: a caller gives ids, never a path. The file must still
be the one that was indexed (same sha256 as in the manifest); a moved or changed file is an
error that says to refresh, never another file's content. What it leaves out: HTTP (``ui``).
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import NotFoundError
from bot.knowledge.models import Chunk
from bot.knowledge.pdf import MAX_RENDER_PIXELS, render_scale

if TYPE_CHECKING:
    from bot.knowledge.base import KnowledgeBase
    from bot.knowledge.manifest import Manifest

HIGHLIGHT = (255, 214, 0, 110)  # translucent yellow, drawn over the page
OUTLINE = (230, 150, 0, 255)
PAGE_WIDTH_PX = 1100  # rendered width of a page: readable on a laptop, small enough to send
MAX_SECTION_CHARS = 12_000
_ID = re.compile(r"^[0-9a-f]{8,64}$")
_CHUNK_ID = re.compile(r"^[0-9a-f]{8,64}-\d{4,6}-[0-9a-f]{6,64}$")
PAGED = frozenset({"pdf", "image"})


@dataclass
class Place:
    """Where one cited chunk sits in its original document."""

    doc_id: str
    chunk_id: str
    title: str
    file_type: str
    kind: str  # "page" (PDF, image) or "section" (everything else)
    pages: list[int] = field(default_factory=list)  # pages showing the passage, first first
    boxes: dict[int, list[list[float]]] = field(default_factory=dict)  # page -> boxes
    page_sizes: dict[int, list[float]] = field(default_factory=dict)  # page -> [w, h]
    section: list[str] = field(default_factory=list)
    anchor: str = ""
    text: str = ""  # the section's text (kind "section")
    highlight: list[int] = field(default_factory=list)  # [start, end) of the passage in text
    ocr_confidence: float | None = None


def _not_found(what: str, what_zh: str) -> NotFoundError:
    return NotFoundError(
        f"{what}: not in the knowledge base", message_zh=f"{what_zh}：知识库中没有"
    )


class Originals:
    """Look up cited passages in ``kb`` (a ``KnowledgeBase``) and show them in their source."""

    def __init__(self, kb: KnowledgeBase, *, max_bytes: int | None = None) -> None:
        self.kb = kb
        self.max_bytes = max_bytes or int(kb.settings.max_file_mb * 1_000_000)

    def _chunk(self, doc_id: str, chunk_id: str) -> tuple[Chunk, Any, Path]:
        if not _ID.match(doc_id):
            raise _not_found("document id", "文档编号")
        if not _CHUNK_ID.match(chunk_id) or not chunk_id.startswith(doc_id + "-"):
            raise _not_found("passage id", "段落编号")
        with self.kb.reading() as gen:  # held while its rows are read
            info = gen.documents.get(doc_id)
            row = gen.find(chunk_id)
            if info is None or row is None:
                raise _not_found(f"document {doc_id} / passage {chunk_id}", f"文档 {doc_id} / 段落")
            chunk, record = gen.chunk(row), gen.record
        path = Path(info.path)
        self._check_unchanged(path, record)
        return chunk, info, path

    def _check_unchanged(self, path: Path, record: Manifest) -> None:
        entry = record.by_path().get(str(path))
        try:
            st = path.stat()
        except OSError:
            st = None
        if entry is None or st is None or not path.is_file():
            raise NotFoundError(
                "the original file is no longer where it was indexed; refresh the knowledge base",
                message_zh="原始文件已不在索引时的位置，请刷新知识库",
            )
        if _digest(str(path), st.st_size, st.st_mtime_ns) != entry.content_hash:
            raise NotFoundError(
                "the original file changed since it was indexed; refresh the knowledge base",
                message_zh="原始文件在索引后已被修改，请刷新知识库",
            )

    def place(self, doc_id: str, chunk_id: str) -> Place:
        """Where the passage ``chunk_id`` of ``doc_id`` sits; see the module docstring."""
        chunk, info, path = self._chunk(doc_id, chunk_id)
        found = Place(
            doc_id=doc_id,
            chunk_id=chunk_id,
            title=info.title,
            file_type=info.file_type,
            kind="page" if info.file_type in PAGED else "section",
            section=chunk.section_path,
            anchor=chunk.anchor,
            ocr_confidence=chunk.ocr_confidence,
        )
        if found.kind == "page":
            for page, *box in chunk.boxes:
                found.boxes.setdefault(int(page), []).append(box)
            found.pages = list(found.boxes) or ([chunk.page] if chunk.page else [1])
            for page in found.pages:
                found.page_sizes[page] = list(self._page_size(path, info.file_type, page))
            return found
        found.text, found.highlight = self._section(path, chunk)
        return found

    def page_png(self, doc_id: str, page: int, chunk_id: str | None = None) -> bytes:
        """Page ``page`` of ``doc_id`` as a PNG, the passage ``chunk_id`` highlighted."""
        if chunk_id is not None:
            chunk, info, path = self._chunk(doc_id, chunk_id)
            boxes = [b[1:] for b in chunk.boxes if int(b[0]) == page]
        else:
            if not _ID.match(doc_id):
                raise _not_found("document id", "文档编号")
            gen = self.kb.generation()
            info = gen.documents.get(doc_id)
            if info is None:
                raise _not_found(f"document {doc_id}", f"文档 {doc_id}")
            path = Path(info.path)
            self._check_unchanged(path, gen.record)
            boxes = []
        if info.file_type not in PAGED:
            raise NotFoundError(
                f"document {doc_id} has no pages ({info.file_type})",
                message_zh=f"文档 {doc_id} 没有页面（{info.file_type}）",
            )
        image, scale = self._render(path, info.file_type, page)
        return _highlighted(image, boxes, scale)

    def _page_size(self, path: Path, file_type: str, page: int) -> tuple[float, float]:
        if file_type == "image":
            from PIL import Image

            with Image.open(path) as img:
                return float(img.width), float(img.height)
        pdf = _pdf(path)
        if not 1 <= page <= len(pdf):
            raise _not_found(f"page {page}", f"第 {page} 页")
        width, height = pdf[page - 1].get_size()
        return float(width), float(height)

    def _render(self, path: Path, file_type: str, page: int) -> tuple[Any, float]:
        from PIL import Image

        if file_type == "image":
            if page != 1:
                raise _not_found(f"page {page}", f"第 {page} 页")
            with Image.open(path) as img:
                image = img.convert("RGB")
            scale = min(1.0, PAGE_WIDTH_PX / image.width)
            if scale < 1.0:
                image = image.resize((int(image.width * scale), int(image.height * scale)))
            return image, scale
        pdf = _pdf(path)
        if not 1 <= page <= len(pdf):
            raise _not_found(f"page {page}", f"第 {page} 页")
        width, height = pdf[page - 1].get_size()
        scale = render_scale(width, height, PAGE_WIDTH_PX / float(width), MAX_RENDER_PIXELS)
        return pdf[page - 1].render(scale=scale).to_pil().convert("RGB"), scale

    def _section(self, path: Path, chunk: Chunk) -> tuple[str, list[int]]:
        from bot.knowledge.loaders import load_source

        doc = load_source(path, max_bytes=self.max_bytes)
        blocks, prefix = doc.blocks, chunk.section_path
        offsets, at = [], 0
        for block in blocks:
            offsets.append(at)
            at += len(block.text) + 1  # blocks are joined with "\n" in SourceDocument.text
        i = max((k for k, o in enumerate(offsets) if o <= chunk.char_start), default=0)

        def within(k: int) -> bool:
            return blocks[k].section_path[: len(prefix)] == prefix

        lo = hi = i
        while lo > 0 and within(lo - 1):
            lo -= 1
        while hi + 1 < len(blocks) and within(hi + 1):
            hi += 1
        start, end = offsets[lo], offsets[hi] + len(blocks[hi].text)
        start = max(start, chunk.char_end - MAX_SECTION_CHARS)
        end = min(max(end, chunk.char_end), start + MAX_SECTION_CHARS)
        return doc.text[start:end], [chunk.char_start - start, chunk.char_end - start]


@functools.lru_cache(maxsize=64)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _pdf(path: Path) -> Any:
    import pypdfium2 as pdfium

    return pdfium.PdfDocument(str(path))


def _highlighted(image: Any, boxes: list[list[float]], scale: float) -> bytes:
    from PIL import Image, ImageDraw

    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for x0, y0, x1, y1 in boxes:
        rect = (x0 * scale - 2, y0 * scale - 2, x1 * scale + 2, y1 * scale + 2)
        draw.rectangle(rect, fill=HIGHLIGHT, outline=OUTLINE, width=2)
    out = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    buf = io.BytesIO()
    out.save(buf, format="PNG", optimize=False)
    return buf.getvalue()
