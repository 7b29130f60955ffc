"""What the chapter-2 gate scripts share: the book's four input pairs, and the truth table printed as the
book's ch02/*_gate.py print it, one line ``(x1, x2) -> y`` per pair."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cli.parser import script_parser

BOOK_INPUTS = ((0, 0), (1, 0), (0, 1), (1, 1))  # (x1, x2), in the book's order


def gate_script(description: str | None, script_file: str, gate: Callable[[int, int], int],
                argv: Sequence[str] | None = None) -> dict[tuple[int, int], int]:
    """A gate script's main: parse its command line (``--help`` alone), print ``gate``'s truth table over
    :data:`BOOK_INPUTS` and return it as {(x1, x2): y}."""
    script_parser(description, script_file).parse_args(argv)
    table = {}
    for xs in BOOK_INPUTS:
        table[xs] = gate(xs[0], xs[1])
        print(f"{xs} -> {table[xs]}")
    return table
