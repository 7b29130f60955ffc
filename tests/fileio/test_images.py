"""Grey images as PNG files: every level written exactly, read back by other readers, whole or not at all."""

from __future__ import annotations

import numpy as np
import pytest

from fileio import grey_png, save_grey_png


def read_back(path) -> np.ndarray:
    """The PNG's pixels as matplotlib reads them: (height, width, channels) floats in [0, 1]."""
    from matplotlib.image import imread

    return imread(path)


def every_level_with_repeated_rows() -> np.ndarray:
    """A 20 x 36 image holding each level 0-255, rows that rise and fall against the row above (so the Up
    filter's differences wrap round), and two rows repeated as an enlarged image repeats them."""
    rng = np.random.default_rng(0)
    image = rng.permutation(np.resize(np.arange(256), 18 * 36)).reshape(18, 36).astype(np.uint8)
    return np.insert(image, [4, 11], image[[3, 10]], axis=0)


def test_every_level_reads_back_exactly_in_three_equal_channels(tmp_path):
    image = every_level_with_repeated_rows()
    assert image.shape == (20, 36) and set(np.unique(image)) == set(range(256))
    path = save_grey_png(image, tmp_path / "grey.png")
    assert path == tmp_path / "grey.png"
    pixels = read_back(path)
    assert pixels.shape == (20, 36, 3)  # height, width: not transposed
    np.testing.assert_array_equal(np.round(pixels[..., 0] * 255), image)
    np.testing.assert_array_equal(pixels[..., 1], pixels[..., 0])
    np.testing.assert_array_equal(pixels[..., 2], pixels[..., 0])


def test_a_second_reader_agrees(tmp_path):
    image_module = pytest.importorskip("PIL.Image")
    image = every_level_with_repeated_rows()
    with image_module.open(save_grey_png(image, tmp_path / "grey.png")) as png:
        assert png.mode == "RGB" and png.size == (36, 20)
        np.testing.assert_array_equal(np.asarray(png.convert("L")), image)


def test_one_pixel_and_one_row():
    from io import BytesIO

    from matplotlib.image import imread

    for image in (np.array([[255]], np.uint8), np.arange(0, 256, 5, dtype=np.uint8)[np.newaxis]):
        pixels = imread(BytesIO(grey_png(image)))
        np.testing.assert_array_equal(np.round(pixels[..., 0] * 255), image)


def test_an_enlarged_image_stays_small():
    """Repeated rows are stored as zeros: four times the rows cost little more than the image itself."""
    image = every_level_with_repeated_rows()
    assert len(grey_png(np.repeat(image, 4, axis=0))) < 1.2 * len(grey_png(image))


def test_a_file_there_is_replaced_whole_and_nothing_else_is_left(tmp_path):
    path = tmp_path / "grey.png"
    path.write_bytes(b"old")
    image = np.full((3, 5), 7, np.uint8)
    save_grey_png(image, path)
    assert path.read_bytes() == grey_png(image)
    assert [p.name for p in tmp_path.iterdir()] == ["grey.png"]


@pytest.mark.parametrize(("image", "error", "message"), [
    (np.zeros((4, 4)), TypeError, "uint8"),                     # floats: which level is 0.5?
    ([[0, 255]], TypeError, "uint8"),
    (np.zeros((4, 4, 3), np.uint8), ValueError, r"\(height, width\)"),
    (np.zeros((0, 4), np.uint8), ValueError, "non-empty"),
])
def test_what_is_not_a_grey_image_is_refused_and_nothing_is_written(tmp_path, image, error, message):
    with pytest.raises(error, match=message):
        save_grey_png(image, tmp_path / "grey.png")
    assert list(tmp_path.iterdir()) == []


def test_an_upper_case_png_suffix_is_accepted(tmp_path):
    image = np.full((2, 3), 9, np.uint8)
    path = save_grey_png(image, tmp_path / "GREY.PNG")
    assert path == tmp_path / "GREY.PNG" and path.read_bytes() == grey_png(image)


def test_a_name_without_png_is_refused(tmp_path):
    with pytest.raises(ValueError, match="expected a .png path"):
        save_grey_png(np.zeros((2, 2), np.uint8), tmp_path / "grey.jpg")
    assert list(tmp_path.iterdir()) == []
