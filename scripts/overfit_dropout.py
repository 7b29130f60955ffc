"""Chapter 6.4.3 (figure 6-23): overfitting on 300 samples, and Dropout against it.

A 7-layer net MultiLayerNet 784-(100 x 6)-10 trains with SGD (lr 0.01, batch 100) on the first 300
training samples for 301 epochs, once plain and once with a Dropout layer (ratio 0.2) after every hidden
activation, from the same weights on the same batches. Each panel shows the accuracy on those 300 samples
and on the test set per epoch: without dropout the training accuracy reaches 1.0 while the test accuracy
stays far below; with dropout the two curves stay closer.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/overfit_dropout.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from networks import MultiLayerNet
from scripts.chapter6_setup import chapter6_parser, load_data, parse_overfit_args, print_accuracy_table
from training import History, Trainer, plot_accuracy_panels


def main(argv: list[str] | None = None) -> dict:
    parser = chapter6_parser(__doc__)
    parser.add_argument("--dropout-ratio", type=float, default=0.2, help="dropout ratio (default 0.2)")
    args = parse_overfit_args(parser, argv, epochs=301)

    (x_train, t_train), (x_test, t_test), info = load_data(args.dataset, train_size=args.train_size,
                                                           test_size=500 if args.quick else None)

    runs = {"without dropout": False, f"dropout ratio {args.dropout_ratio:g}": True}
    histories: dict[str, History] = {}
    for title, use_dropout in runs.items():
        network = MultiLayerNet(784, [100] * 6, 10, use_dropout=use_dropout, dropout_ratio=args.dropout_ratio,
                                seed=args.seed)
        trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=args.epochs, mini_batch_size=100,
                          optimizer="SGD", optimizer_param={"lr": args.lr}, verbose=False, progress=False,
                          seed=args.seed)
        histories[title] = trainer.train()

    print(f"{info.title}, first {len(t_train)} training samples, {len(t_test)} test samples, "
          f"MultiLayerNet 784-100x6-10, SGD lr {args.lr:g}, batch 100, {args.epochs} epochs")
    final = print_accuracy_table(histories)

    figure = plot_accuracy_panels(histories, args.out / "overfit_dropout.png")
    print(f"figure: {figure}")
    return {"histories": histories, "final": final, "figures": [figure]}


if __name__ == "__main__":
    main()
