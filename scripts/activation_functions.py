"""Chapter 3.2: the step function, the sigmoid and ReLU, drawn on [-5, 5].

Prints each function at x = -1.0, 1.0, 2.0 (the book's example array) as NumPy prints it, the step function's
output as integers ([0 1 1]) as the book's step_function gives it, and saves one figure with the
three curves side by side, plus the step and the sigmoid on one axis, as the book compares them.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/activation_functions.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import add_out_option, float_in_range, script_parser
from layers import relu, sigmoid, step_function
from training.plots import save_figure

FUNCTIONS = {"step function": step_function, "sigmoid": sigmoid, "ReLU": relu}
EXAMPLE = np.array([-1.0, 1.0, 2.0])
MAX_POINTS = 1_000_000  # of the x grid on [-5, 5]: a few seconds and a few hundred MB to draw
MIN_STEP = 10 / MAX_POINTS


def activations_figure(x: np.ndarray):
    """Four panels: each function alone, then the step and the sigmoid together."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(14, 3.4), layout="constrained")
    axes = fig.subplots(1, 4)
    for ax, (name, h) in zip(axes, FUNCTIONS.items(), strict=False):
        ax.plot(x, h(x))
        ax.set_title(name)
        ax.set_xlabel("x")
        ax.set_ylim(*((-1.0, 5.5) if name == "ReLU" else (-0.1, 1.1)))
        ax.grid(alpha=0.3)
    axes[3].plot(x, sigmoid(x), label="sigmoid")
    axes[3].plot(x, step_function(x), "k--", label="step function")
    axes[3].set_title("step vs sigmoid")
    axes[3].set_xlabel("x")
    axes[3].set_ylim(-0.1, 1.1)
    axes[3].legend()
    axes[3].grid(alpha=0.3)
    return fig


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, __file__)
    add_out_option(parser)
    parser.add_argument("--grid-step", "--step", dest="grid_step",
                        type=float_in_range(MIN_STEP, why=f"at most {MAX_POINTS} points on [-5, 5]"), default=0.1,
                        help=f"spacing of the x values the curves are drawn through, at least {MIN_STEP:g} "
                             "(default 0.1, the book's np.arange(-5.0, 5.0, 0.1)); nothing to do with the step "
                             "function. --step is its earlier name")
    args = parser.parse_args(argv)
    parser.require_writable_files(args.out / "activation_functions" / "activation_functions.png")

    values = {}
    for name, h in FUNCTIONS.items():
        values[name] = h(EXAMPLE)  # the step function's integers stay integers: [0 1 1], as the book's
        print(f"{name}({EXAMPLE.tolist()}) = {values[name]}")
    x = np.arange(-5.0, 5.0, args.grid_step)
    figure = save_figure(activations_figure(x), args.out / "activation_functions" / "activation_functions.png")
    print(f"figure: {figure}")
    return {"values": values, "figures": [figure]}


if __name__ == "__main__":
    main()
