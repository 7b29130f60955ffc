"""Chapter 6.2.4 (figure 6-15): training loss on MNIST with weights initialised at std 0.01, Xavier and He.

Each initialisation trains the 5-layer ReLU net MultiLayerNet 784-100-100-100-100-10 with SGD (lr 0.01) on
the same mini-batches of 128 for 2000 iterations. With std 0.01 the signal vanishes through the layers
and the loss barely moves; Xavier and He learn, He fastest. The figure shows the smoothed loss curves.
"""

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/weight_init_compare.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datasets import DATASET_NAMES, load_dataset
from networks import MultiLayerNet
from networks.init import WeightInit
from training import Trainer, plot_loss_curves
from training.plots import default_window, smooth

INITS: dict[str, WeightInit] = {"std=0.01": 0.01, "Xavier": "xavier", "He": "he"}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("results"), help="output directory (default results/)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initial weights and batch order (default 0)")
    parser.add_argument("--dataset", choices=DATASET_NAMES, default="mnist", help="data set (default mnist)")
    parser.add_argument("--iters", type=int, default=2000, help="iterations per initialisation (default 2000)")
    parser.add_argument("--batch-size", type=int, default=128, help="mini-batch size (default 128)")
    parser.add_argument("--lr", type=float, default=0.01, help="SGD learning rate (default 0.01)")
    parser.add_argument("--quick", action="store_true", help="40 iterations, for tests")
    args = parser.parse_args(argv)
    iters = 40 if args.quick else args.iters

    ((x_train, t_train), (x_test, t_test)), info = load_dataset(args.dataset, fallback_to_builtin=True)
    if info.notice:
        print(info.notice)

    losses: dict[str, list[float]] = {}
    test_acc: dict[str, float] = {}
    for name, weight_init in INITS.items():
        network = MultiLayerNet(784, [100] * 4, 10, weight_init_std=weight_init, seed=args.seed)
        trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=None, mini_batch_size=args.batch_size,
                          optimizer="SGD", optimizer_param={"lr": args.lr}, evaluate_sample_num_per_epoch=1000,
                          verbose=False, progress=False, seed=args.seed, max_iterations=iters)
        losses[name] = trainer.train().train_loss_list
        test_acc[name] = network.accuracy(x_test, t_test)

    window = default_window(iters)
    final_loss = {name: float(smooth(curve, window)[-1]) for name, curve in losses.items()}
    print(f"{info.title}, MultiLayerNet 784-100x4-10 (ReLU), SGD lr {args.lr:g}, batch {args.batch_size}, "
          f"{iters} iterations, seed {args.seed}")
    print(f"final loss: mean of the last {window} mini-batch losses; test accuracy on all {len(t_test)} test samples")
    print("| weight init | final loss | test accuracy |")
    print("|-------------|------------|---------------|")
    for name in losses:
        print(f"| {name:<11} | {final_loss[name]:>10.4f} | {test_acc[name]:>13.4f} |")

    figure = plot_loss_curves(losses, args.out / "weight_init_compare.png", smoothing_window=window,
                              ylim=(0, 2.5), title=f"{info.title}: weight initialisation, SGD lr {args.lr:g}")
    print(f"figure: {figure}")
    return {"losses": losses, "final_loss": final_loss, "test_acc": test_acc, "figures": [figure]}


if __name__ == "__main__":
    main()
