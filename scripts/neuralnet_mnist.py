"""Chapter 3.6.2-3.6.3: inference with the book's trained chapter-3 network (784-50-100-10, sigmoid).

    python -m scripts.convert_book_weights --network sample --trust-pickle ch03/sample_weight.pkl sample.npz
    python -m scripts.neuralnet_mnist --weights sample.npz --mnist-test-dir DIR

Classifies the 10,000 MNIST test images (t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz in DIR,
default the MNIST cache) in batches and prints ``Accuracy: 0.xxxx``; the book's sample_weight.pkl gives
0.9352. Nothing is trained here: the weights come from the book (or any SampleNetwork.save_params).
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/neuralnet_mnist.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import existing_dir, existing_file, positive_int, script_parser
from cli.data import load_mnist_test_images
from networks import SampleNetwork

HOW_TO_GET_WEIGHTS = """neuralnet_mnist: no --weights given. This script runs the book's trained chapter-3
network; convert the book's ch03/sample_weight.pkl (from its code repository,
oreilly-japan/deep-learning-from-scratch) once:

    python -m scripts.convert_book_weights --network sample --trust-pickle sample_weight.pkl sample.npz

then run: python -m scripts.neuralnet_mnist --weights sample.npz [--mnist-test-dir DIR]
"""


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, __file__)
    parser.add_argument("--weights", type=existing_file,
                        help="the network's parameters, an .npz (W1, b1, W2, b2, W3, b3)")
    parser.add_argument("--mnist-test-dir", type=existing_dir, default=None,
                        help="folder holding t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz "
                             "(default: the MNIST cache, ~/.cache/zeroprop/mnist or $ZEROPROP_DATA_DIR/mnist)")
    parser.add_argument("--batch-size", type=positive_int, default=100,
                        help="images classified at once (default 100, as the book's batch version)")
    args = parser.parse_args(argv)

    if args.weights is None:
        parser.exit(2, HOW_TO_GET_WEIGHTS)
    network = SampleNetwork()
    try:
        network.load_params(args.weights)
    except (OSError, ValueError) as err:  # not the network's weights, or a file that cannot be read
        parser.error(f"--weights: {err}")
    (x, t), _ = load_mnist_test_images(parser, args.mnist_test_dir, flatten=True)

    predicted = network.predict_labels(x, batch_size=args.batch_size)
    correct = int(np.count_nonzero(predicted == t))
    accuracy = correct / len(t)
    print(f"{correct} of {len(t)} test images classified correctly")
    print(f"Accuracy: {accuracy:.4f}")
    return {"accuracy": accuracy, "correct": correct, "total": len(t)}


if __name__ == "__main__":
    main()
