"""Chapter 4.4: the gradient of f(x0, x1) = x0^2 + x1^2 by centred differences, drawn as arrows of -grad.

Prints the gradient at (3, 4), (0, 2) and (3, 0) (exactly (6, 8), (0, 4) and (6, 0): grad f = (2 x0, 2 x1))
and draws -grad f on a grid: every arrow points towards the minimum at the origin, longer further away.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/gradient_2d.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import add_out_option, float_in_range, script_parser
from layers import numerical_gradient
from training.plots import save_figure

POINTS = ((3.0, 4.0), (0.0, 2.0), (3.0, 0.0))
MAX_AXIS_POINTS = 1000  # 1000 x 1000 arrows, each a numerical gradient: about half a minute and 1 GB
MIN_GRID_STEP = 4.5 / MAX_AXIS_POINTS


def function_2(x: np.ndarray) -> float:
    """The book's f(x) = x0^2 + x1^2 (the sum of squares of a vector's entries)."""
    return float(np.sum(x**2))


def quiver_figure(grid: np.ndarray, grads: np.ndarray):
    """Arrows -grad f at each grid point (grid and grads of shape (N, 2))."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 6), layout="constrained")
    ax = fig.subplots()
    ax.quiver(grid[:, 0], grid[:, 1], -grads[:, 0], -grads[:, 1], angles="xy", color="#666666")
    ax.plot(0, 0, "+", color="black", markersize=12)
    ax.set_xlim(-2, 2)
    ax.set_ylim(-2, 2)
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    ax.set_title("-grad f(x0, x1), f = x0² + x1²")
    ax.grid(alpha=0.3)
    ax.set_aspect("equal")
    return fig


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, __file__)
    add_out_option(parser)
    why = f"at most {MAX_AXIS_POINTS} x {MAX_AXIS_POINTS} arrows on [-2, 2.5)"
    parser.add_argument("--grid-step", type=float_in_range(MIN_GRID_STEP, why=why), default=0.25,
                        help=f"spacing of the arrows' grid on [-2, 2.5), at least {MIN_GRID_STEP:g} "
                             "(default 0.25, as the book)")
    args = parser.parse_args(argv)
    parser.require_writable_files(args.out / "gradient_2d" / "gradient_2d.png")

    gradients = {}
    for point in POINTS:
        gradients[point] = numerical_gradient(function_2, np.array(point))
        print(f"numerical_gradient(f, {point}) = {np.array2string(gradients[point], precision=6)}")
    axis = np.arange(-2.0, 2.5, args.grid_step)
    X, Y = np.meshgrid(axis, axis)
    grid = np.column_stack([X.ravel(), Y.ravel()])
    grads = np.array([numerical_gradient(function_2, point.copy()) for point in grid])
    figure = save_figure(quiver_figure(grid, grads), args.out / "gradient_2d" / "gradient_2d.png")
    print(f"figure: {figure}")
    return {"gradients": gradients, "grid": grid, "grid_gradients": grads, "figures": [figure]}


if __name__ == "__main__":
    main()
