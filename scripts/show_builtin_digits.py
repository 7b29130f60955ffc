"""Save a grid of the built-in digits as a PNG: one row per class, the first test samples of each.

The built-in digits are the project's own MNIST-like data set, used when MNIST cannot be had.
"""

import math
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/show_builtin_digits.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import add_out_option, add_seed_option, positive_int, script_parser
from datasets import DataDirError, load_builtin_digits
from fileio import save_grey_png

MAX_PIXELS = 25_000_000  # of the PNG: about 220 MB for the whole run (a 1000-per-class grid at scale 1 is 7.8 M)


def digit_grid(images: np.ndarray, labels: np.ndarray, per_class: int) -> np.ndarray:
    """uint8 (10*28, per_class*28) mosaic: row ``d`` holds the first ``per_class`` images labelled ``d``."""
    grid = np.zeros((10 * 28, per_class * 28), dtype=np.uint8)
    for digit in range(10):
        for column, index in enumerate(np.flatnonzero(labels == digit)[:per_class]):
            grid[digit * 28 : (digit + 1) * 28, column * 28 : (column + 1) * 28] = images[index]
    return grid


def main(argv: list[str] | None = None) -> Path:
    parser = script_parser(__doc__, __file__)
    add_out_option(parser)
    add_seed_option(parser, "data set")
    parser.add_argument("--per-class", type=positive_int, default=16, help="samples per class (default 16)")
    parser.add_argument("--scale", type=positive_int, default=3,
                        help=f"pixels per image pixel in the PNG (default 3); the PNG has at most {MAX_PIXELS} "
                             "pixels")
    args = parser.parse_args(argv)
    too_many = f"a PNG of at most {MAX_PIXELS} pixels"
    parser.require_at_most("--per-class", args.per_class, MAX_PIXELS // (10 * 28 * 28), too_many)
    max_scale = math.isqrt(MAX_PIXELS // (10 * 28 * args.per_class * 28))
    parser.require_at_most("--scale", args.scale, max_scale, f"{too_many}, with --per-class {args.per_class}")
    out_dir = args.out / "show_builtin_digits"
    path = parser.require_writable_files(out_dir / f"builtin_digits_seed{args.seed}.png")[0]

    try:
        _, (x_test, t_test) = load_builtin_digits(normalize=False, flatten=False, seed=args.seed)
    except DataDirError as error:  # ZEROPROP_DATA_DIR, or the home folder under the default cache
        parser.fail(str(error))
    fewest = int(np.bincount(t_test, minlength=10).min())
    parser.require_at_most("--per-class", args.per_class, fewest, "the test images of the rarest digit")
    grid = digit_grid(x_test[:, 0], t_test, args.per_class)
    grid = np.kron(grid, np.ones((args.scale, args.scale), dtype=np.uint8))
    save_grey_png(grid, path)
    print(f"figure: {path}")
    return path


if __name__ == "__main__":
    main()
