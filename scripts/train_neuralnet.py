"""The main job, chapter 5.7.4: train TwoLayerNet with backprop and SGD, the book's recipe.

Hidden 50, batch 100, lr 0.1, 10,000 iterations, train and test accuracy at each epoch's end. Uses
MNIST when it is cached or can be downloaded, otherwise the built-in digits (with a notice saying why).
Saves the loss and accuracy curves as a PNG and the trained weights as .npz under --out/train_neuralnet.
``--activation sigmoid`` runs chapter 4.5's version (ch04/train_neuralnet.py): the same recipe with
that chapter's sigmoid TwoLayerNet, whose curves are the book's Figures 4-11 and 4-12; its files are
named ..._sigmoid, beside the ReLU run's.
"""

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/train_neuralnet.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli import (
    MAX_LAYER_WIDTH,
    QUICK_NOTE,
    ScriptParser,
    add_checkpoint_options,
    add_dataset_option,
    add_out_option,
    add_seed_option,
    check_resume_options,
    layer_width,
    load_script_data,
    positive_float,
    positive_int,
    resume_if_asked,
    script_parser,
    thread_count,
    until_stopped,
)
from datasets import DatasetInfo
from engine.threads import MAX_THREADS, set_num_threads
from networks import TwoLayerNet
from training import History, Trainer, plot_history

QUICK = {"iters": 300, "eval_samples": 2000}
TITLE_NOTE = {"relu": "", "sigmoid": " (sigmoid, chapter 4)"}


def parse_args(parser: ScriptParser, argv: list[str] | None) -> argparse.Namespace:
    add_dataset_option(parser)
    parser.add_argument("--iters", type=positive_int, default=10_000, help="training iterations (default 10000)")
    parser.add_argument("--batch-size", type=positive_int, default=100, help="mini-batch size (default 100)")
    parser.add_argument("--lr", type=positive_float, default=0.1, help="SGD learning rate (default 0.1)")
    parser.add_argument("--hidden", type=layer_width, default=50,
                        help=f"hidden units (default 50, at most {MAX_LAYER_WIDTH})")
    add_seed_option(parser, "weights and batch order")
    parser.add_argument("--eval-samples", type=positive_int, default=None,
                        help="evaluate each epoch on this many train/test samples (default: all)")
    add_out_option(parser)
    add_checkpoint_options(parser)
    parser.add_argument("--activation", choices=["relu", "sigmoid"], default="relu",
                        help="the hidden layer: relu (chapter 5, the default) or sigmoid (chapter 4.5's TwoLayerNet)")
    parser.add_argument("--fast", action="store_true",
                        help="build TwoLayerNet from the engine's twins of Affine and Relu (TwoLayerNet(fast=True)): "
                             "the same network, faster from about 100 hidden units, where its products are split "
                             "over the cores; the weights it saves load into either build")
    parser.add_argument("--threads", type=thread_count, default=None,
                        help=f"threads to compute with, at most {MAX_THREADS} (default: $ZEROPROP_NUM_THREADS, "
                             f"else all cores)")
    parser.add_argument("--quick", action="store_true",
                        help=f"a short run for CI: {QUICK['iters']} iterations, evaluation on "
                             f"{QUICK['eval_samples']} samples{QUICK_NOTE}")
    args = parser.parse_args(argv)
    check_resume_options(parser, args)
    parser.require_writable_files(*output_files(args))
    parser.apply_quick(args, argv, iters=QUICK["iters"], eval_samples=QUICK["eval_samples"])
    return args


def output_files(args: argparse.Namespace) -> tuple[Path, Path]:
    """The figure and the weights this run writes: chapter 5's ReLU net's, or chapter 4's sigmoid net's
    beside them (the two nets' weights have the same names and shapes: one must not replace the other)."""
    out, suffix = args.out / "train_neuralnet", "" if args.activation == "relu" else f"_{args.activation}"
    return out / f"loss_and_accuracy{suffix}.png", out / f"two_layer_net{suffix}.npz"


def train(parser: ScriptParser, args: argparse.Namespace) -> tuple[TwoLayerNet, History, DatasetInfo, int]:
    """Load the data and train; the data is freed when this returns, before any figure is drawn."""
    set_num_threads(args.threads)  # --threads and ZEROPROP_NUM_THREADS were checked while parsing
    (train_split, test_split), info = load_script_data(parser, args.dataset)
    (x_train, t_train), (x_test, t_test) = train_split, test_split
    parser.require_at_most("--batch-size", args.batch_size, len(x_train), f"the training samples of {info.title}")
    eval_samples = parser.within_data("--eval-samples", args.eval_samples, max(len(x_train), len(x_test)),
                                      f"the larger of the {len(x_train)} training and {len(x_test)} test samples "
                                      f"of {info.title}")
    print(f"data: {info.title}, {len(x_train)} training and {len(x_test)} test images")

    network = TwoLayerNet(x_train.shape[1], args.hidden, 10, seed=args.seed, fast=args.fast, activation=args.activation)
    trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=None, mini_batch_size=args.batch_size,
                      optimizer="SGD", optimizer_param={"lr": args.lr},
                      evaluate_sample_num_per_epoch=eval_samples, seed=args.seed,
                      max_iterations=args.iters, checkpoint_dir=args.checkpoint_dir, progress=not args.quick)
    resume_if_asked(parser, trainer, args.resume)
    history = until_stopped(parser, trainer.train)
    return network, history, info, x_train.shape[1]


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, __file__)
    args = parse_args(parser, argv)
    network, history, info, input_size = train(parser, args)

    figure_file, weights_file = output_files(args)
    title = f"TwoLayerNet {input_size}-{args.hidden}-10{TITLE_NOTE[args.activation]} on {info.title}"
    figure = plot_history(history, figure_file, title=title)
    weights = network.save_params(weights_file)
    print(f"final train acc {history.train_acc_list[-1]:.4f}, test acc {history.test_acc_list[-1]:.4f}")
    print(f"figure: {figure}")
    print(f"weights: {weights}")
    return {"history": history, "figure": figure, "weights": weights, "dataset": info.name, "network": network}


if __name__ == "__main__":
    main()
