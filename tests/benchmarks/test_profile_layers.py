"""benchmarks.profile_layers: it times every part of the Trainer's step without changing the step."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import profile_layers


def _args(*argv: str):
    return profile_layers.parse_args(["--batch", "4", "--steps", "2", "--warmup", "1", *argv])


@pytest.mark.parametrize("argv", [("--network", "TwoLayerNet"), ("--network", "SimpleConvNet", "--book"),
                                  ("--network", "DeepConvNet")])
def test_every_layer_the_loss_layer_and_the_update_get_a_time(argv, capsys):
    parts = profile_layers.main(["--batch", "4", "--steps", "2", "--warmup", "1", *argv])
    net, _, _ = profile_layers.build(_args(*argv))
    assert list(parts) == [*net.layers, profile_layers.LOSS_ROW, profile_layers.UPDATE_ROW]
    assert all(forward > 0 for forward, _ in parts.values())
    assert all(backward > 0 for name, (_, backward) in parts.items() if name != profile_layers.UPDATE_ROW)
    assert parts[profile_layers.UPDATE_ROW][1] is None
    out = capsys.readouterr().out
    assert "the parts add up to" in out and "by class:" in out and "BLAS:" in out
    assert ("SGD" if argv[1] == "TwoLayerNet" else "Adam") in out  # the update's row names the optimiser


def test_the_profiled_steps_train_exactly_as_plain_steps_and_leave_no_clock_behind():
    args = _args("--network", "TwoLayerNet", "--hidden", "7")
    profiled, optimizer, batches = profile_layers.build(args)
    profile_layers.profile_step(profiled, optimizer, batches, steps=args.steps, warmup=args.warmup)

    plain, plain_optimizer, _ = profile_layers.build(args)
    for _ in range(2):  # profile_step runs the steps twice: once whole, once with clocks
        for i in range(args.warmup + args.steps):
            x, t = batches[i % len(batches)]
            _, grads = plain.loss_and_gradient(x, t)
            plain_optimizer.update(plain.params, grads)
    for key in plain.params:
        np.testing.assert_array_equal(profiled.params[key], plain.params[key])
    for layer in [*profiled.layers.values(), profiled.last_layer]:
        assert "forward" not in vars(layer) and "backward" not in vars(layer)
    assert "update" not in vars(optimizer)


@pytest.mark.parametrize("argv", [("--steps", "0"), ("--warmup", "-1"), ("--threads", "0"), ("--fast", "--book")])
def test_bad_options_are_refused(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        profile_layers.parse_args(list(argv))
    assert stopped.value.code == 2
