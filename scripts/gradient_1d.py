"""Chapter 4.3.3: the derivative of f(x) = 0.01 x^2 + 0.1 x by a centred difference, and its tangent.

Prints numerical_diff(f, x) at each point (the book's: about 0.2 at x = 5 and 0.3 at x = 10; the exact
derivative is 0.02 x + 0.1) and draws f with the tangent line y = f(a) + f'(a)(x - a) at each point.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/gradient_1d.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import add_out_option, float_in_range, script_parser
from layers import numerical_diff
from training.plots import save_figure

# The book's h = 1e-4 must still move x: at |x| = 1e10 the spacing of float64 is ~2e-6, so x +- h resolves
# (to about 1%); from ~1e12 on x + h rounds to x or a neighbour and the numerical slope comes out 0.
AT_LIMIT = 1e10


def function_1(x: np.ndarray | float) -> np.ndarray | float:
    """The book's f(x) = 0.01 x^2 + 0.1 x."""
    return 0.01 * x**2 + 0.1 * x


def tangent_figure(points: dict[float, float]):
    """f on [0, 20] and, for each point a with slope d, the line f(a) + d (x - a)."""
    from matplotlib.figure import Figure

    x = np.arange(0.0, 20.0, 0.1)
    fig = Figure(figsize=(6, 4.5), layout="constrained")
    ax = fig.subplots()
    ax.plot(x, function_1(x), label="f(x) = 0.01x² + 0.1x")
    for a, slope in points.items():
        ax.plot(x, function_1(a) + slope * (x - a), "--", label=f"tangent at x = {a:g} (slope {slope:.4f})")
        ax.plot(a, function_1(a), "o", color="black", markersize=4)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.legend()
    return fig


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, __file__)
    add_out_option(parser)
    at_range = float_in_range(-AT_LIMIT, AT_LIMIT, "where the book's h = 1e-4 still resolves x + h")
    parser.add_argument("--at", type=at_range,
                        nargs="+", default=[5.0, 10.0],
                        help=f"points where to differentiate, each in [{-AT_LIMIT:g}, {AT_LIMIT:g}], where the "
                             "book's h = 1e-4 still resolves x + h (default 5 10, as the book)")
    args = parser.parse_args(argv)
    parser.require_writable_files(args.out / "gradient_1d" / "gradient_1d.png")

    slopes = {}
    for a in args.at:
        slopes[a] = numerical_diff(function_1, a)
        print(f"numerical_diff(f, {a:g}) = {slopes[a]!r}   (exact 0.02x + 0.1 = {0.02 * a + 0.1:g})")
    figure = save_figure(tangent_figure(slopes), args.out / "gradient_1d" / "gradient_1d.png")
    print(f"figure: {figure}")
    return {"slopes": slopes, "figures": [figure]}


if __name__ == "__main__":
    main()
