"""A small training run for the fault tests to start as a child process and then signal or kill.

MultiLayerNet 8-16-16-3 with Dropout and BatchNorm (whose generator and running statistics move in
every forward pass, so a step saved half done shows in the result) trained by Adam on 60 points,
batch 10, a checkpoint after every epoch of 6 updates. Prints one line per event on stdout, flushed,
so the parent can time its signals:

    READY              the Trainer is built, training starts
    STEP <n>           inside the n-th training forward pass of this process, after both Dropout
                       layers drew their masks (with --slow-forward, which sleeps there)
    SAVING             a checkpoint write has begun (with --slow-save, which sleeps inside the zip writer)
    INTERRUPTED <iteration> <checkpoint path or ->
    DONE <iteration>   finished; the final parameters are in --out

Exit status: 0 when done, 130 after TrainingInterrupted.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np

import training.checkpoint
from networks import MultiLayerNet
from training import Trainer, TrainingInterrupted

N, BATCH, EPOCHS = 60, 10, 8


def say(line: str) -> None:
    print(line, flush=True)


def blobs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = 3.0 * rng.standard_normal((3, 8))
    t = rng.integers(0, 3, n)
    return (centres[t] + rng.standard_normal((n, 8))).astype(np.float32), t


def build() -> MultiLayerNet:
    return MultiLayerNet(8, [16, 16], 3, use_dropout=True, dropout_ratio=0.2, use_batchnorm=True, seed=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkpoint-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--slow-forward", type=float, default=0.0, help="seconds to sleep inside each forward pass")
    parser.add_argument("--slow-save", type=float, default=0.0, help="seconds to sleep halfway through each save")
    args = parser.parse_args(argv)

    network = build()
    dropout = network.layers["Dropout2"]
    original_forward = dropout.forward
    step = [0]

    def forward(x: np.ndarray, train_flg: bool = True) -> np.ndarray:
        out = original_forward(x, train_flg=train_flg)  # both Dropouts and BatchNorms have moved by now
        if args.slow_forward and train_flg:
            step[0] += 1
            say(f"STEP {step[0]}")
            time.sleep(args.slow_forward)
        return out

    dropout.forward = forward

    if args.slow_save:
        write_npz = training.checkpoint.write_npz

        def slow_write(file, arrays):
            say("SAVING")
            write_npz(_SlowFile(file, args.slow_save), arrays)   # the zip writer is mid-archive while it sleeps

        training.checkpoint.write_npz = slow_write

    x, t = blobs(N, 0)
    x_test, t_test = blobs(30, 1)
    settings = dict(verbose=False, progress=False)
    path = args.checkpoint_dir / "latest.npz"
    if args.resume and path.is_file():
        trainer = Trainer.from_checkpoint(path, network, x, t, x_test, t_test, **settings)
    else:
        trainer = Trainer(network, x, t, x_test, t_test, epochs=EPOCHS, mini_batch_size=BATCH, optimizer="adam",
                          optimizer_param={"lr": 0.01}, seed=3, checkpoint_dir=args.checkpoint_dir, **settings)
    say("READY")
    try:
        trainer.train()
    except TrainingInterrupted as stop:
        say(f"INTERRUPTED {stop.iteration} {stop.checkpoint_path or '-'}")
        return 130
    network.save_params(args.out)
    say(f"DONE {trainer.current_iter}")
    return 0


class _SlowFile:
    """A file whose fifth write sleeps first: a write cut short inside the zip writer, as a real one is."""

    def __init__(self, file, seconds: float) -> None:
        self._file, self._seconds, self._writes = file, seconds, 0

    def write(self, data: bytes) -> int:
        self._writes += 1
        if self._writes == 5:
            self._file.flush()
            time.sleep(self._seconds)
        return self._file.write(data)

    def __getattr__(self, name: str) -> object:
        return getattr(self._file, name)


if __name__ == "__main__":
    sys.exit(main())
