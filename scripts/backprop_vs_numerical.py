"""Why backprop is fast: every gradient of a TwoLayerNet by numerical differences vs by backprop.

Centred differences need two forward passes per parameter, so their cost grows with the number of
parameters times the cost of one pass: quadratically as the hidden layer grows. Backprop needs one
forward and one backward pass whatever the number of parameters (chapter 5.7.3). For each hidden size
the script counts the passes, times both methods (median over repeats), checks that they agree, and
plots time and passes against the number of parameters on log-log axes.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/backprop_vs_numerical.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from benchmarks.common import counting_calls, timed_runs
from cli import add_out_option, add_seed_option, int_in_range, script_parser
from fileio import save_figure
from networks import TwoLayerNet
from networks.gradient_report import relative_difference
from training import with_progress

# A numerical gradient runs two forward passes per parameter, each costing about batch x parameters: its time
# grows with the square of the parameters and with the batch. On a 2-core CPU: TwoLayerNet(64, 200, 10), 15,010
# parameters, at batch 32: ~1.2 s; 50,000 parameters at batch 100: 13 s (784 inputs, 62 hidden units) to 75 s
# (1 input, 1,000 hidden units, 47 classes), each timing repeat; 10,000 hidden units: years.
MAX_PARAMETERS = 50_000
MAX_HIDDEN = 1_000
MAX_INPUT_SIZE = 1_000  # MNIST's 784 fits
MAX_OUTPUT_SIZE = 100
MAX_BATCH = 100
MAX_REPEATS = 20
MAX_SIZES = 20  # hidden sizes in one run
SQUARE = "the numerical gradient's time grows with the square of the parameters"


def measure(hidden: int, input_size: int, output_size: int, batch: int, repeats: int, seed: int) -> dict:
    """Passes, times and agreement of numerical vs backprop gradients for one hidden size (float64)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, input_size))
    t = rng.integers(0, output_size, batch)
    net = TwoLayerNet(input_size, hidden, output_size, weight_init_std="he", seed=seed, dtype=np.float64)
    with counting_calls(net, "loss") as forwards, counting_calls(net.last_layer, "backward") as backwards:
        numerical, numerical_s = timed_runs(lambda: net.numerical_gradient(x, t), max(repeats, 1))
    numerical_passes = (forwards.calls // max(repeats, 1), backwards.calls // max(repeats, 1))
    with counting_calls(net, "loss") as forwards, counting_calls(net.last_layer, "backward") as backwards:
        backprop, backprop_s = timed_runs(lambda: net.gradient(x, t), max(repeats, 5))
    backprop_passes = (forwards.calls // max(repeats, 5), backwards.calls // max(repeats, 5))
    return {
        "hidden": hidden,
        "params": sum(p.size for p in net.params.values()),
        "numerical_passes": numerical_passes,
        "backprop_passes": backprop_passes,
        "numerical_s": numerical_s,
        "backprop_s": backprop_s,
        "relative_difference": relative_difference(backprop, numerical),
    }


def plot(rows: list[dict], path: Path) -> Path:
    """Log-log figure: time and number of passes against the number of parameters."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    params = [r["params"] for r in rows]
    fig = Figure(figsize=(10, 4))
    FigureCanvasAgg(fig)
    ax_time, ax_passes = fig.subplots(1, 2)
    ax_time.loglog(params, [r["numerical_s"] for r in rows], "o-", label="numerical differences")
    ax_time.loglog(params, [r["backprop_s"] for r in rows], "s-", label="backprop")
    ax_time.set(xlabel="number of parameters", ylabel="seconds for all gradients", title="time (median)")
    ax_passes.loglog(params, [sum(r["numerical_passes"]) for r in rows], "o-",
                     label="numerical: 2 forward per parameter")
    ax_passes.loglog(params, [sum(r["backprop_passes"]) for r in rows], "s-",
                     label="backprop: 1 forward + 1 backward")
    ax_passes.set(xlabel="number of parameters", ylabel="passes through the network", title="passes")
    for ax in (ax_time, ax_passes):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return save_figure(fig, path)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = script_parser(__doc__, __file__)
    parser.add_argument("--hidden", type=int_in_range(1, MAX_HIDDEN, SQUARE), nargs="+",
                        default=[5, 10, 20, 50, 100, 200],
                        help=f"hidden sizes to measure, at most {MAX_SIZES}, each 1 to {MAX_HIDDEN}, for a network "
                             f"of at most {MAX_PARAMETERS} parameters: the numerical gradient's time grows with "
                             "their square, ~1.2 s at 200 (default 5 10 20 50 100 200)")
    parser.add_argument("--input-size", type=int_in_range(1, MAX_INPUT_SIZE, SQUARE), default=64,
                        help=f"inputs per example, 1 to {MAX_INPUT_SIZE} (default 64)")
    parser.add_argument("--output-size", type=int_in_range(1, MAX_OUTPUT_SIZE, SQUARE), default=10,
                        help=f"classes, 1 to {MAX_OUTPUT_SIZE} (default 10)")
    parser.add_argument("--batch", default=32,
                        type=int_in_range(1, MAX_BATCH, "every numerical derivative runs the batch forward twice"),
                        help=f"examples per pass, 1 to {MAX_BATCH}: every numerical derivative runs them all "
                             "(default 32)")
    parser.add_argument("--repeats", type=int_in_range(1, MAX_REPEATS, "each repeat times every gradient again"),
                        default=3, help=f"timing repeats, 1 to {MAX_REPEATS}, median reported (default 3)")
    add_seed_option(parser, "weights and data")
    add_out_option(parser, "folder for the figure")
    args = parser.parse_args(argv)
    if len(args.hidden) > MAX_SIZES:
        parser.error(f"argument --hidden: expected at most {MAX_SIZES} sizes (each is timed in full), "
                     f"got {len(args.hidden)}")
    per_hidden_unit = args.input_size + 1 + args.output_size  # TwoLayerNet: W1 column, b1 entry, W2 row
    parser.require_at_most("--hidden", max(args.hidden), (MAX_PARAMETERS - args.output_size) // per_hidden_unit,
                           f"at most {MAX_PARAMETERS} parameters with --input-size {args.input_size} and "
                           f"--output-size {args.output_size}; {SQUARE}")
    out_dir = args.out / "backprop_vs_numerical"
    parser.require_writable_files(out_dir / "backprop_vs_numerical.png")

    rows = [measure(hidden, args.input_size, args.output_size, args.batch, args.repeats, args.seed)
            for hidden in with_progress(args.hidden, label="hidden sizes measured")]
    print(f"TwoLayerNet({args.input_size}, hidden, {args.output_size}), batch {args.batch}, float64")
    print(f"{'hidden':>6} {'params':>7} {'numerical passes':>17} {'backprop passes':>16} "
          f"{'numerical s':>12} {'backprop s':>11} {'ratio':>8} {'rel. diff':>10}")
    for r in rows:
        fwd, bwd = r["numerical_passes"]
        bp_fwd, bp_bwd = r["backprop_passes"]
        print(f"{r['hidden']:>6} {r['params']:>7} {f'{fwd} fwd + {bwd} bwd':>17} {f'{bp_fwd} fwd + {bp_bwd} bwd':>16} "
              f"{r['numerical_s']:>12.4f} {r['backprop_s']:>11.6f} {r['numerical_s'] / r['backprop_s']:>8.0f} "
              f"{r['relative_difference']:>10.1e}")
    print("(rel. diff = ||backprop - numerical|| / (||backprop|| + ||numerical||); values well above 1e-8 come from\n"
          " a few pre-activations within the step h = 1e-4 of ReLU's kink, where a centred difference averages\n"
          " the two slopes)")
    path = plot(rows, out_dir / "backprop_vs_numerical.png")
    print(f"figure: {path}")
    return rows


if __name__ == "__main__":
    main()
