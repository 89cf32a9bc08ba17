"""The weekly SLO report's chart: each SLO's error budget remaining, once a day over the last
30 days, as lines on one PNG (Pillow). SLO names are slugs, so the default font draws them."""

from __future__ import annotations

import io
from datetime import datetime

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 800, 400
LEFT, RIGHT, TOP, BOTTOM = 50, 170, 40, 40
INK, GRID, SPENT = (40, 40, 40), (225, 225, 225), (200, 40, 40)
COLORS = [(70, 130, 180), (232, 140, 48), (60, 160, 90), (150, 80, 170), (122, 28, 46)]
SHOWN = 5  # lines on one chart: the lowest budgets


def budget_chart_png(series: dict[str, list[tuple[datetime, float]]], title: str) -> bytes:
    """`series`: SLO name -> (instant, budget remaining as a ratio), oldest first."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    draw.text((LEFT, 12), title.encode("ascii", "replace").decode(), fill=INK, font=font)
    instants = sorted({at for points in series.values() for at, _ in points})
    first, last = (instants[0], instants[-1]) if instants else (None, None)
    span = (last - first).total_seconds() if first and last and last > first else 1.0
    low = min([0.0, *(v for points in series.values() for _, v in points)])
    height = HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + height * (1 - (value - low) / (1 - low))

    for tick in (1.0, 0.5, 0.25, 0.0):
        draw.line([(LEFT, y(tick)), (WIDTH - RIGHT, y(tick))], fill=SPENT if tick == 0 else GRID)
        draw.text((8, y(tick) - 6), f"{tick:>4.0%}", fill=INK, font=font)
    for i, (name, points) in enumerate(list(series.items())[:SHOWN]):
        color = COLORS[i % len(COLORS)]
        xy = [
            (LEFT + (WIDTH - LEFT - RIGHT) * (at - first).total_seconds() / span, y(value))
            for at, value in points
        ]
        if len(xy) > 1:
            draw.line(xy, fill=color, width=2)
        for px, py in xy[-1:]:
            draw.ellipse([px - 3, py - 3, px + 3, py + 3], fill=color)
        draw.text((WIDTH - RIGHT + 10, TOP + 16 * i), name[:24], fill=color, font=font)
    if first and last:
        draw.text((LEFT, HEIGHT - BOTTOM + 10), f"{first:%d %b}", fill=INK, font=font)
        draw.text((WIDTH - RIGHT - 40, HEIGHT - BOTTOM + 10), f"{last:%d %b}", fill=INK, font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
