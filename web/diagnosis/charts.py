"""The report's radar chart and the overview's bars, shaped for the SVG in the templates
(server-rendered: no script, nothing inline that the Content Security Policy refuses).
The geometry is the core's (``casemgr.diagnosis.radar_point``), the same as in the PDF."""

from __future__ import annotations

from dataclasses import dataclass

from casemgr.diagnosis import radar_point, radar_polygon

WIDTH, HEIGHT = 820, 490
CX, CY, RADIUS = 410, 250, 165  # room on each side for an area's name (wrapped, see ``lines``)
WRAP = {"en": 24, "ja": 36}  # width of a label line, a Japanese character counting two
RINGS = (20, 40, 60, 80, 100)


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    anchor: str  # SVG text-anchor
    lines: list[str]  # "n. name", wrapped
    score: int
    band: str


@dataclass(frozen=True)
class Radar:
    width: int
    height: int
    cx: float
    cy: float
    rings: list[tuple[int, str, tuple[float, float]]]  # (value, polygon points, where its number goes)
    axes: list[tuple[float, float]]
    current: str  # polygon points
    dots: list[tuple[float, float]]
    previous: str | None
    labels: list[Label]


def _points(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{x},{y}" for x, y in points)


def radar(areas: list[tuple[str, int, str, int | None]]) -> Radar:
    """``areas``: (name, score, band, previous score or None) in the report's order."""
    count = len(areas)
    rings = [(ring, _points([radar_point(i, count, ring, CX, CY, RADIUS) for i in range(count)]),
              radar_point(0, count, ring, CX, CY, RADIUS)) for ring in RINGS]
    axes = [radar_point(i, count, 100, CX, CY, RADIUS) for i in range(count)]
    scores = [score for _name, score, _band, _previous in areas]
    previous = [p for *_rest, p in areas]
    labels = []
    for i, (name, score, band, _previous) in enumerate(areas):
        x, y = radar_point(i, count, 112, CX, CY, RADIUS)
        anchor = "middle" if abs(x - CX) < 20 else ("start" if x > CX else "end")
        lines = wrapped(f"{i + 1}. {name}")
        shift = (4 if y > CY else -2) - (0 if y > CY + 20 else 15 * (len(lines) - 1))
        labels.append(Label(x, y + shift, anchor, lines, score, band))
    return Radar(WIDTH, HEIGHT, CX, CY, rings, axes, _points(radar_polygon(scores, CX, CY, RADIUS)),
                 radar_polygon(scores, CX, CY, RADIUS),
                 _points(radar_polygon(previous, CX, CY, RADIUS)) if all(p is not None for p in previous) else None,
                 labels)


def _width(text: str) -> int:
    return sum(1 if ord(c) < 0x2E80 else 2 for c in text)


def wrapped(label: str) -> list[str]:
    """A label in lines of at most ``WRAP`` (a Japanese character counting two): English
    between words, Japanese anywhere."""
    limit = WRAP["en" if label.isascii() else "ja"]
    lines: list[str] = []
    line = ""
    for word in (label.split(" ") if label.isascii() else list(label)):
        joined = f"{line} {word}" if line and label.isascii() else line + word
        if line and _width(joined) > limit:
            lines.append(line)
            line = word
        else:
            line = joined
    return lines + [line] if line else lines


@dataclass(frozen=True)
class Segment:
    band: str
    count: int
    x: float
    width: float


def stacked_bar(counts: dict[str, int], width: float = 300) -> list[Segment]:
    """One horizontal bar split by band, each part as wide as its share of the businesses."""
    total = sum(counts.values())
    segments, x = [], 0.0
    for band, count in counts.items():
        part = round(width * count / total, 2) if total else 0.0
        segments.append(Segment(band, count, round(x, 2), part))
        x += part
    return segments
