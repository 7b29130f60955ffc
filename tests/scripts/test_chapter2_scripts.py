"""The chapter-2 gate scripts print what the book's ch02/and_gate.py, nand_gate.py, or_gate.py and xor_gate.py
print, line for line, run both ways (`python -m scripts.NAME`, `python scripts/NAME.py`), and have --help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scripts import and_gate, nand_gate, or_gate, xor_gate

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = {"and_gate": and_gate, "nand_gate": nand_gate, "or_gate": or_gate, "xor_gate": xor_gate}

# The book's printout: its four input pairs in its order, each as Python prints a tuple, then " -> " and y.
BOOK_OUTPUT = {
    "and_gate": "(0, 0) -> 0\n(1, 0) -> 0\n(0, 1) -> 0\n(1, 1) -> 1\n",
    "nand_gate": "(0, 0) -> 1\n(1, 0) -> 1\n(0, 1) -> 1\n(1, 1) -> 0\n",
    "or_gate": "(0, 0) -> 0\n(1, 0) -> 1\n(0, 1) -> 1\n(1, 1) -> 1\n",
    "xor_gate": "(0, 0) -> 0\n(1, 0) -> 1\n(0, 1) -> 1\n(1, 1) -> 0\n",
}
SECTIONS = {"and_gate": "Chapter 2.3", "nand_gate": "Chapter 2.3.3", "or_gate": "Chapter 2.3.3",
            "xor_gate": "Chapter 2.5.2"}


@pytest.mark.parametrize("name", SCRIPTS)
def test_the_printout_is_the_books(name, capsys):
    table = SCRIPTS[name].main([])
    assert capsys.readouterr().out == BOOK_OUTPUT[name]
    assert "".join(f"{xs} -> {y}\n" for xs, y in table.items()) == BOOK_OUTPUT[name]   # returns what it printed


@pytest.mark.parametrize("name", SCRIPTS)
def test_runs_as_module_and_as_file_with_help(name):
    for command in (["-m", f"scripts.{name}"], [f"scripts/{name}.py"]):
        result = subprocess.run([sys.executable, *command], cwd=REPO_ROOT, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stderr
        assert result.stdout == BOOK_OUTPUT[name]
        result = subprocess.run([sys.executable, *command, "--help"], cwd=REPO_ROOT, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"usage: {name}") and SECTIONS[name] in result.stdout


@pytest.mark.parametrize("name", SCRIPTS)
def test_an_unknown_option_is_one_line_and_status_2(name, capsys):
    with pytest.raises(SystemExit) as info:
        SCRIPTS[name].main(["--x1", "1"])
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"{name}: error: unrecognized arguments: --x1 1")
    assert len(captured.err.splitlines()) == 1


@pytest.mark.parametrize("name", SCRIPTS)
def test_against_the_books_own_file(name, book_code_dir, capsys):
    book = subprocess.run([sys.executable, f"{name}.py"], cwd=book_code_dir / "ch02", capture_output=True,
                          text=True, timeout=60, check=True)
    SCRIPTS[name].main([])
    assert capsys.readouterr().out == book.stdout == BOOK_OUTPUT[name]
