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


def test_rounds_mode_runs_a_checkout_with_a_thread_policy_under_its_own_policy():
    result = subprocess.run([sys.executable, "-m", "benchmarks.compare_trees", str(ROOT), "--quick",
                             "--networks", "TwoLayerNet-50"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, check=True)
    assert "the other checkout runs under its own engine's thread policy" in result.stdout
    assert any(line.strip().startswith("TwoLayerNet-50") for line in result.stdout.splitlines())


def test_a_checkout_without_a_thread_policy_is_loaded_without_one(tmp_path):
    """A checkout from before the engine (no engine/threads.py) runs at OpenBLAS's default threads."""
    for package in ("networks", "optimizers"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text(f"NAME = {str(tmp_path / package)!r}\n")
    probe = ("import sys; from pathlib import Path; from benchmarks.compare_trees import load_checkout; "
             f"m = load_checkout(Path({str(tmp_path)!r})); print(m['networks'].NAME, m['threads']); "
             "print(load_checkout(Path('.'))['threads'].__name__)")
    lines = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
                           check=True).stdout.splitlines()
    assert lines == [f"{tmp_path / 'networks'} None", "engine.threads"]
