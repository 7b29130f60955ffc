"""Chapter 6.4.1-6.4.2 (figures 6-20 and 6-21): overfitting on 300 samples, and weight decay against it.

A 7-layer net MultiLayerNet 784-(100 x 6)-10 trains with SGD (lr 0.01, batch 100) on the first 300
training samples for 201 epochs, once without weight decay and once with lambda = 0.1 (the loss gains
lambda/2 * sum ||W||^2), from the same weights on the same batches. Each panel shows the accuracy on those
300 samples and on the test set per epoch: without decay the training accuracy reaches 1.0 while the
test accuracy stays far below; weight decay narrows the gap.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/overfit_weight_decay.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli import first, first_within, load_script_data, positive_float, until_stopped
from cli.chapter6 import chapter6_parser, parse_overfit_args
from networks import MultiLayerNet
from training import History, Trainer, accuracy_table, final_accuracies, plot_accuracy_panels


def main(argv: list[str] | None = None) -> dict:
    parser = chapter6_parser(__doc__, __file__)
    parser.add_argument("--weight-decay", type=positive_float, default=0.1,
                        help="lambda of the decayed run, below 2 / --lr (default 0.1)")
    args = parse_overfit_args(parser, argv, epochs=201)
    out_dir = args.out / "overfit_weight_decay"
    parser.require_writable_files(out_dir / "overfit_weight_decay.png")
    if args.lr * args.weight_decay >= 2:
        parser.error(f"argument --weight-decay: expected a number < 2 / lr = {2 / args.lr:g} with --lr {args.lr:g} "
                     "(at lr x lambda >= 2 each SGD step grows the weights instead of decaying them), "
                     f"got {args.weight_decay:g}")

    (train, test), info = load_script_data(parser, args.dataset)
    x_train, t_train = first_within(parser, "--train-size", train, args.train_size, f"training samples of {info.title}")
    x_test, t_test = first(test, 500 if args.quick else None)

    runs = {"without weight decay": 0.0, f"weight decay lambda = {args.weight_decay:g}": args.weight_decay}
    histories: dict[str, History] = {}
    for title, weight_decay in runs.items():
        network = MultiLayerNet(784, [100] * 6, 10, weight_decay_lambda=weight_decay, seed=args.seed)
        trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=args.epochs, mini_batch_size=100,
                          optimizer="SGD", optimizer_param={"lr": args.lr}, verbose=False, seed=args.seed,
                          progress=False if args.quick else title)
        histories[title] = until_stopped(parser, trainer.train)

    print(f"{info.title}, first {len(t_train)} training samples, {len(t_test)} test samples, "
          f"MultiLayerNet 784-100x6-10, SGD lr {args.lr:g}, batch 100, {args.epochs} epochs")
    final = final_accuracies(histories)
    print(accuracy_table(final))

    figure = plot_accuracy_panels(histories, out_dir / "overfit_weight_decay.png")
    print(f"figure: {figure}")
    return {"histories": histories, "final": final, "figures": [figure]}


if __name__ == "__main__":
    main()
