"""Chapter 2.5.2: the XOR gate as a perceptron of two layers, y = AND(NAND(x1, x2), OR(x1, x2)), and its truth
table (no single perceptron can be XOR, 2.4).

Prints, as the book's ch02/xor_gate.py does, one line per input pair in the book's order: (x1, x2) -> y.
The gate is ``networks.XOR`` (networks/perceptron.py).
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/xor_gate.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli.gates import gate_script
from networks import XOR


def main(argv: list[str] | None = None) -> dict[tuple[int, int], int]:
    return gate_script(__doc__, __file__, XOR, argv)


if __name__ == "__main__":
    main()
