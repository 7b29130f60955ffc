"""Chapter 7.6 (apply_filter): what a convolution filter does to an image.

Runs one digit (a test image of --dataset; without it MNIST, or the built-in digits when MNIST is not
available; of MNIST and its look-alikes only the two test files are needed) through the Convolution layer
with hand-made 3x3 filters (stride 1, pad 1, so the output is the image's size): a vertical-edge and a
horizontal-edge filter (Sobel), a blur and a sharpen. Edge filters respond where the brightness changes
across their direction, positive on one side of a stroke and negative on the other.
With --weights (a SimpleConvNet .npz, e.g. the book's converted params) it applies the first 8 learned
first-layer filters instead, as the book does with 16. The figure shows the input, each filter and its output.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/apply_filter.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import add_dataset_option, add_out_option, existing_file, nonnegative_int, script_parser
from cli.data import load_script_split
from layers import Convolution
from networks import SimpleConvNet
from training.plots import save_figure

SOBEL = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
FILTERS = {
    "vertical edges": SOBEL,
    "horizontal edges": SOBEL.T.copy(),
    "blur": np.full((3, 3), 1.0 / 9.0),
    "sharpen": np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]]),
}


def filters_figure(image: np.ndarray, filters: dict[str, np.ndarray], outputs: np.ndarray):
    """Top row: the input, then each filter (red positive, blue negative); bottom row: each output."""
    from matplotlib.figure import Figure

    n = len(filters)
    fig = Figure(figsize=(2.2 * (n + 1), 4.6), layout="constrained")
    axes = fig.subplots(2, n + 1)
    axes[0, 0].imshow(image, cmap="gray")
    axes[0, 0].set_title("input")
    axes[1, 0].axis("off")
    for j, (name, kernel) in enumerate(filters.items(), start=1):
        limit = float(np.abs(kernel).max()) or 1.0
        axes[0, j].imshow(kernel, cmap="bwr", vmin=-limit, vmax=limit)
        axes[0, j].set_title(name, fontsize=9)
        if kernel.shape[0] <= 3:
            for (r, c), value in np.ndenumerate(kernel):
                axes[0, j].text(c, r, f"{value:.2g}", ha="center", va="center", fontsize=7)
        axes[1, j].imshow(outputs[j - 1], cmap="gray")
        axes[1, j].set_title(f"output [{outputs[j - 1].min():.2g}, {outputs[j - 1].max():.2g}]", fontsize=8)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, __file__)
    add_out_option(parser)
    add_dataset_option(parser)
    parser.add_argument("--index", type=nonnegative_int, default=0, help="which test image (default 0)")
    parser.add_argument("--weights", type=existing_file, default=None,
                        help="a SimpleConvNet .npz: apply its first 8 learned filters instead of the hand-made ones")
    args = parser.parse_args(argv)
    parser.require_writable_files(args.out / "apply_filter" / "apply_filter.png")

    if args.weights is None:
        filters = FILTERS
        pad = 1
    else:  # read before the data set loads, so that weights of another network are refused at once
        network = SimpleConvNet()
        try:
            network.load_params(args.weights)
        except (OSError, ValueError) as err:
            parser.error(f"--weights: {err}")
        learned = network.params["W1"][:8, 0].astype(np.float64)
        filters = {f"filter {i}": w for i, w in enumerate(learned)}
        pad = learned.shape[-1] // 2

    (x_test, t_test), info = load_script_split(parser, args.dataset, "test", flatten=False)
    parser.require_at_most("--index", args.index, len(x_test) - 1, f"the {len(x_test)} test images count from 0")
    image = x_test[args.index].astype(np.float64)  # (1, 28, 28)
    W = np.stack(list(filters.values()))[:, np.newaxis]  # (FN, 1, FH, FW)
    layer = Convolution(W, np.zeros(len(W)), stride=1, pad=pad)
    outputs = layer.forward(image[np.newaxis])[0]  # (FN, H, W)

    print(f"test image {args.index} of {info.title} (label {int(t_test[args.index])}), shape {image.shape}")
    for (name, kernel), out in zip(filters.items(), outputs, strict=True):
        print(f"{name:>16} {kernel.shape[0]}x{kernel.shape[1]}: output {out.shape}, min {out.min():.3f}, "
              f"max {out.max():.3f}")
    figure = save_figure(filters_figure(image[0], filters, outputs), args.out / "apply_filter" / "apply_filter.png")
    print(f"figure: {figure}")
    return {"image": image[0], "filters": filters, "outputs": outputs, "figures": [figure]}


if __name__ == "__main__":
    main()
