"""Chapter 6.2.2-6.2.3 (figures 6-10 to 6-14): histograms of the activations of 5 layers of 100 units.

1000 Gaussian inputs of 100 features pass through 5 Affine layers (no bias) and activation functions.
For each activation (sigmoid, ReLU, tanh) one figure: a row per weight initialisation (std 1, std 0.01,
Xavier sqrt(1/n), He sqrt(2/n)), a column per layer. Too large weights push sigmoid and tanh into
saturation near their bounds; too small ones squeeze every unit to the same value; Xavier (for
sigmoid and tanh) and He (for ReLU) keep the activations spread out through all five layers.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run by path: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import QUICK_NOTE, add_out_option, add_seed_option, int_in_range, script_parser
from fileio import save_figure
from layers import Affine, ReLU, Sigmoid, Tanh
from networks.init import WeightInit, init_weight

ACTIVATIONS = {"sigmoid": Sigmoid, "relu": ReLU, "tanh": Tanh}
HISTOGRAM_RANGE = {"sigmoid": (0.0, 1.0), "relu": (0.0, 1.0), "tanh": (-1.0, 1.0)}
INITS: dict[str, WeightInit] = {"std=1": 1.0, "std=0.01": 0.01, "Xavier": "xavier", "He": "he"}
MAX_SAMPLES = 10_000  # every layer's activations are kept for each initialisation: 4 x 20 x 10,000 x 100 floats
MAX_LAYERS = 20       # a column of panels each, 44 inches wide at most
NODE_NUM = 100


def layer_activations(x: np.ndarray, activation: str, weight_init: WeightInit, layers: int,
                      seed: int) -> list[np.ndarray]:
    """The output of each of ``layers`` Affine -> activation pairs of NODE_NUM units, fed ``x``."""
    rng = np.random.default_rng(seed)
    outputs = []
    for _ in range(layers):
        W = init_weight(rng, (x.shape[1], NODE_NUM), weight_init, x.shape[1], np.dtype(np.float64))
        x = ACTIVATIONS[activation]().forward(Affine(W, np.zeros(NODE_NUM)).forward(x))
        outputs.append(x)
    return outputs


def near_ends(a: np.ndarray, activation: str) -> float:
    """Fraction of activations within 0.05 of sigmoid's/tanh's bounds (saturated), or below 0.05 for ReLU."""
    low, high = HISTOGRAM_RANGE[activation]
    if activation == "relu":
        return float(np.mean(a < low + 0.05))
    return float(np.mean((a < low + 0.05) | (a > high - 0.05)))


def histogram_figure(activation: str, outputs: dict[str, list[np.ndarray]]):
    """Rows: initialisations; columns: layers; each panel a 30-bin histogram of that layer's activations."""
    from matplotlib.figure import Figure

    rows, cols = len(outputs), len(next(iter(outputs.values())))
    fig = Figure(figsize=(2.2 * cols, 1.9 * rows))
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.05, top=0.9, wspace=0.08, hspace=0.45)
    axes = fig.subplots(rows, cols, squeeze=False)
    for r, (init_name, layers) in enumerate(outputs.items()):
        for c, a in enumerate(layers):
            ax = axes[r, c]
            counts, edges = np.histogram(a, bins=30, range=HISTOGRAM_RANGE[activation])
            ax.stairs(counts, edges, fill=True)  # the same bars as ax.hist, drawn as one shape
            if activation == "relu":
                ax.set_ylim(0, 0.07 * a.size)  # as the book's 0..7000: the spike of zeros would hide the rest
            ax.set_title(f"{c + 1}-layer", fontsize=9)
            ax.tick_params(labelsize=7)
            if c == 0:
                ax.set_ylabel(init_name)
            else:
                ax.set_yticks([])
    fig.suptitle(f"{activation} activations by weight initialisation")
    return fig


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, __file__)
    add_out_option(parser)
    add_seed_option(parser, "inputs and weights")
    parser.add_argument("--samples", type=int_in_range(1, MAX_SAMPLES), default=1000,
                        help=f"number of inputs, at most {MAX_SAMPLES} (default 1000)")
    parser.add_argument("--layers", type=int_in_range(1, MAX_LAYERS), default=5,
                        help=f"number of layers, at most {MAX_LAYERS} (default 5)")
    parser.add_argument("--quick", action="store_true", help=f"200 inputs, for tests{QUICK_NOTE}")
    args = parser.parse_args(argv)
    out_dir = args.out / "weight_init_activation_histogram"
    parser.require_writable_files(*(out_dir / f"weight_init_activation_histogram_{name}.png"
                                    for name in ACTIVATIONS))

    parser.apply_quick(args, argv, samples=200)
    x = np.random.default_rng(args.seed).standard_normal((args.samples, NODE_NUM))
    stats: dict[str, dict[str, dict[str, list[float]]]] = {}
    figures = []
    for activation in ACTIVATIONS:
        outputs = {name: layer_activations(x, activation, init, args.layers, args.seed + 1)
                   for name, init in INITS.items()}
        stats[activation] = {
            name: {"std": [float(a.std()) for a in layers], "near_ends": [near_ends(a, activation) for a in layers]}
            for name, layers in outputs.items()
        }
        what = "below 0.05" if activation == "relu" else "within 0.05 of a bound"
        print(f"{activation}: per layer 1..{args.layers}, std of the activations | fraction {what}")
        for name, s in stats[activation].items():
            stds = " ".join(f"{v:8.3g}" for v in s["std"])
            fractions = " ".join(f"{v:5.2f}" for v in s["near_ends"])
            print(f"  {name:<9} {stds} | {fractions}")
        figures.append(save_figure(histogram_figure(activation, outputs),
                                   out_dir / f"weight_init_activation_histogram_{activation}.png"))
        print(f"figure: {figures[-1]}")
    return {"stats": stats, "figures": figures}


if __name__ == "__main__":
    main()
