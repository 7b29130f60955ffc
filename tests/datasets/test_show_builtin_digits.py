"""The script that saves a PNG grid of the built-in digits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from datasets import load_builtin_digits
from scripts.show_builtin_digits import digit_grid, main


def test_grid_layout() -> None:
    images = np.stack([np.full((28, 28), i, np.uint8) for i in range(30)])
    labels = np.arange(30) % 10
    grid = digit_grid(images, labels, per_class=2)
    assert grid.shape == (280, 56)
    assert grid[0, 0] == 0 and grid[0, 28] == 10 and grid[28 * 3, 28] == 13


def test_writes_a_png(tmp_path: Path, builtin_root: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("ZEROPROP_DATA_DIR", str(builtin_root))
    path = main(["--out", str(tmp_path / "out"), "--per-class", "3", "--scale", "1"])
    assert path == tmp_path / "out" / "show_builtin_digits" / "builtin_digits_seed0.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert capsys.readouterr().out == f"figure: {path}\n"                # as every script names what it wrote
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_the_png_holds_the_grid_pixel_for_pixel(tmp_path: Path, builtin_root: Path,
                                                monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """Every grey level exactly, each image pixel a --scale x --scale square (no colour map rounds a level)."""
    from matplotlib.image import imread

    monkeypatch.setenv("ZEROPROP_DATA_DIR", str(builtin_root))
    path = main(["--out", str(tmp_path), "--per-class", "4", "--scale", "2"])
    _, (x_test, t_test) = load_builtin_digits(normalize=False, flatten=False, data_dir=builtin_root / "builtin-digits")
    grid = digit_grid(x_test[:, 0], t_test, 4)
    pixels = imread(path)
    assert pixels.shape == (2 * 280, 2 * 4 * 28, 3)
    np.testing.assert_array_equal(np.round(pixels[..., 0] * 255), grid.repeat(2, axis=0).repeat(2, axis=1))
    np.testing.assert_array_equal(pixels[..., 2], pixels[..., 0])


def test_more_per_class_than_the_rarest_digit_has_is_refused(tmp_path: Path, builtin_root: Path,
                                                             monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """Beyond the images of a digit, its row of the grid would be left blank."""
    monkeypatch.setenv("ZEROPROP_DATA_DIR", str(builtin_root))
    with pytest.raises(SystemExit) as stop:
        main(["--out", str(tmp_path / "out"), "--per-class", "3000", "--scale", "1"])
    assert stop.value.code == 2
    error = capsys.readouterr().err.strip()
    assert "argument --per-class: expected at most" in error and "the rarest digit" in error
    assert not (tmp_path / "out").exists()
