"""Read a DOCX file with python-docx into lines, in body order.

Paragraph styles give explicit headings (``Heading 1``/``标题 1``, ``Title``, or an outline level);
Word's automatic numbering is rendered into the text (``wordnumbering``), so numbered headings,
typed or automatic (``一、``, ``（三）``), are found later by ``headings``. Tables become one
line per data row that carries its headers (``tables``; rows marked "repeat as header row" are
the header). The archive is checked against the size budgets first (``limits.check_zip``).
What it leaves out: headers, footers, footnotes, comments and text boxes.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile

import docx
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from bot.errors import IngestError
from bot.knowledge.limits import check_time
from bot.knowledge.normalize import Line
from bot.knowledge.tables import row_lines
from bot.knowledge.wordnumbering import Numbering

log = logging.getLogger(__name__)

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)
_JUNK_TITLES = {"", "word document", "document", "untitled", "无标题", "文档"}


def read_docx(data: bytes, path: str) -> tuple[list[Line], str]:
    """Lines of the document body and the title stored in its properties (if meaningful)."""
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError(path, f"corrupt DOCX: {exc}", reason_zh=f"DOCX 已损坏：{exc}") from exc
    except Exception as exc:  # lxml raises its own XMLSyntaxError for broken parts
        if type(exc).__module__.startswith("lxml"):
            raise IngestError(
                path, f"corrupt DOCX: {exc}", reason_zh=f"DOCX 已损坏：{exc}"
            ) from exc
        raise
    lines: list[Line] = []
    title = ""
    numbering = Numbering.of(document)
    for item in _body_items(document):
        check_time()
        if isinstance(item, Table):
            lines.extend(_table_lines(item))
            continue
        text = item.text
        label = numbering.label(item)
        if label and text.strip():
            gap = " " if label[-1] in ".)" and text[:1].isascii() else ""
            text = label + gap + text.lstrip()
        level = _heading_level(item)
        if level == 0:
            title = title or text.strip()
            level = 1
        lines.append(Line(text, heading_level=level or None, hard=bool(level)))
    own = (document.core_properties.title or "").strip()
    if own.lower() not in _JUNK_TITLES:
        title = title or own
    return lines, title


def _body_items(document: DocxDocument) -> list[Paragraph | Table]:
    items: list[Paragraph | Table] = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            items.append(Paragraph(child, document))
        elif child.tag == qn("w:tbl"):
            items.append(Table(child, document))
    return items


def _heading_level(paragraph: Paragraph) -> int | None:
    """0 for the Title style, 1-6 for headings, None for body text."""
    name = paragraph.style.name if paragraph.style is not None else ""
    if name and name.lower() == "title":
        return 0
    m = _HEADING_STYLE.match(name or "")
    if m:
        return min(int(m.group(1)), 6)
    ppr = paragraph._p.pPr
    if ppr is not None:
        outline = ppr.find(qn("w:outlineLvl"))
        if outline is not None:
            value = int(outline.get(qn("w:val"), "9"))
            if value < 6:
                return value + 1
    return None


def _table_lines(table: Table) -> list[Line]:
    """Rows with their headers (``tables``); Word's repeated header rows mark the header."""
    grid: list[list[str | None]] = []
    marked = 0
    for i, row in enumerate(table.rows):
        check_time()
        grid.append([cell.text for cell in row.cells])  # merged cells repeat their text
        trpr = row._tr.trPr
        if i == marked and trpr is not None and trpr.find(qn("w:tblHeader")) is not None:
            marked += 1
    return [
        Line(text, hard=True, literal=True, row=True) for text in row_lines(grid, marked or None)
    ]
