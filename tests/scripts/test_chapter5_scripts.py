"""The chapter-5 shopping scripts print what the book's ch05/buy_apple.py and buy_apple_orange.py print, line for
line, and keep their options."""

from __future__ import annotations

import subprocess
import sys

import pytest

from scripts import buy_apple, buy_apple_orange

# The book's printout for its own numbers (2 apples at 100, 3 oranges at 150, tax 1.1).
BOOK_OUTPUT = {
    "buy_apple": "price: 220\ndApple: 2.2\ndApple_num: 110\ndTax: 200\n",
    "buy_apple_orange": "price: 715\ndApple: 2.2\ndApple_num: 110\ndOrange: 3.3000000000000003\n"
                        "dOrange_num: 165\ndTax: 650\n",
}
SCRIPTS = {"buy_apple": buy_apple, "buy_apple_orange": buy_apple_orange}


@pytest.mark.parametrize("name", SCRIPTS)
def test_the_default_printout_is_the_books(name, capsys):
    SCRIPTS[name].main([])
    assert capsys.readouterr().out == BOOK_OUTPUT[name]


@pytest.mark.parametrize("name", SCRIPTS)
def test_the_books_numbers_given_as_options_print_the_same(name, capsys):
    argv = ["--apple", "100", "--apple-num", "2", "--tax", "1.1"]
    if name == "buy_apple_orange":
        argv += ["--orange", "150", "--orange-num", "3"]
    SCRIPTS[name].main(argv)
    assert capsys.readouterr().out == BOOK_OUTPUT[name]


def test_other_numbers_print_as_python_prints_them(capsys):
    result = buy_apple.main(["--apple", "100.0", "--tax", "1.15"])
    assert result["price"] == pytest.approx(230.0)
    # 200.0 * 1.15 is 229.99999999999997: whole yen are rounded, not truncated to 229
    assert capsys.readouterr().out == "price: 230\ndApple: 2.3\ndApple_num: 115\ndTax: 200.0\n"


@pytest.mark.parametrize("value", ["1e101", "-1e101", "nan", "inf"])
def test_an_input_that_would_overflow_the_price_is_refused(value, capsys):
    with pytest.raises(SystemExit) as info:
        buy_apple_orange.main(["--orange", value])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("buy_apple_orange: error: argument --orange: expected") and len(err.splitlines()) == 1


@pytest.mark.parametrize("name", SCRIPTS)
def test_against_the_books_own_file(name, book_code_dir):
    book = subprocess.run([sys.executable, f"{name}.py"], cwd=book_code_dir / "ch05", capture_output=True,
                          text=True, timeout=60, check=True)
    assert book.stdout == BOOK_OUTPUT[name]


@pytest.mark.parametrize(("name", "argv", "expected"), [
    ("buy_apple", ["--apple", "0.3", "--tax", "1"],
     {"price": 0.3 * 2 * 1, "dApple_num": 0.3 * 1}),
    ("buy_apple_orange", ["--orange", "0.5", "--tax", "1"],
     {"price": (100 * 2 + 0.5 * 3) * 1, "dApple_num": 100 * 1, "dOrange_num": 0.5 * 1}),
    ("buy_apple", ["--apple", "1e-12", "--tax", "1"],
     {"price": 1e-12 * 2 * 1, "dApple_num": 1e-12 * 1}),
])
def test_a_price_that_is_not_whole_yen_prints_as_it_is(name, argv, expected, capsys):
    """The book prints int(price) for its whole-yen inputs; a price far from whole yen is never rounded."""
    SCRIPTS[name].main(argv)
    lines = dict(line.split(": ", 1) for line in capsys.readouterr().out.splitlines())
    for key, value in expected.items():
        assert lines[key] == str(value), key
