"""Deterministic generator of MNIST-like handwritten digits from the stroke templates.

Every sample picks a writing style (:data:`datasets.digit_strokes.VARIANTS`) and moves the
style's control points (the writer's hand: a smooth random displacement field plus a little
wobble); the digit is then bent by a random quadratic warp, slanted, rotated and stretched.
Like MNIST, it is scaled to fit a 20x20 box, its centre of ink put at the centre of a 28x28
image, and drawn with a pen of random width. All randomness comes from the
``numpy.random.Generator`` passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from datasets.digit_strokes import VARIANTS, Stroke, Variant
from datasets.stroke_raster import render_segments

IMAGE_SIZE = 28
BOX_SIZE = 20.0  # like MNIST, the digit is scaled to fit this box, keeping its aspect ratio
NUM_CLASSES = 10
_CURVE_STEP = 0.07  # template units between polyline points on curves (the digit is ~1 high)
_LINE_STEP = 0.10
_CHUNK = 256  # samples rendered at once

# How much the hand strays, in template units unless stated. Each sample's `sloppiness` (a
# log-normal factor) scales the warp, the waves and the jitter together: some writers are neat.
_SLOPPY_SIGMA = 0.35  # of log(sloppiness)
_WARP_SIGMA = 0.22  # quadratic bend of the whole digit
_WAVES = 4  # smooth random displacement field: sum of plane waves...
_WAVE_CYCLES = (0.9, 1.8)  # ...of this many cycles per digit height...
_WAVE_SIGMA = 0.04  # ...and this amplitude each
_JITTER_SIGMA = 0.02  # independent wobble of every control point
_ROTATION_SIGMA = 5.0  # degrees, clipped at 12
_SLANT_SIGMA = 0.17  # italic shear, around a mean slant of 0.1
_STRETCH_SIGMA = 0.2  # of log(width / height)
_PEN_RADIUS = (0.7, 2.2)  # half stroke width in output pixels

@dataclass(frozen=True)
class _Skeleton:
    """A variant ready for batches: polyline points = ``curve_matrix @ controls``."""

    controls: np.ndarray  # (U, 2) distinct control points of all strokes
    curve_matrix: np.ndarray  # (P, U)
    segment_starts: np.ndarray  # (S,) indices into the P polyline points
    segment_ends: np.ndarray


def _catmull_rom_weights(n_controls: int, samples_per_span: list[int]) -> np.ndarray:
    """(P, n) weights giving a Catmull-Rom curve through ``n`` control points (ends extrapolated)."""
    eye = np.eye(n_controls)
    first = 2 * eye[0] - eye[1] if n_controls > 1 else eye[0]
    last = 2 * eye[-1] - eye[-2] if n_controls > 1 else eye[-1]
    extended = np.vstack([first, eye, last])  # (n + 2, n)
    rows = []
    for span, count in enumerate(samples_per_span):
        t = np.arange(count) / count
        basis = 0.5 * np.stack(
            [-t + 2 * t**2 - t**3, 2 - 5 * t**2 + 3 * t**3, t + 4 * t**2 - 3 * t**3, -(t**2) + t**3], axis=1
        )
        rows.append(basis @ extended[span : span + 4])
    rows.append(eye[-1][None, :])
    return np.vstack(rows)


def _polyline_weights(n_controls: int, samples_per_span: list[int]) -> np.ndarray:
    """(P, n) weights giving straight spans between consecutive control points."""
    eye = np.eye(n_controls)
    rows = []
    for span, count in enumerate(samples_per_span):
        t = (np.arange(count) / count)[:, None]
        rows.append((1 - t) * eye[span] + t * eye[span + 1])
    rows.append(eye[-1][None, :])
    return np.vstack(rows)


def _stroke_weights(stroke: Stroke) -> np.ndarray:
    chords = np.linalg.norm(np.diff(stroke.points, axis=0), axis=1)
    step = _CURVE_STEP if stroke.smooth else _LINE_STEP
    counts = [max(1, int(np.ceil(length / step))) for length in chords]
    if stroke.smooth:
        return _catmull_rom_weights(len(stroke.points), counts)
    return _polyline_weights(len(stroke.points), counts)


def _skeleton(variant: Variant) -> _Skeleton:
    """Merge coincident control points across strokes so that joined strokes stay joined."""
    all_points = np.vstack([s.points for s in variant.strokes])
    controls, inverse = np.unique(np.round(all_points, 6), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    blocks, starts, ends = [], [], []
    first_control, first_point = 0, 0
    for stroke in variant.strokes:
        local = _stroke_weights(stroke)  # (p, n_stroke)
        n_controls = len(stroke.points)
        to_unique = np.zeros((n_controls, len(controls)))
        to_unique[np.arange(n_controls), inverse[first_control : first_control + n_controls]] = 1
        blocks.append(local @ to_unique)
        n_points = local.shape[0]
        starts.append(np.arange(first_point, first_point + n_points - 1))
        ends.append(np.arange(first_point + 1, first_point + n_points))
        first_control += n_controls
        first_point += n_points
    return _Skeleton(controls, np.vstack(blocks), np.concatenate(starts), np.concatenate(ends))


_SKELETONS: tuple[_Skeleton, ...] = tuple(_skeleton(v) for v in VARIANTS)
_LABELS = np.array([v.label for v in VARIANTS])
_WEIGHTS = np.array([v.weight for v in VARIANTS])


def _choose_variants(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Index into VARIANTS for each label, drawn with the variants' weights within the class."""
    choice = np.empty(len(labels), dtype=np.int64)
    u = rng.random(len(labels))
    for digit in range(NUM_CLASSES):
        members = np.flatnonzero(np.equal(_LABELS, digit))
        cumulative = np.cumsum(_WEIGHTS[members]) / _WEIGHTS[members].sum()
        picked = labels == digit
        position = np.searchsorted(cumulative, u[picked], side="right")
        choice[picked] = members[np.minimum(position, len(members) - 1)]
    return choice


@dataclass(frozen=True)
class _Style:
    """Per-sample random parameters, each an array with the samples on axis 0."""

    sloppiness: np.ndarray  # (n,) scales how far the hand strays from the template
    warp: np.ndarray  # (n, 2, 3) quadratic displacement coefficients for x and y
    wave_freq: np.ndarray  # (n, 2, K) wave vectors of a smooth random displacement field
    wave_phase: np.ndarray  # (n, K)
    wave_amp: np.ndarray  # (n, K, 2)
    linear: np.ndarray  # (n, 2, 2) rotation @ slant @ stretch
    radius: np.ndarray  # (n,) pen half-width in pixels
    gain: np.ndarray  # (n,) peak ink


def _clipped_normal(rng: np.random.Generator, sigma: float, shape: tuple[int, ...]) -> np.ndarray:
    """Normal noise cut at two standard deviations: no freak shapes from the tails."""
    return np.clip(rng.normal(0.0, 1.0, size=shape), -2.0, 2.0) * sigma


def _draw_style(n: int, rng: np.random.Generator) -> _Style:
    sloppiness = np.exp(np.clip(rng.normal(0.0, _SLOPPY_SIGMA, n), -0.6, 0.6))
    warp = _clipped_normal(rng, _WARP_SIGMA, (n, 2, 3)) * sloppiness[:, None, None]
    direction = rng.uniform(0.0, 2 * np.pi, size=(n, _WAVES))
    wavenumber = rng.uniform(*_WAVE_CYCLES, size=(n, _WAVES)) * 2 * np.pi
    wave_freq = np.stack([np.cos(direction), np.sin(direction)], axis=1) * wavenumber[:, None, :]
    wave_phase = rng.uniform(0.0, 2 * np.pi, size=(n, _WAVES))
    wave_amp = _clipped_normal(rng, _WAVE_SIGMA, (n, _WAVES, 2)) * sloppiness[:, None, None]
    angle = np.deg2rad(np.clip(rng.normal(0.0, _ROTATION_SIGMA, n), -12.0, 12.0))
    slant = np.clip(rng.normal(0.1, _SLANT_SIGMA, n), -0.3, 0.45)
    stretch = np.exp(np.clip(rng.normal(0.0, _STRETCH_SIGMA, n), -0.45, 0.45))
    cos, sin = np.cos(angle), np.sin(angle)
    rotation = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)
    shear = np.zeros((n, 2, 2))
    shear[:, 0, 0] = stretch
    shear[:, 0, 1] = -slant
    shear[:, 1, 1] = 1.0
    radius = rng.uniform(*_PEN_RADIUS, n)
    gain = rng.uniform(0.85, 1.0, n)
    return _Style(sloppiness, warp, wave_freq, wave_phase, wave_amp, rotation @ shear, radius, gain)


def _pixel_segments(
    skeleton: _Skeleton, style: _Style, rows: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(B, S, 2) segment ends in pixels for the samples ``rows`` of one variant."""
    batch = len(rows)
    jitter = rng.normal(0.0, _JITTER_SIGMA, size=(batch, *skeleton.controls.shape))
    controls = skeleton.controls + jitter * style.sloppiness[rows, None, None]
    waves = np.sin(skeleton.controls @ style.wave_freq[rows] + style.wave_phase[rows, None, :])  # (B, U, K)
    controls += waves @ style.wave_amp[rows]
    u = controls[..., 0] - 0.3
    w = controls[..., 1] - 0.5
    basis = np.stack([u * u, u * w, w * w], axis=-1)  # (B, U, 3)
    controls = controls + basis @ style.warp[rows].transpose(0, 2, 1)
    controls = controls @ style.linear[rows].transpose(0, 2, 1)
    points = skeleton.curve_matrix @ controls  # (B, P, 2)

    a = points[:, skeleton.segment_starts]
    b = points[:, skeleton.segment_ends]
    lengths = np.linalg.norm(b - a, axis=-1) + 1e-9
    centre = (lengths[:, None, :] @ (a + b))[:, 0] / (2 * lengths.sum(axis=1))[:, None]
    extent = (points.max(axis=1) - points.min(axis=1)).max(axis=1)
    scale = (BOX_SIZE - 2 * style.radius[rows]) / np.maximum(extent, 1e-6)
    shift = IMAGE_SIZE / 2 - centre * scale[:, None]
    a = a * scale[:, None, None] + shift[:, None, :]
    b = b * scale[:, None, None] + shift[:, None, :]
    return a, b


def generate_digits(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` digits as uint8 images (n, 28, 28) (0 background, 255 full ink) and uint8 labels (n,).

    Classes are balanced (counts differ by at most one) and shuffled. The result depends only on
    ``n`` and the state of ``rng``.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    labels = rng.permutation(np.arange(n) % NUM_CLASSES).astype(np.uint8)
    variant = _choose_variants(labels, rng)
    style = _draw_style(n, rng)
    images = np.empty((n, IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
    for index, skeleton in enumerate(_SKELETONS):
        members = np.flatnonzero(variant == index)
        members = members[np.argsort(style.radius[members], kind="stable")]  # similar pens per chunk
        for begin in range(0, len(members), _CHUNK):
            rows = members[begin : begin + _CHUNK]
            a, b = _pixel_segments(skeleton, style, rows, rng)
            ink = render_segments(a, b, style.radius[rows], size=IMAGE_SIZE)
            # Like MNIST, every digit reaches (nearly) full ink, however thin the pen.
            peak = np.maximum(ink.max(axis=(1, 2)), np.float32(1e-3))
            ink *= (style.gain[rows] * 255.0 / peak).astype(np.float32)[:, None, None]
            grain = rng.random(ink.shape, dtype=np.float32)
            grain *= np.float32(0.12)
            grain += np.float32(0.94)
            ink *= grain
            np.clip(ink, 0.0, 255.0, out=ink)
            images[rows] = np.rint(ink).astype(np.uint8)
    return images, labels
