"""Read the main text of an HTML page with BeautifulSoup (lxml parser).

Dropped: scripts, styles, navigation, page headers and footers, forms, asides, and elements
whose id or class is a plain ``nav``/``menu``/``footer``/``sidebar``/``breadcrumb``… token. The
main text is ``<main>``, ``<article>``, ``role=main`` or a known content container (gov.cn's
``TRS_Editor``, ``pages_content``, ``content``…), else ``<body>``. ``<h1>``–``<h6>`` are
headings, tables become one line per data row carrying its headers (``tables``), ``<br>``
breaks lines. The title
comes from ``<h1>`` or ``<title>`` (without a ``_网站名`` suffix); publish dates from the usual
meta tags (``PubDate``, ``firstpublishedtime``, ``article:published_time``, ``dc.date`` …) and
the canonical URL. What it leaves out: text drawn by JavaScript and content in iframes.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from bot.errors import IngestError
from bot.knowledge.normalize import Line
from bot.knowledge.tables import row_lines

log = logging.getLogger(__name__)

_DROP = ["script", "style", "noscript", "nav", "header", "footer", "form", "aside",
         "iframe", "svg", "button", "select", "input", "textarea", "template", "object",
         "canvas"]  # fmt: skip
_NOISE = {"nav", "navbar", "menu", "footer", "header", "sidebar", "breadcrumb", "breadcrumbs",
          "share", "copyright", "toolbar", "pagination", "topbar", "banner"}  # fmt: skip
_NOISE_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary"}
_CONTENT_IDS = ["TRS_Editor", "pages_content", "article-content", "article_content",
                "main-content", "content", "article", "zoom", "main"]  # fmt: skip
_BLOCKS = {"p", "div", "li", "ul", "ol", "section", "article", "main", "blockquote", "pre",
           "dd", "dt", "dl", "figure", "figcaption", "center", "address", "caption",
           "tbody", "thead", "body", "html"}  # fmt: skip
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_MAX_SPAN = 50  # a colspan of 10**6 must not build a million cells
_MAX_ROWS = 20_000
_DATE_META = ["pubdate", "publishdate", "publish_date", "firstpublishedtime", "publishtime",
              "article:published_time", "dc.date", "dc.date.issued", "dcterms.issued",
              "articlepubdate", "date"]  # fmt: skip
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def read_html(text: str, path: str) -> tuple[list[Line], str, dict[str, Any]]:
    """Lines of the main text, the page title, and metadata fields found in meta tags."""
    soup = BeautifulSoup(text, "lxml")
    meta = _meta_fields(soup)
    title = _title(soup)
    for tag in soup.find_all(_DROP):
        tag.decompose()
    for tag in soup.find_all(_is_noise):
        tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    lines: list[Line] = []
    main = _main_element(soup)
    if main is not None:
        _walk(main, lines)
    if not any(ln.text.strip() for ln in lines if not ln.heading_level):
        raise IngestError(
            path,
            "HTML has no main text (only navigation, scripts or markup)",
            reason_zh="网页没有正文（只有导航、脚本或标记）",
        )
    return lines, title, meta


def _is_noise(tag: Tag) -> bool:
    if not isinstance(tag, Tag) or tag.attrs is None:
        return False
    if tag.get("role") in _NOISE_ROLES:
        return True
    tokens = set(tag.get("class") or []) | {str(tag.get("id") or "")}
    return bool({t.lower() for t in tokens} & _NOISE)


def _main_element(soup: BeautifulSoup) -> Tag | None:
    candidates: list[Tag | None] = [soup.find("main"), soup.find(role="main")]
    candidates.append(soup.find("article"))
    for name in _CONTENT_IDS:
        candidates.append(soup.find(id=name))
        candidates.append(soup.find(class_=name))
    for tag in candidates:
        if isinstance(tag, Tag) and len(tag.get_text(strip=True)) >= 20:
            return tag
    return soup.body or soup


def _walk(node: Tag, out: list[Line]) -> None:
    buf: list[str] = []

    def flush() -> None:
        for piece in "".join(buf).split("\n"):
            text = " ".join(piece.split())
            if text:
                out.append(Line(text, hard=True))
        buf.clear()

    for child in node.children:
        if isinstance(child, NavigableString):
            buf.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name.lower()
        if name in _HEADINGS:
            flush()
            text = " ".join(child.get_text(" ").split())
            if text:
                out.append(Line(text, heading_level=_HEADINGS[name], hard=True))
        elif name == "table":
            flush()
            _table(child, out)
        elif name == "br":
            buf.append("\n")
        elif name in _BLOCKS or child.find([*_BLOCKS, "table", *_HEADINGS]):
            flush()
            _walk(child, out)
            flush()
        else:
            buf.append(child.get_text())
    flush()


def _table(table: Tag, out: list[Line]) -> None:
    """Rows with their headers (``tables``): colspan and rowspan are spread over the grid
    they cover; leading rows in ``<thead>`` or made only of ``<th>`` are the header."""
    grid: list[list[str | None]] = []
    spans: dict[tuple[int, int], str] = {}  # (row, column) -> text of a cell spanning into it
    marked, counting = 0, True
    rows = [r for r in table.find_all("tr") if r.find_parent("table") is table]
    for i, row in enumerate(rows[:_MAX_ROWS]):
        cells = row.find_all(["td", "th"], recursive=False)
        header = bool(cells) and (
            row.find_parent("thead") is not None or all(c.name == "th" for c in cells)
        )
        if counting and header:
            marked += 1
        else:
            counting = False
        line: list[str | None] = []
        j = 0
        for cell in cells:
            while (i, j) in spans:
                line.append(spans.pop((i, j)))
                j += 1
            text = " ".join(cell.get_text(" ").split())
            width, height = _span(cell, "colspan"), _span(cell, "rowspan")
            for dj in range(width):
                line.append(text)
                for di in range(1, height):
                    spans[(i + di, j + dj)] = text
            j += width
        while (i, j) in spans:
            line.append(spans.pop((i, j)))
            j += 1
        grid.append(line)
    for text in row_lines(grid, marked or None):
        out.append(Line(text, hard=True, literal=True, row=True))


def _span(cell: Tag, name: str) -> int:
    try:
        return max(1, min(int(str(cell.get(name) or 1)), _MAX_SPAN))
    except ValueError:
        return 1


def _title(soup: BeautifulSoup) -> str:
    h1 = soup.find("h1")
    if isinstance(h1, Tag):
        text = " ".join(h1.get_text(" ").split())
        if text:
            return text
    if soup.title and soup.title.string:
        parts = re.split(r"\s*(?:_|\||｜| - | — )\s*", soup.title.string.strip())
        return parts[0].strip() if parts else ""
    return ""


def _meta_fields(soup: BeautifulSoup) -> dict[str, Any]:
    found: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = str(tag.get("name") or tag.get("property") or "").lower()
        value = str(tag.get("content") or "").strip()
        if key and value:
            found.setdefault(key, value)
    meta: dict[str, Any] = {}
    for key in _DATE_META:
        m = _DATE.search(found.get(key, ""))
        if m:
            meta["publish_date"] = "-".join(m.groups())
            break
    canonical = soup.find("link", rel="canonical")
    url = canonical.get("href") if isinstance(canonical, Tag) else found.get("og:url")
    if url:
        meta["source_url"] = str(url)
    return meta
