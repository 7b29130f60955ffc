"""Chapter 2's gates: their truth tables against Python's own logic, element-wise arrays, the book's weights at
inputs other than 0 and 1, errors naming the gate, and agreement with the book's ch02 functions when
ZEROPROP_BOOK_CODE points at the book's code."""

from __future__ import annotations

import importlib
import itertools
import sys

import numpy as np
import pytest

from networks import AND, NAND, OR, XOR

# Each gate as Python's own operators on truth values, written without any weight or bias.
LOGIC = {
    AND: lambda a, b: a and b,
    NAND: lambda a, b: not (a and b),
    OR: lambda a, b: a or b,
    XOR: lambda a, b: a != b,
}
GATES = list(LOGIC)
PAIRS = [(0, 0), (1, 0), (0, 1), (1, 1)]


@pytest.mark.parametrize("gate", GATES, ids=lambda g: g.__name__)
@pytest.mark.parametrize(("x1", "x2"), PAIRS)
def test_the_truth_table_is_the_logic_gates(gate, x1, x2):
    y = gate(x1, x2)
    assert type(y) is int  # as the book's functions return: prints as 0 or 1
    assert y == int(LOGIC[gate](bool(x1), bool(x2)))


@pytest.mark.parametrize("gate", GATES, ids=lambda g: g.__name__)
def test_booleans_and_zero_dimensional_arrays_are_numbers(gate):
    for x1, x2 in PAIRS:
        expected = gate(x1, x2)
        assert gate(bool(x1), bool(x2)) == expected
        assert gate(np.array(x1), np.float32(x2)) == expected
        assert gate(np.uint8(x1), np.int64(x2)) == expected


@pytest.mark.parametrize("gate", GATES, ids=lambda g: g.__name__)
def test_arrays_are_taken_element_wise_and_broadcast(gate):
    x1 = np.array([0, 1, 0, 1])
    x2 = np.array([0, 0, 1, 1])
    y = gate(x1, x2)
    assert y.shape == (4,) and y.dtype.kind == "i"
    np.testing.assert_array_equal(y, [gate(a, b) for a, b in PAIRS])
    np.testing.assert_array_equal(gate([0, 1, 0, 1], [0, 0, 1, 1]), y)  # lists as arrays
    grid = gate(np.array([[0], [1]]), np.array([0, 1]))  # (2, 1) against (2,): every pair, x1 down, x2 across
    np.testing.assert_array_equal(grid, [[gate(0, 0), gate(0, 1)], [gate(1, 0), gate(1, 1)]])
    assert gate(np.zeros((0, 3)), 1).shape == (0, 3)


def test_the_books_weights_and_biases_decide_between_0_and_1():
    """At inputs other than 0 and 1 the gates are the book's perceptrons, w1 x1 + w2 x2 + b > 0."""
    assert AND(1, 0.5) == 1 and AND(1, 0.3) == 0             # 0.5 + 0.25 - 0.7 = 0.05; 0.5 + 0.15 - 0.7 = -0.05
    assert NAND(1, 0.3) == 1 and NAND(1, 0.5) == 0           # -0.5 - 0.15 + 0.7 = 0.05; -0.5 - 0.25 + 0.7 = -0.05
    assert OR(0.5, 0) == 1 and OR(0.3, 0) == 0               # 0.25 - 0.2 = 0.05; 0.15 - 0.2 = -0.05
    assert AND(0.8, 0.8) == 1 and OR(-1, 0.2) == 0 and NAND(-10, -10) == 1


def test_exactly_zero_is_0():
    """y = 1 only for a sum above 0: a sum of exactly 0 gives 0, as the book's ``if tmp <= 0: return 0``."""
    assert OR(0.4, 0) == 0     # 0.5 x 0.4 - 0.2 = 0 exactly in binary floating point
    assert NAND(1.4, 0) == 0   # -0.5 x 1.4 + 0.7 = 0 exactly


def test_xor_is_nand_and_or_then_and():
    x = np.linspace(-1, 2, 31)
    x1, x2 = np.meshgrid(x, x)
    np.testing.assert_array_equal(XOR(x1, x2), AND(NAND(x1, x2), OR(x1, x2)))


@pytest.mark.parametrize("gate", GATES, ids=lambda g: g.__name__)
@pytest.mark.parametrize(("x1", "x2", "error", "words"), [
    ("1", 0, TypeError, "x1, got str '1'"),
    (None, 0, TypeError, "x1, got NoneType None"),
    (0, 1j, TypeError, "x2, got complex 1j"),
    ([[0], [1, 1]], 0, TypeError, "x1, got list"),
    (np.array(["a"]), 0, TypeError, "x1, got an array of dtype <U1"),
    (float("nan"), 0, ValueError, "expected finite numbers as x1, got nan"),
    (0, np.array([0.0, -np.inf]), ValueError, "expected finite numbers as x2, got -inf"),
    ([0, 1], [0, 1, 1], ValueError, "x1 of shape (2,) and x2 of shape (3,) do not broadcast together"),
])
def test_bad_input_is_refused_naming_the_gate(gate, x1, x2, error, words):
    with pytest.raises(error) as info:
        gate(x1, x2)
    assert str(info.value).startswith(f"{gate.__name__}: ")
    assert words in str(info.value)


def test_the_inputs_are_not_written_into():
    x1, x2 = np.array([0.0, 1.0]), np.array([1, 1])
    for gate in GATES:
        gate(x1, x2)
    np.testing.assert_array_equal(x1, [0.0, 1.0])
    np.testing.assert_array_equal(x2, [1, 1])


@pytest.fixture(scope="module")
def book_gates(book_code_dir):
    """The book's ch02 functions, imported from its files (xor_gate.py imports the other three by name)."""
    folder = str(book_code_dir / "ch02")
    names = ("and_gate", "nand_gate", "or_gate", "xor_gate")
    saved = {name: sys.modules.pop(name) for name in names if name in sys.modules}
    sys.path.insert(0, folder)
    try:
        modules = {name: importlib.import_module(name) for name in names}
    finally:
        sys.path.remove(folder)
        for name in names:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
    return {AND: modules["and_gate"].AND, NAND: modules["nand_gate"].NAND, OR: modules["or_gate"].OR,
            XOR: modules["xor_gate"].XOR}


@pytest.mark.parametrize("gate", GATES, ids=lambda g: g.__name__)
def test_against_the_books_functions(gate, book_gates):
    """The same 0 or 1 as the book's function, at 0 and 1 and on a grid of other inputs through every threshold."""
    values = [round(v, 2) for v in np.arange(-1.5, 2.51, 0.05)]
    for x1, x2 in itertools.chain(PAIRS, itertools.product(values, repeat=2)):
        assert gate(x1, x2) == book_gates[gate](x1, x2), (x1, x2)


def test_a_python_int_beyond_numpys_integers_is_a_number_too():
    """np.asarray(2**64) is an object array; the book's np.sum(w * x) + b takes the int all the same."""
    assert (AND(2**64, 1), NAND(2**64, 1), OR(-(2**70), 0), XOR(2**64, 0)) == (1, 0, 0, 0)
