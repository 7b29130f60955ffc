"""Run every ```python block of README.md as written, each in a fresh Python from the repository root.

A block runs as if pasted into ``python`` started in the repository root (``python -`` reading the
block: the root is first on the import path), with MPLBACKEND=Agg and a time limit. Prints one line
per block and, for a block that fails, where it starts in the README and the end of its output.
Exit status 1 if any block failed.

    python .ci/readme_examples.py [--readme README.md] [--timeout 300] [--list]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")


@dataclass(frozen=True)
class Block:
    """One fenced code block: its first code line (1-based line number in the README) and its code."""

    line: int
    code: str


def python_blocks(text: str) -> list[Block]:
    """Every fenced block whose info string starts with ``python`` (```python, ```python3, ~~~python)."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        fence, info = opening["fence"], opening["info"].strip().split()
        end = i + 1
        while end < len(lines):
            closing = _FENCE.match(lines[end])
            if closing is not None and closing["fence"][0] == fence[0] and len(closing["fence"]) >= len(fence) \
                    and not closing["info"].strip():
                break
            end += 1
        if end == len(lines):
            raise ValueError(f"README line {i + 1}: code block opened with {fence} is never closed")
        if info and info[0] in ("python", "python3", "py"):
            blocks.append(Block(i + 2, "\n".join(lines[i + 1:end]) + "\n"))
        i = end + 1
    return blocks


def run_block(block: Block, timeout: float, python: str = sys.executable) -> tuple[bool, float, str]:
    """(passed, seconds, output) of one block run by ``python -`` in the repository root."""
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)  # as a learner would: nothing but the working directory makes it importable
    start = time.perf_counter()
    try:
        done = subprocess.run([python, "-"], input=block.code, cwd=REPO_ROOT, env=env, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        output = (expired.stdout or "") + (expired.stderr or "")
        output = output.decode(errors="replace") if isinstance(output, bytes) else output
        return False, time.perf_counter() - start, output + f"\n(stopped after the {timeout:g} s limit)"
    return done.returncode == 0, time.perf_counter() - start, done.stdout + done.stderr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--readme", type=Path, default=REPO_ROOT / "README.md", help="the file (default README.md)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds allowed per block (default 300)")
    parser.add_argument("--list", action="store_true", help="only list the blocks found")
    args = parser.parse_args(argv)

    blocks = python_blocks(args.readme.read_text(encoding="utf-8"))
    if not blocks:
        print(f"readme_examples: no ```python blocks in {args.readme}")
        return 1
    failed = []
    for number, block in enumerate(blocks, 1):
        where = f"block {number} of {len(blocks)} ({args.readme.name} line {block.line})"
        if args.list:
            print(f"{where}: {len(block.code.splitlines())} lines")
            continue
        passed, seconds, output = run_block(block, args.timeout)
        print(f"{where}: {'ok' if passed else 'FAILED'} in {seconds:.1f} s", flush=True)
        if not passed:
            failed.append(where)
            tail = "\n".join(output.rstrip().splitlines()[-30:])
            print("    " + tail.replace("\n", "\n    "), flush=True)
    if failed:
        print(f"readme_examples: {len(failed)} of {len(blocks)} blocks failed: {'; '.join(failed)}")
        return 1
    if not args.list:
        print(f"readme_examples: all {len(blocks)} blocks ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
