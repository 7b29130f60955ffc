"""How a script continues a saved run and how it ends when training stops early: shared by every
script that trains, so that all of them answer Ctrl-C and a diverged loss the same way."""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from cli.parser import ScriptParser
from training import CheckpointError, Trainer, TrainingDivergedError, TrainingInterrupted
from training.trainer import CHECKPOINT_NAME, DIVERGED_NAME

T = TypeVar("T")
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for a program stopped by Ctrl-C


NEEDS_CHECKPOINT_DIR = "--resume needs --checkpoint-dir, the folder of the run to continue"


def resume_source(folder: str | os.PathLike) -> Path | None:
    """The checkpoint --resume continues in ``folder``: latest.npz (the last epoch's end), or, where a run diverged
    before its first epoch ended, the diverged.npz it left (the state before the loss stopped being finite, to
    continue with a smaller learning rate); None when neither is a file."""
    for name in (CHECKPOINT_NAME, DIVERGED_NAME):
        if (Path(folder) / name).is_file():
            return Path(folder) / name
    return None


def _no_checkpoint(folder: str | os.PathLike) -> str:
    latest = Path(folder) / CHECKPOINT_NAME
    return (f"--resume needs a checkpoint, and {latest} {'is not a file' if latest.exists() else 'does not exist'} "
            f"(nor {DIVERGED_NAME}, which a run that diverged in its first epoch leaves)")


def check_resume_options(parser: ScriptParser, args: object) -> None:
    """Refuse --resume without --checkpoint-dir or without a checkpoint in it (:func:`resume_source`; as
    :func:`resume_if_asked` would, after the data had loaded), a --checkpoint-dir whose checkpoint cannot be
    written (a folder where its file goes), and one holding a checkpoint without --resume (a new run would
    replace it), while parsing, before any data is loaded."""
    folder = getattr(args, "checkpoint_dir", None)
    resume = getattr(args, "resume", False)
    if folder is None:
        if resume:
            parser.error(NEEDS_CHECKPOINT_DIR)
        return
    for name in (CHECKPOINT_NAME, DIVERGED_NAME):  # a diverged run's state goes beside latest.npz
        if (Path(folder) / name).is_dir():
            parser.error(f"argument --checkpoint-dir: {Path(folder) / name} is a folder, where the "
                         f"checkpoint file goes")
    earlier = resume_source(folder)   # latest.npz, or the diverged.npz a run left before its first epoch ended
    if resume and earlier is None:
        parser.error(_no_checkpoint(folder))
    if not resume and earlier is not None:
        parser.error(f"argument --checkpoint-dir: {earlier} holds an earlier run; add --resume to continue it, "
                     "or delete it (or choose another folder) to start afresh")


def resume_if_asked(parser: ScriptParser, trainer: Trainer, resume: bool) -> None:
    """With --resume, move ``trainer`` on to the checkpoint in its checkpoint directory (:func:`resume_source`,
    saying so when that is diverged.npz); a checkpoint that is missing or cannot be resumed ends the script
    (exit 2) with one line saying why."""
    if not resume:
        return
    if trainer.checkpoint_path is None:
        parser.fail(NEEDS_CHECKPOINT_DIR)
    folder = trainer.checkpoint_path.parent
    path = resume_source(folder)
    if path is None:
        parser.fail(_no_checkpoint(folder))
    try:
        trainer.resume(path)
    except (CheckpointError, ValueError, OSError) as error:
        parser.fail(f"--resume: cannot continue from {path}: {error}")
    if trainer.finished:
        parser.fail(f"--resume: {path} is already at iteration {trainer.current_iter}, where this run stops "
                    f"(iteration {trainer.max_iter}); ask for more iterations or epochs to train further")
    if path.name == DIVERGED_NAME:
        print(f"resuming from {path}, where the earlier run was before its loss diverged (iteration "
              f"{trainer.current_iter}; there is no {CHECKPOINT_NAME}): a smaller learning rate than its own may "
              "be needed", file=sys.stderr)


def _exit_interrupted(line: str) -> None:
    """Print ``line`` and exit with status 130; one more Ctrl-C now only cuts the line short."""
    with contextlib.suppress(KeyboardInterrupt):
        print(line, file=sys.stderr)
    sys.exit(EXIT_INTERRUPTED)


def until_stopped(parser: ScriptParser, run: Callable[[], T]) -> T:
    """``run()``. Ctrl-C ends the script with exit status 130, saying where the run was saved and how to
    continue it (the same command with --resume); a diverged loss ends it with its message (exit 1), the
    one line on stderr. NumPy's overflow and invalid-value warnings are not printed during the run (they
    would precede that message; the Trainer's own check reports a loss that stops being finite)."""
    try:
        with warnings.catch_warnings():  # numpy's, from every thread of the run
            warnings.filterwarnings("ignore", r"(overflow|invalid value) encountered", RuntimeWarning)
            return run()
    except KeyboardInterrupt as stop:  # TrainingInterrupted, or one more Ctrl-C while the run was stopping
        can_save = any("--checkpoint-dir" in action.option_strings for action in parser._actions)
        if isinstance(stop, TrainingInterrupted):
            saved = stop.checkpoint_path or stop.last_checkpoint
            how = (f"checkpoint: {saved}; to continue, run the same command again with --resume" if saved is not None
                   else "nothing was saved" + (" (pass --checkpoint-dir to be able to continue)" if can_save else ""))
            line = f"{parser.prog}: interrupted at iteration {stop.iteration}; {how}"
        else:
            line = (f"{parser.prog}: interrupted again while the run was stopping"
                    + ("; the checkpoint in --checkpoint-dir is complete: run the same command again with --resume"
                       if can_save else ""))
        _exit_interrupted(line)
    except TrainingDivergedError as stop:
        sys.exit(f"{parser.prog}: {stop}")
