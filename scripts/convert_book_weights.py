"""Convert the book's pretrained pickle (sample_weight.pkl, simple_convnet_params.pkl or ch07/params.pkl,
deep_convnet_params.pkl) to .npz.

    python -m scripts.convert_book_weights --network deep --trust-pickle deep_convnet_params.pkl deep.npz
    python -m scripts.convert_book_weights --network sample --trust-pickle ch03/sample_weight.pkl sample.npz

The pickle is read with an unpickler that accepts NumPy arrays alone; DeepConvNet's test-time dropout
scaling is folded into W8 and b8 (see networks/book_weights.py). Load the result with
``DeepConvNet().load_params("deep.npz")``, or run ``python -m scripts.neuralnet_mnist --weights sample.npz``.
"""

import pickle
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/convert_book_weights.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import existing_file, script_parser
from networks.base import npz_path
from networks.book_weights import BOOK_NETWORKS, load_book_network

WARNING = ("warning: a pickle can run code while it is read. This script reads it with an unpickler that "
           "accepts NumPy arrays alone, but open only files from a source you trust.")


def main(argv: list[str] | None = None) -> int:
    parser = script_parser(__doc__, __file__)
    parser.add_argument("--network", required=True, choices=sorted(BOOK_NETWORKS),
                        help="the book's chapter-3 sample network (sample_weight.pkl), SimpleConvNet (chapter 7) "
                        "or DeepConvNet (chapter 8)")
    parser.add_argument("--trust-pickle", action="store_true",
                        help="confirm that INPUT comes from a source you trust (required to read it)")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"],
                        help="dtype of the saved parameters (default float32)")
    parser.add_argument("input", metavar="INPUT.pkl", type=existing_file, help="the book's parameter pickle")
    parser.add_argument("output", metavar="OUTPUT.npz", type=Path, help="where to write the parameters")
    args = parser.parse_args(argv)
    output = Path(npz_path(args.output))  # the file save_params will write: ".npz" appended when missing
    parser.require_writable_files(output, option="OUTPUT.npz")  # its folder, a name too long, a folder in its place

    print(WARNING, file=sys.stderr)
    if not args.trust_pickle:
        parser.fail(f"refusing to read {str(args.input)!r}: pass --trust-pickle to confirm you trust its source")
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # a value too large for --dtype becomes inf: refused below
            net = load_book_network(args.input, args.network, np.dtype(args.dtype))
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, MemoryError) as error:
        reason = error if str(error) else f"{type(error).__name__} (a corrupt length field in the pickle?)"
        parser.fail(f"cannot convert {str(args.input)!r} as the book's {args.network} network: {reason}")
    for key, value in net.params.items():
        bad = np.count_nonzero(~np.isfinite(value))
        if bad:
            parser.fail(f"cannot convert {str(args.input)!r}: {key} has {bad} of {value.size} values that are not "
                        f"finite as {args.dtype} (NaN or inf in the pickle, or too large for {args.dtype}); "
                        "nothing written")
    path = net.save_params(output)
    print(f"weights: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
