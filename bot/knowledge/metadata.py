"""Document metadata: read from front matter or a sidecar file, else inferred from the text.

Explicit metadata comes from Markdown YAML front matter or a sidecar YAML file next to the
source. Both sidecar names work: ``policy.pdf.meta.yaml`` (the full file name plus
``.meta.yaml``; wins when both exist) and ``policy.meta.yaml`` (the stem). Keys are the fields
of :class:`DocumentMeta`; ``date`` is accepted for ``publish_date`` and ``url`` for
``source_url``. Dates may be ISO (``2025-04-08``) or Chinese (``2025年4月8日``). A YAML error, an
unknown key or a bad date is an :class:`IngestError` naming the file and the key.

Inference (:func:`infer_meta`) only copies what the text says: a title line, a dated
``发布日期/印发日期/成文日期/日期：`` line or a date line near the top or at the signature
(落款), ``有效期至/执行至`` for expiry, ``自…起施行/执行`` for the effective date, and the issuer
from the signature or a title of the form ``XX部 XX部关于…``. Nothing is guessed: a field the
text does not state stays empty. Explicit values win field by field.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.errors import IngestError
from bot.knowledge.limits import DEFAULT_LIMITS, IngestLimits, too_big
from bot.knowledge.models import DocumentMeta

_ALIASES = {"date": "publish_date", "url": "source_url", "source": "source_url"}
_DATE = r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?"
_DATE_RE = re.compile(_DATE)
_LABELLED_DATE = re.compile(r"(?:发布|印发|成文|公布|发文)?(?:日期|时间)\s*[：:]\s*" + _DATE)
_EXPIRY = re.compile(r"(?:有效期至|执行至|有效期截至|有效期到)\s*" + _DATE)
_EFFECTIVE = re.compile(r"自\s*" + _DATE + r"\s*起(?:施行|执行|实施|生效)")
_DATE_LINE = re.compile(r"^\s*" + _DATE + r"\s*$")
_TITLE_DOC = re.compile(
    r"^(.{2,60}?)关于.{2,80}(通知|意见|办法|规定|方案|公告|通告|决定|细则|指南)$"
)
# A news lead that names the document it reports on: "…电 近日，中共中央办公厅、国务院办公厅印发了
# 《关于…的意见》". Used only when the text has no title line of its own.
_NEWS_LEAD = re.compile(
    r"(?:电|讯)?\s*(?:近日|日前|今天|今日)?[，,]?\s*([^，,。《》]{2,40}?)(?:联合)?(?:印发|发布|公布)了?《([^《》]{4,80})》"
)
_LABEL = re.compile(r"^(abstract|summary|contents|keywords?|摘\s*要|目\s*录|关键词)\b", re.I)
_ISSUER_WORDS = re.compile(r"(部|厅|局|委员会|委|办公室|政府|中心|大学|学院|学校|院|署|会|办)$")


def sidecar_for(path: Path) -> Path | None:
    """The sidecar metadata file of ``path``, if one exists."""
    for candidate in (
        path.with_name(path.name + ".meta.yaml"),
        path.with_name(path.stem + ".meta.yaml"),
    ):
        if candidate.is_file():
            return candidate
    return None


def read_sidecar(path: Path, limits: IngestLimits = DEFAULT_LIMITS) -> dict[str, Any]:
    """The fields of the sidecar file at ``path`` (already known to exist)."""
    try:
        size = path.stat().st_size
        if size > limits.max_meta_bytes:
            raise too_big(
                str(path),
                "metadata size (bytes)",
                size,
                limits.max_meta_bytes,
                "元数据大小（字节）",
            )
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise IngestError(
            str(path),
            f"cannot read metadata sidecar: {exc}",
            reason_zh=f"无法读取元数据文件：{exc}",
        ) from exc
    return parse_yaml_mapping(text, str(path))


class _NoDatesLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings, so a bad date is reported with its field."""


_NoDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml_mapping(
    text: str, where: str, limits: IngestLimits = DEFAULT_LIMITS
) -> dict[str, Any]:
    """A YAML mapping from ``text``; ``where`` names the file in errors.

    Metadata is a handful of fields, so it is held to a budget before anything is built: at
    most ``max_meta_bytes`` and ``max_meta_events`` parser events, and no anchors or aliases
    (``&a`` / ``*a``), which no metadata needs and which let a few hundred bytes expand into
    gigabytes ("billion laughs").
    """
    if len(text) > limits.max_meta_bytes:
        raise too_big(
            where, "metadata size (characters)", len(text), limits.max_meta_bytes, "元数据大小"
        )
    try:
        _check_events(text, where, limits)
        data = yaml.load(text, Loader=_NoDatesLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise IngestError(
            where,
            f"metadata is not valid YAML{line}: {exc}",
            reason_zh=f"元数据不是有效的 YAML{line}：{exc}",
        ) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise IngestError(
            where,
            "metadata must be a YAML mapping of field: value",
            reason_zh="元数据必须是“字段: 值”形式的 YAML 映射",
        )
    return data


def _check_events(text: str, where: str, limits: IngestLimits) -> None:
    for n, event in enumerate(yaml.parse(text, Loader=_NoDatesLoader), start=1):
        if n > limits.max_meta_events:
            raise too_big(
                where, "metadata YAML events", n, limits.max_meta_events, "元数据 YAML 事件数"
            )
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise IngestError(
                where,
                "metadata uses YAML anchors or aliases (&name / *name), which are not allowed",
                reason_zh="元数据使用了 YAML 锚点或别名（&name / *name），不允许使用",
            )


def _check_value(key: str, value: Any, where: str, limits: IngestLimits) -> None:
    """Fields are scalars (``tags`` a list of scalars) of bounded length."""
    items = value if key == "tags" and isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict | list):
            raise IngestError(
                where,
                f"metadata field '{key}' must be a single value, not a nested list or mapping",
                reason_zh=f"元数据字段“{key}”应为单个值，不能是嵌套的列表或映射",
            )
    limit = limits.max_title_chars if key == "title" else limits.max_field_chars
    length = sum(len(str(item)) for item in items)
    if length > limit:
        raise IngestError(
            where,
            f"metadata field '{key}' is {length:,} characters long (limit {limit:,})",
            reason_zh=f"元数据字段“{key}”长 {length:,} 个字符（上限 {limit:,}）",
        )


def meta_from_mapping(
    data: dict[str, Any], where: str, limits: IngestLimits = DEFAULT_LIMITS
) -> dict[str, Any]:
    """Validated DocumentMeta fields from a front-matter or sidecar mapping."""
    fields = DocumentMeta.model_fields
    out: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = _ALIASES.get(str(raw_key), str(raw_key))
        if key not in fields:
            raise IngestError(
                where,
                f"unknown metadata field '{raw_key}' (known: {', '.join(sorted(fields))})",
                reason_zh=f"未知的元数据字段“{raw_key}”（可用：{'、'.join(sorted(fields))}）",
            )
        if value is None:
            continue
        _check_value(key, value, where, limits)
        if key.endswith("_date"):
            value = _as_date(value, where, str(raw_key))
        elif key == "tags" and isinstance(value, str):
            value = [t.strip() for t in re.split(r"[,，、]", value) if t.strip()]
        elif key != "tags":
            value = str(value).strip()
        out[key] = value
    try:
        DocumentMeta(**out)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise IngestError(
            where,
            f"bad metadata field '{field}': {first['msg']}",
            reason_zh=f"元数据字段“{field}”有误：{first['msg']}",
        ) from exc
    return out


def merge_meta(explicit: dict[str, Any], inferred: DocumentMeta) -> DocumentMeta:
    """Explicit fields win; inferred ones fill the gaps."""
    merged = inferred.model_dump()
    merged.update(explicit)
    return DocumentMeta(**merged)


def infer_meta(paragraphs: list[str], *, title_hint: str = "") -> DocumentMeta:
    """What the text itself states about the document."""
    meta: dict[str, Any] = {}
    title = title_hint or _infer_title(paragraphs)
    if title:
        meta["title"] = title
    head, tail = paragraphs[:8], paragraphs[-8:]
    body = "\n".join(paragraphs)
    for para in head + tail:
        m = _LABELLED_DATE.search(para)
        if m:
            meta["publish_date"] = _ymd(m.groups())
            break
    if "publish_date" not in meta:
        for para in [*reversed(tail), *head]:
            m = _DATE_LINE.match(para)
            if m:
                meta["publish_date"] = _ymd(m.groups())
                break
    if m := _EXPIRY.search(body):
        meta["expiry_date"] = _ymd(m.groups())
    if m := _EFFECTIVE.search(body):
        meta["effective_date"] = _ymd(m.groups())
    issuer = _infer_issuer(paragraphs, title)
    if issuer:
        meta["issuer"] = issuer
    meta = {k: v for k, v in meta.items() if v is not None}
    cjk = sum(1 for ch in body[:4000] if "\u4e00" <= ch <= "\u9fff")
    letters = sum(1 for ch in body[:4000] if ch.isascii() and ch.isalpha())
    if letters > 0 and cjk < 0.1 * letters:
        meta["language"] = "en"
    return DocumentMeta(**meta)


def _infer_title(paragraphs: list[str]) -> str:
    for para in paragraphs[:5]:
        if _TITLE_DOC.match(para) and len(para) <= 80:
            return para
    candidates = [
        s
        for s in (p.strip() for p in paragraphs[:6])
        if 4 <= len(s) <= 40
        and s[-1] not in "。！？；;：:，,."
        and not _DATE_LINE.match(s)
        and not _LABEL.match(s)
    ]
    chinese = [s for s in candidates if re.search(r"[\u4e00-\u9fff]", s)]
    if chinese or candidates:
        return (chinese or candidates)[0]
    lead = _news_lead(paragraphs)
    return lead[1] if lead else ""


def _news_lead(paragraphs: list[str]) -> tuple[str, str] | None:
    """(issuer, title) of the document a news report opens with, when its lead names one."""
    for para in paragraphs[:2]:
        m = _NEWS_LEAD.search(para[:200])
        if m:
            return m.group(1).strip(), m.group(2).strip()
    return None


def _infer_issuer(paragraphs: list[str], title: str) -> str:
    m = _TITLE_DOC.match(title) if title else None
    if m and _ISSUER_WORDS.search(m.group(1).strip()):
        return re.sub(r"\s+", " ", m.group(1)).strip()
    lead = _news_lead(paragraphs)
    if lead and lead[1] == title and _ISSUER_WORDS.search(lead[0]):
        return lead[0]
    # signature: a short line naming an office right before the closing date line
    for i in range(len(paragraphs) - 1, max(len(paragraphs) - 6, 0), -1):
        if _DATE_LINE.match(paragraphs[i]) and i > 0:
            prev = paragraphs[i - 1].strip()
            if len(prev) <= 40 and _ISSUER_WORDS.search(prev):
                return prev
    return ""


def _ymd(groups: tuple[str | Any, ...]) -> dt.date | None:
    try:
        return dt.date(int(groups[0]), int(groups[1]), int(groups[2]))
    except (ValueError, TypeError):
        return None


def _as_date(value: Any, where: str, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    m = re.fullmatch(r"\s*" + _DATE + r"\s*", str(value))
    parsed = _ymd(m.groups()) if m else None
    if parsed is None:
        raise IngestError(
            where,
            f"bad date in metadata field '{key}': {value!r} (use 2025-04-08)",
            reason_zh=f"元数据字段“{key}”的日期无效：{value!r}（请写成 2025-04-08）",
        )
    return parsed
