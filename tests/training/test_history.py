"""History: recording, truncation, and the round trip through JSON."""

from __future__ import annotations

import json

import pytest

from training import History


def filled() -> History:
    h = History()
    for i in range(7):
        h.record_loss(2.0 / (i + 1))
        if i % 3 == 2:
            h.record_evaluation((i + 1) / 3, i + 1, 0.1 * i, 0.09 * i, 0.1 / (i + 1))
    h.record_evaluation(7 / 3, 7, 0.8, 0.75, 0.01)
    return h


def test_json_round_trip():
    h = filled()
    text = json.dumps(h.to_dict(), allow_nan=False)
    back = History.from_dict(json.loads(text))
    assert back == h
    assert back.iteration_list == [3, 6, 7] and isinstance(back.iteration_list[0], int)


def test_truncate_drops_later_losses_and_evaluations():
    h = filled()
    h.truncate(6)
    assert h.iterations == 6 and h.iteration_list == [3, 6]
    assert len(h.train_acc_list) == len(h.test_acc_list) == len(h.epoch_list) == len(h.lr_list) == 2
    h.truncate(2)
    assert h.train_loss_list == [2.0, 1.0] and h.iteration_list == []


def test_from_dict_rejects_malformed_input():
    data = filled().to_dict()
    with pytest.raises(ValueError, match=r"missing keys \['lr_list'\]"):
        History.from_dict({k: v for k, v in data.items() if k != "lr_list"})
    with pytest.raises(ValueError, match="differ in length"):
        History.from_dict({**data, "test_acc_list": data["test_acc_list"][:-1]})
    with pytest.raises(ValueError, match="unknown keys"):
        History.from_dict({**data, "extra": []})
    with pytest.raises(ValueError, match="non-finite"):
        History.from_dict({**data, "train_loss_list": [1.0, float("nan")]})


@pytest.mark.parametrize(("name", "value", "message"), [
    ("train_loss_list", "1234567", r"train_loss_list must be a list of numbers, got str"),
    ("train_loss_list", [1.0, "2"], r"train_loss_list\[1\] must be a real number, got str"),
    ("lr_list", [0.1, 0.1, False], r"lr_list\[2\] must be a real number, got bool"),
    ("iteration_list", [3, 6.5, 7], r"iteration_list\[1\] must be an integer, got float"),
    ("iteration_list", [3, 7, 6], r"iteration_list must rise"),
    ("iteration_list", [3, 6, 8], r"iteration_list must rise .* at most 7"),
])
def test_from_dict_rejects_entries_that_are_not_numbers_in_order(name, value, message):
    data = filled().to_dict()
    with pytest.raises(ValueError, match=message):
        History.from_dict({**data, name: value})
