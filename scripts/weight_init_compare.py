"""Chapter 6.2.4 (figure 6-15): training loss on MNIST with weights initialised at std 0.01, Xavier and He.

Each initialisation trains the 5-layer ReLU net MultiLayerNet 784-100-100-100-100-10 with SGD (lr 0.01) on
the same mini-batches of 128 for 2000 iterations. With std 0.01 the signal vanishes through the layers
and the loss barely moves; Xavier and He learn, He fastest. The figure shows the smoothed loss curves.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/weight_init_compare.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli import load_script_data, positive_float, until_stopped
from cli.chapter6 import add_iteration_options, chapter6_parser, parse_iteration_args
from cli.printing import final_loss_note
from networks import MultiLayerNet
from networks.init import WeightInit
from training import Trainer, plot_loss_curves
from training.plots import default_window, smooth

INITS: dict[str, WeightInit] = {"std=0.01": 0.01, "Xavier": "xavier", "He": "he"}


def main(argv: list[str] | None = None) -> dict:
    parser = chapter6_parser(__doc__, __file__)
    add_iteration_options(parser, "initialisation")
    parser.add_argument("--lr", type=positive_float, default=0.01, help="SGD learning rate (default 0.01)")
    args, iters = parse_iteration_args(parser, argv)
    out_dir = args.out / "weight_init_compare"
    parser.require_writable_files(out_dir / "weight_init_compare.png")

    ((x_train, t_train), (x_test, t_test)), info = load_script_data(parser, args.dataset)
    parser.require_at_most("--batch-size", args.batch_size, len(x_train), f"the training samples of {info.title}")

    losses: dict[str, list[float]] = {}
    test_acc: dict[str, float] = {}
    for name, weight_init in INITS.items():
        network = MultiLayerNet(784, [100] * 4, 10, weight_init_std=weight_init, seed=args.seed)
        trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=None, mini_batch_size=args.batch_size,
                          optimizer="SGD", optimizer_param={"lr": args.lr}, evaluate_sample_num_per_epoch=1000,
                          verbose=False, progress=False if args.quick else name, seed=args.seed, max_iterations=iters)
        losses[name] = until_stopped(parser, trainer.train).train_loss_list
        test_acc[name] = network.accuracy(x_test, t_test)

    window = default_window(iters)
    final_loss = {name: float(smooth(curve, window)[-1]) for name, curve in losses.items()}
    print(f"{info.title}, MultiLayerNet 784-100x4-10 (ReLU), SGD lr {args.lr:g}, batch {args.batch_size}, "
          f"{iters} iterations, seed {args.seed}")
    print(f"final loss: {final_loss_note(window)}; test accuracy on all {len(t_test)} test samples")
    print("| weight init | final loss | test accuracy |")
    print("|-------------|------------|---------------|")
    for name in losses:
        print(f"| {name:<11} | {final_loss[name]:>10.4f} | {test_acc[name]:>13.4f} |")

    figure = plot_loss_curves(losses, out_dir / "weight_init_compare.png", smoothing_window=window,
                              ylim=(0, 2.5), title=f"{info.title}: weight initialisation, SGD lr {args.lr:g}")
    print(f"figure: {figure}")
    return {"losses": losses, "final_loss": final_loss, "test_acc": test_acc, "figures": [figure]}


if __name__ == "__main__":
    main()
