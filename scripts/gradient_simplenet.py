"""Chapter 4.4.2: the gradient of the book's simpleNet (one 2x3 weight matrix, softmax, cross-entropy).

With x = (0.6, 0.9) and label 2, prints W, the scores x W, the loss and dL/dW by centred differences,
as the book does; and, beside it, dL/dW = x^T (softmax(x W) - t) by backprop. By default W is the one
printed in the book, so every number can be compared with it; --seed draws a random W instead.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/gradient_simplenet.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import nonnegative_int, script_parser
from layers import numerical_gradient
from networks import SimpleNet

# the weights printed in the book's section 4.4.2 (drawn there by np.random.randn(2, 3))
BOOK_W = np.array([[0.47355232, 0.9977393, 0.84668094], [0.85557411, 0.03563661, 0.69422093]])
X = np.array([0.6, 0.9])
T = np.array([0.0, 0.0, 1.0])


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, __file__)
    parser.add_argument("--seed", type=nonnegative_int, default=None,
                        help="draw W from N(0, 1) with this seed instead of using the book's W")
    args = parser.parse_args(argv)

    net = SimpleNet(BOOK_W) if args.seed is None else SimpleNet(seed=args.seed)
    print(f"W =\n{net.W}")
    scores = net.predict(X)
    print(f"x = {X}, scores x W = {scores}, argmax {int(np.argmax(scores))}, label t = {T}")
    loss = net.loss(X, T)
    print(f"loss = {loss!r}")
    numeric = numerical_gradient(lambda _: net.loss(X, T), net.W)
    print(f"dL/dW (numerical) =\n{numeric}")
    backprop = net.gradient(X, T)["W"]
    print(f"dL/dW (backprop)  =\n{backprop}")
    print(f"max |numerical - backprop| = {np.abs(numeric - backprop).max():.2e}")
    return {"W": net.W.copy(), "scores": scores, "loss": loss, "numerical": numeric, "backprop": backprop}


if __name__ == "__main__":
    main()
