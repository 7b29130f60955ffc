"""The table of downloadable IDX data sets: file names, checksums and mirrors.

A :class:`DatasetSpec` is all the loaders need to know about a data set, so tests and users
can pass their own (e.g. a local mirror, or small files with their own checksums).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEX = re.compile(r"[0-9a-f]+")
SPLITS = ("train", "test")
UNKNOWN_SIZE_CAP = 100_000_000   # bytes accepted for a file of unknown size (Fashion-MNIST's largest: 26.4 MB)


@dataclass(frozen=True)
class RemoteFile:
    """One gzipped IDX file: its name and known MD5 (and SHA-256 and byte size where known).

    A download stops once it exceeds ``size_limit``: ``size`` where known, else ``max_size``, else
    :data:`UNKNOWN_SIZE_CAP`, so that no mirror can stream without end into the cache.
    """

    name: str
    md5: str
    sha256: str | None = None
    size: int | None = None
    max_size: int | None = None

    @property
    def size_limit(self) -> int:
        """The most bytes a download of this file may hold."""
        if self.size is not None:
            return self.size
        return UNKNOWN_SIZE_CAP if self.max_size is None else self.max_size

    def __post_init__(self) -> None:
        if not self.name or "/" in self.name or self.name.startswith("."):
            raise ValueError(f"RemoteFile name must be a plain file name, got {self.name!r}")
        if len(self.md5) != 32 or not _HEX.fullmatch(self.md5):
            raise ValueError(f"{self.name}: md5 must be 32 lowercase hex digits, got {self.md5!r}")
        if self.sha256 is not None and (len(self.sha256) != 64 or not _HEX.fullmatch(self.sha256)):
            raise ValueError(f"{self.name}: sha256 must be 64 lowercase hex digits, got {self.sha256!r}")


@dataclass(frozen=True)
class DatasetSpec:
    """A data set of four IDX files (train/test images/labels) with ``num_classes`` labels.

    ``name`` is the registry key and the cache sub-folder; ``title`` is for messages;
    ``mirrors`` are base URLs (ending in ``/``) tried in order, the file name appended.
    """

    name: str
    title: str
    mirrors: tuple[str, ...]
    train_images: RemoteFile
    train_labels: RemoteFile
    test_images: RemoteFile
    test_labels: RemoteFile
    num_classes: int = 10

    def __post_init__(self) -> None:
        for mirror in self.mirrors:
            if not mirror.endswith("/"):
                raise ValueError(f"{self.name}: mirror base URL must end with '/', got {mirror!r}")

    @property
    def files(self) -> tuple[RemoteFile, ...]:
        """All four files, training files first."""
        return (self.train_images, self.train_labels, self.test_images, self.test_labels)

    def split_files(self, split: str) -> tuple[RemoteFile, RemoteFile]:
        """``(images, labels)`` of ``split`` ("train" or "test")."""
        if split == "train":
            return self.train_images, self.train_labels
        if split == "test":
            return self.test_images, self.test_labels
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")


_TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
_TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
_TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
_TEST_LABELS = "t10k-labels-idx1-ubyte.gz"

MNIST = DatasetSpec(
    name="mnist",
    title="MNIST",
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    train_images=RemoteFile(
        _TRAIN_IMAGES,
        "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        9_912_422,
    ),
    train_labels=RemoteFile(
        _TRAIN_LABELS,
        "d53e105ee54ea40749a09fcbcd1e9432",
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        28_881,
    ),
    test_images=RemoteFile(
        _TEST_IMAGES,
        "9fb629c4189551a2d022fa330f9573f3",
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        1_648_877,
    ),
    test_labels=RemoteFile(
        _TEST_LABELS,
        "ec29112dd5afa0611ce80d1b7f02629c",
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        4_542,
    ),
)

FASHION_MNIST = DatasetSpec(
    name="fashion-mnist",
    title="Fashion-MNIST",
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
    train_images=RemoteFile(_TRAIN_IMAGES, "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    train_labels=RemoteFile(_TRAIN_LABELS, "25c81989df183df01b3e8a0aad5dffbe"),
    test_images=RemoteFile(_TEST_IMAGES, "bef4ecab320f06d8554ea6380940ec79"),
    test_labels=RemoteFile(_TEST_LABELS, "bb300cfdad3c16e7a12a480ee83fd310"),
)

KMNIST = DatasetSpec(
    name="kmnist",
    title="KMNIST",
    mirrors=("http://codh.rois.ac.jp/kmnist/dataset/kmnist/",),
    train_images=RemoteFile(_TRAIN_IMAGES, "bdb82020997e1d708af4cf47b453dcf7"),
    train_labels=RemoteFile(_TRAIN_LABELS, "e144d726b3acfaa3e44228e80efcd344"),
    test_images=RemoteFile(_TEST_IMAGES, "5c965bf0a639b31b8f53240b1b52f4d7"),
    test_labels=RemoteFile(_TEST_LABELS, "7320c461ea6c1c855c0b718fb2a4b134"),
)

IDX_DATASETS: dict[str, DatasetSpec] = {spec.name: spec for spec in (MNIST, FASHION_MNIST, KMNIST)}
