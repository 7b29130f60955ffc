"""Chapter 5.7.3: check backprop against numerical gradients for every parameter of TwoLayerNet.

In float64, for each parameter: backprop's gradient against fourth-order centred differences of the
loss, with error = max |backprop - numerical| / max(|backprop| + |numerical|) over the whole array,
threshold 1e-7, and a verdict (OK / FAIL). Also the book's own figure, the mean absolute difference
from its two-point differences.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/gradient_check.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import (
    MAX_CHECK_SAMPLES,
    StageProgress,
    add_dataset_option,
    add_seed_option,
    int_in_range,
    load_script_data,
    script_parser,
)
from networks import TwoLayerNet
from networks.gradient_report import check_network_gradients

# Every one of the ~795 x hidden weights is differentiated numerically by forward passes that each cost
# ~795 x hidden: the time grows with hidden^2 (20: ~3 s, 50: ~9 s, 100: ~33 s on a 2-core CPU, 10,000: days).
MAX_HIDDEN = 100


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, __file__)
    add_dataset_option(parser)
    samples = int_in_range(1, MAX_CHECK_SAMPLES, "every numerical derivative runs them all")
    parser.add_argument("--samples", type=samples,
                        default=3, help=f"batch size of the check, 1 to {MAX_CHECK_SAMPLES} (default 3, as the book)")
    parser.add_argument("--hidden", default=50,
                        type=int_in_range(1, MAX_HIDDEN, "the numerical gradient's time grows with hidden^2"),
                        help=f"hidden units, 1 to {MAX_HIDDEN}: the numerical gradient's time grows with "
                             f"hidden^2: ~9 s at 50, ~33 s at {MAX_HIDDEN} (default 50)")
    add_seed_option(parser, "weights")
    args = parser.parse_args(argv)

    ((x_train, t_train), _), info = load_script_data(parser, args.dataset, one_hot_label=True)
    parser.require_at_most("--samples", args.samples, len(x_train), f"the training samples of {info.title}")
    x_batch, t_batch = x_train[: args.samples].astype(np.float64), t_train[: args.samples]
    network = TwoLayerNet(784, args.hidden, 10, seed=args.seed, dtype=np.float64)

    with StageProgress() as shown:
        check = check_network_gradients(network, x_batch, t_batch, progress=shown.stage, on_entries=shown.entries)
    print(check.describe(f"TwoLayerNet 784-{args.hidden}-10 on {args.samples} samples, backprop against "
                  "fourth-order centred differences (h = 1e-4)"))
    return {"diffs": check.diffs, "reports": {r.name: r for r in check.reports}, "ok": check.ok}


if __name__ == "__main__":
    main()
