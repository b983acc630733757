"""The RIASEC result as an SVG hexagon (Holland's order around the hexagon) with bars beside it.

Only our own labels and the numeric scores go into the SVG, and the labels are escaped anyway,
so the picture can be shown as-is in the web page or saved to a file. Drawn by hand: a few
polygons do not justify a plotting library in the web process.
"""

from __future__ import annotations

import math
from html import escape

from bot.coaching.riasec import TYPES, Questionnaire, Result

SIZE = 320
CENTRE = SIZE / 2
RADIUS = 110


def _point(index: int, share: float) -> tuple[float, float]:
    """Corner ``index`` (0 = R at the top, clockwise) pulled in to ``share`` of the radius."""
    angle = index * math.pi / 3
    return CENTRE + RADIUS * share * math.sin(angle), CENTRE - RADIUS * share * math.cos(angle)


def _polygon(shares: list[float]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in (_point(i, s) for i, s in enumerate(shares)))


def hexagon_svg(result: Result, questionnaire: Questionnaire, lang: str) -> str:
    """An SVG picture of the six scores; the three letters of the code are highlighted."""
    shares = [result.share(t) for t in TYPES]
    title = f"RIASEC {result.code}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" '
        f'height="{SIZE}" role="img" aria-label="{escape(title)}" class="riasec-hexagon">',
        f"<title>{escape(title)}</title>",
    ]
    for ring in (0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<polygon points="{_polygon([ring] * 6)}" fill="none" stroke="#c8ccd4" '
            'stroke-width="1"/>'
        )
    parts.append(
        f'<polygon points="{_polygon(shares)}" fill="#3b82f6" fill-opacity="0.35" '
        'stroke="#1d4ed8" stroke-width="2"/>'
    )
    for index, letter in enumerate(TYPES):
        x, y = _point(index, 1.22)
        name = questionnaire.types[letter].name.get(lang)  # type: ignore[index]
        weight = "bold" if letter in result.code else "normal"
        label = f"{letter} {name} {result.scores[letter]}"
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" dominant-baseline="middle" '
            f'font-size="13" font-weight="{weight}" data-type="{letter}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
