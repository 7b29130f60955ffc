"""Logistic regression as a computational graph: z = w1 x1 + w2 x2 + b, a = sigma(z),
L(a, y) = -(y log a + (1 - y) log(1 - a)).

Backward through the graph gives the well-known results dz = a - y, dw_i = x_i dz and db = dz; the
script prints them beside those formulas. Then the same graph with arrays of m examples as its inputs
x1, x2, y (the weights stay scalars, so their gradients are summed over the examples by broadcasting)
and a mean node J = (1/m) sum L runs a few steps of gradient descent, the loss going down. A learning rate
so large that sigma(z) rounds to exactly 0 or 1 (float32), where the log in L is undefined, ends the script
with one line saying so.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/graph_logistic_regression.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import add_out_option, add_seed_option, int_in_range, positive_float, positive_int, script_parser
from fileio import save_figure
from graphs import Graph, GraphError, format_value
from graphs.draw import draw_graph

EXAMPLE = {"x1": 1.5, "x2": -0.5, "y": 1.0, "w1": 0.8, "w2": -1.2, "b": 0.1}
WEIGHTS = ("w1", "w2", "b")
MAX_EXAMPLES = 1_000_000  # a few float32 arrays of m values per node: tens of MB


class LossUndefinedError(Exception):
    """The loss could not be taken after ``updates`` steps: a log node met 0 or NaN (sigma(z) rounded to 0 or 1
    in float32, or the weights overflowed), so gradient descent went too far to go on."""

    def __init__(self, updates: int) -> None:
        super().__init__(f"the loss is undefined after {updates} update(s)")
        self.updates = updates


def build(x1, x2, y, w1: float, w2: float, b: float, average: bool = False) -> Graph:
    """The loss graph for one example (numbers) or m examples (arrays x1, x2, y), then J = mean(L)."""
    g = Graph()
    x1v, x2v, yv = g.input("x1", x1), g.input("x2", x2), g.input("y", y)
    w1v, w2v, bv = g.input("w1", w1), g.input("w2", w2), g.input("b", b)
    z = (w1v * x1v + w2v * x2v + bv).named("z")
    a = g.sigmoid(z, name="a")
    loss = (-(yv * g.log(a) + (1 - yv) * g.log(1 - a))).named("L")
    if average:
        g.mean(loss, name="J")
    return g


def make_data(m: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """m points in two Gaussian clouds around (1, 1) (label 1) and (-1, -1) (label 0), float32."""
    rng = np.random.default_rng(seed)
    y = (rng.random(m) < 0.5).astype(np.float32)
    centre = (2 * y - 1)[:, None]
    x = (centre + rng.standard_normal((m, 2))).astype(np.float32)
    return x[:, 0], x[:, 1], y


def check_one_example(example: dict[str, float]) -> Graph:
    """Backward for one example, printed beside dz = a - y, dw_i = x_i dz, db = dz."""
    g = build(**example)
    loss = g.forward()
    g.backward()
    a, y = g.value("a"), example["y"]
    dz = a - y
    print(f"one example: z = {format_value(g.value('z'), 6)}, a = {format_value(a, 6)}, "
          f"L = {format_value(loss, 6)}")
    rows = [("dz", g.grad("z"), dz, "a - y"), ("dw1", g.grad("w1"), example["x1"] * dz, "x1 dz"),
            ("dw2", g.grad("w2"), example["x2"] * dz, "x2 dz"), ("db", g.grad("b"), dz, "dz")]
    for name, from_graph, formula, text in rows:
        verdict = "match" if np.isclose(from_graph, formula, rtol=1e-12, atol=1e-15) else "DIFFER"
        print(f"  {name:4} graph {format_value(from_graph, 6):>10}   {text:6} = {format_value(formula, 6):>10}"
              f"   {verdict}")
    return g


def gradient_descent(m: int, steps: int, lr: float, seed: int) -> tuple[Graph, list[float]]:
    """``steps`` updates w <- w - lr dJ/dw on m examples; returns the graph and J before each step and after."""
    x1, x2, y = make_data(m, seed)
    g = build(x1, x2, y, 0.0, 0.0, 0.0, average=True)
    losses = []
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow ends in LossUndefinedError, said once
        for step in range(steps):
            losses.append(loss_after(g, step))
            grads = g.backward()
            for name in WEIGHTS:
                g.set(name, g.value(name) - lr * grads[name])
        losses.append(loss_after(g, steps))
    g.backward()
    return g, losses


def loss_after(g: Graph, updates: int) -> float:
    """J of the graph after ``updates`` steps; :class:`LossUndefinedError` when a log met 0 or NaN or J is not
    finite."""
    try:
        loss = float(g.forward())
    except GraphError:  # a mistake in the graph itself, not the numbers in it
        raise
    except ValueError as error:
        raise LossUndefinedError(updates) from error
    if not np.isfinite(loss):
        raise LossUndefinedError(updates)
    return loss


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = script_parser(__doc__, __file__)
    parser.add_argument("-m", type=int_in_range(1, MAX_EXAMPLES), default=64,
                        help=f"number of examples for gradient descent, at most {MAX_EXAMPLES} (default 64)")
    parser.add_argument("--steps", type=positive_int, default=10, help="gradient descent steps (default 10)")
    parser.add_argument("--lr", type=positive_float, default=1.0,
                        help="learning rate (default 1.0); one that drives sigma(z) to 0 or 1, where the log is "
                             "undefined, ends the script with an error")
    add_seed_option(parser, "data")
    add_out_option(parser, "folder for the figures")
    args = parser.parse_args(argv)
    out_dir = args.out / "graph_logistic_regression"
    parser.require_writable_files(out_dir / "graph_logistic_regression.png",
                                  out_dir / "graph_logistic_regression_batch.png")

    single = check_one_example(EXAMPLE)
    examples = "example" if args.m == 1 else "examples"
    print(f"\ngradient descent on m = {args.m} {examples}, learning rate {args.lr:g}:")
    try:
        batch, losses = gradient_descent(args.m, args.steps, args.lr, args.seed)
    except LossUndefinedError as stop:
        parser.error(f"argument --lr: gradient descent with lr {args.lr:g} went too far: after {stop.updates} "
                     "update(s) sigma(z) rounds to 0 or 1 in float32 (or the weights overflowed), where "
                     "log(a) or log(1 - a) is undefined; take a smaller --lr")
    for step, loss in enumerate(losses):
        print(f"  step {step:3d}  J = {loss:.6f}")
    print("  weights: " + ", ".join(f"{name} = {format_value(batch.value(name), 4)}" for name in WEIGHTS))

    paths = [
        save_figure(draw_graph(single, "logistic regression, one example: dz = a - y, dw = x dz, db = dz"),
                    out_dir / "graph_logistic_regression.png"),
        save_figure(draw_graph(batch, f"the same graph on m = {args.m} {examples}, J = mean of L"),
                    out_dir / "graph_logistic_regression_batch.png"),
    ]
    for path in paths:
        print(f"figure: {path}")
    return {"single": single, "batch": batch, "losses": losses}


if __name__ == "__main__":
    main()
