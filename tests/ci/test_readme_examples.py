"""The README example runner (.ci/readme_examples.py): finds every python block, runs one the way a
learner would. Running the README's own blocks takes a minute, so CI does that (.ci/run), not pytest."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def _runner():
    """The runner script as a module (.ci is not a package); registered first, as dataclasses need."""
    name = "readme_examples"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO_ROOT / ".ci" / "readme_examples.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_finds_the_readme_python_blocks_and_each_is_valid_python():
    runner = _runner()
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    blocks = runner.python_blocks(text)
    assert len(blocks) >= 3
    assert len(blocks) == text.count("```python\n")
    lines = text.splitlines()
    for block in blocks:
        assert lines[block.line - 2].startswith("```python")
        compile(block.code, f"README.md line {block.line}", "exec")  # a syntax error fails here, cheaply
        assert "import" in block.code.splitlines()[0]  # complete blocks: they start with their imports


def test_only_python_fences_and_nested_fences_are_handled():
    runner = _runner()
    text = "\n".join([
        "```bash", "echo no", "```",
        "````python", "print('a')", "```", "print('b')", "````",
        "~~~python3", "x = 1", "~~~",
        "```", "plain", "```",
    ])
    blocks = runner.python_blocks(text)
    assert [b.code for b in blocks] == ["print('a')\n```\nprint('b')\n", "x = 1\n"]
    assert [b.line for b in blocks] == [5, 10]
    with pytest.raises(ValueError, match="line 1: code block opened with ``` is never closed"):
        runner.python_blocks("```python\nprint(1)\n")


def test_a_block_runs_from_the_repository_root_and_a_failure_is_reported(tmp_path, monkeypatch):
    runner = _runner()
    monkeypatch.chdir(tmp_path)  # the runner's own working directory does not matter
    ok, _, output = runner.run_block(runner.Block(1, "import graphs, os\nprint(os.getcwd())\n"), timeout=60)
    assert ok and output.strip() == str(REPO_ROOT)
    ok, _, output = runner.run_block(runner.Block(1, "from networks import NoSuchNet\n"), timeout=60)
    assert not ok and "ImportError" in output and "NoSuchNet" in output


def test_main_reports_the_failing_block(tmp_path, capsys):
    runner = _runner()
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\n```python\nimport math\nprint(math.pi)\n```\n\n```python\nimport math\n"
                      "raise SystemExit('broken example')\n```\n", encoding="utf-8")
    assert runner.main(["--readme", str(readme), "--timeout", "60"]) == 1
    out = capsys.readouterr().out
    assert "block 1 of 2 (README.md line 4): ok" in out
    assert "block 2 of 2 (README.md line 9): FAILED" in out and "broken example" in out
