"""atomic_write: permissions kept, symbolic links written through, errors naming the target."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from fileio import atomic_write


def write(path, data: bytes) -> None:
    with atomic_write(path) as handle:
        handle.write(data)


def test_a_rewritten_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "weights.npz"
    path.write_bytes(b"old")
    os.chmod(path, 0o600)
    write(path, b"new")
    assert path.read_bytes() == b"new" and stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_the_whole_file_is_on_disk_before_it_is_renamed_over_the_target(tmp_path, monkeypatch):
    """fsync sees every byte of the temporary file, and only then is it renamed: a crash right after the rename
    cannot leave an empty or partial file under the target's name."""
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.fstat(fd).st_ino, os.fstat(fd).st_size))
        real_fsync(fd)

    def replace(source, target):
        events.append(("replace", os.stat(source).st_ino, os.stat(source).st_size))
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    path = tmp_path / "weights.npz"
    path.write_bytes(b"old")
    data = bytes(range(256))   # less than a buffer: it stays in the handle until flushed
    write(path, data)
    written = os.stat(path)
    assert path.read_bytes() == data
    assert events == [("fsync", written.st_ino, len(data)), ("replace", written.st_ino, len(data))]


def test_a_new_file_gets_the_umasks_permissions(tmp_path):
    old = os.umask(0o077)
    try:
        write(tmp_path / "private.npz", b"x")
        os.umask(0o022)
        write(tmp_path / "shared.npz", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "private.npz").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "shared.npz").st_mode) == 0o644


def test_a_symbolic_link_is_written_through(tmp_path):
    real, link = tmp_path / "real.npz", tmp_path / "link.npz"
    real.write_bytes(b"old")
    link.symlink_to(real)
    write(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    dangling = tmp_path / "dangling.npz"
    dangling.symlink_to(tmp_path / "later.npz")
    write(dangling, b"made")
    assert dangling.is_symlink() and (tmp_path / "later.npz").read_bytes() == b"made"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling.npz", "later.npz", "link.npz", "real.npz"]


def test_a_file_in_the_way_of_the_folder_is_named_with_the_target(tmp_path):
    (tmp_path / "afile").write_text("x")
    target = tmp_path / "afile" / "deeper" / "w.npz"
    with pytest.raises(NotADirectoryError) as info:
        write(target, b"x")
    assert info.value.filename == os.fspath(target) and "afile' is a file" in str(info.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_folder_that_cannot_be_written_is_named_as_the_target_not_the_temporary_file(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o555)
    try:
        with pytest.raises(PermissionError) as info:
            write(folder / "w.npz", b"x")
        assert info.value.filename == os.fspath(folder / "w.npz")
    finally:
        os.chmod(folder, 0o755)


def test_a_temporary_file_that_cannot_be_made_is_reported_under_the_targets_name(tmp_path, monkeypatch):
    """As a read-only folder does (root writes anywhere, so the refusal is simulated)."""
    import tempfile

    def refuse(dir, prefix, suffix):
        raise PermissionError(13, "Permission denied", os.path.join(dir, prefix + "abcdefgh" + suffix))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(PermissionError) as info:
        write(tmp_path / "w.npz", b"x")
    assert info.value.filename == os.fspath(tmp_path / "w.npz") and ".part" not in str(info.value)


def test_a_folder_where_the_file_goes_is_reported_under_the_targets_name(tmp_path):
    (tmp_path / "adir").mkdir()
    with pytest.raises(IsADirectoryError) as info:
        write(tmp_path / "adir", b"x")
    assert info.value.filename == os.fspath(tmp_path / "adir") and ".part" not in str(info.value)
    assert str(info.value) == f"[Errno {errno.EISDIR}] Is a directory: {os.fspath(tmp_path / 'adir')!r}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir"]  # no temporary file left


@pytest.mark.parametrize("name", ["a" * 241, "w" * 251 + ".npz", "é" * 127 + "x"])  # 241, 255 and 255 bytes
def test_a_name_up_to_the_longest_allowed_is_written_and_its_temporary_file_is_known(name, tmp_path):
    """The temporary file beside a long name gets a shortened name, still one remove_stale_temp_files knows as
    this file's and not another's (a long name sharing its beginning)."""
    from fileio.atomic import remove_stale_temp_files, temp_file_pattern

    path = tmp_path / name
    sibling = tmp_path / (name[:-1] + ("b" if name[-1] != "b" else "c"))
    with atomic_write(path) as handle:
        handle.write(b"data")
        [temp] = [entry for entry in os.listdir(tmp_path) if entry != name]
        assert temp_file_pattern(path).fullmatch(temp) and not temp_file_pattern(sibling).fullmatch(temp)
        assert len(os.fsencode(temp)) <= 255
    assert path.read_bytes() == b"data" and os.listdir(tmp_path) == [name]
    stale = tmp_path / temp
    stale.write_bytes(b"left by a killed write")
    assert remove_stale_temp_files(sibling) == [] and remove_stale_temp_files(path) == [stale]
