"""A max node routes the gradient: f = 2 (x y + max(z, w)) at x = 3, y = -4, z = 2, w = -1.

max(z, w) = z, so on the way back the max node hands its whole upstream gradient to z (df/dz = 2) and
nothing to the smaller input w (df/dw = 0), just as ReLU does for max(x, 0) (chapter 5.5.1). The
multiply node, by contrast, swaps its inputs: df/dx = 2 y = -8, df/dy = 2 x = 6.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/graph_max_gate.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli import add_out_option, graph_input, script_parser
from fileio import save_figure
from graphs import Graph, format_value
from graphs.draw import draw_graph

INPUTS = {"x": 3.0, "y": -4.0, "z": 2.0, "w": -1.0}


def build(inputs: dict[str, float] = INPUTS) -> Graph:
    """f = 2 * (x * y + max(z, w))."""
    g = Graph()
    x, y, z, w = (g.input(name, inputs[name]) for name in ("x", "y", "z", "w"))
    larger = g.max(z, w, name="m")
    (2 * (x * y + larger)).named("f")
    return g


def main(argv: list[str] | None = None) -> Graph:
    parser = script_parser(__doc__, __file__)
    for name, default in INPUTS.items():
        parser.add_argument(f"-{name}", type=graph_input, default=default, help=f"{name} (default {default:g})")
    add_out_option(parser, "folder for the figure")
    args = parser.parse_args(argv)
    out_dir = args.out / "graph_max_gate"
    parser.require_writable_files(out_dir / "graph_max_gate.png")

    g = build({name: getattr(args, name) for name in INPUTS})
    f = g.forward()
    g.backward()
    print(f"f = 2 (x y + max(z, w)) = {format_value(f, 6)}")
    for name in INPUTS:
        print(f"df/d{name} = {format_value(g.grad(name), 6)}")
    winner, loser = ("z", "w") if g.value("z") >= g.value("w") else ("w", "z")
    print(f"max(z, w) = {winner}: {winner} gets the max node's gradient "
          f"{format_value(g.grad('m'), 6)}, {loser} gets {format_value(g.grad(loser), 6)}")
    path = save_figure(draw_graph(g, "f = 2 (x y + max(z, w)): only the larger input gets a gradient"),
                       out_dir / "graph_max_gate.png")
    print(f"figure: {path}")
    return g


if __name__ == "__main__":
    main()
