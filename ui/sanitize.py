"""Untrusted text made inert for Gradio's Markdown: no raw HTML, no images, only safe links.

Everything a graduate types, a document says or a model writes reaches the pages through one of
two functions, applied on the server before Gradio renders anything:

- :func:`literal` — the text exactly as typed, with no Markdown or HTML meaning at all: every
  ASCII punctuation character that Markdown or HTML could read is escaped, leading indentation
  is dropped (it would make a code block) and line breaks are kept. For a graduate's message,
  a passage, a title, a counselor's note.
- :func:`strict` — Markdown without HTML: emphasis, lists and headings stay, but ``<``, ``>``
  and ``&`` become entities (so ``<form>``, ``<img>``, ``<details>`` and HTML comments are shown
  as text), backticks are escaped (code spans would show those entities raw), an image
  (``![…](…)``) becomes plain text, square brackets are escaped so that no link can form except
  those written here, and a link ``[text](target)`` survives only with an ``http``, ``https``,
  ``mailto`` or ``tel`` target. Bare web addresses are linked explicitly and end at the first
  character that cannot be part of a URL, so ``www.ncss.cn）。`` links ``www.ncss.cn`` and not
  the Chinese punctuation after it. For an answer, a warning, a plan.

:func:`quoted` puts a block inside a Markdown blockquote line by line, so nothing inside it can
end the block and forge what follows (a fake "Turn 7" heading in the counselor view).

Gradio's own sanitiser (which strips scripts and event handlers) still runs after this; the
Content-Security-Policy (``ui/headers.py``) is the third layer. Hand-written because no
maintained library turns untrusted text into Markdown safe for a Markdown renderer that allows
HTML; the escaping follows CommonMark (every ASCII punctuation character may be
backslash-escaped, entities are decoded in text).
"""

from __future__ import annotations

import re
from urllib.parse import quote

_ASCII_PUNCTUATION = "!\"#$%'()*+,-./:;=?@[\\]^_`{|}~"
_LITERAL = str.maketrans(
    {
        **{c: "\\" + c for c in _ASCII_PUNCTUATION},
        "<": "&lt;",
        ">": "&gt;",
        "&": "&amp;",
    }
)
# Brackets too: no link, image or reference can form except those this module writes.
_STRICT = str.maketrans(
    {"<": "&lt;", ">": "&gt;", "&": "&amp;", "`": "\\`", "[": "\\[", "]": "\\]"}
)
_LINK_TEXT = str.maketrans({c: "\\" + c for c in "\\`*_~[]<>&|!"})

SAFE_SCHEMES = ("http://", "https://", "mailto:", "tel:")
_URL_CHARS = r"[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]"
_TOKEN = re.compile(
    r"(?P<link>\[(?P<text>[^\[\]\n]{1,300})\]\(\s*(?P<dest>[^\s()<>]{1,2000})\s*\))"
    r"|(?P<image>!\[)"
    rf"|(?P<url>(?:https?://|www\.){_URL_CHARS}+)",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?'*"  # ASCII punctuation that ends a sentence, not a URL
_FENCE = re.compile(r"^(\s*)(~{3,})", re.MULTILINE)


def literal(text: str) -> str:
    """``text`` shown exactly as typed: no Markdown, no HTML, no links, line breaks kept."""
    paragraphs: list[list[str]] = [[]]
    for line in text.splitlines():
        line = line.strip(" \t")
        if line:
            paragraphs[-1].append(line.translate(_LITERAL))
        elif paragraphs[-1]:
            paragraphs.append([])
    # a backslash at the end of a line is CommonMark's hard line break
    return "\n\n".join("\\\n".join(lines) for lines in paragraphs if lines)


def strict(text: str) -> str:
    """``text`` as Markdown without HTML, images or unsafe links (see the module docstring)."""
    out: list[str] = []
    at = 0
    for match in _TOKEN.finditer(text):
        out.append(_plain(text[at : match.start()]))
        at = match.end()
        if match.group("image"):
            out.append("\\!\\[")  # an image never loads; the rest reads as a link or text
        elif match.group("link"):
            out.append(_link(match.group("text"), match.group("dest")))
        else:
            url, rest = _trim_url(match.group("url"))
            out.append(_bare_link(url) + _plain(rest))
    out.append(_plain(text[at:]))
    return "".join(out)


def quoted(markdown: str) -> str:
    """``markdown`` inside a blockquote: every line prefixed, so it cannot break out."""
    return "\n".join(f"> {line}" if line.strip() else ">" for line in markdown.splitlines())


def safe_href(dest: str) -> str | None:
    """A link target the pages may use, or None (``javascript:``, ``data:``, relative…)."""
    dest = dest.strip()
    if dest.lower().startswith(SAFE_SCHEMES) and '"' not in dest:
        return dest
    return None


def _plain(text: str) -> str:
    return _FENCE.sub(lambda m: m.group(1) + "\\~" * len(m.group(2)), text.translate(_STRICT))


def _link(label: str, dest: str) -> str:
    href = safe_href(dest)
    shown = _plain(label)
    if href is None:
        return f"\\[{shown}\\]\\({_plain(dest)}\\)"
    return f"[{shown}]({_escape_href(href)})"


def _trim_url(url: str) -> tuple[str, str]:
    """The URL without the sentence punctuation that follows it, and that punctuation."""
    end = len(url)
    while end and url[end - 1] in _TRAILING:
        end -= 1
    return url[:end], url[end:]


def _bare_link(url: str) -> str:
    href = url if url.lower().startswith(("http://", "https://")) else "https://" + url
    return f"[{url.translate(_LINK_TEXT)}]({_escape_href(href)})"


def _escape_href(href: str) -> str:
    return quote(href, safe=":/?#[]@!$&'*+,;=%~-._")
