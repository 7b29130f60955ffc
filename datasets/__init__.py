"""Data sets in the book's format: MNIST and look-alikes (cached, downloaded, checksum-verified)
and built-in MNIST-like digits that need no network.

    from datasets import load_mnist
    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, flatten=True, one_hot_label=False)
"""

from datasets.builtin_digits import builtin_cache_path, generate_builtin_digits, load_builtin_digits
from datasets.cache import ENV_DATA_DIR, cache_root, dataset_dir
from datasets.dataset_files import ensure_dataset_files
from datasets.errors import (
    BuiltinCacheError,
    ChecksumMismatchError,
    DataDirError,
    DatasetUnavailableError,
    IdxFormatError,
)
from datasets.idx import read_idx
from datasets.mnist import (
    load_fashion_mnist,
    load_idx_dataset,
    load_idx_dataset_split,
    load_idx_split,
    load_kmnist,
    load_mnist,
    load_mnist_split,
)
from datasets.registry import BUILTIN, DATASET_NAMES, DatasetInfo, load_dataset, load_dataset_split
from datasets.shuffle import shuffle_dataset
from datasets.specs import FASHION_MNIST, IDX_DATASETS, KMNIST, MNIST, DatasetSpec, RemoteFile

__all__ = [
    "BUILTIN",
    "DATASET_NAMES",
    "ENV_DATA_DIR",
    "FASHION_MNIST",
    "IDX_DATASETS",
    "KMNIST",
    "MNIST",
    "BuiltinCacheError",
    "ChecksumMismatchError",
    "DataDirError",
    "DatasetInfo",
    "DatasetSpec",
    "DatasetUnavailableError",
    "IdxFormatError",
    "RemoteFile",
    "builtin_cache_path",
    "cache_root",
    "dataset_dir",
    "ensure_dataset_files",
    "generate_builtin_digits",
    "load_builtin_digits",
    "load_dataset",
    "load_dataset_split",
    "load_fashion_mnist",
    "load_idx_dataset",
    "load_idx_dataset_split",
    "load_idx_split",
    "load_kmnist",
    "load_mnist",
    "load_mnist_split",
    "read_idx",
    "shuffle_dataset",
]
