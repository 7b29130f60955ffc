"""compare_trees' step-by-step mode runs end to end (no timings are asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_alternate_mode_times_both_checkouts_step_by_step():
    result = subprocess.run([sys.executable, "-m", "benchmarks.compare_trees", str(ROOT), "--alternate", "3",
                             "--networks", "TwoLayerNet-50", "--threads", "1"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, check=True)
    lines = result.stdout.splitlines()
    assert "steps taken in turn, 3 each, BLAS at 1 thread(s)" in lines[0] and "each checkout loaded first" in lines[0]
    assert "geometric mean" in result.stdout
    row = next(line for line in lines if line.strip().startswith("TwoLayerNet-50"))
    ratios = [float(cell[:-1]) for cell in row.split() if cell.endswith("x") and cell[:-1].replace(".", "").isdigit()]
    assert len(ratios) == 3  # one for each order and their geometric mean
    assert min(ratios[:2]) - 0.006 <= ratios[2] <= max(ratios[:2]) + 0.006


def test_a_negative_step_count_is_refused():
    result = subprocess.run([sys.executable, "-m", "benchmarks.compare_trees", str(ROOT), "--alternate", "-1"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "--alternate not negative" in result.stderr
