"""The engine keeps freed memory in the process (glibc's thresholds), so that a training step reuses
its arrays' pages instead of faulting them in from the kernel again; a user's own settings stand."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine import allocator

ROOT = Path(__file__).resolve().parents[2]
GLIBC = allocator._glibc() is not None
needs_glibc = pytest.mark.skipif(not GLIBC, reason="the thresholds are glibc's")

# Five SimpleConvNet + Adam steps at batch 32 after three warm-up steps; prints what
# keep_freed_memory did and the minor page faults per step.
STEPS = """
import resource
import numpy as np
from engine import allocator
from networks import SimpleConvNet
from optimizers import Adam

net, optimizer = SimpleConvNet(seed=0), Adam()
rng = np.random.default_rng(0)
x, t = rng.random((32, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, 32)

def step():
    _, grads = net.loss_and_gradient(x, t)
    optimizer.update(net.params, grads)

for _ in range(3):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    step()
print(allocator.keep_freed_memory(), (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 5)
"""


def _run_steps(**env: str) -> tuple[str, float]:
    clean = {k: v for k, v in os.environ.items() if k not in ("GLIBC_TUNABLES", *allocator._USER_SETTINGS)}
    result = subprocess.run([sys.executable, "-c", STEPS], cwd=ROOT, env={**clean, "PYTHONPATH": str(ROOT), **env},
                            capture_output=True, text=True, timeout=120, check=True)
    outcome, faults = result.stdout.strip().splitlines()[-1].rsplit(maxsplit=1)
    return outcome, float(faults)


@pytest.mark.parametrize("environ, chosen", [
    ({}, False),
    ({"PATH": "/bin"}, False),
    ({"MALLOC_TRIM_THRESHOLD_": "131072"}, True),
    ({"MALLOC_MMAP_THRESHOLD_": "131072"}, True),
    ({"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=131072"}, True),
    ({"GLIBC_TUNABLES": "glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=131072"}, True),
    ({"GLIBC_TUNABLES": "glibc.malloc.arena_max=2"}, False),
])
def test_a_users_threshold_settings_are_recognised(environ, chosen):
    assert allocator.user_chose_thresholds(environ) is chosen


@needs_glibc
def test_training_steps_fault_in_almost_no_pages():
    """With glibc's own thresholds the same steps fault in ~2,900 pages each (measured); kept, none."""
    outcome, faults = _run_steps()
    assert outcome == "set"
    assert faults < 100, f"{faults:.0f} page faults per step: freed memory went back to the kernel"


@needs_glibc
def test_a_users_own_thresholds_are_left_alone():
    outcome, _ = _run_steps(MALLOC_TRIM_THRESHOLD_="131072")
    assert outcome == "user's settings"


def test_the_outcome_is_decided_once():
    assert allocator.keep_freed_memory() == allocator.keep_freed_memory()
    assert allocator.keep_freed_memory() in ("set", "user's settings", "not glibc", "refused")


def test_each_outcome_is_described_in_its_own_words():
    lines = {outcome: allocator.describe(outcome) for outcome in ("set", "user's settings", "refused", "not glibc")}
    assert len(set(lines.values())) == 4
    assert "32 MiB" in lines["set"] and "256 MiB" in lines["set"]
    assert "environment" in lines["user's settings"]
