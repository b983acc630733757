"""Tell a file's real type from its first bytes, and check it against the file name.

Magic numbers: ``%PDF-`` for PDF, a zip archive holding ``word/document.xml`` for DOCX, a
doctype or ``<html`` for HTML, UTF-16/32 byte-order marks for text. What it leaves out: reading
the content (the format modules do that) and any type it cannot name (reported as "unknown").
"""

from __future__ import annotations

import io
import re
import zipfile

# suffix -> the type the loader expects the bytes to be
SUFFIX_TYPES: dict[str, str] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
    ".text": "txt",
    ".png": "image",  # a photographed or scanned notice, read by OCR
    ".jpg": "image",
    ".jpeg": "image",
}
_OTHER_ZIPS = {"xl/workbook.xml": "XLSX", "ppt/presentation.xml": "PPTX", "content.xml": "ODF"}
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(data: bytes) -> str:
    """The content type of ``data``: pdf, docx, html, zip:<kind>, ole, image, text or unknown."""
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if data.startswith(_OLE):
        return "ole"  # old .doc / .xls
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "image"
    probe = head.lstrip(b"\xef\xbb\xbf")
    if probe[:2] in (b"\xff\xfe", b"\xfe\xff"):
        probe = probe.decode("utf-16", errors="ignore").encode("utf-8")
    if _HTML_START.match(probe):
        return "html"
    return "text"


def describe(kind: str) -> str:
    """A name for ``kind`` that a maintainer recognises."""
    names = {
        "pdf": "PDF",
        "docx": "DOCX",
        "html": "HTML",
        "ole": "an old binary Office file (.doc/.xls)",
        "image": "an image",
        "text": "plain text",
    }
    if kind.startswith("zip:"):
        return f"a {kind[4:]} zip archive"
    return names.get(kind, kind)


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return "zip:broken"
    if "word/document.xml" in names:
        return "docx"
    for member, kind in _OTHER_ZIPS.items():
        if member in names:
            return f"zip:{kind}"
    return "zip:plain"
