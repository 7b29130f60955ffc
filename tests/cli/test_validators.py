"""The argument types and the parser: bad values refused at parse time, one line, exit status 2."""

from __future__ import annotations

import argparse
import os

import pytest

from cli import (
    MAX_LAYER_WIDTH,
    directory_problem,
    finite_float,
    float_in_range,
    int_in_range,
    layer_width,
    nonnegative_int,
    number_in_range,
    positive_float,
    positive_int,
    script_parser,
    unit_interval_float,
    writable_dir,
)


@pytest.mark.parametrize(("kind", "text", "value"), [
    (positive_int, "1", 1), (positive_int, "10000", 10000), (nonnegative_int, "0", 0),
    (positive_float, "1e-3", 1e-3), (finite_float, "-2.5", -2.5), (unit_interval_float, "0", 0.0),
    (int_in_range(2), "2", 2), (int_in_range(0, 10), "10", 10), (float_in_range(1e-5), "1e-5", 1e-5),
    (float_in_range(-1e150, 1e150), "-1e150", -1e150), (layer_width, str(MAX_LAYER_WIDTH), MAX_LAYER_WIDTH),
    (number_in_range(-10, 10), "2", 2), (number_in_range(-10, 10), "2.0", 2.0), (number_in_range(-10, 10), "1e0", 1.0),
    (number_in_range(-10, 10), "-3", -3),
])
def test_good_values_pass(kind, text, value):
    assert kind(text) == value and type(kind(text)) is type(value)


@pytest.mark.parametrize(("kind", "text", "expected"), [
    (positive_int, "0", ">= 1"), (positive_int, "-1", ">= 1"), (positive_int, "2.5", "whole number"),
    (positive_int, "ten", "whole number"), (nonnegative_int, "-1", ">= 0"),
    (positive_float, "0", "> 0"), (positive_float, "-0.1", "> 0"), (positive_float, "nan", "finite"),
    (positive_float, "inf", "finite"), (finite_float, "-inf", "finite"), (finite_float, "x", "a number"),
    (unit_interval_float, "1", "[0, 1)"), (unit_interval_float, "-0.1", "[0, 1)"),
    (int_in_range(2), "1", "a whole number >= 2"), (int_in_range(1, 10), "11", "a whole number in [1, 10]"),
    (int_in_range(1, 10), "0", "[1, 10]"), (int_in_range(1, 10), "2.5", "whole number"),
    (float_in_range(1e-5), "1e-9", "a number >= 1e-05"), (float_in_range(1e-5), "inf", "finite"),
    (float_in_range(-1e150, 1e150), "1e308", "a number in [-1e+150, 1e+150]"),
    (float_in_range(-1e150, 1e150), "nan", "finite"), (layer_width, "0", "[1, 10000]"),
    (layer_width, "10001", "[1, 10000]"),
    (number_in_range(-10, 10), "11", "a number in [-10, 10]"), (number_in_range(-10, 10), "1e308", "[-10, 10]"),
    (number_in_range(-10, 10), "nan", "finite"), (number_in_range(-10, 10), "two", "a number"),
])
def test_bad_values_are_refused_saying_what_was_expected(kind, text, expected):
    with pytest.raises(argparse.ArgumentTypeError, match="expected") as info:
        kind(text)
    assert expected in str(info.value) and repr(text) in str(info.value)


def test_writable_dir(tmp_path):
    assert writable_dir(str(tmp_path / "new" / "deeper")) == tmp_path / "new" / "deeper"   # may be created
    assert directory_problem(tmp_path) is None
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(argparse.ArgumentTypeError, match="exists and is not a directory"):
        writable_dir(str(a_file))
    with pytest.raises(argparse.ArgumentTypeError, match="is not a directory, so .* cannot be created"):
        writable_dir(str(a_file / "below"))
    # Path("") is ".": an empty --out would write into the current folder unasked
    with pytest.raises(argparse.ArgumentTypeError, match="expected a folder name, got an empty one"):
        writable_dir("")
    assert writable_dir(str(tmp_path / " ")) == tmp_path / " "  # a name of spaces is a name


def test_the_writing_probe_leaves_nothing_behind(tmp_path):
    assert directory_problem(tmp_path) is None and directory_problem(tmp_path / "to" / "make") is None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
def test_a_folder_where_nothing_can_be_written_is_refused_even_where_access_says_yes():
    """os.access says a folder is writable to root, and on /proc, whatever can really be done there: the
    run then ended in a traceback after its work, when its figure could not be written."""
    with pytest.raises(argparse.ArgumentTypeError, match="nothing can be written in '/proc'"):
        writable_dir("/proc/zeroprop-out")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_dir(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        with pytest.raises(argparse.ArgumentTypeError, match="is not writable"):
            writable_dir(str(locked / "out"))
    finally:
        locked.chmod(0o700)


def test_parser_errors_are_one_line_with_status_2(capsys):
    parser = script_parser("a test", "/somewhere/my_script.py")
    parser.add_argument("--iters", type=positive_int, default=5)
    assert parser.parse_args([]).iters == 5
    with pytest.raises(SystemExit) as info:
        parser.parse_args(["--iters", "-1"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("my_script: error: argument --iters: expected a whole number >= 1, got '-1'")
    with pytest.raises(SystemExit) as info:
        parser.fail("something the user can fix")
    assert info.value.code == 2 and capsys.readouterr().err == "my_script: error: something the user can fix\n"


def test_a_range_refusal_says_where_the_limit_comes_from():
    for kind, text in ((int_in_range(1, 5, "five at most"), "6"), (float_in_range(0.5, why="five at most"), "0.1")):
        with pytest.raises(argparse.ArgumentTypeError) as info:
            kind(text)
        assert str(info.value).endswith(f" (five at most), got {text!r}")


def test_require_at_most_is_one_line_with_status_2(capsys):
    parser = script_parser("a test", "/somewhere/my_script.py")
    parser.require_at_most("--batch-size", 150, 150, "the training samples")          # the limit itself passes
    assert capsys.readouterr().err == ""
    with pytest.raises(SystemExit) as info:
        parser.require_at_most("--batch-size", 151, 150, "the training samples")
    assert info.value.code == 2
    assert capsys.readouterr().err == ("my_script: error: argument --batch-size: expected at most 150 (the training "
                                       "samples), got 151 (see --help)\n")


def test_dangling_or_looping_links_and_overlong_names_are_refused_while_parsing(tmp_path):
    """Path.exists() says False for a dangling link or a loop, so the walk up to a writable parent passed
    them and the run failed after its work; a name too long raised OSError from the check itself."""
    from cli.validators import directory_problem, existing_dir, file_problem

    (tmp_path / "dangling").symlink_to(tmp_path / "missing" / "dir")
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    for name in ("dangling", "loop1"):
        assert "symbolic link to nothing" in directory_problem(tmp_path / name)
        assert "symbolic link to nothing" in file_problem(tmp_path / name)
        assert "is not a directory, so" in directory_problem(tmp_path / name / "sub")
    long_name = tmp_path / ("a" * 300)
    assert "cannot be used" in directory_problem(long_name)
    with pytest.raises(argparse.ArgumentTypeError, match="cannot be used"):
        existing_dir(str(long_name))
    assert directory_problem(tmp_path / "new" / "folder") is None


def test_existing_file_and_dir_say_whether_the_path_is_missing_or_of_the_other_kind(tmp_path):
    from cli.validators import existing_dir, existing_file

    (tmp_path / "weights.npz").write_bytes(b"x")
    (tmp_path / "data").mkdir()
    assert existing_file(str(tmp_path / "weights.npz")) == tmp_path / "weights.npz"
    assert existing_dir(str(tmp_path / "data")) == tmp_path / "data"
    cases = [(existing_file, "data", "is not a file"), (existing_dir, "weights.npz", "is not a directory"),
             (existing_file, "missing.npz", "does not exist"), (existing_dir, "missing", "does not exist")]
    for check, name, problem in cases:
        text = str(tmp_path / name)
        with pytest.raises(argparse.ArgumentTypeError) as info:
            check(text)
        assert str(info.value) == f"{text!r} {problem}"
