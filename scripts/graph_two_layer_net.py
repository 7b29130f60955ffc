"""TwoLayerNet drawn as the book draws chapter 5's computational graphs: one node per layer.

One training forward and backward of TwoLayerNet (784-50-10 by default) on a mini-batch, recorded
layer by layer as the network runs it: x, W1, b1 -> Affine1 -> Relu1 -> Affine2 (W2, b2) ->
SoftmaxWithLoss (t) -> loss. Each edge shows the array's shape, mean and standard deviation above it
and the norm of its gradient below it (in red); the parameters enter as inputs with their gradients.
The data is a mini-batch of the built-in digits (or --dataset), or random numbers with --quick.
Prints the same numbers as a table and saves the figure.
"""

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/graph_two_layer_net.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import (
    MAX_LAYER_WIDTH,
    ScriptParser,
    add_out_option,
    add_seed_option,
    layer_width,
    load_script_data,
    positive_int,
    script_parser,
)
from datasets import BUILTIN, DATASET_NAMES
from graphs import Graph, draw_graph, format_grad, format_shape, format_value, network_graph, save_figure
from networks import TwoLayerNet

QUICK_SAMPLES = 60_000  # --quick draws a mini-batch of at most as many random rows as MNIST has training images


def parse_args(parser: ScriptParser, argv: list[str] | None) -> argparse.Namespace:
    parser.add_argument("--dataset", default=BUILTIN, choices=DATASET_NAMES,
                        help="where the mini-batch comes from (default builtin, the built-in digits; one given "
                             "explicitly that cannot be had is an error)")
    parser.add_argument("--batch-size", type=positive_int, default=100,
                        help=f"mini-batch size, at most the training samples ({QUICK_SAMPLES} with --quick) "
                             "(default 100)")
    parser.add_argument("--hidden", type=layer_width, default=50,
                        help=f"hidden units (default 50, at most {MAX_LAYER_WIDTH})")
    add_seed_option(parser, "weights and the batch")
    add_out_option(parser)
    parser.add_argument("--quick", action="store_true",
                        help="random numbers in place of images (784 inputs, 10 classes): no data set is read")
    args = parser.parse_args(argv)
    if args.quick:
        parser.require_at_most("--batch-size", args.batch_size, QUICK_SAMPLES, "the random samples of --quick")
    return args


def mini_batch(parser: ScriptParser, args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray, str]:
    """(x, t, a description of the data) for one mini-batch."""
    rng = np.random.default_rng(args.seed)
    if args.quick:
        x = rng.random((args.batch_size, 784), dtype=np.float32)
        return x, rng.integers(0, 10, args.batch_size), "random numbers"
    ((x_train, t_train), _), info = load_script_data(parser, args.dataset)
    parser.require_at_most("--batch-size", args.batch_size, len(x_train), f"the training samples of {info.title}")
    batch = rng.choice(len(x_train), args.batch_size, replace=False)
    return x_train[batch], t_train[batch], info.title


def print_edges(g: Graph) -> None:
    """Every edge of the graph: shape, summary of the value, summary of the gradient flowing back."""
    print(f"{'edge':22}{'shape':>12}  {'value':34}gradient")
    for edge in g.edges():
        value, grad = g.value(edge.source), g.edge_grad(edge)
        text = format_value(value, 4).removeprefix(format_shape(value)).strip()  # the shape has its own column
        print(f"{edge.source.name + ' -> ' + edge.node.name:22}{format_shape(value):>12}  {text:34}"
              f"{format_grad(grad, 4) if grad is not None else '(none)'}")
    print(f"{'loss':22}{'()':>12}  {format_value(g.value('loss'), 6):34}{format_grad(g.grad('loss'))}")


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, __file__)
    args = parse_args(parser, argv)
    out_dir = args.out / "graph_two_layer_net"
    parser.require_writable_files(out_dir / "graph_two_layer_net.png")
    x, t, source = mini_batch(parser, args)
    network = TwoLayerNet(x.shape[1], args.hidden, 10, seed=args.seed)
    network.layers["Affine1"].needs_input_grad = True  # training skips dL/dx; drawn, every edge shows its gradient
    g = network_graph(network, x, t)
    print(f"TwoLayerNet {x.shape[1]}-{args.hidden}-10, one forward and backward on {len(t)} samples of {source}")
    print_edges(g)
    title = (f"TwoLayerNet {x.shape[1]}-{args.hidden}-10 on a mini-batch of {len(t)} ({source}): "
             f"values above the edges (shape, mean μ, std σ), gradients below (norm)")
    figure = save_figure(draw_graph(g, title), out_dir / "graph_two_layer_net.png")
    print(f"figure: {figure}")
    return {"graph": g, "network": network, "figure": figure}


if __name__ == "__main__":
    main()
