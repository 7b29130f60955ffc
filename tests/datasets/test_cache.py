"""Where data sets are cached: ZEROPROP_DATA_DIR, else ~/.cache/zeroprop, and the errors when neither can be used."""

from __future__ import annotations

import pwd
from pathlib import Path

import pytest

from datasets import DataDirError, DatasetUnavailableError, cache_root, dataset_dir, load_dataset

NO_SUCH_USER = "zeroprop-no-such-user-7f3a"


@pytest.fixture
def no_home(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process whose home folder cannot be found: HOME unset and no password entry for its user."""
    def no_entry(uid: int) -> pwd.struct_passwd:
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.setattr(pwd, "getpwuid", no_entry)


def test_an_unknown_users_home_in_the_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(KeyError):
        pwd.getpwnam(NO_SUCH_USER)
    value = f"~{NO_SUCH_USER}/data"
    monkeypatch.setenv("ZEROPROP_DATA_DIR", value)
    with pytest.raises(DataDirError) as caught:
        cache_root()
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert message.startswith(f"ZEROPROP_DATA_DIR is {value!r}") and f"~{NO_SUCH_USER}" in message
    with pytest.raises(DataDirError, match="ZEROPROP_DATA_DIR"):
        load_dataset("mnist", download=False, fallback_to_builtin=True)  # a bad setting is not replaced


def test_an_unknown_users_home_in_data_dir_is_named() -> None:
    with pytest.raises(DataDirError, match=rf"data_dir '~{NO_SUCH_USER}/mnist'"):
        dataset_dir("mnist", f"~{NO_SUCH_USER}/mnist")


def test_a_default_root_without_a_home_folder_says_to_set_the_variable(no_home, monkeypatch: pytest.MonkeyPatch,
                                                                       tmp_path: Path) -> None:
    monkeypatch.delenv("ZEROPROP_DATA_DIR", raising=False)
    with pytest.raises(DataDirError) as caught:
        cache_root()
    assert "~/.cache/zeroprop" in str(caught.value) and "set ZEROPROP_DATA_DIR" in str(caught.value)
    monkeypatch.setenv("ZEROPROP_DATA_DIR", str(tmp_path))
    assert cache_root() == tmp_path
    with pytest.raises(DatasetUnavailableError, match=str(tmp_path / "mnist")):  # its message needs no home folder
        load_dataset("mnist", download=False)


@pytest.mark.parametrize("setting", [None, "", "   "])
def test_without_the_variable_the_cache_is_the_zeroprop_folder_under_the_home_cache(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, setting: str | None) -> None:
    """Unset or blank, ZEROPROP_DATA_DIR is ignored: the cache is ~/.cache/zeroprop, a data set's folder below it."""
    monkeypatch.setenv("HOME", str(tmp_path))
    if setting is None:
        monkeypatch.delenv("ZEROPROP_DATA_DIR", raising=False)
    else:
        monkeypatch.setenv("ZEROPROP_DATA_DIR", setting)
    assert cache_root() == tmp_path / ".cache" / "zeroprop"
    assert dataset_dir("mnist") == tmp_path / ".cache" / "zeroprop" / "mnist"


def test_blanks_around_the_variable_are_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ZEROPROP_DATA_DIR", f"  {tmp_path}\t")
    assert cache_root() == tmp_path
