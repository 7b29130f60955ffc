"""Chapter 6.3 (batch_norm_gradient_check): backprop against numerical gradients for MultiLayerNet with BatchNorm.

The book's MultiLayerNetExtend(784, [100, 100], 10, use_batchnorm=True) in float64, every parameter (W, b,
gamma, beta of each layer) checked against fourth-order centred differences of the training loss, with
batch statistics (the layers are frozen, so the differences change no running average). Per parameter:
the error measure, the threshold 1e-7 and a verdict.

The biases b1 and b2 feed batch norm, which subtracts every feature's batch mean: shifting them changes
nothing, so their gradient is exactly 0 and both sides are round-off (compared against the round-off
floor). The book checks one sample; over one sample batch norm's output is beta whatever the input, so
every ReLU sits on its kink: the default here is 4 samples.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/batch_norm_gradient_check.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import (
    MAX_CHECK_SAMPLES,
    StageProgress,
    add_dataset_option,
    int_in_range,
    load_script_data,
    nonnegative_int,
    script_parser,
)
from networks import MultiLayerNet
from networks.gradient_report import check_network_gradients

# Every weight is differentiated numerically by forward passes over all of them: the time grows with the
# square of the hidden units (100 100, the book's: ~50 s on a 2-core CPU, about 28 s of it on W1, whose bar
# shows its progress; 200 200: over 2 minutes).
MAX_WIDTH = 100
MAX_TOTAL_HIDDEN = 200


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, __file__)
    add_dataset_option(parser)
    samples = int_in_range(2, MAX_CHECK_SAMPLES, "batch norm needs two samples to normalise over, and every "
                                                 "numerical derivative runs them all")
    parser.add_argument("--samples", type=samples,
                        default=4, help=f"batch size of the check, 2 to {MAX_CHECK_SAMPLES} (default 4)")
    parser.add_argument("--hidden", nargs="+", default=[100, 100],
                        type=int_in_range(1, MAX_WIDTH, "the numerical gradient's time grows with the square "
                                                        "of the hidden units"),
                        help=f"hidden layer sizes, each 1 to {MAX_WIDTH} and {MAX_TOTAL_HIDDEN} in all: the "
                             "numerical gradient's time grows with their square, ~50 s at the default "
                             "(default 100 100, as the book)")
    parser.add_argument("--seed", type=nonnegative_int, default=0, help="seed of the weights (default 0)")
    args = parser.parse_args(argv)
    parser.require_at_most("--hidden", sum(args.hidden), MAX_TOTAL_HIDDEN,
                           "hidden units in all; the numerical gradient's time grows with their square")

    ((x_train, t_train), _), info = load_script_data(parser, args.dataset, one_hot_label=True)
    parser.require_at_most("--samples", args.samples, len(x_train), f"the training samples of {info.title}")
    x, t = x_train[: args.samples].astype(np.float64), t_train[: args.samples]
    network = MultiLayerNet(784, args.hidden, 10, use_batchnorm=True, seed=args.seed, dtype=np.float64)
    with StageProgress() as shown:
        check = check_network_gradients(network, x, t, progress=shown.stage, on_entries=shown.entries)
    sizes = "-".join(map(str, [784, *args.hidden, 10]))
    print(check.describe(f"MultiLayerNet {sizes} with BatchNorm on {args.samples} samples, backprop against "
                  "fourth-order centred differences (h = 1e-4) of the training loss"))
    return {"diffs": check.diffs, "reports": {r.name: r for r in check.reports}, "ok": check.ok}


if __name__ == "__main__":
    main()
