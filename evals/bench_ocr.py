"""OCR cost per page: a separate measure of ``careercoach bench`` (ours only: the baseline
recipes read no scans).

Renders each page of the scanned PDFs given (the reference corpus's scanned notice when
present, else the test fixtures' mixed scan and PNG notice) at the loader's scale and reads it
with the loader's OCR engine (rapidocr, onnxruntime on the CPU with ``ocr.OCR_THREADS``
threads). Reported: the one-off model load, seconds per page (wall and CPU, p50 and max, the
first page after the load left out of neither), characters read and the mean confidence.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from evals.shipped import REPO, SHARED_CORPUS


def default_sources() -> list[str]:
    scanned = SHARED_CORPUS / "bad" / "scanned-notice-no-text-layer.pdf"
    if scanned.is_file():
        return [str(scanned)]
    fixtures = REPO / "tests" / "fixtures" / "ingest"
    return [str(fixtures / "mixed-scan.pdf"), str(fixtures / "notice.png")]


def _pages(paths: list[str]) -> list[tuple[str, np.ndarray]]:
    import pypdfium2 as pdfium
    from PIL import Image

    from bot.knowledge.pdf import OCR_SCALE

    pages = []
    for path in paths:
        if path.lower().endswith(".pdf"):
            pdf = pdfium.PdfDocument(path)
            for i in range(len(pdf)):
                image = pdf[i].render(scale=OCR_SCALE).to_numpy()
                pages.append((f"{Path(path).name}#{i + 1}", image))
        else:
            with Image.open(path) as img:
                pages.append((Path(path).name, np.asarray(img.convert("RGB"))))
    return pages


def ocr(system: str, sources: list[str] | None = None, rounds: int = 2) -> dict[str, Any]:
    """Seconds per page of OCR over ``sources`` (each page read ``rounds`` times)."""
    from bot.knowledge import ocr as engine

    if not engine.available():
        return {"skipped": "rapidocr is not installed"}
    pages = _pages(sources or default_sources())
    started, cpu = time.perf_counter(), time.process_time()
    engine._engine()  # the one-off model load, timed apart
    load_s = time.perf_counter() - started
    wall: list[float] = []
    cpu_s: list[float] = []
    chars, confidence = 0, []
    for _ in range(rounds):
        for name, image in pages:
            t, c = time.perf_counter(), time.process_time()
            read = engine.read_image(image, name)
            wall.append(time.perf_counter() - t)
            cpu_s.append(time.process_time() - c)
            chars += read.chars
            confidence.append(read.confidence)
    return {
        "sources": [Path(s).name for s in sources or default_sources()],
        "pages": len(pages),
        "rounds": rounds,
        "threads": engine.OCR_THREADS,
        "model_load_s": round(load_s, 2),
        "seconds_per_page": round(float(np.mean(wall)), 2),
        "p50_s_per_page": round(float(np.percentile(wall, 50)), 2),
        "max_s_per_page": round(max(wall), 2),
        "cpu_s_per_page": round(float(np.mean(cpu_s)), 2),
        "chars_per_page": round(chars / len(wall)),
        "mean_confidence": round(float(np.mean(confidence)), 3),
        "total_cpu_s": round(time.process_time() - cpu, 2),
    }
