"""Chapter 4.4.1: gradient descent x <- x - lr * grad f(x) on f(x0, x1) = x0^2 + x1^2 from (-3, 4).

With lr 0.1 and 100 steps it reaches the minimum (0, 0) to about 1e-10 (each step multiplies x by
1 - 2 lr = 0.8). Also runs the book's two warnings: lr 10 diverges, lr 1e-10 barely moves. The gradient
is taken by centred differences (numerical_gradient), as the book does; the figure draws the path of
the first 20 steps, as the book's Figure 4-10 does, on its axes (wider where a start or an lr of
your own takes the path beyond them). Each x is printed as NumPy prints an array, as in the
book's text: [-6.11110793e-10  8.14814391e-10] for lr 0.1.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/gradient_method.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import add_out_option, float_in_range, int_in_range, positive_float, script_parser
from layers import gradient_descent
from training.plots import save_figure

MAX_STEPS = 1_000_000  # each a numerical gradient in Python, about 20 s in all, every point kept for the figure
# The book's h = 1e-4 must still move each coordinate of the start, as in gradient_1d: at |x| = 1e10 the spacing
# of float64 is ~2e-6; beyond about 1e12, x + h == x and the numerical gradient is 0.
INIT_LIMIT = 1e10


def function_2(x: np.ndarray) -> float:
    """The book's f(x) = x0^2 + x1^2."""
    return float(np.sum(x**2))


# The book's Figure 4-10 draws the points of 20 steps (its script's step_num; its text runs 100): the
# figure shows as many, the printed result all --steps.
FIGURE_STEPS = 20


def book_or_wider(low: float, high: float, values: np.ndarray) -> tuple[float, float]:
    """The book's axis range (low, high), widened by a margin of 5% to hold every finite value drawn (a
    start far from the minimum, or a learning rate that diverges)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0 or (finite.min() >= low and finite.max() <= high):
        return low, high
    low, high = min(low, float(finite.min())), max(high, float(finite.max()))
    margin = 0.05 * (high - low)
    return low - margin, high + margin


def first_overflow(history: np.ndarray, final: np.ndarray) -> int | None:
    """The number of steps after which x, or f(x) = x0² + x1², stopped being finite; None if it never did."""
    points = np.vstack([history, final[np.newaxis]])
    finite = np.isfinite(points).all(axis=1) & np.isfinite(np.sum(points**2, axis=1))
    return None if finite.all() else int(np.argmin(finite))


def path_figure(history: np.ndarray, final: np.ndarray, lr: float):
    """The points visited in the first FIGURE_STEPS steps (blue) and the axes through the minimum (dashed)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 6), layout="constrained")
    ax = fig.subplots()
    ax.axhline(0, linestyle="--", color="b", linewidth=0.8)
    ax.axvline(0, linestyle="--", color="b", linewidth=0.8)
    points = np.vstack([history, final[np.newaxis]])[:FIGURE_STEPS]  # x before each step, then the last x
    ax.plot(points[:, 0], points[:, 1], "o", markersize=4)
    ax.set_xlim(*book_or_wider(-3.5, 3.5, points[:, 0]))  # the book's axes, widened where the path leaves them
    ax.set_ylim(*book_or_wider(-4.5, 4.5, points[:, 1]))
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    shown = f"the first {FIGURE_STEPS} of {len(history)} steps" if len(history) > FIGURE_STEPS else \
        f"{len(history)} steps"
    ax.set_title(f"gradient descent on x0² + x1², lr {lr:g}, {shown}")
    return fig


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, __file__)
    add_out_option(parser)
    parser.add_argument("--lr", type=positive_float, default=0.1, help="learning rate (default 0.1)")
    parser.add_argument("--steps", type=int_in_range(0, MAX_STEPS), default=100,
                        help=f"number of steps, at most {MAX_STEPS} (default 100)")
    init_range = float_in_range(-INIT_LIMIT, INIT_LIMIT, "where the book's h = 1e-4 still resolves x + h")
    parser.add_argument("--init", type=init_range, nargs=2, default=[-3.0, 4.0], metavar=("X0", "X1"),
                        help=f"starting point, each in [{-INIT_LIMIT:g}, {INIT_LIMIT:g}] (default -3 4)")
    args = parser.parse_args(argv)
    parser.require_writable_files(args.out / "gradient_method" / "gradient_method.png")

    init = np.array(args.init)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused below, in one line
        final, history = gradient_descent(function_2, init, lr=args.lr, step_num=args.steps)
        steps_done = first_overflow(history, final)
    if steps_done is not None:
        parser.error(f"argument --lr: gradient descent with lr {args.lr:g} went too far: after {steps_done} "
                     "step(s) x0² + x1² is no longer a finite number (try a smaller --lr)")
    print(f"from {init.tolist()}, lr {args.lr:g}, {args.steps} steps: x = {final}, f(x) = {function_2(final):.3g}")
    others = {}
    for lr in (10.0, 1e-10):  # the book's: too large diverges, too small hardly moves
        others[lr], _ = gradient_descent(function_2, init, lr=lr, step_num=100)
        print(f"from {init.tolist()}, lr {lr:g}, 100 steps: x = {others[lr]}")
    figure = save_figure(path_figure(history, final, args.lr), args.out / "gradient_method" / "gradient_method.png")
    print(f"figure: {figure}")
    return {"final": final, "history": history, "others": others, "figures": [figure]}


if __name__ == "__main__":
    main()
