"""Chapter 6.4.1-6.4.2 (figures 6-20 and 6-21): overfitting on 300 samples, and weight decay against it.

A 7-layer net MultiLayerNet 784-(100 x 6)-10 trains with SGD (lr 0.01, batch 100) on the first 300
training samples for 201 epochs, once without weight decay and once with lambda = 0.1 (the loss gains
lambda/2 * sum ||W||^2), from the same weights on the same batches. Each panel shows the accuracy on those
300 samples and on the test set per epoch: without decay the training accuracy reaches 1.0 while the
test accuracy stays far below; weight decay narrows the gap.
"""

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/overfit_weight_decay.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datasets import DATASET_NAMES, load_dataset
from networks import MultiLayerNet
from training import History, Trainer, plot_accuracy_panels


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("results"), help="output directory (default results/)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initial weights and batch order (default 0)")
    parser.add_argument("--dataset", choices=DATASET_NAMES, default="mnist", help="data set (default mnist)")
    parser.add_argument("--weight-decay", type=float, default=0.1, help="lambda of the decayed run (default 0.1)")
    parser.add_argument("--train-size", type=int, default=300, help="training samples (default 300)")
    parser.add_argument("--epochs", type=int, default=201, help="epochs (default 201, as the book)")
    parser.add_argument("--lr", type=float, default=0.01, help="SGD learning rate (default 0.01)")
    parser.add_argument("--quick", action="store_true", help="3 epochs, 500 test samples, for tests")
    args = parser.parse_args(argv)
    epochs = 3 if args.quick else args.epochs

    ((x_train, t_train), (x_test, t_test)), info = load_dataset(args.dataset, fallback_to_builtin=True)
    if info.notice:
        print(info.notice)
    x_train, t_train = x_train[:args.train_size], t_train[:args.train_size]
    if args.quick:
        x_test, t_test = x_test[:500], t_test[:500]

    runs = {"without weight decay": 0.0, f"weight decay lambda = {args.weight_decay:g}": args.weight_decay}
    histories: dict[str, History] = {}
    for title, weight_decay in runs.items():
        network = MultiLayerNet(784, [100] * 6, 10, weight_decay_lambda=weight_decay, seed=args.seed)
        trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=epochs, mini_batch_size=100,
                          optimizer="SGD", optimizer_param={"lr": args.lr}, verbose=False, progress=False,
                          seed=args.seed)
        histories[title] = trainer.train()

    print(f"{info.title}, first {len(t_train)} training samples, {len(t_test)} test samples, "
          f"MultiLayerNet 784-100x6-10, SGD lr {args.lr:g}, batch 100, {epochs} epochs")
    width = max(len(title) for title in histories)
    print(f"| {'run':<{width}} | train acc | test acc | gap   |")
    print(f"|{'-' * (width + 2)}|-----------|----------|-------|")
    final = {}
    for title, history in histories.items():
        train_acc, test_acc = history.train_acc_list[-1], history.test_acc_list[-1]
        final[title] = {"train_acc": train_acc, "test_acc": test_acc, "gap": train_acc - test_acc}
        print(f"| {title:<{width}} | {train_acc:>9.4f} | {test_acc:>8.4f} | {train_acc - test_acc:>5.3f} |")

    figure = plot_accuracy_panels(histories, args.out / "overfit_weight_decay.png")
    print(f"figure: {figure}")
    return {"histories": histories, "final": final, "figures": [figure]}


if __name__ == "__main__":
    main()
