"""Chapter 5.7.3: check backprop against numerical gradients for every parameter of TwoLayerNet.

Prints, per parameter, the book's figure (the mean absolute difference) and the project's stricter
one (the maximum relative error against the fourth-order centred stencil, in float64).
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/gradient_check.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import add_dataset_option, add_seed_option, load_script_data, positive_int, script_parser
from layers import gradient_check
from networks import TwoLayerNet


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = script_parser(__doc__, __file__)
    add_dataset_option(parser)
    parser.add_argument("--samples", type=positive_int, default=3,
                        help="batch size of the check (default 3, as the book)")
    parser.add_argument("--hidden", type=positive_int, default=50, help="hidden units (default 50)")
    add_seed_option(parser, "weights")
    args = parser.parse_args(argv)

    ((x_train, t_train), _), info = load_script_data(parser, args.dataset, one_hot_label=True)
    x_batch, t_batch = x_train[: args.samples].astype(np.float64), t_train[: args.samples]
    network = TwoLayerNet(784, args.hidden, 10, seed=args.seed, dtype=np.float64)

    grad_backprop = network.gradient(x_batch, t_batch)
    grad_numerical = network.numerical_gradient(x_batch, t_batch)  # the book's two-point differences
    errors = gradient_check(lambda: network.loss(x_batch, t_batch), network.params, grad_backprop)
    diffs = {}
    for key in network.params:
        diffs[key] = float(np.mean(np.abs(grad_backprop[key] - grad_numerical[key])))
        print(f"{key}: mean |backprop - numerical| = {diffs[key]:.3g}, max relative error = {errors[key]:.3g}")
    print("(with the book's std 0.01 the gradients are tiny next to the loss, so round-off of the loss,\n"
          " ~1e-16 * loss / h, bounds how closely any finite difference can agree: differences ~1e-13 are that)")
    return diffs


if __name__ == "__main__":
    main()
