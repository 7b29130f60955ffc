"""f = (x + y) * z as a computational graph (chapter 5.2): at x = -2, y = 5, z = -4, f = -12.

Backward from f with gradient 1: the "x" node passes z = -4 back to q = x + y, the "+" node passes it
unchanged to x and y, so df/dx = df/dy = -4 and df/dz = q = 3.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/graph_simple.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli import add_out_option, graph_input, script_parser
from fileio import save_figure
from graphs import Graph, format_value
from graphs.draw import draw_graph


def build(x: float = -2.0, y: float = 5.0, z: float = -4.0) -> Graph:
    """The graph q = x + y, f = q * z with the given inputs."""
    g = Graph()
    xv, yv, zv = g.input("x", x), g.input("y", y), g.input("z", z)
    q = (xv + yv).named("q")
    g.mul(q, zv, name="f")
    return g


def main(argv: list[str] | None = None) -> Graph:
    parser = script_parser(__doc__, __file__)
    parser.add_argument("-x", type=graph_input, default=-2.0, help="x (default -2)")
    parser.add_argument("-y", type=graph_input, default=5.0, help="y (default 5)")
    parser.add_argument("-z", type=graph_input, default=-4.0, help="z (default -4)")
    add_out_option(parser, "folder for the figure")
    args = parser.parse_args(argv)
    out_dir = args.out / "graph_simple"
    parser.require_writable_files(out_dir / "graph_simple.png")

    g = build(args.x, args.y, args.z)
    f = g.forward()
    g.backward()
    print(f"f = (x + y) * z = {format_value(f, 6)}")
    for name in ("x", "y", "z"):
        print(f"df/d{name} = {format_value(g.grad(name), 6)}")
    path = save_figure(draw_graph(g, "f = (x + y) z"), out_dir / "graph_simple.png")
    print(f"figure: {path}")
    return g


if __name__ == "__main__":
    main()
