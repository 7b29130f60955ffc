"""What the chapter 7-8 scripts share: the data as (N, 1, 28, 28) images, a ConvNet by name, and its
weights, read from an .npz file or trained briefly with the book's recipe (Adam, lr 0.001, batch 100)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from datasets import load_dataset, load_mnist_split
from networks import Network
from networks.book_weights import BOOK_NETWORKS
from training import History, Trainer, TrainingDivergedError, TrainingInterrupted

NETWORK_NAMES: tuple[str, ...] = tuple(BOOK_NETWORKS)  # "simple" (chapter 7), "deep" (chapter 8)
BOOK_EVAL_SAMPLES = 1000  # the book's evaluate_sample_num_per_epoch for both ConvNets

Split = tuple[np.ndarray, np.ndarray]


def load_images(dataset: str, seed: int) -> tuple[Split, Split, str]:
    """Train and test splits of ``dataset`` as images (built-in digits if it cannot be had), and its title."""
    (train, test), info = load_dataset(dataset, flatten=False, fallback_to_builtin=True, seed=seed)
    if info.fell_back:
        print(f"notice: {info.fallback_reason}")
    return train, test, info.title


def load_mnist_test_images(data_dir: str | os.PathLike) -> tuple[Split, str]:
    """The real MNIST test set (t10k-*.gz in ``data_dir``) as images, and its title."""
    return load_mnist_split("test", data_dir, flatten=False), f"MNIST test set in {data_dir}"


def first(split: Split, n: int | None) -> Split:
    """The first ``n`` samples of ``split`` (all of them when ``n`` is None)."""
    x, t = split
    return (x, t) if n is None else (x[:n], t[:n])


def train_network(network: Network, train: Split, test: Split, *, epochs: int, lr: float, batch_size: int,
                  seed: int, eval_samples: int | None = BOOK_EVAL_SAMPLES, quiet: bool = False,
                  checkpoint_dir: Path | None = None, resume: bool = False, prog: str = "train") -> History:
    """Train ``network`` with Adam as the book does; a Ctrl-C or a diverged loss ends the script with its message.

    ``resume`` continues the run saved in ``checkpoint_dir`` (for the same data, batch size and seed).
    """
    trainer = Trainer(network, *train, *test, epochs=epochs, mini_batch_size=batch_size, optimizer="Adam",
                      optimizer_param={"lr": lr}, evaluate_sample_num_per_epoch=eval_samples, seed=seed,
                      verbose=not quiet, progress=not quiet, checkpoint_dir=checkpoint_dir)
    if resume:
        if trainer.checkpoint_path is None or not trainer.checkpoint_path.is_file():
            sys.exit(f"{prog}: --resume needs a checkpoint, and {trainer.checkpoint_path} does not exist")
        trainer.resume(trainer.checkpoint_path)
    try:
        return trainer.train()
    except (TrainingInterrupted, TrainingDivergedError) as stop:
        sys.exit(f"{prog}: {stop}")


def network_with_weights(kind: str, weights: Path | None, *, seed: int, train: Split | None, test: Split | None,
                         epochs: int, lr: float, batch_size: int, quiet: bool, prog: str) -> Network:
    """A ``kind`` ConvNet holding the parameters in ``weights``, or, without weights, trained for ``epochs``."""
    network = BOOK_NETWORKS[kind](seed=seed)
    name = type(network).__name__
    if weights is not None:
        try:
            network.load_params(weights)
        except (OSError, ValueError) as err:
            sys.exit(f"{prog}: cannot load {name} weights: {err}")
        print(f"{name}: weights from {weights}")
        return network
    if train is None or test is None:
        raise ValueError("network_with_weights: without weights, give the data to train on")
    print(f"{name}: no --weights given, training it for {epochs} epoch(s) on {len(train[0])} images "
          f"(Adam lr {lr:g}, batch {batch_size})")
    history = train_network(network, train, test, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed,
                            quiet=quiet, prog=prog)
    print(f"{name}: after training, train acc {history.train_acc_list[-1]:.4f}, "
          f"test acc {history.test_acc_list[-1]:.4f}")
    return network
