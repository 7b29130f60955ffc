"""Chapter 2.3.3: the OR gate as a perceptron, y = 1 if 0.5 x1 + 0.5 x2 - 0.2 > 0 else 0, and its truth table.

Prints, as the book's ch02/or_gate.py does, one line per input pair in the book's order: (x1, x2) -> y.
The gate is ``networks.OR`` (networks/perceptron.py).
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/or_gate.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli.gates import gate_script
from networks import OR


def main(argv: list[str] | None = None) -> dict[tuple[int, int], int]:
    return gate_script(__doc__, __file__, OR, argv)


if __name__ == "__main__":
    main()
