"""Budgets that keep one hostile or broken file from taking the refresh (or the server) down.

Each budget is checked before the expensive step it protects, so a file that exceeds one fails
quickly with a reason that names the limit, instead of growing until the machine runs out of
memory:

* **zip parts** (DOCX): the sum of the declared uncompressed sizes of the archive's parts
  (zipfile never returns more than a part declares, so the declared sizes bound the real
  work), and the number of XML elements and paragraphs in ``word/document.xml``, counted on the
  raw bytes before python-docx builds a tree;
* **markup elements** (HTML): BeautifulSoup keeps a Python object per tag;
* **paragraphs** and **characters** of text after reading, for every format;
* **PDF pages**, and pages sent to OCR;
* **metadata** (front matter, sidecars): bytes, YAML events, no anchors or aliases, scalar
  values, and the length of each field (the title especially, as it is embedded with every
  chunk);
* **time per file**: a cooperative deadline the readers check between pages, paragraphs and
  elements (:func:`check_time`). OCR adds time per page it reads. The deadline cannot interrupt
  one long call into C code; the size budgets above keep every such call small.

The defaults are generous for real notices, papers and reports (a 300-page text PDF, a 100-page
Word file); ``IngestLimits`` fields can be changed for a deployment. What it leaves out: limits
of the web server (upload and body sizes), which belong to the app.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from bot.errors import IngestError


@dataclass(frozen=True)
class IngestLimits:
    """What one file may cost; see the module docstring."""

    max_unzipped_bytes: int = 64_000_000
    max_xml_elements: int = 1_500_000
    max_markup_elements: int = 300_000
    max_paragraphs: int = 60_000
    max_chars: int = 3_000_000
    max_pages: int = 3_000
    max_ocr_pages: int = 200
    max_meta_bytes: int = 64_000
    max_meta_events: int = 4_000
    max_title_chars: int = 200
    max_field_chars: int = 2_000
    seconds_per_file: float = 120.0
    ocr_seconds_per_page: float = 30.0


DEFAULT_LIMITS = IngestLimits()


@dataclass
class _Deadline:
    where: str
    limit: float
    ends: float

    def extend(self, seconds: float) -> None:
        self.limit += seconds
        self.ends += seconds


_current: contextvars.ContextVar[_Deadline | None] = contextvars.ContextVar(
    "ingest_deadline", default=None
)


@contextlib.contextmanager
def deadline(where: str, seconds: float) -> Iterator[None]:
    """Give the reading of ``where`` at most ``seconds`` (checked by :func:`check_time`)."""
    token = _current.set(_Deadline(where, seconds, time.monotonic() + seconds))
    try:
        yield
    finally:
        _current.reset(token)


def check_time() -> None:
    """Raise :class:`IngestError` when the current file has used up its time."""
    d = _current.get()
    if d is not None and time.monotonic() > d.ends:
        raise IngestError(
            d.where,
            f"took longer than the {d.limit:.0f} s allowed for one file; stopped",
            reason_zh=f"处理时间超过单个文件允许的 {d.limit:.0f} 秒，已停止",
        )


def extend_time(seconds: float) -> None:
    """Give the current file more time (OCR does, per page it reads)."""
    d = _current.get()
    if d is not None:
        d.extend(seconds)


def too_big(where: str, what: str, found: int, limit: int, what_zh: str) -> IngestError:
    """The error for a file over one of its budgets."""
    return IngestError(
        where,
        f"{what}: {found:,} over the limit of {limit:,}; not read",
        reason_zh=f"{what_zh}：{found:,}，超过上限 {limit:,}，未读取",
    )


def check_zip(data: bytes, where: str, limits: IngestLimits = DEFAULT_LIMITS) -> None:
    """Refuse a DOCX whose parts would unpack past the budgets (a zip bomb)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError(where, f"corrupt DOCX: {exc}", reason_zh=f"DOCX 已损坏：{exc}") from exc
    with archive:
        infos = archive.infolist()
        total = sum(i.file_size for i in infos)
        if total > limits.max_unzipped_bytes:
            raise too_big(
                where,
                "unpacked size of the DOCX parts (bytes)",
                total,
                limits.max_unzipped_bytes,
                "DOCX 解压后的大小（字节）",
            )
        if "word/document.xml" in archive.namelist():
            _count_elements(archive, "word/document.xml", where, limits)


def _count_elements(archive: zipfile.ZipFile, name: str, where: str, limits: IngestLimits) -> None:
    elements = paragraphs = 0
    tail = b""
    with archive.open(name) as part:
        while block := part.read(1 << 20):
            check_time()
            chunk = tail + block
            elements += block.count(b"<")
            # a paragraph opens as <w:p> or <w:p attr…>; keep a short tail for split tags
            paragraphs += chunk.count(b"<w:p>") + chunk.count(b"<w:p ")
            paragraphs -= tail.count(b"<w:p>") + tail.count(b"<w:p ")
            tail = chunk[-5:]
            if elements > limits.max_xml_elements:
                raise too_big(
                    where,
                    "XML elements in the document body",
                    elements,
                    limits.max_xml_elements,
                    "正文 XML 元素数",
                )
            if paragraphs > limits.max_paragraphs:
                raise too_big(where, "paragraphs", paragraphs, limits.max_paragraphs, "段落数")


def check_markup(text: str, where: str, limits: IngestLimits = DEFAULT_LIMITS) -> None:
    """Refuse HTML with more tags than the budget, before BeautifulSoup builds them."""
    found = text.count("<")
    if found > limits.max_markup_elements:
        raise too_big(where, "HTML elements", found, limits.max_markup_elements, "网页元素数")


def check_text(
    paragraphs: int, chars: int, where: str, limits: IngestLimits = DEFAULT_LIMITS
) -> None:
    """Refuse a document with more lines or characters than the budget."""
    if paragraphs > limits.max_paragraphs:
        raise too_big(where, "lines of text", paragraphs, limits.max_paragraphs, "文字行数")
    if chars > limits.max_chars:
        raise too_big(where, "characters of text", chars, limits.max_chars, "文字字符数")
