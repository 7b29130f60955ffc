"""Chapter 5.4: buying 2 apples at 100 yen with 10% tax, forward and backward through MulLayers.

Prints as the book's ch05/buy_apple.py does: the price and dApple_num as whole yen, dApple and dTax as Python
prints them (a whole number given stays whole: --apple 100 is the book's int 100, --apple 100.0 a float).
Whole yen are rounded, where the book truncates with int(): 200 x 1.15 is 229.99999999999997, 230 yen. A price
that is not whole yen (within 1e-9, relative) prints as it is: --apple 0.3 --tax 1 costs 0.6, not 1.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/buy_apple.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli import graph_number, script_parser
from cli.printing import whole_yen
from layers import MulLayer


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = script_parser(__doc__, __file__)
    parser.add_argument("--apple", type=graph_number, default=100, help="price of one apple (default 100)")
    parser.add_argument("--apple-num", type=graph_number, default=2, help="number of apples (default 2)")
    parser.add_argument("--tax", type=graph_number, default=1.1, help="tax factor (default 1.1)")
    args = parser.parse_args(argv)

    mul_apple_layer, mul_tax_layer = MulLayer(), MulLayer()
    apple_price = mul_apple_layer.forward(args.apple, args.apple_num)
    price = mul_tax_layer.forward(apple_price, args.tax)

    dprice = 1
    dapple_price, dtax = mul_tax_layer.backward(dprice)
    dapple, dapple_num = mul_apple_layer.backward(dapple_price)

    result = {"price": price, "dApple": dapple, "dApple_num": dapple_num, "dTax": dtax}
    print("price:", whole_yen(price))
    print("dApple:", dapple)
    print("dApple_num:", whole_yen(dapple_num))
    print("dTax:", dtax)
    return result


if __name__ == "__main__":
    main()
