"""The digest's chart: pages per day, stacked by hour class, as a PNG (Pillow). Text is drawn
with the glyphs the font has: a character it lacks (Pillow's default font has no dash) is
written the plain way (`-`), else as `?`, never as a missing-glyph box."""

from __future__ import annotations

import io
from datetime import date

from PIL import Image, ImageDraw, ImageFont

from models.pages.pages import BUSINESS, OFF, SLEEP

WIDTH, HEIGHT = 800, 400
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 50, 20, 50, 50
COLORS = {SLEEP: (122, 28, 46), OFF: (232, 140, 48), BUSINESS: (70, 130, 180)}
LABELS = {SLEEP: "sleep hours", OFF: "off-hours", BUSINESS: "business hours"}
ORDER = (BUSINESS, OFF, SLEEP)  # bottom to top
INK, GRID = (40, 40, 40), (225, 225, 225)
PLAIN = {"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "×": "x"}
NO_GLYPH = "\ue000"  # a private-use character: no font has it, so it draws the missing glyph


def pages_per_day_png(per_day: dict[date, dict[str, int]], title: str) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    draw.text((MARGIN_LEFT, 12), drawable(title, font), fill=INK, font=font)
    _legend(draw, font)
    top = max([sum(day.values()) for day in per_day.values()] + [1])
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    base = HEIGHT - MARGIN_BOTTOM
    for tick in _ticks(top):
        y = base - plot_h * tick / top
        draw.line([(MARGIN_LEFT, y), (WIDTH - MARGIN_RIGHT, y)], fill=GRID)
        draw.text((MARGIN_LEFT - 30, y - 6), f"{tick:>3}", fill=INK, font=font)
    slot = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / max(len(per_day), 1)
    for i, (day, counts) in enumerate(per_day.items()):
        x0 = MARGIN_LEFT + i * slot + slot * 0.15
        x1 = x0 + slot * 0.7
        y = base
        for kind in ORDER:
            h = plot_h * counts.get(kind, 0) / top
            if h:
                draw.rectangle([(x0, y - h), (x1, y)], fill=COLORS[kind])
            y -= h
        draw.text((x0, base + 8), f"{day:%a %d}", fill=INK, font=font)
    draw.line([(MARGIN_LEFT, base), (WIDTH - MARGIN_RIGHT, base)], fill=INK)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _legend(draw: ImageDraw.ImageDraw, font) -> None:
    x = WIDTH - MARGIN_RIGHT - 330
    for kind in (SLEEP, OFF, BUSINESS):
        draw.rectangle([(x, 14), (x + 10, 24)], fill=COLORS[kind])
        draw.text((x + 14, 12), LABELS[kind], fill=INK, font=font)
        x += 110


def _ticks(top: int) -> list[int]:
    step = max(1, -(-top // 5))
    return list(range(0, top + 1, step))


def drawable(text: str, font) -> str:
    """`text` with each character the font has no glyph for written the plain way, or `?`."""
    box = _glyph(font, NO_GLYPH)
    out = []
    for ch in text:
        if ch.isspace() or _glyph(font, ch) != box:
            out.append(ch)
        else:
            plain = PLAIN.get(ch, "?")
            out.append(plain if all(_glyph(font, c) != box for c in plain) else "?")
    return "".join(out)


def _glyph(font, ch: str) -> tuple:
    mask = font.getmask(ch)
    return mask.size, bytes(mask)
