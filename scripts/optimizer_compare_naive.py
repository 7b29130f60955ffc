"""Chapter 6.1.7 (figure 6-8): the paths of SGD, Momentum, AdaGrad and Adam on f(x, y) = x^2/20 + y^2.

Each optimiser starts at (-7, 2) and takes 30 steps on the parameters {"x", "y"}, using the gradient
(x/10, 2y); the figure draws each path over the contour lines of f, one panel per optimiser. Nothing here
is random (the paths are the same on every run), so there is no --seed.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/optimizer_compare_naive.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import add_out_option, positive_int, script_parser
from fileio import save_figure
from optimizers import SGD, AdaGrad, Adam, Momentum, Optimizer

START = (-7.0, 2.0)


def f(x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray | float:
    return x**2 / 20.0 + y**2


def df(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x / 10.0, 2.0 * y


def follow_path(optimizer: Optimizer, steps: int) -> np.ndarray:
    """The points (steps + 1, 2) visited from START, updating {"x", "y"} in place with ``optimizer``."""
    params = {"x": np.array([START[0]]), "y": np.array([START[1]])}
    path = [START]
    for _ in range(steps):
        dx, dy = df(params["x"], params["y"])
        optimizer.update(params, {"x": dx, "y": dy})
        path.append((float(params["x"][0]), float(params["y"][0])))
    return np.array(path)


def paths_figure(paths: dict[str, np.ndarray], grid_step: float):
    """2x2 panels: contour lines of f and each optimiser's path (red), the minimum marked with '+'."""
    from matplotlib.figure import Figure

    x = np.arange(-10, 10, grid_step)
    y = np.arange(-5, 5, grid_step)
    X, Y = np.meshgrid(x, y)
    Z = f(X, Y)
    Z[Z > 7] = 0  # as in the book: leave out the outer contours so the valley stays readable

    fig = Figure(figsize=(9, 7), layout="constrained")
    for ax, (name, path) in zip(fig.subplots(2, 2).ravel(), paths.items(), strict=True):
        ax.contour(X, Y, Z)
        ax.plot(path[:, 0], path[:, 1], "o-", color="red", markersize=3)
        ax.plot(0, 0, "+", color="black", markersize=10)
        ax.set_xlim(-10, 10)
        ax.set_ylim(-10, 10)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title(name)
    return fig


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, __file__)
    add_out_option(parser)
    parser.add_argument("--steps", type=positive_int, default=30,
                        help="updates per optimiser (default 30, as the book)")
    parser.add_argument("--quick", action="store_true", help="coarser contour grid, for tests")
    args = parser.parse_args(argv)
    out_dir = args.out / "optimizer_compare_naive"
    parser.require_writable_files(out_dir / "optimizer_compare_naive.png")

    optimizers = {
        "SGD": SGD(lr=0.95),
        "Momentum": Momentum(lr=0.1),
        "AdaGrad": AdaGrad(lr=1.5),
        "Adam": Adam(lr=0.3),
    }
    paths = {name: follow_path(optimizer, args.steps) for name, optimizer in optimizers.items()}

    print(f"f(x, y) = x^2/20 + y^2 from {START}, f = {f(*START):.4g}, {args.steps} steps")
    print(f"{'optimizer':<10} {'lr':>5} {'final x':>10} {'final y':>10} {'final f':>10}")
    final_f = {}
    for name, path in paths.items():
        x, y = path[-1]
        final_f[name] = float(f(x, y))
        print(f"{name:<10} {optimizers[name].lr:>5g} {x:>10.4f} {y:>10.4f} {final_f[name]:>10.4g}")

    figure = save_figure(paths_figure(paths, 0.1 if args.quick else 0.01), out_dir / "optimizer_compare_naive.png")
    print(f"figure: {figure}")
    return {"paths": paths, "final_f": final_f, "start_f": float(f(*START)), "figures": [figure]}


if __name__ == "__main__":
    main()
