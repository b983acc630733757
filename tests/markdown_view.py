"""What a Markdown string looks like once rendered, for tests of the pages' text.

markdown-it-py (CommonMark, with raw HTML *allowed*, like Gradio's renderer) turns the Markdown
into HTML, keeping every link target; :func:`shown` is its visible text, :func:`tags` the HTML
elements it made. A test that finds a ``form`` or ``img`` in :func:`tags` has found live HTML.
"""

from __future__ import annotations

import re
from html import unescape

from markdown_it import MarkdownIt

_RENDERER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
# markdown-it drops javascript: and data: links on its own; a browser's renderer may not, so the
# tests see every link the Markdown asks for.
_RENDERER.validateLink = lambda url: True  # type: ignore[method-assign]


def html_of(markdown: str) -> str:
    return _RENDERER.render(markdown)


def shown(markdown: str) -> str:
    """The visible text: tags removed, entities decoded, whitespace collapsed."""
    text = re.sub(r"<[^>]+>", " ", html_of(markdown))
    return re.sub(r"\s+", " ", unescape(text)).strip()


def tags(markdown: str) -> set[str]:
    return {m.lower() for m in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", html_of(markdown))}


def links(markdown: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'<a href="([^"]*)"', html_of(markdown))]
