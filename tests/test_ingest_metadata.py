"""Metadata: sidecars, front matter, inference from the text, and bad metadata."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.errors import IngestError
from bot.knowledge.loaders import is_sidecar, load_source
from bot.knowledge.metadata import infer_meta

BODY = "各高校：\n\n现将补贴发放工作通知如下。申请截止时间为4月8日。\n"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_sidecar_with_full_name(tmp_path: Path) -> None:
    src = _write(tmp_path / "policy.txt", BODY)
    _write(
        tmp_path / "policy.txt.meta.yaml",
        "title: 求职补贴通知\nissuer: 省人社厅\nregion: 广东\npublish_date: 2025-04-08\n"
        "tags: [补贴, 求职]\nurl: https://example.org/a\n",
    )
    meta = load_source(src, max_bytes=10_000).meta
    assert meta.title == "求职补贴通知"
    assert meta.issuer == "省人社厅"
    assert meta.region == "广东"
    assert meta.publish_date == dt.date(2025, 4, 8)
    assert meta.tags == ["补贴", "求职"]
    assert meta.source_url == "https://example.org/a"
    assert is_sidecar(tmp_path / "policy.txt.meta.yaml")


def test_sidecar_with_stem_and_full_name_wins(tmp_path: Path) -> None:
    src = _write(tmp_path / "policy.txt", BODY)
    _write(tmp_path / "policy.meta.yaml", "title: 来自短名\nissuer: 教育厅\n")
    assert load_source(src, max_bytes=10_000).meta.issuer == "教育厅"
    _write(tmp_path / "policy.txt.meta.yaml", "title: 来自全名\n")
    meta = load_source(src, max_bytes=10_000).meta
    assert meta.title == "来自全名"
    assert meta.issuer == ""  # only one sidecar is read


def test_markdown_front_matter_and_chinese_date(tmp_path: Path) -> None:
    src = _write(
        tmp_path / "guide.md",
        "---\ntitle: 三支一扶指南\ndoc_type: guide\nexpiry_date: 2026年12月31日\n---\n"
        "# 三支一扶指南\n\n## 服务期\n\n服务期一般为2年。\n",
    )
    doc = load_source(src, max_bytes=10_000)
    assert doc.meta.title == "三支一扶指南"
    assert doc.meta.doc_type == "guide"
    assert doc.meta.expiry_date == dt.date(2026, 12, 31)
    assert doc.blocks[-1].section_path == ["三支一扶指南", "服务期"]
    assert "title:" not in doc.text


@pytest.mark.parametrize(
    ("sidecar", "needle"),
    [
        ("title: [unclosed\n", "not valid YAML"),
        ("titel: 拼错的字段\n", "unknown metadata field 'titel'"),
        ("publish_date: 2025-13-40\n", "publish_date"),
        ("publish_date: 下个月\n", "bad date in metadata field 'publish_date'"),
        ("- just\n- a list\n", "mapping"),
    ],
)
def test_bad_sidecar_names_file_and_field(tmp_path: Path, sidecar: str, needle: str) -> None:
    src = _write(tmp_path / "policy.txt", BODY)
    _write(tmp_path / "policy.txt.meta.yaml", sidecar)
    with pytest.raises(IngestError) as info:
        load_source(src, max_bytes=10_000)
    assert needle in info.value.reason
    assert "policy.txt.meta.yaml" in info.value.path


def test_bad_front_matter_names_the_file(tmp_path: Path) -> None:
    src = _write(tmp_path / "a.md", "---\nregion: 全国\nissued: 2025-01-01\n---\n正文。\n")
    with pytest.raises(IngestError) as info:
        load_source(src, max_bytes=10_000)
    assert "a.md (front matter)" in info.value.path
    assert "issued" in info.value.reason


def test_inference_from_an_official_notice() -> None:
    paras = [
        "人力资源社会保障部 教育部关于做好2025年高校毕业生就业工作的通知",
        "各省、自治区、直辖市人力资源社会保障厅（局）：",
        "现就有关事项通知如下。",
        "本通知自2025年5月1日起施行，有效期至2027年12月31日。",
        "人力资源社会保障部",
        "2025年4月8日",
    ]
    meta = infer_meta(paras)
    assert meta.title == paras[0]
    assert meta.issuer == "人力资源社会保障部 教育部"
    assert meta.publish_date == dt.date(2025, 4, 8)
    assert meta.effective_date == dt.date(2025, 5, 1)
    assert meta.expiry_date == dt.date(2027, 12, 31)


def test_labelled_date_and_signature_issuer() -> None:
    paras = [
        "创业补贴申领说明",
        "发布日期：2024-03-15",
        "符合条件的毕业生可以申领。",
        "市就业服务中心",
        "2024年3月10日",
    ]
    meta = infer_meta(paras)
    assert meta.title == "创业补贴申领说明"
    assert meta.publish_date == dt.date(2024, 3, 15)  # the labelled date wins
    assert meta.issuer == "市就业服务中心"


def test_nothing_is_invented() -> None:
    meta = infer_meta(["新华社北京4月8日电，有关部门负责人回答了记者提问，介绍了政策出台的背景。"])
    assert meta.title == ""
    assert meta.issuer == ""
    assert meta.publish_date is None  # "4月8日" has no year
    assert meta.expiry_date is None and meta.effective_date is None


def test_labels_are_not_titles_and_english_is_detected() -> None:
    meta = infer_meta(["Abstract", "This paper studies graduate employment in China.", "Summary"])
    assert meta.title == ""
    assert meta.language == "en"


def test_news_report_takes_the_title_and_issuer_its_lead_names() -> None:
    paragraphs = [
        "本报讯 日前，某某省人力资源和社会保障厅印发了《关于做好高校毕业生就业见习工作的通知》，"
        "要求各地扩大见习岗位。",
        "问：这次通知有哪些新举措？",
        "答：主要有三点。",
    ]
    meta = infer_meta(paragraphs)
    assert meta.title == "关于做好高校毕业生就业见习工作的通知"
    assert meta.issuer == "某某省人力资源和社会保障厅"


def test_a_title_line_beats_the_news_lead() -> None:
    paragraphs = [
        "见习工作答记者问",
        "日前，某某厅印发了《关于做好见习工作的通知》。",
    ]
    assert infer_meta(paragraphs).title == "见习工作答记者问"
