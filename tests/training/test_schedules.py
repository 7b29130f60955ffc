"""Learning-rate schedules: values worked out by hand, configs, and how the Trainer applies them."""

from __future__ import annotations

import json
import math

import pytest

from networks import TwoLayerNet
from optimizers import SGD
from training import ConstantLR, CosineDecay, StepDecay, Trainer, schedule_from_config


def test_constant():
    s = ConstantLR(0.1)
    assert s(0) == s(3.7) == s(1000) == 0.1


def test_step_decay_by_hand():
    s = StepDecay(0.1, step_size=10, gamma=0.5)
    assert s(0) == 0.1 and s(9.99) == 0.1
    assert s(10) == 0.05 and s(19.5) == 0.05
    assert s(25) == pytest.approx(0.025, rel=1e-15)
    assert StepDecay(1.0, step_size=2.5, gamma=0.1)(5.0) == pytest.approx(0.01, rel=1e-15)


def test_step_decay_divides_by_ten_by_default():
    """Without gamma, the usual "divide by 10 every step_size epochs"."""
    s = StepDecay(0.1, step_size=30)
    assert s(29.9) == 0.1
    assert s(30) == pytest.approx(0.01, rel=1e-15) and s(60) == pytest.approx(0.001, rel=1e-15)


def test_cosine_decay_by_hand():
    s = CosineDecay(0.1, total_epochs=10)
    assert s(0) == 0.1
    assert s(5) == pytest.approx(0.05, rel=1e-15)            # half way: the mean of start and end
    assert s(2.5) == pytest.approx(0.1 * (1 + math.sqrt(0.5)) / 2, rel=1e-15)
    assert s(10) == 0.0 and s(12) == 0.0
    with_floor = CosineDecay(0.1, total_epochs=10, lr_min=0.01)
    assert with_floor(5) == pytest.approx(0.055, rel=1e-15) and with_floor(10) == 0.01


@pytest.mark.parametrize("make", [lambda: ConstantLR(0), lambda: StepDecay(0.1, 0), lambda: StepDecay(0.1, 1, -1),
                                  lambda: CosineDecay(0.1, 0), lambda: CosineDecay(0.1, 5, lr_min=0.2),
                                  lambda: ConstantLR(float("inf"))])
def test_bad_settings_raise(make):
    with pytest.raises(ValueError):
        make()


def test_negative_position_raises():
    with pytest.raises(ValueError, match="epochs >= 0"):
        StepDecay(0.1, 1)(-0.5)


@pytest.mark.parametrize("schedule", [ConstantLR(0.3), StepDecay(0.1, 3, 0.2), CosineDecay(0.5, 7.5, 0.05)])
def test_config_round_trip(schedule):
    config = json.loads(json.dumps(schedule.config()))
    rebuilt = schedule_from_config(config)
    assert type(rebuilt) is type(schedule)
    for epoch in (0, 0.3, 1, 2.9, 3, 7.4, 8, 20):
        assert rebuilt(epoch) == schedule(epoch)


def test_unknown_config_raises():
    with pytest.raises(ValueError, match="unknown schedule 'warmup'"):
        schedule_from_config({"name": "warmup", "lr": 0.1})
    with pytest.raises(ValueError, match="bad arguments"):
        schedule_from_config({"name": "step", "lr": 0.1})


class RecordingSGD(SGD):
    def __init__(self, lr):
        super().__init__(lr)
        self.used: list[float] = []

    def update(self, params, grads):
        self.used.append(self.lr)
        super().update(params, grads)


def run(blobs, schedule, epochs=3):
    x, t = blobs(203)                                  # 11 updates per epoch with batches of 20
    opt = RecordingSGD(0.5)
    trainer = Trainer(TwoLayerNet(8, 6, 3, seed=1), x, t, x, t, epochs=epochs, mini_batch_size=20, optimizer=opt,
                      schedule=schedule, verbose=False, progress=False)
    return trainer.train(), opt.used, trainer


def test_step_decay_changes_exactly_at_epoch_boundaries(blobs):
    history, used, _ = run(blobs, StepDecay(0.1, step_size=1, gamma=0.5))
    assert used == [0.1] * 11 + [0.05] * 11 + [0.025] * 11
    assert history.lr_list == [0.1, 0.05, 0.025]


def test_cosine_decay_moves_every_update(blobs):
    _, used, _ = run(blobs, CosineDecay(0.2, total_epochs=3))
    expected = [0.2 * (1 + math.cos(math.pi * (e + j / 11) / 3)) / 2 for e in range(3) for j in range(11)]
    assert used == pytest.approx(expected, rel=1e-12)
    assert len(set(used)) == 33


def test_a_plain_function_works_and_is_marked_custom(blobs):
    _, used, trainer = run(blobs, lambda epoch: 0.1 / (1 + epoch), epochs=1)
    assert used == pytest.approx([0.1 / (1 + j / 11) for j in range(11)], rel=1e-12)
    assert trainer.config["schedule"] == {"name": "custom"}
