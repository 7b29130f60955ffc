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

from cli import first, first_within, load_script_data, unit_interval_float, until_stopped
from cli.chapter6 import chapter6_parser, parse_overfit_args
from networks import MultiLayerNet
from training import History, Trainer, accuracy_table, final_accuracies, plot_accuracy_panels


def main(argv: list[str] | None = None) -> dict:
    parser = chapter6_parser(__doc__, __file__)
    parser.add_argument("--dropout-ratio", type=unit_interval_float, default=0.2, help="dropout ratio (default 0.2)")
    args = parse_overfit_args(parser, argv, epochs=301)
    out_dir = args.out / "overfit_dropout"
    parser.require_writable_files(out_dir / "overfit_dropout.png")

    (train, test), info = load_script_data(parser, args.dataset)
    x_train, t_train = first_within(parser, "--train-size", train, args.train_size, f"training samples of {info.title}")
    x_test, t_test = first(test, 500 if args.quick else None)

    runs = {"without dropout": False, f"dropout ratio {args.dropout_ratio:g}": True}
    histories: dict[str, History] = {}
    for title, use_dropout in runs.items():
        network = MultiLayerNet(784, [100] * 6, 10, use_dropout=use_dropout, dropout_ratio=args.dropout_ratio,
                                seed=args.seed)
        trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=args.epochs, mini_batch_size=100,
                          optimizer="SGD", optimizer_param={"lr": args.lr}, verbose=False, seed=args.seed,
                          progress=False if args.quick else title)
        histories[title] = until_stopped(parser, trainer.train)

    print(f"{info.title}, first {len(t_train)} training samples, {len(t_test)} test samples, "
          f"MultiLayerNet 784-100x6-10, SGD lr {args.lr:g}, batch 100, {args.epochs} epochs")
    final = final_accuracies(histories)
    print(accuracy_table(final))

    figure = plot_accuracy_panels(histories, out_dir / "overfit_dropout.png")
    print(f"figure: {figure}")
    return {"histories": histories, "final": final, "figures": [figure]}


if __name__ == "__main__":
    main()
