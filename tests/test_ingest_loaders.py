"""load_source end to end: every format, and every kind of bad input with its reason."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import zipfile
from pathlib import Path

import pytest

from bot.errors import IngestError
from bot.knowledge.loaders import SUPPORTED_SUFFIXES, load_source
from tests.conftest import FIXTURES

INGEST = FIXTURES / "ingest"
MB = 1_000_000


def _fail(path: Path, max_bytes: int = 10 * MB) -> IngestError:
    with pytest.raises(IngestError) as info:
        load_source(path, max_bytes=max_bytes)
    return info.value


def test_supported_suffixes() -> None:
    assert {".pdf", ".docx", ".html", ".htm", ".md", ".txt"} <= SUPPORTED_SUFFIXES


def test_pdf_is_cleaned_structured_and_paged() -> None:
    doc = load_source(INGEST / "notice.pdf", max_bytes=MB)
    text = doc.text
    assert doc.file_type == "pdf"
    assert "2025年求职补贴" in text and "4月8日" in text and "1500元" in text
    assert not re.search(r"\d [月日年元]|\d \d", text)  # pypdf's spacing is gone
    assert "毕业生就业服务通讯" not in text  # running header on every page
    assert "- 1 -" not in text and "第 2 页" not in text and "第2页" not in text
    assert "名单。" in text and "脱贫家庭和零就业家庭" in text  # broken lines re-joined
    special = next(b for b in doc.blocks if b.text.startswith("（二）特殊困难"))
    amount = next(b for b in doc.blocks if b.text.startswith("每人一次性发放"))
    assert special.page == 2
    assert special.section_path[1:] == ["一、补贴对象", "（二）特殊困难的毕业生"]
    assert amount.section_path[1:] == ["二、补贴标准"]
    assert doc.meta.title == "关于做好困难毕业生求职补贴发放的通知"
    assert doc.meta.issuer == "省人力资源和社会保障厅"
    assert doc.meta.publish_date == dt.date(2025, 4, 1)
    assert doc.meta.expiry_date == dt.date(2027, 12, 31)
    assert doc.content_hash == hashlib.sha256((INGEST / "notice.pdf").read_bytes()).hexdigest()


def test_docx_headings_tables_and_junk_title() -> None:
    doc = load_source(INGEST / "guide.docx", max_bytes=MB)
    assert doc.file_type == "docx"
    assert doc.meta.title == "创业担保贷款申请指南"  # from the Title style, not "Word Document"
    # each data row carries its column headers; the header row gives no line of its own
    rows = [b for b in doc.blocks if "·" in b.text]
    assert [r.text for r in rows] == [
        "个人·额度·30万元，贴息·按规定贴息。",
        "小微企业·额度·400万元，贴息·按规定贴息。",
    ]
    assert rows[0].section_path == ["创业担保贷款申请指南", "二、贷款额度"]
    last = doc.blocks[-1]
    assert last.section_path[-1] == "（一）材料清单"


def test_html_main_text_only() -> None:
    doc = load_source(INGEST / "page.html", max_bytes=MB)
    text = doc.text
    assert doc.file_type == "html"
    assert "见习期一般为3至12个月" in text
    assert "基本生活补助·标准·最低工资标准的60%" in text
    for noise in ["首页", "当前位置", "热点专题", "搜索", "版权所有", "tracker", "不应出现"]:
        assert noise not in text, noise
    assert doc.meta.title == "就业见习补贴政策问答"
    assert doc.meta.publish_date == dt.date(2025, 3, 20)
    assert doc.meta.source_url.startswith("https://hrss.example.gov.cn/")
    table = next(b for b in doc.blocks if "·" in b.text)
    assert table.section_path == ["就业见习补贴政策问答", "二、补贴标准"]


def test_markdown_lists_tables_and_code(tmp_path: Path) -> None:
    src = tmp_path / "faq.md"
    src.write_text(
        "# 西部计划问答\n\n## 报名条件\n\n1. 应届毕业生\n2. 身体健康\n\n"
        "| 项目 | 说明 |\n|---|---|\n| 服务期 | 1至3年 |\n\n"
        "报名在每年\n五月进行，详见[官网](https://example.org)。\n",
        encoding="utf-8",
    )
    doc = load_source(src, max_bytes=MB)
    texts = [b.text for b in doc.blocks]
    assert texts == ["西部计划问答", "报名条件", "1. 应届毕业生", "2. 身体健康", "项目 | 说明",
                     "服务期 | 1至3年", "报名在每年五月进行，详见官网。"]  # fmt: skip
    assert all(b.section_path == ["西部计划问答", "报名条件"] for b in doc.blocks[1:])


def test_plain_text_newspaper_column_rejoins(tmp_path: Path) -> None:
    column = (
        "答：高校毕业生是宝贵的人\n\n才资源。各地要加强就业服\n务，完善帮扶援助体系，\n"
        "落实一次性求职补贴。\n"
    )
    src = tmp_path / "qa.txt"
    src.write_text("问：请介绍背景。\n" + column * 3, encoding="utf-8")
    doc = load_source(src, max_bytes=MB)
    assert doc.blocks[0].text == "问：请介绍背景。"
    assert "宝贵的人才资源。各地要加强就业服务，完善帮扶援助体系，落实一次性求职补贴。" in doc.text


def test_same_content_other_name_or_wrapping_has_same_doc_id(tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    b = tmp_path / "copy of a.txt"
    a.write_text("就业见习补贴按月发放。\n见习期满可留用。\n", encoding="utf-8")
    b.write_bytes(a.read_bytes())
    c = tmp_path / "c.txt"
    c.write_text("就业见习补贴按月发放。\n见习期满可留用。\n", encoding="gb18030")
    ids = {load_source(p, max_bytes=MB).doc_id for p in (a, b, c)}
    hashes = {load_source(p, max_bytes=MB).content_hash for p in (a, b, c)}
    assert len(ids) == 1
    assert len(hashes) == 2
    other = tmp_path / "d.txt"
    other.write_text("就业见习补贴按季度发放。\n", encoding="utf-8")
    assert load_source(other, max_bytes=MB).doc_id not in ids


# --- bad inputs --------------------------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "e.pdf").write_bytes(b"")
    err = _fail(tmp_path / "e.pdf")
    assert err.reason == "empty file (0 bytes)" and err.status == "failed"


def test_truncated_pdf(tmp_path: Path) -> None:
    data = (INGEST / "notice.pdf").read_bytes()
    (tmp_path / "t.pdf").write_bytes(data[: len(data) // 3])
    assert _fail(tmp_path / "t.pdf").reason.startswith("truncated or corrupt PDF")


def test_encrypted_pdf() -> None:
    err = _fail(INGEST / "encrypted.pdf")
    assert err.reason == "encrypted PDF: remove the password and refresh again"


@pytest.mark.parametrize("name", ["scanned.pdf", "scanned-form.pdf"])
def test_scanned_pdf_with_nothing_legible(name: str) -> None:
    # the fixtures' page images hold no text: OCR runs and says so
    err = _fail(INGEST / name)
    assert err.reason == "no text layer, and OCR found no text on the scanned pages"
    assert err.status == "failed"


def test_scanned_pdf_without_the_ocr_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.knowledge import ocr

    monkeypatch.setattr(ocr, "available", lambda: False)
    err = _fail(INGEST / "scanned.pdf")
    assert err.reason.startswith("no text layer: needs OCR, but the OCR engine is not installed")
    assert "pip install rapidocr" in err.reason and err.status == "skipped"
    assert "需要文字识别" in err.reason_zh


def test_html_named_pdf(tmp_path: Path) -> None:
    (tmp_path / "policy.pdf").write_text("<!DOCTYPE html><html><body>就业</body></html>")
    assert _fail(tmp_path / "policy.pdf").reason == "content is HTML but the name says .pdf"


def test_pdf_named_txt(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_bytes((INGEST / "notice.pdf").read_bytes())
    assert _fail(tmp_path / "notes.txt").reason == "content is PDF but the name says .txt"


def test_unsupported_format(tmp_path: Path) -> None:
    (tmp_path / "table.xlsx").write_bytes(b"PK\x03\x04")
    err = _fail(tmp_path / "table.xlsx")
    assert err.status == "skipped"
    assert err.reason.startswith("unsupported format .xlsx (supported: ")
    assert ".pdf" in err.reason


def test_too_large_is_checked_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.pdf"
    with big.open("wb") as handle:  # sparse: no disk is used
        handle.truncate(812 * MB)
    err = _fail(big, max_bytes=50 * MB)
    assert err.reason == "file too large (812 MB > 50 MB limit)"
    assert err.status == "skipped"


def test_directory_named_like_a_file(tmp_path: Path) -> None:
    (tmp_path / "x.pdf").mkdir()
    assert _fail(tmp_path / "x.pdf").reason.startswith("cannot read: it is a directory")


def test_broken_symlink(tmp_path: Path) -> None:
    os.symlink(tmp_path / "gone.txt", tmp_path / "link.txt")
    assert _fail(tmp_path / "link.txt").reason == "cannot read: broken symbolic link"


def test_missing_file(tmp_path: Path) -> None:
    assert _fail(tmp_path / "nope.md").reason == "cannot read: file not found"


def test_binary_garbage_in_txt() -> None:
    assert "binary content" in _fail(INGEST / "garbage.txt").reason


def test_docx_that_is_not_a_zip(tmp_path: Path) -> None:
    (tmp_path / "fake.docx").write_text("这其实是一个文本文件", encoding="utf-8")
    assert _fail(tmp_path / "fake.docx").reason == "content is plain text but the name says .docx"


def test_zip_without_word_document(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    (tmp_path / "odd.docx").write_bytes(buffer.getvalue())
    assert "without word/document.xml" in _fail(tmp_path / "odd.docx").reason


def test_html_without_main_text(tmp_path: Path) -> None:
    (tmp_path / "shell.html").write_text(
        "<html><head><script>app()</script></head><body><nav>首页 新闻</nav>"
        "<div id='app'></div><footer>版权所有</footer></body></html>",
        encoding="utf-8",
    )
    assert _fail(tmp_path / "shell.html").reason.startswith("HTML has no main text")


def test_whitespace_only_text(tmp_path: Path) -> None:
    (tmp_path / "blank.txt").write_text(" \n\n\t\n", encoding="utf-8")
    assert _fail(tmp_path / "blank.txt").reason.startswith("no text found")


def test_reasons_come_in_chinese_too(tmp_path: Path) -> None:
    (tmp_path / "e.txt").write_bytes(b"")
    err = _fail(tmp_path / "e.txt")
    assert err.reason_zh == "空文件（0 字节）"
    assert err.for_language("zh").endswith("空文件（0 字节）")
    assert err.for_language("en").endswith("empty file (0 bytes)")
    assert "文字识别" in _fail(INGEST / "scanned.pdf").reason_zh


def test_gbk_html_with_title_suffix_and_gov_meta(tmp_path: Path) -> None:
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">'
        "<title>关于做好高校毕业生就业工作的通知_政策文件</title>"
        '<meta name="firstpublishedtime" content="2025-04-08-19:34:00"></head>'
        '<body><div class="pages_content"><p>各省人力资源社会保障厅：</p>'
        "<p>现就做好高校毕业生就业工作通知如下。</p><p>一、拓宽就业渠道</p>"
        "<p>鼓励企业吸纳毕业生就业。</p></div></body></html>"
    )
    (tmp_path / "notice.htm").write_bytes(html.encode("gbk"))
    doc = load_source(tmp_path / "notice.htm", max_bytes=MB)
    assert doc.meta.title == "关于做好高校毕业生就业工作的通知"
    assert doc.meta.publish_date == dt.date(2025, 4, 8)
    assert doc.blocks[-1].text == "鼓励企业吸纳毕业生就业。"
    assert doc.blocks[-1].section_path[-1] == "一、拓宽就业渠道"


def test_windows_newlines_and_bom_in_markdown(tmp_path: Path) -> None:
    text = (
        "---\r\ntitle: 特岗教师指南\r\nregion: 全国\r\n---\r\n# 特岗教师指南\r\n\r\n服务期3年。\r\n"
    )
    (tmp_path / "t.md").write_bytes(text.encode("utf-8-sig"))
    doc = load_source(tmp_path / "t.md", max_bytes=MB)
    assert doc.meta.title == "特岗教师指南" and doc.meta.region == "全国"
    assert doc.blocks[-1].text == "服务期3年。"


def test_docx_automatic_numbering_is_rendered_and_makes_headings() -> None:
    doc = load_source(INGEST / "numbered.docx", max_bytes=MB)
    texts = [b.text for b in doc.blocks]
    assert "一、总体要求" in texts and "三、组织实施" in texts
    assert "（二）发放方式。补贴按月拨付给见习单位。" in texts
    assert "见习单位应当为见习人员购买意外伤害保险" in texts  # a bullet gets no number
    block = next(b for b in doc.blocks if b.text.startswith("（一）"))
    assert block.section_path == ["就业见习管理办法", "二、见习补贴", "（一）补贴标准"]


def test_blank_pdf_without_images_is_not_called_scanned(tmp_path: Path) -> None:
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    with (tmp_path / "blank.pdf").open("wb") as handle:
        writer.write(handle)
    assert _fail(tmp_path / "blank.pdf").reason == "no text in PDF (pages are blank)"


def test_office_lock_file_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "~$guide.docx").write_bytes(b"\x05user" + b"\x00" * 100)
    err = _fail(tmp_path / "~$guide.docx")
    assert err.status == "skipped" and "lock file" in err.reason


def test_permission_denied_while_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "locked.txt"
    src.write_text("内容。", encoding="utf-8")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)  # tests run as root: chmod cannot block
    assert _fail(src).reason == "cannot read: permission denied"
