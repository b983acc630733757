"""Load one source file into a :class:`SourceDocument`: check, detect, read, clean, structure.

``load_source(path, max_bytes=...)`` is the single entry point of ingestion. In order: the path
must be a readable regular file no larger than ``max_bytes`` (checked before reading) and not
empty; the real type is told from the bytes (``filetype``) and must agree with the suffix; the
reader of that type produces lines (``pdf``, ``word``, ``web``, ``markdown``, or plain text
through ``encoding``); ``normalize`` rebuilds paragraphs; metadata comes from a sidecar, front
matter or HTML meta tags, then from the text (``metadata``); ``structure`` gives every block its
section path. Every failure is an :class:`IngestError` whose ``reason`` a maintainer can act on;
``status`` is "skipped" for what the project deliberately does not read (unsupported formats,
files over the size limit, PDFs that need OCR) and "failed" otherwise.

``doc_id`` hashes the cleaned paragraph text with all whitespace removed, so the same content
under another name (or re-wrapped) gets the same id; ``content_hash`` hashes the raw bytes.
What it leaves out: chunking (``chunking``), embedding and the index.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
from pathlib import Path
from typing import Any

from bot.errors import IngestError
from bot.knowledge.claims import OfficialChannels
from bot.knowledge.encoding import decode_text
from bot.knowledge.filetype import SUFFIX_TYPES, describe, sniff
from bot.knowledge.layout import PagedText
from bot.knowledge.limits import (
    DEFAULT_LIMITS,
    IngestLimits,
    check_markup,
    check_text,
    check_zip,
    deadline,
)
from bot.knowledge.markdown import markdown_lines, split_front_matter
from bot.knowledge.metadata import (
    infer_meta,
    merge_meta,
    meta_from_mapping,
    read_sidecar,
    sidecar_for,
)
from bot.knowledge.models import Block, DocumentMeta, SourceDocument
from bot.knowledge.normalize import Line, join_lines
from bot.knowledge.ocr import read_picture
from bot.knowledge.pdf import is_page_furniture, read_pdf
from bot.knowledge.screening import form_fields, screen
from bot.knowledge.structure import build_blocks
from bot.knowledge.web import read_html
from bot.knowledge.word import read_docx

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(SUFFIX_TYPES)
SIDECAR_SUFFIX = ".meta.yaml"


def is_sidecar(path: Path) -> bool:
    """True for a metadata sidecar (``x.pdf.meta.yaml``), which is not a source itself."""
    return path.name.endswith(SIDECAR_SUFFIX)


def load_source(
    path: Path, *, max_bytes: int, limits: IngestLimits = DEFAULT_LIMITS
) -> SourceDocument:
    """Read ``path`` into a cleaned, structured document, or raise :class:`IngestError`.

    The reading is held to ``limits`` (sizes, counts and ``seconds_per_file``)."""
    with deadline(str(path), limits.seconds_per_file):
        return _load(Path(path), max_bytes, limits)


def _load(path: Path, max_bytes: int, limits: IngestLimits) -> SourceDocument:
    where = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIX_TYPES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        shown = suffix or "(no suffix)"
        raise IngestError(
            where,
            f"unsupported format {shown} (supported: {supported})",
            status="skipped",
            reason_zh=f"不支持的格式 {shown}（支持：{supported}）",
        )
    if path.name.startswith("~$"):
        raise IngestError(
            where,
            "temporary lock file of an open Office document, not a document",
            status="skipped",
            reason_zh="这是 Office 打开文档时生成的临时锁文件，不是文档",
        )
    data = _read_checked(path, max_bytes)
    file_type = SUFFIX_TYPES[suffix]
    kind = sniff(data)
    _check_type(where, suffix, file_type, kind)

    explicit: dict[str, Any] = {}
    title_hint = ""
    keep_raw_spaces = False
    paged: PagedText | None = None
    markup = ""
    if file_type == "pdf":
        paged = read_pdf(data, where, limits)
        lines, title_hint = paged.lines, paged.title
        keep_raw_spaces = True
    elif file_type == "image":
        paged = read_picture(data, where)
        lines = paged.lines
    elif file_type == "docx":
        check_zip(data, where, limits)
        lines, title_hint = read_docx(data, where)
    elif file_type == "html":
        markup = decode_text(data, where)
        check_markup(markup, where, limits)
        lines, title_hint, html_meta = read_html(markup, where)
        explicit.update(meta_from_mapping(html_meta, f"{where} (meta tags)"))
    elif file_type == "md":
        front, body = split_front_matter(_unix_newlines(decode_text(data, where)), where)
        explicit.update(meta_from_mapping(front, f"{where} (front matter)"))
        lines = markdown_lines(body)
    else:
        lines = _text_lines(decode_text(data, where))

    sidecar = sidecar_for(path)
    if sidecar is not None:
        explicit.update(meta_from_mapping(read_sidecar(sidecar), str(sidecar)))

    check_text(len(lines), sum(len(ln.text) for ln in lines), where, limits)
    paragraphs = join_lines(lines, keep_raw_spaces=keep_raw_spaces)
    if not any(p.text for p in paragraphs if not p.heading_level):
        raise IngestError(
            where,
            "no text found (the file holds only whitespace or markup)",
            reason_zh="没有找到文字（文件只有空白或标记）",
        )
    if explicit.get("title"):
        title_hint = explicit["title"]
    elif len(title_hint) > limits.max_title_chars:
        title_hint = ""  # a document's own over-long "title" is text, not a name for it
    elif title_hint.strip().lower() in {path.stem.lower(), path.name.lower()}:
        title_hint = ""  # scanners and converters store the file name as the title
    inferred = infer_meta([p.text for p in paragraphs], title_hint=title_hint)
    meta = merge_meta(explicit, inferred)
    blocks = build_blocks(paragraphs, title=meta.title)
    if not blocks:
        raise IngestError(
            where, "no text found (only headings)", reason_zh="没有找到正文（只有标题）"
        )
    log.debug("%s: %s paragraphs, %s blocks", where, len(paragraphs), len(blocks))
    doc = make_document(path, data, file_type, meta, blocks, [p.text for p in paragraphs])
    if paged is not None:
        doc._layout = paged.layout
        doc.notes.extend(paged.notes)
        doc.page_confidence.update(paged.confidence)
    fields = form_fields(markup) if file_type == "html" else None
    screened = screen(doc, OfficialChannels.load(), fields=fields)
    if screened.set_aside:
        raise IngestError(
            where, screened.set_aside, status="skipped", reason_zh=screened.set_aside_zh
        )
    doc.notes.extend(screened.notes)
    return doc


def make_document(
    path: Path,
    data: bytes,
    file_type: str,
    meta: DocumentMeta,
    blocks: list[Block],
    paragraphs: list[str] | None = None,
) -> SourceDocument:
    """Assemble a document: ``doc_id`` from the cleaned text, ``content_hash`` from the bytes."""
    texts = paragraphs if paragraphs is not None else [b.text for b in blocks]
    fingerprint = re.sub(r"\s+", "", "".join(texts))
    return SourceDocument(
        doc_id=hashlib.sha256(fingerprint.encode("utf-8")).hexdigest()[:16],
        path=str(path),
        content_hash=hashlib.sha256(data).hexdigest(),
        file_type=file_type,
        meta=meta,
        blocks=blocks,
    )


def _read_checked(path: Path, max_bytes: int) -> bytes:
    where = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError as exc:
        if path.is_symlink():
            raise IngestError(
                where, "cannot read: broken symbolic link", reason_zh="无法读取：符号链接已失效"
            ) from exc
        raise IngestError(
            where, "cannot read: file not found", reason_zh="无法读取：文件不存在"
        ) from exc
    except OSError as exc:
        raise _unreadable(where, exc) from exc
    if stat.S_ISDIR(info.st_mode):
        raise IngestError(
            where,
            "cannot read: it is a directory, not a file",
            reason_zh="无法读取：这是文件夹，不是文件",
        )
    if not stat.S_ISREG(info.st_mode):
        raise IngestError(
            where, "cannot read: not a regular file", reason_zh="无法读取：不是普通文件"
        )
    if info.st_size > max_bytes:
        raise IngestError(
            where,
            f"file too large ({_mb(info.st_size)} > {_mb(max_bytes)} limit)",
            status="skipped",
            reason_zh=f"文件过大（{_mb(info.st_size)}，上限 {_mb(max_bytes)}）",
        )
    if info.st_size == 0:
        raise IngestError(where, "empty file (0 bytes)", reason_zh="空文件（0 字节）")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _unreadable(where, exc) from exc


def _unreadable(where: str, exc: OSError) -> IngestError:
    why = (exc.strerror or str(exc)).lower()
    return IngestError(where, f"cannot read: {why}", reason_zh=f"无法读取：{why}")


def _mb(n: int) -> str:
    mb = n / 1_000_000  # decimal megabytes, as Settings.max_file_mb
    return f"{mb:.0f} MB" if mb >= 10 else f"{mb:.1f} MB"


def _check_type(where: str, suffix: str, file_type: str, kind: str) -> None:
    textual = file_type in {"txt", "md", "html"}
    if kind == file_type or (textual and kind == "text" and file_type != "html"):
        return
    if file_type == "html" and kind == "text":
        return  # an HTML fragment without <html>: BeautifulSoup reads it all the same
    if file_type == "docx" and kind.startswith("zip:"):
        raise IngestError(
            where,
            f"not a Word document: {describe(kind)} without word/document.xml",
            reason_zh="不是 Word 文档：压缩包里没有 word/document.xml",
        )
    if file_type == "docx" and kind == "ole":
        raise IngestError(
            where,
            "old binary Word file (.doc) named .docx: save it as .docx",
            reason_zh="这是旧版 .doc 文件却以 .docx 命名：请另存为 .docx",
        )
    raise IngestError(
        where,
        f"content is {describe(kind)} but the name says {suffix}",
        reason_zh=f"文件内容是 {describe(kind)}，但扩展名是 {suffix}",
    )


def _unix_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _text_lines(text: str) -> list[Line]:
    lines = _unix_newlines(text).split("\n")
    # text copied out of PDFs keeps page numbers and running heads between lines
    return [Line(ln) for ln in lines if not is_page_furniture(ln) or not ln.strip()]
