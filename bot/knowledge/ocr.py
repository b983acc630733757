"""Read text from page images with RapidOCR (PP-OCR models in ONNX, bundled in the wheel).

``rapidocr`` 3.x ships its detection, direction and recognition models (PP-OCRv6 small det/rec
and the mobile direction classifier, about 27 MB) inside the wheel and runs them on onnxruntime
on the CPU, so nothing is downloaded at run time. The engine is built once per process (about a
second) and told how many threads to use.

:func:`read_image` returns an :class:`OcrPage`: the recognised lines in reading order (boxes
on one row are joined, top to bottom, left to right) with their boxes in the image's pixels and
a confidence per line, and the page's confidence (the mean recognition score weighted by
characters). Pieces the recogniser scores below :data:`MIN_PIECE_SCORE` are dropped: at that
level they are noise, not text. Pages below :data:`LOW_CONFIDENCE` are reported by the loaders.

What it leaves out: layout analysis (columns, tables in scans), handwriting, and any language
other than the Chinese + English model's.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.errors import IngestError
from bot.knowledge.layout import Layout, PagedText
from bot.knowledge.normalize import Line

log = logging.getLogger(__name__)

MIN_PIECE_SCORE = 0.6  # below this a recognised piece is noise (measured on the scanned corpus)
LOW_CONFIDENCE = 0.85  # a page under this is reported: check its text by eye
OCR_THREADS = 2


@dataclass
class OcrPiece:
    text: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels, origin top left
    score: float


@dataclass
class OcrLine:
    pieces: list[OcrPiece] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(p.text for p in self.pieces)


@dataclass
class OcrPage:
    lines: list[OcrLine]
    width: int
    height: int
    confidence: float  # 0..1; 0 when nothing was recognised

    @property
    def chars(self) -> int:
        return sum(len(line.text) for line in self.lines)


def available() -> bool:
    """True when the OCR engine can be imported."""
    try:
        import rapidocr  # noqa: F401
    except ImportError:
        return False
    return True


NOT_INSTALLED = (
    "needs OCR, but the OCR engine is not installed (pip install rapidocr onnxruntime)",
    "需要文字识别（OCR），但未安装识别引擎（pip install rapidocr onnxruntime）",
)


@functools.cache
def _engine() -> Any:
    from rapidocr import RapidOCR

    log.info("loading the OCR models (rapidocr, bundled PP-OCR)")
    return RapidOCR(
        params={
            "Global.log_level": "warning",
            "EngineConfig.onnxruntime.intra_op_num_threads": OCR_THREADS,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
    )


def read_image(image: np.ndarray, where: str) -> OcrPage:
    """The text of one page image (H×W×3 RGB or H×W grey, uint8)."""
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    height, width = int(image.shape[0]), int(image.shape[1])
    try:
        result = _engine()(image)
    except ImportError as exc:
        raise IngestError(where, NOT_INSTALLED[0], reason_zh=NOT_INSTALLED[1]) from exc
    boxes = getattr(result, "boxes", None)
    texts = getattr(result, "txts", None) or ()
    scores = getattr(result, "scores", None) or ()
    pieces: list[OcrPiece] = []
    for box, text, score in zip(boxes if boxes is not None else (), texts, scores, strict=False):
        text = str(text).strip()
        if float(score) < MIN_PIECE_SCORE or not any(ch.isalnum() for ch in text):
            continue  # noise, or a mark with no letter, digit or character in it
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        pieces.append(OcrPiece(text, (min(xs), min(ys), max(xs), max(ys)), float(score)))
    lines = _rows(pieces)
    weight = sum(len(p.text) for p in pieces)
    confidence = sum(p.score * len(p.text) for p in pieces) / weight if weight else 0.0
    return OcrPage(lines, width, height, round(confidence, 4))


def _rows(pieces: list[OcrPiece]) -> list[OcrLine]:
    """Group pieces whose vertical extents mostly overlap into one line, left to right."""
    lines: list[OcrLine] = []
    for piece in sorted(pieces, key=lambda p: (p.box[1] + p.box[3]) / 2):
        if lines and _same_row(lines[-1], piece):
            lines[-1].pieces.append(piece)
        else:
            lines.append(OcrLine([piece]))
    for line in lines:
        line.pieces.sort(key=lambda p: p.box[0])
    return lines


def _same_row(line: OcrLine, piece: OcrPiece) -> bool:
    top = max(p.box[1] for p in line.pieces)
    bottom = min(p.box[3] for p in line.pieces)
    overlap = min(bottom, piece.box[3]) - max(top, piece.box[1])
    height = min(bottom - top, piece.box[3] - piece.box[1])
    return height > 0 and overlap >= 0.5 * height


def read_picture(data: bytes, where: str) -> PagedText:
    """A photographed or scanned notice (PNG, JPEG): its text by OCR, as page 1."""
    if not available():
        raise IngestError(where, NOT_INSTALLED[0], status="skipped", reason_zh=NOT_INSTALLED[1])
    image = decode_image(data, where)
    read = read_image(image, where)
    if not read.lines:
        raise IngestError(
            where, "OCR found no text in the image", reason_zh="文字识别没有在图片中找到文字"
        )
    layout = Layout(sizes={1: (float(read.width), float(read.height))})
    lines = []
    for line in read.lines:
        lines.append(Line(line.text, 1))
        for piece in line.pieces:
            layout.add_piece(1, piece.text, piece.box)
    score = f"{read.confidence:.2f}"
    notes = [f"read by OCR (confidence {score}) / 经文字识别（置信度 {score}）"]
    if read.confidence < LOW_CONFIDENCE:
        notes.append("low OCR confidence: check the text / 识别置信度低，请核对")
    return PagedText(lines, layout=layout, confidence={1: read.confidence}, notes=notes)


def decode_image(data: bytes, where: str) -> np.ndarray:
    """An uploaded PNG/JPEG as an RGB array; a broken image is an :class:`IngestError`."""
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_IMAGE_PIXELS:
                raise IngestError(
                    where,
                    f"image too large ({img.width}×{img.height} pixels; limit "
                    f"{MAX_IMAGE_PIXELS:,})",
                    reason_zh=f"图片过大（{img.width}×{img.height} 像素，"
                    f"上限 {MAX_IMAGE_PIXELS:,}）",
                )
            return np.asarray(img.convert("RGB"))
    except IngestError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise IngestError(
            where, f"broken or unreadable image: {exc}", reason_zh=f"图片已损坏或无法读取：{exc}"
        ) from exc


MAX_IMAGE_PIXELS = 40_000_000  # an A4 page scanned at 600 dpi is 35 million pixels
