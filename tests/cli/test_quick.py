"""--quick shortens a run where the user said nothing; an option written out wins (``--quick --epochs 4``)."""

from __future__ import annotations

import pytest

from cli import script_parser
from scripts import train_neuralnet


def parser_with(*options: str):
    parser = script_parser(None, "example.py")
    for option in options:
        parser.add_argument(option, type=int, default=100)
    parser.add_argument("--quick", action="store_true")
    return parser


@pytest.mark.parametrize(("argv", "expected"), [
    (["--quick"], (2, 7)),
    (["--quick", "--epochs", "4"], (4, 7)),
    (["--quick", "--epochs=4", "--iters", "9"], (4, 9)),
    (["--epochs", "4"], (4, 100)),               # no --quick: nothing is set
    (["--quick", "--epo", "4"], (4, 7)),         # a shortened name, as argparse takes it
    (["--quick", "--it=9"], (2, 9)),
])
def test_apply_quick_sets_only_what_was_not_written(argv, expected):
    parser = parser_with("--epochs", "--iters")
    args = parser.apply_quick(parser.parse_args(argv), argv, epochs=2, iters=7)
    assert (args.epochs, args.iters) == expected


def test_the_main_jobs_quick_keeps_an_explicit_iters(tmp_path):
    parser = script_parser(None, "train_neuralnet.py")
    args = train_neuralnet.parse_args(parser, ["--quick", "--iters", "7", "--out", str(tmp_path)])
    assert args.iters == 7 and args.eval_samples == train_neuralnet.QUICK["eval_samples"]
    args = train_neuralnet.parse_args(script_parser(None, "train_neuralnet.py"), ["--quick", "--out", str(tmp_path)])
    assert args.iters == train_neuralnet.QUICK["iters"]


def test_the_convnet_scripts_quick_keeps_an_explicit_epochs(tmp_path):
    from cli.convnet import add_training_options, parse_with_quick
    from scripts import train_convnet

    def parse(argv):
        parser = script_parser(None, "train_convnet.py")
        add_training_options(parser, train_convnet.QUICK, train_convnet.DEFAULT)
        return parse_with_quick(parser, [*argv, "--out", str(tmp_path)], train_convnet.QUICK, train_convnet.DEFAULT)

    explicit = parse(["--quick", "--epochs", "4"])
    assert explicit.epochs == 4 and explicit.train_size == train_convnet.QUICK["train_size"]
    assert parse(["--quick"]).epochs == train_convnet.QUICK["epochs"]


@pytest.mark.parametrize(("argv", "refused"), [
    (["--quick"], False),                          # --quick's 100: cut to the 20 samples there are
    ([], False),                                   # the default 100: cut too
    (["--quick", "--test-size", "100"], True),     # written out: refused, as --batch-size is
    (["--test-size=21"], True),
])
def test_within_data_refuses_a_size_written_out_and_cuts_the_others(argv, refused, capsys):
    parser = parser_with("--test-size")
    args = parser.apply_quick(parser.parse_args(argv), argv, test_size=100)
    if refused:
        with pytest.raises(SystemExit) as info:
            parser.within_data("--test-size", args.test_size, 20, "the 20 test images")
        assert info.value.code == 2
        assert capsys.readouterr().err == (f"example: error: argument --test-size: expected at most 20 (the 20 test "
                                           f"images), got {args.test_size} (see --help)\n")
    else:
        assert parser.within_data("--test-size", args.test_size, 20, "the 20 test images") == 20
    assert parser.within_data("--test-size", 20, 20, "the 20 test images") == 20
    assert parser.within_data("--test-size", None, 20, "the 20 test images") is None
