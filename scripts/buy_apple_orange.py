"""Chapter 5.4: 2 apples at 100 and 3 oranges at 150 with 10% tax, through MulLayers and an AddLayer.

Prints as the book's ch05/buy_apple_orange.py does: the price and the gradients by the counts as whole yen, the
others as Python prints them (dOrange: 3.3000000000000003, 1.1 x 3 in floating point; a whole number given
stays whole, as the book's constants are). Whole yen are rounded, where the book truncates with int(); a value
that is not whole yen (within 1e-9, relative) prints as it is (--orange 0.5 --tax 1: dOrange_num 0.5, not 0).
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/buy_apple_orange.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli import graph_number, script_parser
from cli.printing import whole_yen
from layers import AddLayer, MulLayer


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = script_parser(__doc__, __file__)
    parser.add_argument("--apple", type=graph_number, default=100, help="price of one apple (default 100)")
    parser.add_argument("--apple-num", type=graph_number, default=2, help="number of apples (default 2)")
    parser.add_argument("--orange", type=graph_number, default=150, help="price of one orange (default 150)")
    parser.add_argument("--orange-num", type=graph_number, default=3, help="number of oranges (default 3)")
    parser.add_argument("--tax", type=graph_number, default=1.1, help="tax factor (default 1.1)")
    args = parser.parse_args(argv)

    mul_apple_layer, mul_orange_layer = MulLayer(), MulLayer()
    add_apple_orange_layer, mul_tax_layer = AddLayer(), MulLayer()

    apple_price = mul_apple_layer.forward(args.apple, args.apple_num)
    orange_price = mul_orange_layer.forward(args.orange, args.orange_num)
    all_price = add_apple_orange_layer.forward(apple_price, orange_price)
    price = mul_tax_layer.forward(all_price, args.tax)

    dprice = 1
    dall_price, dtax = mul_tax_layer.backward(dprice)
    dapple_price, dorange_price = add_apple_orange_layer.backward(dall_price)
    dorange, dorange_num = mul_orange_layer.backward(dorange_price)
    dapple, dapple_num = mul_apple_layer.backward(dapple_price)

    result = {
        "price": price, "dApple": dapple, "dApple_num": dapple_num,
        "dOrange": dorange, "dOrange_num": dorange_num, "dTax": dtax,
    }
    print("price:", whole_yen(price))
    print("dApple:", dapple)
    print("dApple_num:", whole_yen(dapple_num))
    print("dOrange:", dorange)
    print("dOrange_num:", whole_yen(dorange_num))
    print("dTax:", dtax)
    return result


if __name__ == "__main__":
    main()
