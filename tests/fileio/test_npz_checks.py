"""The end-record check of :func:`fileio.read_npz` reads what ``zipfile`` will read, before ``zipfile`` parses anything.

``zipfile`` takes the member count and directory size from a zip64 end record whenever a zip64 locator sits
just before the end record, whatever the 32-bit fields say; the check must see those numbers too.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

from fileio import ArchiveError, read_npz

_END = b"PK\x05\x06"


def small_archive(tmp_path: Path) -> bytes:
    """A one-member ``.npz`` as numpy writes it (about 200 bytes)."""
    path = tmp_path / "small.npz"
    np.savez(path, a=np.arange(3.0))
    return path.read_bytes()


def with_zip64(data: bytes, members: int, directory: int | None = None, locator_offset: int | None = None,
               end_members: int | None = None) -> bytes:
    """``data`` with a zip64 end record and locator inserted before its end record.

    The zip64 record declares ``members`` and ``directory`` bytes (default: the true size); the locator
    points at it unless ``locator_offset`` is given; the 32-bit member counts become ``end_members``
    when given and otherwise stay as they were (the true count).
    """
    end = data.rindex(_END)
    true_size, offset = struct.unpack_from("<LL", data, end + 12)
    record = struct.pack("<4sQHHLLQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, members, members,
                         true_size if directory is None else directory, offset)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, end if locator_offset is None else locator_offset, 1)
    end_record = bytearray(data[end:])
    if end_members is not None:
        end_record[8:12] = struct.pack("<HH", end_members, end_members)
    return data[:end] + record + locator + bytes(end_record)


def refused_before_parsing(monkeypatch: pytest.MonkeyPatch, path: Path, match: str) -> None:
    """read_npz refuses ``path`` with ArchiveError matching ``match``, and zipfile never opens it."""
    opened: list[object] = []

    def no_parsing(*args: object, **kwargs: object) -> None:
        opened.append(args)
        raise AssertionError("zipfile parsed an archive whose end records should have been refused")

    monkeypatch.setattr(zipfile, "ZipFile", no_parsing)
    with pytest.raises(ArchiveError, match=match):
        read_npz(path)
    assert not opened, "zipfile was called before the declared sizes were refused"


def test_zip64_member_count_behind_plain_32bit_fields_is_refused(tmp_path, monkeypatch):
    """The 32-bit fields say 1 member (not 0xFFFF); zipfile still reads the zip64 record's 150000."""
    path = tmp_path / "many.npz"
    path.write_bytes(with_zip64(small_archive(tmp_path), members=150_000))
    refused_before_parsing(monkeypatch, path, r"many\.npz.*declares 150000 members, more than the 100000")


def test_zip64_directory_size_behind_plain_32bit_fields_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "wide.npz"
    path.write_bytes(with_zip64(small_archive(tmp_path), members=1, directory=9 << 20))
    refused_before_parsing(monkeypatch, path, r"wide\.npz.*declares a directory of 9437184 bytes")


def test_zip64_record_is_read_where_zipfile_reads_it(tmp_path, monkeypatch):
    """zipfile reads the zip64 record just before the locator, not where the locator points: a locator
    pointing at the first local header must not hide the record."""
    path = tmp_path / "misled.npz"
    path.write_bytes(with_zip64(small_archive(tmp_path), members=150_000, locator_offset=0, end_members=0xFFFF))
    refused_before_parsing(monkeypatch, path, r"misled\.npz.*declares 150000 members")


def test_an_end_record_whose_offset_field_holds_the_end_signature_is_still_checked(tmp_path, monkeypatch):
    """zipfile takes the last 22 bytes as the end record when they look like one (no comment); a search
    for the signature from the back finds the copy in its offset field and must not give up there."""
    data = bytearray(small_archive(tmp_path))
    end = data.rindex(_END)
    data[end + 12:end + 16] = (9 << 20).to_bytes(4, "little")   # directory size
    data[end + 16:end + 20] = _END                               # directory offset (zipfile ignores it)
    path = tmp_path / "hidden.npz"
    path.write_bytes(bytes(data))
    refused_before_parsing(monkeypatch, path, r"hidden\.npz.*declares a directory of 9437184 bytes")


def test_a_zip64_record_declaring_the_truth_still_loads(tmp_path):
    for end_members in (None, 0xFFFF):
        path = tmp_path / "honest.npz"
        path.write_bytes(with_zip64(small_archive(tmp_path), members=1, end_members=end_members))
        assert np.array_equal(read_npz(path)["a"], np.arange(3.0))


def test_a_corrupt_data_byte_is_blamed_on_the_data_not_the_header(tmp_path):
    path = tmp_path / "a.npz"
    np.savez(path, a=np.arange(3.0))
    raw = bytearray(path.read_bytes())
    start = bytes(raw).index(np.arange(3.0).tobytes())
    raw[start + 9] ^= 0xFF  # inside the value 1.0, after the header
    path.write_bytes(bytes(raw))
    with pytest.raises(ArchiveError, match=r"the data of key 'a' is corrupt \(Bad CRC-32"):
        read_npz(path)


def test_a_negative_shape_is_refused(tmp_path):
    import io

    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (-2, -4)})
    path = tmp_path / "neg.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.npy", header.getvalue() + bytes(64))
    with pytest.raises(ArchiveError, match=r"key 'a' declares a negative shape \[-2, -4\]"):
        read_npz(path)
