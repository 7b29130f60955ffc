"""The import rules of docs/ARCHITECTURE.md, checked on the source: each package imports only the
packages below it (fileio is open to all), and the book's layers never import the engine."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Package -> the project's packages it may import (besides itself and fileio), as ARCHITECTURE.md says.
ALLOWED = {
    "layers": set(),
    "optimizers": set(),
    "datasets": set(),
    "fileio": set(),
    "engine": {"layers"},
    "networks": {"layers", "engine"},
    "graphs": {"layers"},
    "training": {"networks", "optimizers", "layers", "engine"},
    "benchmarks": {"networks", "engine", "layers", "optimizers"},
    "cli": {"datasets", "networks", "training", "engine"},
}
PROJECT = set(ALLOWED) | {"scripts"}
NUMPY_ONLY = {"layers", "optimizers", "datasets", "fileio"}  # beyond the standard library: NumPy alone


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of ``tree`` except what lies under ``if TYPE_CHECKING:`` (imports for type hints only)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in (child, *_runtime_nodes(child)))
            continue
        yield node
        yield from _runtime_nodes(node)


def imported_top_names(package: str) -> dict[str, set[str]]:
    """Top-level module name -> the files of ``package`` that import it at run time (absolute imports)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_what_the_architecture_allows(package):
    imports = imported_top_names(package)
    wrong = {name: sorted(files) for name, files in imports.items()
             if name in PROJECT and name not in ALLOWED[package] | {package, "fileio"}}
    assert not wrong, f"{package} may import {sorted(ALLOWED[package])} and fileio, but: {wrong}"


@pytest.mark.parametrize("package", sorted(NUMPY_ONLY))
def test_the_lowest_packages_need_numpy_and_the_standard_library_alone(package):
    imports = imported_top_names(package)
    others = {name: sorted(files) for name, files in imports.items()
              if name not in PROJECT and name != "numpy" and name not in sys.stdlib_module_names}
    assert not others, f"{package} imports {others}"


def test_the_checker_sees_a_forbidden_import(tmp_path, monkeypatch):
    """The scan itself: a layer importing the engine, even inside a function, is caught; an import
    for type hints only is not counted."""
    (tmp_path / "layers").mkdir()
    (tmp_path / "layers" / "bad.py").write_text(
        "from typing import TYPE_CHECKING\nimport numpy as np\nif TYPE_CHECKING:\n    import matplotlib\n"
        "def f():\n    from engine.threads import run_parallel\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert imported_top_names("layers") == {"typing": {"layers/bad.py"}, "numpy": {"layers/bad.py"},
                                            "engine": {"layers/bad.py"}}
    with pytest.raises(AssertionError, match="engine"):
        test_a_package_imports_only_what_the_architecture_allows("layers")
