"""Chapter 5.4: buying 2 apples at 100 yen with 10% tax, forward and backward through MulLayers."""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/buy_apple.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli import finite_float, script_parser
from layers import MulLayer


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = script_parser(__doc__, __file__)
    parser.add_argument("--apple", type=finite_float, default=100, help="price of one apple (default 100)")
    parser.add_argument("--apple-num", type=finite_float, default=2, help="number of apples (default 2)")
    parser.add_argument("--tax", type=finite_float, default=1.1, help="tax factor (default 1.1)")
    args = parser.parse_args(argv)

    mul_apple_layer, mul_tax_layer = MulLayer(), MulLayer()
    apple_price = mul_apple_layer.forward(args.apple, args.apple_num)
    price = mul_tax_layer.forward(apple_price, args.tax)

    dprice = 1
    dapple_price, dtax = mul_tax_layer.backward(dprice)
    dapple, dapple_num = mul_apple_layer.backward(dapple_price)

    result = {"price": price, "dApple": dapple, "dApple_num": dapple_num, "dTax": dtax}
    for name, value in result.items():
        print(f"{name}: {value:g}")
    return result


if __name__ == "__main__":
    main()
