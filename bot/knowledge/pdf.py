"""Read a PDF's text layer with pypdf and strip page furniture.

Returns the lines of every page with their 1-based page number, after removing what is not
part of the text (hand-written, as no maintained library does it for Chinese PDFs):

* lone page numbers: ``125``, ``- 3 -``, ``— 3 —``, ``第3页``, ``第 3 页 共 9 页``, ``3/9``,
  ``Page 3 of 9``;
* journal running heads: ``教育研究与创新·第 01 卷·第 04 期·2024 年 09 月``, ``Vol. 3 No. 4``;
* headers and footers: a line among the first or last three of a page that recurs (digits
  ignored) on at least half of the pages, when there are at least three pages.

Paragraph rebuilding and spacing clean-up happen later (``normalize``). What it leaves out: OCR
(a PDF without a text layer is reported as needing it), layout analysis of tables and multiple
columns beyond what pypdf's reading order gives.
"""

from __future__ import annotations

import io
import logging
import re
import threading
from collections import Counter
from typing import Any

import pypdf
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PdfStreamError

from bot.errors import IngestError
from bot.knowledge.layout import Layout, PagedText
from bot.knowledge.limits import DEFAULT_LIMITS, IngestLimits, check_time, extend_time, too_big
from bot.knowledge.normalize import Line

log = logging.getLogger(__name__)

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–~·]?\s*\d{1,4}\s*[-—–~·]?"
    r"|第\s*\d{1,4}\s*页(?:\s*[/／,，]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*[/／]\s*\d{1,4}"
    r"|(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?)\s*$",
    re.I,
)
_RUNNING_HEAD = re.compile(
    r"第\s*\d{1,3}\s*卷.{0,12}第\s*\d{1,3}\s*期|\bVol\.?\s*\d+.{0,10}\bNo\.?\s*\d+", re.I
)
_EDGE_LINES = 3
# Word/WPS put the file name or "Microsoft Word - x.doc" there, browsers the page's address
_JUNK_TITLE = re.compile(
    r"\.(docx?|wps|pdf|html?)$|^Microsoft Word|^(about:|https?://|file:)", re.I
)
OCR_SCALE = 2.0  # render scanned pages at 144 dpi for OCR: small print stays legible
MAX_RENDER_PIXELS = 12_000_000  # an A4 page at 2× is 2.4 million
_MIN_TABLE_PATHS = 6  # a ruled table of two rows draws at least this many lines or boxes


def is_page_furniture(line: str) -> bool:
    """True for a lone page number or a journal running head."""
    s = line.strip()
    return bool(_PAGE_NUMBER.match(s)) or (len(s) <= 60 and bool(_RUNNING_HEAD.search(s)))


def read_pdf(data: bytes, path: str, limits: IngestLimits = DEFAULT_LIMITS) -> PagedText:
    """Lines of every page (furniture removed), OCR for pages without a text layer, tables
    as rows with their headers, and the glyph map of every page."""
    reader, texts, repaired = _text_layer(data, path, limits)
    scanned = [i for i, t in enumerate(texts) if _visible(t) < 10 and _draws_image(
        reader.pages[i].get("/Resources"), depth=0)]  # fmt: skip
    if not scanned and sum(_visible(t) for t in texts) < 10 * len(texts):
        raise IngestError(path, "no text in PDF (pages are blank)", reason_zh="PDF 页面是空白的")
    pdfium_doc = _open_pdfium(data, path)
    pages: list[list[Line]] = [
        [Line(ln, n + 1) for ln in t.split("\n")] for n, t in enumerate(texts)
    ]
    result = PagedText(lines=[], title=_own_title(reader))
    if repaired:
        shown = "; ".join(repaired[:3])
        result.notes.append(f"read although damaged ({shown}) / 文件有损坏，已尽量读取（{shown}）")
    if pdfium_doc is not None:
        result.layout = Layout()
        for i in range(len(texts)):
            if i not in scanned:
                _glyphs(pdfium_doc, i, result.layout)
        _tables(data, pdfium_doc, pages, scanned, path)
    if scanned:
        _ocr_pages(pdfium_doc, scanned, pages, result, path, limits, len(texts))
    result.lines = _strip_page_lines(pages)
    return result


def _visible(text: str) -> int:
    return len(re.sub(r"\s", "", text))


class _PypdfWarnings(logging.Handler):
    """Where pypdf's warnings go. During a read they are kept for the document's notes (a damaged
    file it read anyway: "EOF marker not found") instead of reaching stderr in the middle of a
    refresh report; each reading thread keeps its own. Any other goes to this module's log.
    Installed once, at import, so concurrent reads never race over the logger's settings."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.reading = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        found: list[str] | None = getattr(self.reading, "found", None)
        text = record.getMessage().strip()[:200]
        if found is None:
            log.warning("pypdf: %s", text)
        elif text and text not in found:
            found.append(text)


_PYPDF_WARNINGS = _PypdfWarnings()
logging.getLogger("pypdf").addHandler(_PYPDF_WARNINGS)
logging.getLogger("pypdf").propagate = False


def _text_layer(
    data: bytes, path: str, limits: IngestLimits
) -> tuple[pypdf.PdfReader, list[str], list[str]]:
    """The reader, each page's text, and what pypdf had to repair to read the file."""
    found: list[str] = []
    _PYPDF_WARNINGS.reading.found = found
    try:
        reader, texts = _read_text_layer(data, path, limits)
    finally:
        _PYPDF_WARNINGS.reading.found = None
    return reader, texts, found


def _read_text_layer(
    data: bytes, path: str, limits: IngestLimits
) -> tuple[pypdf.PdfReader, list[str]]:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _decrypt_without_password(reader):
            raise _encrypted(path)
        count = len(reader.pages)
        if count > limits.max_pages:
            raise too_big(path, "pages", count, limits.max_pages, "页数")
        texts = []
        for page in reader.pages:
            check_time()
            texts.append(page.extract_text() or "")
    except IngestError:
        raise
    except (FileNotDecryptedError, DependencyError) as exc:
        raise _encrypted(path) from exc
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, OSError) as exc:
        raise IngestError(
            path, f"truncated or corrupt PDF: {exc}", reason_zh=f"PDF 不完整或已损坏：{exc}"
        ) from exc
    if not texts:
        raise IngestError(
            path, "truncated or corrupt PDF: no pages", reason_zh="PDF 不完整或已损坏：没有页面"
        )
    return reader, texts


def _open_pdfium(data: bytes, path: str) -> Any:
    """The document in pypdfium2 (positions, rendering), or None when it cannot open it."""
    try:
        import pypdfium2 as pdfium

        return pdfium.PdfDocument(data)
    except Exception as exc:  # pypdfium2 raises PdfiumError and plain errors alike
        log.warning("%s: pypdfium2 cannot open it (%s); no positions or OCR", path, exc)
        return None


def _glyphs(pdfium_doc: Any, index: int, layout: Layout) -> None:
    page = pdfium_doc[index]
    width, height = page.get_size()
    layout.sizes[index + 1] = (float(width), float(height))
    textpage = page.get_textpage()
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count) if count else ""
    if len(text) != count:  # characters outside the BMP: positions cannot be paired safely
        return
    boxes = []
    for i in range(count):
        left, bottom, right, top = textpage.get_charbox(i)
        boxes.append((left, height - top, right, height - bottom))
    layout.add(index + 1, text, boxes)


def _ocr_pages(
    pdfium_doc: Any,
    scanned: list[int],
    pages: list[list[Line]],
    result: PagedText,
    path: str,
    limits: IngestLimits,
    total: int,
) -> None:
    from bot.knowledge import ocr

    shown = _page_list(scanned)
    if not ocr.available() or pdfium_doc is None:
        why = (
            ocr.NOT_INSTALLED
            if pdfium_doc is not None
            else (
                "needs OCR, but the pages cannot be rendered",
                "需要文字识别（OCR），但页面无法渲染",
            )
        )
        if len(scanned) == total:
            raise IngestError(path, f"no text layer: {why[0]}", status="skipped",
                              reason_zh=f"没有文字层：{why[1]}")  # fmt: skip
        result.notes.append(f"pages {shown} not read: {why[0]} / 第 {shown} 页未读取：{why[1]}")
        return
    if len(scanned) > limits.max_ocr_pages:
        raise too_big(path, "pages to OCR", len(scanned), limits.max_ocr_pages, "需识别的页数")
    low = []
    layout = result.layout if result.layout is not None else Layout()
    for index in scanned:
        extend_time(limits.ocr_seconds_per_page)
        check_time()
        page = pdfium_doc[index]
        width, height = page.get_size()
        scale = render_scale(width, height, OCR_SCALE, MAX_RENDER_PIXELS)
        image = page.render(scale=scale).to_numpy()
        read = ocr.read_image(image, path)
        number = index + 1
        layout.sizes[number] = (float(width), float(height))
        pages[index] = []
        for line in read.lines:
            pages[index].append(Line(line.text, number))
            for piece in line.pieces:
                box = tuple(v / scale for v in piece.box)
                layout.add_piece(number, piece.text, box)  # type: ignore[arg-type]
        result.confidence[number] = read.confidence
        if read.confidence < ocr.LOW_CONFIDENCE:
            low.append(number)
    result.layout = layout
    if not any(pages[i] for i in scanned) and len(scanned) == total:
        raise IngestError(path, "no text layer, and OCR found no text on the scanned pages",
                          reason_zh="没有文字层，文字识别也没有在扫描页上找到文字")  # fmt: skip
    note = f"OCR read pages {shown} / 第 {shown} 页经文字识别"
    if low:
        scores = ", ".join(f"{n}: {result.confidence[n]:.2f}" for n in low)
        note += (f"; low OCR confidence on pages {scores}: check the text / "
                 f"第 {_page_list([n - 1 for n in low])} 页识别置信度低，请核对")  # fmt: skip
    result.notes.append(note)


def render_scale(width: float, height: float, wanted: float, max_pixels: int) -> float:
    """``wanted``, lowered so a page of ``width``×``height`` points renders to at most
    ``max_pixels`` (a page can declare any size: 14400 pt square at 2× is 800 million pixels)."""
    area = max(float(width) * float(height), 1.0)
    return min(wanted, (max_pixels / area) ** 0.5)


def _page_list(indices: list[int]) -> str:
    return ", ".join(str(i + 1) for i in indices)


def _tables(
    data: bytes, pdfium_doc: Any, pages: list[list[Line]], scanned: list[int], path: str
) -> None:
    """Replace the lines of pages holding ruled tables by pdfplumber's text and table rows."""
    candidates = [i for i in range(len(pages)) if i not in scanned and _ruled(pdfium_doc[i])]
    if not candidates:
        return
    from bot.knowledge.pdftables import read_table_pages

    found = read_table_pages(data, candidates, path)
    for index, lines in found.items():
        pages[index] = lines


def _ruled(page: Any) -> bool:
    """True when a page draws enough paths to be a ruled table (cheap, before pdfplumber)."""
    import pypdfium2.raw as pdfium_c

    paths = 0
    for obj in page.get_objects(max_depth=2):
        if obj.type == pdfium_c.FPDF_PAGEOBJ_PATH:
            paths += 1
            if paths >= _MIN_TABLE_PATHS:
                return True
    return False


def _encrypted(path: str) -> IngestError:
    return IngestError(
        path,
        "encrypted PDF: remove the password and refresh again",
        reason_zh="PDF 已加密：请去掉密码后重新刷新",
    )


def _decrypt_without_password(reader: pypdf.PdfReader) -> bool:
    """Files with only an owner password open with the empty user password."""
    try:
        return bool(reader.decrypt(""))
    except (DependencyError, NotImplementedError, PdfReadError):
        return False


def _draws_image(resources: object, depth: int) -> bool:
    if resources is None or depth > 3:
        return False
    xobjects = resources.get_object().get("/XObject")  # type: ignore[attr-defined]
    if xobjects is None:
        return False
    for ref in xobjects.get_object().values():
        xobject = ref.get_object()
        subtype = xobject.get("/Subtype")
        if subtype == "/Image":
            return True
        if subtype == "/Form" and _draws_image(xobject.get("/Resources"), depth + 1):
            return True
    return False


def _own_title(reader: pypdf.PdfReader) -> str:
    try:
        info = reader.metadata
        title = (info.get("/Title") if info is not None else None) or ""
    except (PdfReadError, ValueError):  # pragma: no cover - broken info dictionaries
        return ""
    title = str(title).strip()
    if re.search(
        r"\.(docx?|wps|pdf|html?)$|^Microsoft Word|^(about:|https?://|file:)", title, re.I
    ):
        return ""
    return title


def _strip_furniture(pages: list[str]) -> list[Line]:
    """Lines of ``pages`` (page texts) without page furniture."""
    return _strip_page_lines(
        [[Line(ln, n) for ln in t.split("\n")] for n, t in enumerate(pages, 1)]
    )


def _strip_page_lines(page_lines: list[list[Line]]) -> list[Line]:
    repeated = _repeated_edges([[ln.text for ln in lines] for lines in page_lines])
    out: list[Line] = []
    removed = 0
    for lines in page_lines:
        for i, line in enumerate(lines):
            edge = i < _EDGE_LINES or i >= len(lines) - _EDGE_LINES
            furniture = is_page_furniture(line.text) or (edge and _edge_key(line.text) in repeated)
            if furniture and not line.literal:
                removed += 1
                continue
            out.append(line)
    log.debug("removed %s furniture lines from %s pages", removed, len(page_lines))
    return out


def _edge_key(line: str) -> str:
    return re.sub(r"[\d\s]", "", line)


def _repeated_edges(page_lines: list[list[str]]) -> set[str]:
    if len(page_lines) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in page_lines:
        edges = {
            _edge_key(ln)
            for i, ln in enumerate(lines)
            if i < _EDGE_LINES or i >= len(lines) - _EDGE_LINES
        }
        counts.update(k for k in edges if 0 < len(k) <= 60)
    return {k for k, n in counts.items() if n >= max(3, len(page_lines) / 2)}
