"""Pen-stroke templates of the ten digits, the skeletons the built-in data set is drawn from.

Coordinates are ``(x, y)`` with ``y`` pointing down, the digit about 1 high and 0.6 wide.
A :class:`Stroke` is a list of control points joined either by straight lines (``smooth=False``,
sharp corners) or by a Catmull-Rom curve through them (``smooth=True``). Each class has several
:class:`Variant` styles (open and closed 4, 7 with and without a bar, ...) drawn with the given
weights. Control points that two strokes share stay joined when the generator jitters them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Stroke:
    """One pen stroke: ``points`` is (n, 2) control points, ``smooth`` picks curve or polyline."""

    points: np.ndarray
    smooth: bool


@dataclass(frozen=True)
class Variant:
    """One way of writing a digit: its strokes and its relative frequency within the class."""

    label: int
    strokes: tuple[Stroke, ...]
    weight: float


def _line(*points: tuple[float, float]) -> Stroke:
    return Stroke(np.array(points, dtype=np.float64), smooth=False)


def _curve(*points: tuple[float, float]) -> Stroke:
    return Stroke(np.array(points, dtype=np.float64), smooth=True)


def _arc(cx: float, cy: float, rx: float, ry: float, start_deg: float, end_deg: float, n: int) -> Stroke:
    """A smooth elliptic arc; angles in degrees, 0 = right, -90 = top (y points down)."""
    angles = np.deg2rad(np.linspace(start_deg, end_deg, n))
    points = np.stack([cx + rx * np.cos(angles), cy + ry * np.sin(angles)], axis=1)
    return Stroke(points, smooth=True)


def _variants() -> list[Variant]:
    v = Variant
    return [
        # 0: an oval, closed with a small overlap, or a narrower one left slightly open.
        v(0, (_arc(0.32, 0.50, 0.32, 0.50, -80, -80 - 370, 9),), 3.0),
        v(0, (_arc(0.30, 0.50, 0.25, 0.50, -60, -60 - 350, 8),), 2.0),
        # 1: a bare bar, with a flag at the top, or with flag and foot.
        v(1, (_curve((0.32, 0.0), (0.31, 0.5), (0.30, 1.0)),), 5.0),
        v(1, (_line((0.14, 0.18), (0.34, 0.0), (0.34, 1.0)),), 1.5),
        v(1, (_line((0.14, 0.18), (0.34, 0.0), (0.34, 1.0)), _line((0.12, 1.0), (0.56, 1.0))), 0.7),
        # 2: a hook, diagonal and base; or a curly one with a loop at the bottom left.
        v(2, (_curve((0.04, 0.22), (0.28, 0.0), (0.55, 0.18), (0.45, 0.50), (0.02, 1.0)),
              _line((0.02, 1.0), (0.62, 0.98))), 4.0),
        v(2, (_curve((0.04, 0.22), (0.30, 0.0), (0.56, 0.20), (0.40, 0.58), (0.10, 0.92),
                     (0.14, 0.76), (0.30, 0.90), (0.62, 0.98)),), 2.0),
        # 3: two bumps with a cusp, or a flat top like a Z.
        v(3, (_curve((0.04, 0.12), (0.30, 0.0), (0.54, 0.14), (0.48, 0.34), (0.22, 0.46)),
              _curve((0.22, 0.46), (0.52, 0.58), (0.56, 0.84), (0.30, 1.0), (0.02, 0.88))), 4.0),
        v(3, (_line((0.04, 0.0), (0.56, 0.0), (0.24, 0.42)),
              _curve((0.24, 0.42), (0.54, 0.56), (0.56, 0.84), (0.30, 1.0), (0.02, 0.88))), 1.5),
        # 4: open at the top, closed like a triangle, or an upright open form.
        v(4, (_line((0.34, 0.0), (0.04, 0.64), (0.64, 0.64)), _line((0.48, 0.28), (0.48, 1.0))), 2.0),
        v(4, (_line((0.46, 0.0), (0.02, 0.66), (0.64, 0.66)), _line((0.46, 0.0), (0.46, 1.0))), 2.0),
        v(4, (_line((0.06, 0.0), (0.08, 0.56), (0.62, 0.54)), _line((0.50, 0.02), (0.50, 1.0))), 2.5),
        # 5: flag, stem and belly, joined or with the flag drawn apart.
        v(5, (_line((0.60, 0.0), (0.12, 0.0), (0.08, 0.44)),
              _curve((0.08, 0.44), (0.34, 0.36), (0.58, 0.54), (0.54, 0.86), (0.28, 1.0), (0.0, 0.90))), 3.0),
        v(5, (_line((0.16, 0.02), (0.62, 0.0)),
              _curve((0.14, 0.04), (0.10, 0.44), (0.36, 0.38), (0.58, 0.56), (0.52, 0.88), (0.24, 1.0),
                     (0.0, 0.88))), 2.0),
        # 6: a stem curving into a bottom loop; the stem straighter or rounder.
        v(6, (_curve((0.50, 0.0), (0.22, 0.24), (0.06, 0.60), (0.14, 0.94), (0.38, 1.0), (0.54, 0.84),
                     (0.48, 0.60), (0.26, 0.56), (0.08, 0.72)),), 3.0),
        v(6, (_curve((0.40, 0.0), (0.18, 0.40), (0.10, 0.80), (0.26, 1.0), (0.50, 0.90), (0.48, 0.64),
                     (0.24, 0.62), (0.12, 0.78)),), 2.0),
        # 7: bar and diagonal; with a crossbar; with a curved stem.
        v(7, (_line((0.0, 0.0), (0.60, 0.0), (0.22, 1.0)),), 4.0),
        v(7, (_line((0.0, 0.0), (0.60, 0.0), (0.24, 1.0)), _line((0.16, 0.50), (0.58, 0.48))), 1.5),
        v(7, (_line((0.0, 0.12), (0.02, 0.0), (0.62, 0.0)),
              _curve((0.62, 0.0), (0.44, 0.42), (0.34, 1.0))), 2.0),
        # 8: one figure-eight stroke, or two stacked loops.
        v(8, (_curve((0.52, 0.10), (0.30, 0.0), (0.08, 0.14), (0.16, 0.36), (0.32, 0.50), (0.52, 0.68),
                     (0.50, 0.92), (0.28, 1.0), (0.08, 0.88), (0.12, 0.66), (0.32, 0.50), (0.48, 0.32),
                     (0.50, 0.14), (0.38, 0.02)),), 3.0),
        v(8, (_arc(0.30, 0.24, 0.20, 0.24, 90, 90 + 370, 10),
              _arc(0.30, 0.74, 0.26, 0.26, -90, -90 + 370, 10)), 1.5),
        # 9: a top loop with a straight or a curving tail, or an angular loop (close to a closed 4).
        v(9, (_arc(0.30, 0.26, 0.26, 0.26, 0, -360, 10), _line((0.56, 0.26), (0.52, 1.0))), 3.0),
        v(9, (_arc(0.30, 0.26, 0.26, 0.26, 0, -360, 10),
              _curve((0.56, 0.26), (0.56, 0.62), (0.44, 0.90), (0.22, 1.0))), 2.0),
        v(9, (_line((0.54, 0.02), (0.08, 0.40), (0.54, 0.40)), _line((0.54, 0.02), (0.50, 1.0))), 1.0),
    ]


VARIANTS: tuple[Variant, ...] = tuple(_variants())
