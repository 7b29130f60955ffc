"""Chapter 5.7.3: check backprop against numerical gradients for every parameter of TwoLayerNet.

Prints, per parameter, the book's figure (the mean absolute difference) and the project's stricter
one (the maximum relative error against the fourth-order centred stencil, in float64).
"""

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/gradient_check.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from datasets import load_dataset
from layers import gradient_check
from networks import TwoLayerNet


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="mnist", help="mnist, fashion-mnist, kmnist or builtin (default mnist; "
                        "falls back to the built-in digits when MNIST is not available)")
    parser.add_argument("--samples", type=int, default=3, help="batch size of the check (default 3, as the book)")
    parser.add_argument("--hidden", type=int, default=50, help="hidden units (default 50)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights (default 0)")
    args = parser.parse_args(argv)

    ((x_train, t_train), _), info = load_dataset(args.dataset, one_hot_label=True, fallback_to_builtin=True)
    if info.fell_back:
        print(f"notice: {info.fallback_reason}")
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
