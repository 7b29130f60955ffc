"""Chapter 6.5.3 (figure 6-24): random search of the learning rate and weight decay on a validation split.

The first 500 training samples (all of a smaller data set) are shuffled (seeded) and split into 400
for training and 100 (20%) for validation; the test set is never looked at. Each trial draws
lr = 10^U(-6, -2) and weight decay lambda = 10^U(-8, -4) and trains MultiLayerNet 784-(100 x 6)-10
with SGD (batch 100) for 50 epochs, from the same initial weights on the same batches, so that only
the two hyperparameters differ. The figure shows the best trials, ranked by final validation accuracy:
validation accuracy (solid) and training accuracy (dashed) per epoch. The book runs 100 trials; the
default here is 30, ``--trials`` to change.
"""

import math
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/hyperparameter_optimization.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import (
    QUICK_NOTE,
    add_dataset_option,
    add_out_option,
    add_seed_option,
    load_script_data,
    positive_int,
    script_parser,
)
from networks import MultiLayerNet
from training import History, Trainer, plot_accuracy_panels

SUBSET = 500  # the book's: the first 500 training samples
VALIDATION_SHARE = 0.20


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, __file__)
    add_out_option(parser)
    add_seed_option(parser, "split, draws, weights and batches")
    add_dataset_option(parser)
    parser.add_argument("--trials", type=positive_int, default=30, help="random trials (default 30; the book uses 100)")
    parser.add_argument("--epochs", type=positive_int, default=50, help="epochs per trial (default 50)")
    parser.add_argument("--show", type=positive_int, default=20, help="best trials drawn and listed (default 20)")
    parser.add_argument("--quick", action="store_true", help=f"3 trials of 2 epochs, for tests{QUICK_NOTE}")
    args = parser.apply_quick(parser.parse_args(argv), argv, trials=3, epochs=2)
    out_dir = args.out / "hyperparameter_optimization"
    parser.require_writable_files(out_dir / "hyperparameter_optimization.png")
    trials, epochs = args.trials, args.epochs

    ((x_train, t_train), _), info = load_script_data(parser, args.dataset)
    subset = min(SUBSET, len(t_train))
    validation_num = int(subset * VALIDATION_SHARE)
    if validation_num < 1:
        parser.fail(f"--dataset: {info.title} has {len(t_train)} training samples; a validation split of "
                    f"{VALIDATION_SHARE:.0%} needs at least {math.ceil(1 / VALIDATION_SHARE)}")
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(subset)
    x_train, t_train = x_train[:subset][order], t_train[:subset][order]
    x_val, t_val = x_train[:validation_num], t_train[:validation_num]
    x_train, t_train = x_train[validation_num:], t_train[validation_num:]

    results = []
    for trial in range(1, trials + 1):
        weight_decay = float(10 ** rng.uniform(-8, -4))
        lr = float(10 ** rng.uniform(-6, -2))
        network = MultiLayerNet(784, [100] * 6, 10, weight_decay_lambda=weight_decay, seed=args.seed)
        trainer = Trainer(network, x_train, t_train, x_val, t_val, epochs=epochs, mini_batch_size=100,
                          optimizer="SGD", optimizer_param={"lr": lr}, verbose=False, seed=args.seed,
                          progress=False if args.quick else f"trial {trial}/{trials}")
        history: History = trainer.train()
        results.append({"lr": lr, "weight_decay": weight_decay, "history": history})
        print(f"trial {trial:3d}: val acc {history.test_acc_list[-1]:.3f} | "
              f"lr {lr:.3e}, weight decay {weight_decay:.3e}")

    ranked = sorted(results, key=lambda r: r["history"].test_acc_list[-1], reverse=True)[:args.show]
    print(f"{info.title}: {len(t_train)} training / {validation_num} validation samples, {trials} trials of "
          f"{epochs} epochs, ranked by final validation accuracy")
    print("| rank | val acc | train acc | lr        | weight decay |")
    print("|------|---------|-----------|-----------|--------------|")
    for i, r in enumerate(ranked, 1):
        history = r["history"]
        print(f"| {i:>4} | {history.test_acc_list[-1]:>7.3f} | {history.train_acc_list[-1]:>9.3f} | "
              f"{r['lr']:.3e} | {r['weight_decay']:>12.3e} |")
    best = ranked[0]
    print(f"best hyperparameters: lr {best['lr']:.3e}, weight decay {best['weight_decay']:.3e} "
          f"(validation accuracy {best['history'].test_acc_list[-1]:.3f})")
    top = ranked[:5]
    print(f"top {len(top)} ranges: lr {min(r['lr'] for r in top):.1e} .. {max(r['lr'] for r in top):.1e}, weight decay "
          f"{min(r['weight_decay'] for r in top):.1e} .. {max(r['weight_decay'] for r in top):.1e}")

    best_histories = {f"Best-{i} (val {r['history'].test_acc_list[-1]:.2f})": r["history"]
                      for i, r in enumerate(ranked, 1)}
    figure = plot_accuracy_panels(best_histories, out_dir / "hyperparameter_optimization.png", cols=5,
                                  eval_label="validation")
    print(f"figure: {figure}")
    return {"results": results, "ranked": ranked, "best": {"lr": best["lr"], "weight_decay": best["weight_decay"]},
            "figures": [figure]}


if __name__ == "__main__":
    main()
