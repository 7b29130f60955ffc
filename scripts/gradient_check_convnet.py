"""Chapter 7 (gradient_check): backprop against numerical gradients for a small SimpleConvNet.

The book's check: SimpleConvNet on one random 10x10 image (10 filters 3x3, hidden 10, 10 classes, weights
of std 0.01), here in float64 and compared, per parameter, with fourth-order centred differences:
error = max |backprop - numerical| / max(|backprop| + |numerical|), threshold 1e-7, verdict OK / FAIL.
A step of the stencil can change which input of a 2x2 pooling window is largest, or flip a ReLU: a
kink, across which a centred difference is wrong (the book's mean difference for W1 shows it). Such
entries are differentiated again with a smaller step, and the report counts them.
"""

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/gradient_check_convnet.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import MAX_CHECK_SAMPLES, StageProgress, int_in_range, nonnegative_int, script_parser
from networks import SimpleConvNet
from networks.gradient_report import check_network_gradients

MAX_SIZE = 64      # a 64x64 image gives W2 96,100 weights, each differentiated numerically: minutes on a CPU


def weight_init(text: str) -> float | str:
    """A standard deviation > 0 or one of he/relu/xavier/sigmoid."""
    if text.lower() in ("he", "relu", "xavier", "sigmoid"):
        return text.lower()
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0 or he/xavier, got {text!r}") from None
    if not (np.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a number > 0 or he/xavier, got {text!r}")
    return value


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, __file__)
    parser.add_argument("--samples", type=int_in_range(1, MAX_CHECK_SAMPLES), default=1,
                        help=f"random images checked, at most {MAX_CHECK_SAMPLES} (default 1)")
    size_limits = f"a 3x3 filter then 2x2 pooling need 4; above {MAX_SIZE} the numerical gradient takes too long"
    parser.add_argument("--size", type=int_in_range(4, MAX_SIZE, size_limits), default=10,
                        help=f"image height and width, 4 to {MAX_SIZE} (default 10)")
    parser.add_argument("--weight-init", type=weight_init, default=0.01,
                        help="weight std or he/xavier (default 0.01, as the book)")
    parser.add_argument("--seed", type=nonnegative_int, default=0, help="seed of the weights and images (default 0)")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    network = SimpleConvNet(input_dim=(1, args.size, args.size),
                            conv_param={"filter_num": 10, "filter_size": 3, "pad": 0, "stride": 1},
                            hidden_size=10, output_size=10, weight_init_std=args.weight_init, rng=rng,
                            dtype=np.float64)
    x = rng.random((args.samples, 1, args.size, args.size))
    t = np.ones(args.samples, dtype=np.int64)  # label 1, as the book
    with StageProgress() as shown:
        check = check_network_gradients(network, x, t, progress=shown.stage, on_entries=shown.entries)
    print(check.describe(f"SimpleConvNet on {args.samples} random {args.size}x{args.size} image(s), weight init "
                  f"{args.weight_init}, backprop against fourth-order centred differences (h = 1e-4)"))
    return {"diffs": check.diffs, "reports": {r.name: r for r in check.reports}, "ok": check.ok}


if __name__ == "__main__":
    main()
