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
from collections import Counter

import pypdf
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PdfStreamError

from bot.errors import IngestError
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


def is_page_furniture(line: str) -> bool:
    """True for a lone page number or a journal running head."""
    s = line.strip()
    return bool(_PAGE_NUMBER.match(s)) or (len(s) <= 60 and bool(_RUNNING_HEAD.search(s)))


def read_pdf(data: bytes, path: str) -> tuple[list[Line], str]:
    """Lines of every page (furniture removed) and the PDF's own title, if it has one."""
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _decrypt_without_password(reader):
            raise _encrypted(path)
        pages = [page.extract_text() or "" for page in reader.pages]
    except IngestError:
        raise
    except (FileNotDecryptedError, DependencyError) as exc:
        raise _encrypted(path) from exc
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, OSError) as exc:
        raise IngestError(
            path, f"truncated or corrupt PDF: {exc}", reason_zh=f"PDF 不完整或已损坏：{exc}"
        ) from exc
    if not pages:
        raise IngestError(
            path, "truncated or corrupt PDF: no pages", reason_zh="PDF 不完整或已损坏：没有页面"
        )
    visible = sum(len(re.sub(r"\s", "", t)) for t in pages)
    if visible < 10 * len(pages):
        if _has_images(reader):
            raise IngestError(
                path,
                "no text layer: needs OCR",
                status="skipped",
                reason_zh="没有文字层：需要先做文字识别（OCR）",
            )
        raise IngestError(path, "no text in PDF (pages are blank)", reason_zh="PDF 页面是空白的")
    title = _own_title(reader)
    return _strip_furniture(pages), title


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


def _has_images(reader: pypdf.PdfReader) -> bool:
    """True when a page draws an image, directly or inside a form XObject (as scanners do)."""
    return any(_draws_image(page.get("/Resources"), depth=0) for page in reader.pages)


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
    # Word/WPS put the file name or "Microsoft Word - x.doc" there: not a title.
    if re.search(r"\.(docx?|wps|pdf)$|^Microsoft Word", title, re.I):
        return ""
    return title


def _strip_furniture(pages: list[str]) -> list[Line]:
    page_lines = [[ln for ln in text.split("\n")] for text in pages]
    repeated = _repeated_edges(page_lines)
    out: list[Line] = []
    removed = 0
    for number, lines in enumerate(page_lines, start=1):
        for i, line in enumerate(lines):
            edge = i < _EDGE_LINES or i >= len(lines) - _EDGE_LINES
            if is_page_furniture(line) or (edge and _edge_key(line) in repeated):
                removed += 1
                continue
            out.append(Line(line, number))
    log.debug("removed %s furniture lines from %s pages", removed, len(pages))
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
