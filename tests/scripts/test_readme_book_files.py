"""The README's tables from the book to the code name every file of the book's ch02-ch08, so that a reader
holding a book file name finds where it went by searching for that name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ("## From the book to the code (chapters 2 to 5)", "## Chapters 6 to 8")

# The book repository's ch02-ch08 Python files, but ch08/awesome_net.py (one comment, no code).
BOOK_FILES = {
    "ch02": ["and_gate", "nand_gate", "or_gate", "xor_gate"],
    "ch03": ["mnist_show", "neuralnet_mnist", "neuralnet_mnist_batch", "relu", "sig_step_compare", "sigmoid",
             "step_function"],
    "ch04": ["gradient_1d", "gradient_2d", "gradient_method", "gradient_simplenet", "train_neuralnet",
             "two_layer_net"],
    "ch05": ["buy_apple", "buy_apple_orange", "gradient_check", "layer_naive", "train_neuralnet", "two_layer_net"],
    "ch06": ["batch_norm_gradient_check", "batch_norm_test", "hyperparameter_optimization", "optimizer_compare_mnist",
             "optimizer_compare_naive", "overfit_dropout", "overfit_weight_decay", "weight_init_activation_histogram",
             "weight_init_compare"],
    "ch07": ["apply_filter", "gradient_check", "simple_convnet", "train_convnet", "visualize_filter"],
    "ch08": ["deep_convnet", "half_float_network", "misclassified_mnist", "train_deepnet"],
}
ALL = [(chapter, name) for chapter, names in BOOK_FILES.items() for name in names]


def book_sections() -> str:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    parts = []
    for heading in SECTIONS:
        start = text.index(heading + "\n")
        end = text.find("\n## ", start + len(heading))
        parts.append(text[start:] if end < 0 else text[start:end])
    return "\n".join(parts)


@pytest.mark.parametrize(("chapter", "name"), ALL, ids=[f"{c}/{n}.py" for c, n in ALL])
def test_every_book_file_is_named(chapter, name):
    """By its own name (`ch03/sigmoid.py` or a script of that name); a name in two chapters with its chapter."""
    text = book_sections()
    in_two_chapters = sum(name in names for names in BOOK_FILES.values()) > 1
    if in_two_chapters:
        assert f"{chapter}/{name}.py" in text
    else:
        assert re.search(rf"[`/ ]{re.escape(name)}\.py`", text), f"{chapter}/{name}.py"


def test_the_list_is_the_books(book_code_dir):
    found = {chapter: sorted(p.stem for p in (book_code_dir / chapter).glob("*.py") if p.name != "awesome_net.py")
             for chapter in BOOK_FILES}
    assert found == {chapter: sorted(names) for chapter, names in BOOK_FILES.items()}
