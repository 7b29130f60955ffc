"""fileio.write_npz: np.savez's archive for any key."""

from __future__ import annotations

import numpy as np
import pytest

from fileio import read_npz


def test_write_npz_writes_what_np_savez_writes_and_any_key_besides(tmp_path):
    from fileio import write_npz

    arrays = {"W1": np.arange(6.0).reshape(2, 3), "b": np.float32(2.5), "empty": np.zeros((0, 4), np.int8)}
    with open(tmp_path / "ours.npz", "wb") as handle:
        write_npz(handle, arrays)
    np.savez(tmp_path / "numpy.npz", **arrays)
    with np.load(tmp_path / "ours.npz") as ours, np.load(tmp_path / "numpy.npz") as theirs:
        assert sorted(ours.files) == sorted(theirs.files)
        for key in theirs.files:
            assert ours[key].dtype == theirs[key].dtype
            np.testing.assert_array_equal(ours[key], theirs[key])
    # np.savez takes these two as its own arguments: a TypeError, and an array silently left out
    with open(tmp_path / "names.npz", "wb") as handle:
        write_npz(handle, {"file": np.ones(2), "allow_pickle": np.zeros(3)})
    assert sorted(read_npz(tmp_path / "names.npz")) == ["allow_pickle", "file"]
    with pytest.raises(ValueError), open(tmp_path / "objects.npz", "wb") as handle:
        write_npz(handle, {"x": np.array([{}], dtype=object)})   # never pickled
