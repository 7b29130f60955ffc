"""A sigmoid neuron f(w, x) = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))) drawn twice (chapter 5.5.2).

Top: built from the elementary nodes x, +, x-1, exp, +1 and 1/x; the gradient is multiplied by each
node's local gradient on its way back. Bottom: the same neuron with one sigma node, whose local gradient
is simply y (1 - y). Both give the same value and the same gradients (to the printed digits), which is why
the Sigmoid layer can collapse the chain into one node and cache only its output y.

That holds while z = w0 x0 + w1 x1 + w2 stays in [-20, 20], the range the script accepts: beyond it y
rounds so close to 0 or 1 that y (1 - y) loses digits, and far beyond (z < -354) the chain's 1/x node
squares an overflowing exp(-z) and its gradients become 0 or nan.
"""

import math
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/graph_sigmoid_neuron.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli import add_out_option, finite_float, script_parser
from fileio import save_figure
from graphs import Graph, Value, format_value
from graphs.draw import draw_graphs

INPUTS = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
MAX_ABS_Z = 20  # beyond, the two graphs' gradients part (see the docstring)


def _weighted_sum(g: Graph, inputs: dict[str, float]) -> Value:
    w0, x0, w1, x1, w2 = (g.input(name, inputs[name]) for name in ("w0", "x0", "w1", "x1", "w2"))
    return (g.mul(w0, x0) + g.mul(w1, x1) + w2).named("z")


def build_chain(inputs: dict[str, float] = INPUTS) -> Graph:
    """f = 1 / (1 + exp(-z)) with z = w0 x0 + w1 x1 + w2, one node per elementary operation."""
    g = Graph()
    z = _weighted_sum(g, inputs)
    (1 / (g.exp(-z) + 1)).named("f")
    return g


def build_sigmoid(inputs: dict[str, float] = INPUTS) -> Graph:
    """The same f with a single Sigmoid node."""
    g = Graph()
    g.sigmoid(_weighted_sum(g, inputs), name="f")
    return g


def main(argv: list[str] | None = None) -> tuple[Graph, Graph]:
    parser = script_parser(__doc__, __file__)
    for name, default in INPUTS.items():
        parser.add_argument(f"--{name}", type=finite_float, default=default,
                            help=f"{name} (default {default:g}); z = w0 x0 + w1 x1 + w2 must lie in "
                                 f"[-{MAX_ABS_Z}, {MAX_ABS_Z}]")
    add_out_option(parser, "folder for the figure")
    args = parser.parse_args(argv)
    out_dir = args.out / "graph_sigmoid_neuron"
    parser.require_writable_files(out_dir / "graph_sigmoid_neuron.png")
    inputs = {name: getattr(args, name) for name in INPUTS}
    z = inputs["w0"] * inputs["x0"] + inputs["w1"] * inputs["x1"] + inputs["w2"]
    if not (math.isfinite(z) and abs(z) <= MAX_ABS_Z):
        parser.error(f"arguments --w0 --x0 --w1 --x1 --w2: z = w0 x0 + w1 x1 + w2 = {z:g}, expected a number "
                     f"in [-{MAX_ABS_Z}, {MAX_ABS_Z}] (beyond, sigma rounds to 0 or 1 and the chain's gradients "
                     "differ from the sigma node's)")

    chain, single = build_chain(inputs), build_sigmoid(inputs)
    for g in (chain, single):
        g.forward()
        g.backward()
    print(f"{'':8}{'chain of nodes':>16}{'one sigmoid node':>18}")
    print(f"{'f':8}{format_value(chain.value('f'), 6):>16}{format_value(single.value('f'), 6):>18}")
    for name in INPUTS:
        print(f"{'df/d' + name:8}{format_value(chain.grad(name), 6):>16}{format_value(single.grad(name), 6):>18}")
    y = single.value("f")
    print(f"sigmoid local gradient y(1 - y) = {format_value(y * (1 - y), 6)}, "
          f"df/dz from the chain = {format_value(chain.grad('z'), 6)}")
    fig = draw_graphs([chain, single], ["f = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))), one node per operation",
                                        "the same neuron with one σ node: local gradient y (1 - y)"])
    path = save_figure(fig, out_dir / "graph_sigmoid_neuron.png")
    print(f"figure: {path}")
    return chain, single


if __name__ == "__main__":
    main()
