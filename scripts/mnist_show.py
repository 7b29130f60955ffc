"""Chapter 3.6.1: one MNIST training image, its label and its shape, saved as a PNG.

Prints what the book's ch03/mnist_show.py prints: the label (5 for MNIST's first image), the image's shape as
loaded, (784,), and after reshaping it to 28 x 28, (28, 28). The book opens the image in a window; here it is
saved, pixel for pixel (28 x 28, grey levels 0-255), as --out/mnist_show/train_INDEX.png. Without --dataset:
MNIST, or the built-in digits, with a notice, when MNIST cannot be had.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/mnist_show.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli import add_dataset_option, add_out_option, load_script_data, nonnegative_int, script_parser
from fileio import save_grey_png


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, __file__)
    add_dataset_option(parser)
    parser.add_argument("--index", type=nonnegative_int, default=0,
                        help="which training image, counted from 0 (default 0, the book's x_train[0])")
    add_out_option(parser)
    args = parser.parse_args(argv)
    path = parser.require_writable_files(args.out / "mnist_show" / f"train_{args.index}.png")[0]

    (x_train, t_train), _ = load_script_data(parser, args.dataset, flatten=True, normalize=False)[0]
    count = len(x_train)
    parser.require_at_most("--index", args.index, count - 1, f"the last of the {count} training images")

    img, label = x_train[args.index], t_train[args.index]
    print(label)
    print(img.shape)
    img = img.reshape(28, 28)  # back to the image's own shape
    print(img.shape)
    save_grey_png(img, path)
    print(f"image: {path}")
    return {"label": int(label), "image": img, "path": path}


if __name__ == "__main__":
    main()
