"""Saving onto a full disk: a real one (a 64 KiB tmpfs mounted in a private user and mount namespace, where
the system allows it) and a file-size limit (RLIMIT_FSIZE, any Linux). The old checkpoint and weights
must survive whole, no temporary file may stay, and the error must name the file."""

from __future__ import annotations

import errno
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# Trains with a checkpoint after every epoch into argv[1] until a save fails, then tries to save weights
# and the built-in digits cache there too; prints one JSON line saying what happened.
SCRIPT = r"""
import json, os, sys
sys.path.insert(0, os.getcwd())
import numpy as np
from datasets import load_builtin_digits
from networks import TwoLayerNet
from training import Trainer, load_checkpoint

target = sys.argv[1]
rng = np.random.default_rng(0)
x = rng.standard_normal((40, 20)).astype(np.float32)
t = rng.integers(0, 3, 40)
report = {}
trainer = Trainer(TwoLayerNet(20, 200, 3, seed=0), x, t, x, t, epochs=50, mini_batch_size=10,
                  checkpoint_dir=target, verbose=False, progress=False)
try:
    trainer.train()
    report["train"] = "finished"
except OSError as err:
    report["train"] = [type(err).__name__, err.errno, str(err)]
report["files"] = sorted(os.listdir(target))
report["checkpoint_iteration"] = load_checkpoint(os.path.join(target, "latest.npz")).iteration
if "fill" in sys.argv[2:]:                     # take the space the failed save left free
    fd = os.open(os.path.join(target, "filler"), os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, bytes(4096))
    except OSError:
        os.close(fd)
try:
    trainer.network.save_params(os.path.join(target, "weights.npz"))
    report["weights"] = "saved"
except OSError as err:
    report["weights"] = [type(err).__name__, err.errno, str(err)]
(x_train, _), _ = load_builtin_digits(n_train=5, n_test=5, data_dir=os.path.join(target, "digits"))
report["digits"] = list(x_train.shape)
report["files_after"] = sorted(os.listdir(target))
print(json.dumps(report))
"""


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, env=env, **kwargs)


def check(report: dict, target: str, code: int) -> None:
    name, number, message = report["train"]
    assert number == code and target in message and "latest.npz" in message, report
    assert report["checkpoint_iteration"] >= 4                # at least the first epoch's checkpoint is whole
    assert report["files"] == ["latest.npz"], "a failed save left a temporary file"
    assert report["weights"] == "saved" or (report["weights"][1] == code and "weights.npz" in report["weights"][2])
    assert report["digits"] == [5, 784]                       # the cache could not be written; data still comes
    assert not [f for f in report["files_after"] if f.startswith(".")], "a temporary file was left"


def test_a_real_full_disk(tmp_path):
    if shutil.which("unshare") is None or not sys.platform.startswith("linux"):
        pytest.skip("needs Linux unshare")
    mount = tmp_path / "small"
    mount.mkdir()
    probe = run(["unshare", "-r", "-m", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {mount}"])
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs in a user namespace here: {probe.stderr.strip()[:200]}")
    shell = 'mount -t tmpfs -o size=64k tmpfs "$1" && exec "$2" -c "$3" "$1" fill'
    result = run(["unshare", "-r", "-m", "sh", "-c", shell, "sh", str(mount), sys.executable, SCRIPT])
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    check(report, str(mount), errno.ENOSPC)
    assert report["weights"] != "saved"                       # the disk was filled up first


def test_a_file_size_limit(tmp_path):
    target = tmp_path / "limited"
    target.mkdir()

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)         # writes past the limit fail with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))

    result = run([sys.executable, "-c", SCRIPT, str(target)], preexec_fn=limit)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    check(report, str(target), errno.EFBIG)
