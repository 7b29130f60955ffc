"""The book's shopping example (chapter 5.4) as a drawn computational graph.

Two apples at 100, three oranges at 150, then a tax factor of 1.1: the price is 715. Backward from the
price gives how much it moves per unit of each input: apple 2.2, apple_num 110, orange 3.3,
orange_num 165, tax 650.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/graph_buy_apple_orange.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli import add_out_option, graph_input, script_parser
from fileio import save_figure
from graphs import Graph, format_value
from graphs.draw import draw_graph

INPUT_NAMES = ("apple", "apple_num", "orange", "orange_num", "tax")


def build(apple: float = 100, apple_num: float = 2, orange: float = 150, orange_num: float = 3,
          tax: float = 1.1) -> Graph:
    """price = (apple * apple_num + orange * orange_num) * tax, with the book's node names."""
    g = Graph()
    a, an = g.input("apple", apple), g.input("apple_num", apple_num)
    o, on = g.input("orange", orange), g.input("orange_num", orange_num)
    t = g.input("tax", tax)
    apple_price = g.mul(a, an, name="apple_price")
    orange_price = g.mul(o, on, name="orange_price")
    all_price = g.add(apple_price, orange_price, name="all_price")
    g.mul(all_price, t, name="price")
    return g


def main(argv: list[str] | None = None) -> Graph:
    parser = script_parser(__doc__, __file__)
    parser.add_argument("--apple", type=graph_input, default=100, help="price of one apple (default 100)")
    parser.add_argument("--apple-num", type=graph_input, default=2, help="number of apples (default 2)")
    parser.add_argument("--orange", type=graph_input, default=150, help="price of one orange (default 150)")
    parser.add_argument("--orange-num", type=graph_input, default=3, help="number of oranges (default 3)")
    parser.add_argument("--tax", type=graph_input, default=1.1, help="tax factor (default 1.1)")
    add_out_option(parser, "folder for the figure")
    args = parser.parse_args(argv)
    out_dir = args.out / "graph_buy_apple_orange"
    parser.require_writable_files(out_dir / "graph_buy_apple_orange.png")

    g = build(args.apple, args.apple_num, args.orange, args.orange_num, args.tax)
    price = g.forward()
    g.backward()
    print(f"price = {format_value(price, 6)}")
    for name in INPUT_NAMES:
        print(f"d price / d {name} = {format_value(g.grad(name), 6)}")
    path = save_figure(draw_graph(g, "Buying apples and oranges"), out_dir / "graph_buy_apple_orange.png")
    print(f"figure: {path}")
    return g


if __name__ == "__main__":
    main()
