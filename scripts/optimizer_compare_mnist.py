"""Chapter 6.1.8 (figure 6-9): training loss of SGD, Momentum, Nesterov, AdaGrad, RMSprop and Adam on MNIST.

Every optimiser trains the same 5-layer net (MultiLayerNet 784-100-100-100-100-10, ReLU, He init) from the
same initial weights on the same mini-batches of 128, for 2000 iterations with the book's learning rates.
The figure shows each loss curve smoothed by a moving average; the table gives the final smoothed loss.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/optimizer_compare_mnist.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli import load_script_data, until_stopped
from cli.chapter6 import add_iteration_options, chapter6_parser, parse_iteration_args
from cli.printing import final_loss_note
from networks import MultiLayerNet
from training import Trainer, plot_loss_curves
from training.plots import default_window, smooth

LEARNING_RATES = {"SGD": 0.01, "Momentum": 0.01, "Nesterov": 0.01, "AdaGrad": 0.01, "RMSprop": 0.01, "Adam": 0.001}


def main(argv: list[str] | None = None) -> dict:
    parser = chapter6_parser(__doc__, __file__)
    add_iteration_options(parser, "optimiser")
    parser.add_argument("--optimizers", nargs="+", choices=list(LEARNING_RATES), default=list(LEARNING_RATES),
                        help="optimisers to compare (default: all six)")
    args, iters = parse_iteration_args(parser, argv)
    out_dir = args.out / "optimizer_compare_mnist"
    parser.require_writable_files(out_dir / "optimizer_compare_mnist.png")

    ((x_train, t_train), (x_test, t_test)), info = load_script_data(parser, args.dataset)
    parser.require_at_most("--batch-size", args.batch_size, len(x_train), f"the training samples of {info.title}")

    losses: dict[str, list[float]] = {}
    test_acc: dict[str, float] = {}
    for name in args.optimizers:
        network = MultiLayerNet(784, [100] * 4, 10, seed=args.seed)
        trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=None, mini_batch_size=args.batch_size,
                          optimizer=name, optimizer_param={"lr": LEARNING_RATES[name]},
                          evaluate_sample_num_per_epoch=1000, verbose=False, progress=False if args.quick else name,
                          seed=args.seed, max_iterations=iters)
        losses[name] = until_stopped(parser, trainer.train).train_loss_list
        test_acc[name] = network.accuracy(x_test, t_test)

    window = default_window(iters)
    final_loss = {name: float(smooth(curve, window)[-1]) for name, curve in losses.items()}
    print(f"{info.title}, MultiLayerNet 784-100x4-10, batch {args.batch_size}, {iters} iterations, seed {args.seed}")
    print(f"final loss: {final_loss_note(window)}; test accuracy on all {len(t_test)} test samples")
    print("| optimizer | lr     | final loss | test accuracy |")
    print("|-----------|--------|------------|---------------|")
    for name in losses:
        print(f"| {name:<9} | {LEARNING_RATES[name]:<6g} | {final_loss[name]:>10.4f} | {test_acc[name]:>13.4f} |")

    figure = plot_loss_curves(losses, out_dir / "optimizer_compare_mnist.png", smoothing_window=window,
                              ylim=None if iters < 1000 else (0, 1),  # the book's view, once the curves settle
                              title=f"{info.title}: 5-layer net, batch {args.batch_size}")
    print(f"figure: {figure}")
    return {"losses": losses, "final_loss": final_loss, "test_acc": test_acc, "figures": [figure]}


if __name__ == "__main__":
    main()
