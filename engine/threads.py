"""The engine's thread policy: how many BLAS threads a step uses, and how many worker threads.

    from engine import threads
    threads.set_num_threads(2)          # None goes back to the default
    threads.get_num_threads()           # -> 2
    with threads.num_threads(1):        # for one block; the previous setting comes back after it
        ...
    ZEROPROP_NUM_THREADS=1 python -m scripts.train_neuralnet    # read when the first fast layer is made

The setting ``n`` is the number of threads the engine computes with. The policy turns it into:

* **BLAS threads: 1.** Every matrix product runs on the calling thread alone. NumPy's OpenBLAS is
  told so through threadpoolctl (the library scikit-learn uses for the same job), both inside
  :func:`num_threads` / :func:`in_force` blocks and after :func:`set_num_threads`.
* **Worker threads: n.** :func:`parallel_map` and :func:`run_parallel` share independent pieces of
  work (products of different tiles, the dW and dx products of one layer, ...) between the calling
  thread and ``n - 1`` persistent helper threads. NumPy releases the GIL in products, copies and
  ufuncs, so the pieces really run at once.

The default ``n`` is the number of cores this process may run on (``os.sched_getaffinity``), unless
``ZEROPROP_NUM_THREADS`` says otherwise.

Why not let OpenBLAS run its own threads? It splits each product statically, one equal share per
thread, and its threads spin while they wait, both at the end of a product and for a while after it.
On a 2-core machine beside one other busy process, one of its two threads shares a core, so each
product waits for the slow half, and between products the spinning threads take the core the Python
code needs. On an idle 2-core machine, the main job (``python -m scripts.train_neuralnet --iters
3000``, built-in digits) took 2.1 s alone and 5.4 s beside one busy process (2.6x) at OpenBLAS's
default of 2 threads; at 1 thread, 2.2 s alone and 2.3 s beside it (1.05x). On the same kind of
machine kept busy by other people's jobs (load average 8), it took 4.1 s at 1 thread and 24.7 s at
2 (later, on three other 2-core processors, 10-18x at 2 threads and 0.9-1.1x at 1: docs/SPEED.md). The
MLP's products (100x784 @ 784x50) are too small for a second thread to gain more than 5% even
on an idle machine. Work that is big enough to split goes to the workers instead: they take the
pieces from a queue (a worker that gets less CPU takes fewer pieces) and sleep while idle, so beside
a busy process they lose only the CPU share they do not get, rather than the 2x and more of a static
split with spinning threads. How large that share is, the kernel decides: where it shares the CPU
between sessions first (Linux's sched_autogroup, on by default), a process beside one busy process
of another session gets one core of two, so its step there takes its one-thread time (DeepConvNet:
105.9 ms beside it, 103.1 ms on one thread alone, 64.9 ms on two). ``python -m benchmarks.contention``
measures all this again.

Results do not depend on the worker count, as long as every caller of :func:`parallel_map` splits
its work into pieces fixed by the shapes alone, never by ``n``, and never splits a batch where that
would change the maths (BatchNorm must see the whole batch; Dropout draws its masks from its own
generator, in one piece). A run resumed from a checkpoint is therefore bit-for-bit the run never
stopped, for the same BLAS library and kernels (OpenBLAS picks them per processor, or as
``OPENBLAS_CORETYPE`` says), whatever the thread setting.

Where the policy is not in force, NumPy's BLAS keeps its own thread count, as in any NumPy program: the
policy is in force while a Trainer trains, inside :func:`num_threads` / :func:`in_force` blocks and
after :func:`set_num_threads` with a count. A training loop of your own outside all three runs its
products on OpenBLAS's threads, which split a large product differently and may round its last bits
differently: to get the bits the Trainer gets, run the loop inside ``with engine.num_threads(n):`` or
call ``engine.set_num_threads(n)`` first.

The setting is process-wide, like ``torch.set_num_threads``; change it between steps, not while work
runs in other threads.
"""

from __future__ import annotations

import contextvars
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from numbers import Integral
from typing import Any, TypeVar

import numpy as np  # (also loads OpenBLAS before threadpoolctl looks for it)
from threadpoolctl import ThreadpoolController

from engine.allocator import keep_freed_memory

ENV_VAR = "ZEROPROP_NUM_THREADS"
BLAS_THREADS = 1   # the BLAS threads of every step; see the module docstring
# The most threads a setting may ask for. The pool starts one thread per count, whatever the cores: a
# count far above them only adds hand-overs (and 3,000 threads exhausted a small machine's memory).
MAX_THREADS = 256
# NumPy 2 keeps np.errstate in a context variable, which the copy of the caller's context carries to the workers;
# NumPy 1 kept it per thread, so its settings are passed along themselves.
_ERRSTATE_IN_CONTEXT = np.lib.NumpyVersion(np.__version__) >= "2.0.0"

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class ThreadPolicy:
    """What a setting of ``n`` threads means: ``blas_threads`` per product, ``workers`` in the pool."""

    blas_threads: int
    workers: int


class _State:
    """The process-wide setting; ``requested`` None means the default (environment or cores)."""

    def __init__(self) -> None:
        self.requested: int | None = None
        self.env_read = False
        self.env_value: int | None = None
        self.lock = threading.RLock()
        self.controller: ThreadpoolController | None = None
        self.pool: _Workers | None = None
        self.set_calls = 0           # calls of set_num_threads so far: a block ending after one keeps its setting
        self.process_setting: int | None = None   # what set_num_threads asked for, blocks aside
        # BLAS is held at one thread while set_num_threads has set a count (process_setting) or any block or
        # worker batch holds it (thread_holds, counted by thread: a fork keeps the forking thread's alone)
        self.thread_holds: dict[int, int] = {}
        self.blas_limiter: Any = None  # the first holder's limit, which knows BLAS's counts from before any hold


_state = _State()
_worker = threading.local()   # .inside is True on the pool's threads


def available_cores() -> int:
    """The number of CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not Linux
        return os.cpu_count() or 1


def thread_count(text: str) -> int:
    """A thread count written as text (an environment variable, a command-line option): 1 to MAX_THREADS."""
    stripped = text.strip()
    if not stripped.isdecimal() or not 1 <= int(stripped) <= MAX_THREADS:
        raise ValueError(f"expected a thread count from 1 to {MAX_THREADS}, got {text!r}")
    return int(stripped)


def _env_setting() -> int | None:
    """``ZEROPROP_NUM_THREADS``, read and checked once, at the first use of the policy (empty: unset)."""
    with _state.lock:
        if not _state.env_read:
            text = os.environ.get(ENV_VAR, "")
            try:
                _state.env_value = thread_count(text) if text.strip() else None
            except ValueError:
                raise ValueError(f"{ENV_VAR} must be a thread count from 1 to {MAX_THREADS}, got {text!r}") from None
            _state.env_read = True
        return _state.env_value


def check_environment() -> None:
    """ValueError, naming ``ZEROPROP_NUM_THREADS``, when it holds no thread count. Every fast layer calls
    it when it is made, so a bad value stops a program there, before any layer has computed (or
    changed its state), and not in the first product large enough to be split."""
    _env_setting()


def _check_count(name: str, n: object, allow_none: bool) -> int | None:
    if n is None and allow_none:
        return None
    if isinstance(n, bool) or not isinstance(n, Integral):
        expected = "an int or None" if allow_none else "an int"
        raise TypeError(f"{name}: n must be {expected} (a thread count), got {type(n).__name__} {n!r}")
    if not 1 <= n <= MAX_THREADS:
        raise ValueError(f"{name}: n must be from 1 to {MAX_THREADS} threads, got {n}")
    return int(n)


def default_num_threads() -> int:
    """The setting when none was made: ``ZEROPROP_NUM_THREADS`` if set, else the available cores."""
    env = _env_setting()
    return available_cores() if env is None else env


def get_num_threads() -> int:
    """The number of threads the engine computes with (the worker count of :func:`parallel_map`)."""
    requested = _state.requested
    return default_num_threads() if requested is None else requested


def policy(n: int | None = None) -> ThreadPolicy:
    """What ``n`` threads (default: the current setting) give: BLAS threads per product and workers."""
    n = get_num_threads() if n is None else _check_count("policy", n, allow_none=False)
    return ThreadPolicy(blas_threads=BLAS_THREADS, workers=n)


def _controller() -> ThreadpoolController:
    with _state.lock:
        if _state.controller is None:
            _state.controller = ThreadpoolController()
        return _state.controller


def blas_architecture() -> str | None:
    """The name of the kernels NumPy's BLAS runs (OpenBLAS's 'Haswell', 'Zen', 'SkylakeX', ...), which it
    picks when it loads, from the processor or from ``OPENBLAS_CORETYPE``; None where none is reported.
    NumPy's is the BLAS library loaded from NumPy's own folders (its wheels' ``numpy.libs``) where there
    is one, else the first loaded (another package's, torch's say, may be loaded beside it)."""
    package = os.path.dirname(os.path.abspath(np.__file__))
    roots = tuple(folder + os.sep for folder in (package, package + ".libs"))  # macOS and Linux wheels
    blas = [lib for lib in _controller().lib_controllers if lib.user_api == "blas"]
    own = [lib for lib in blas if os.path.abspath(str(lib.filepath)).startswith(roots)]
    for lib in own or blas:
        architecture = lib.info().get("architecture")
        if architecture:
            return str(architecture)
    return None


def _limit_blas(count: int) -> Any:
    """Set the BLAS libraries' thread count; the returned limiter's ``restore_original_limits()`` undoes it."""
    return _controller().limit(limits=count, user_api="blas")


def _apply_holds(reimpose: bool = False) -> None:
    """Limit BLAS to one thread while anything holds it (call with ``_state.lock`` held), keeping the counts
    from before the first holder, and give them back after the last. With ``reimpose`` a held limit is set
    again (about 7 us), in case other code has changed it meanwhile (a ``threadpoolctl`` block, say)."""
    held = _state.process_setting is not None or bool(_state.thread_holds)
    if held and _state.blas_limiter is None:
        _state.blas_limiter = _limit_blas(BLAS_THREADS)
    elif held and reimpose:
        _limit_blas(BLAS_THREADS)
    elif not held and _state.blas_limiter is not None:
        _state.blas_limiter.restore_original_limits()
        _state.blas_limiter = None


def _hold_blas(reimpose: bool = False) -> None:
    """One more hold by this thread (a block, a worker batch); call with ``_state.lock`` held."""
    me = threading.get_ident()
    _state.thread_holds[me] = _state.thread_holds.get(me, 0) + 1
    _apply_holds(reimpose)


def _release_blas() -> None:
    """One hold by this thread fewer; call with ``_state.lock`` held."""
    me = threading.get_ident()
    _state.thread_holds[me] -= 1
    if not _state.thread_holds[me]:
        del _state.thread_holds[me]
    _apply_holds()


def set_num_threads(n: int | None) -> None:
    """Compute with ``n`` threads from now on; BLAS is limited at once, process-wide. None goes back to the
    default: the engine's own count, and BLAS's thread counts as they were before the policy first limited
    them. Called inside a :func:`num_threads` block, the setting outlasts the block."""
    n = _check_count("set_num_threads", n, allow_none=True)
    with _state.lock:
        _env_setting()   # a bad ZEROPROP_NUM_THREADS is reported at the first use, whatever it is
        _state.requested = _state.process_setting = n
        _state.set_calls += 1
        _apply_holds(reimpose=True)   # limited at once, as every call with a count says, even if held already
    keep_freed_memory()


def num_threads(n: int | None) -> AbstractContextManager[None]:
    """Compute with ``n`` threads (None: the default) inside the block; the previous setting and the
    BLAS libraries' thread counts come back after it, even on an error (unless :func:`set_num_threads`
    was called meanwhile: its setting stays)."""
    return _setting_for_block(_check_count("num_threads", n, allow_none=True))


@contextmanager
def _setting_for_block(n: int | None) -> Iterator[None]:
    with _state.lock:
        _env_setting()
        previous, set_calls = _state.requested, _state.set_calls
        _state.requested = n
        _hold_blas(reimpose=True)
    keep_freed_memory()
    try:
        yield
    finally:
        with _state.lock:
            _state.requested = previous if _state.set_calls == set_calls else _state.process_setting
            _release_blas()


def in_force() -> AbstractContextManager[None]:
    """The current setting put in force for a block (the training loop runs inside one); BLAS's
    thread counts come back after it."""
    return _setting_for_block(_state.requested)


# -- the engine's workers ------------------------------------------------------------------------

class _Batch:
    """Tasks that the calling thread and the woken workers take one at a time, in the order given,
    until none is left or one has failed (then no further task starts). The workers run them under the
    caller's floating-point error settings (``np.errstate``: a context variable in NumPy 2, per thread in
    NumPy 1) and in a copy of its context (any other context variable)."""

    def __init__(self, tasks: list[Callable[[], Any]]) -> None:
        self.tasks = tasks
        self.results: list[Any] = [None] * len(tasks)
        self.errors: list[BaseException | None] = [None] * len(tasks)
        self.context = contextvars.copy_context()
        self.fp_errors = None if _ERRSTATE_IN_CONTEXT else np.geterr()
        self.taken = 0
        self.finished = 0
        self.helpers_running = 0   # tasks a worker has taken and not yet finished
        self.stopped = False
        self.lock = threading.Lock()
        self.helpers_idle: threading.Condition | None = None   # made when an interrupted caller must wait
        self.done = threading.Lock()
        self.done.acquire()   # released by whoever finishes the last task that will run

    def work(self, helper: bool = False) -> None:
        """Take and run tasks until none is left; the thread that finishes the last one signals ``done``."""
        while True:
            with self.lock:
                if self.stopped or self.taken >= len(self.tasks):
                    return
                index = self.taken
                self.taken += 1
                self.helpers_running += helper
            try:
                self.results[index] = self.tasks[index]()
            except BaseException as error:   # handed to the caller, which raises the first in order
                self.errors[index] = error
                failed = True
            else:
                failed = False
            with self.lock:
                self.finished += 1
                self.helpers_running -= helper
                if self.helpers_idle is not None and not self.helpers_running:   # an interrupted caller waits
                    self.helpers_idle.notify_all()
                self.stopped = self.stopped or failed
                last = self.finished == self.taken and (self.stopped or self.taken == len(self.tasks))
            if last:
                self.done.release()

    def release(self) -> tuple[list[Any], list[BaseException | None]]:
        """Hand over the results and errors and drop every reference the batch holds: a worker that
        wakes late may still find the batch in its queue, and must not keep the tasks' arrays alive."""
        results, errors = self.results, self.errors
        self.tasks, self.results, self.errors = [], [], []
        return results, errors

    def stop_and_wait(self) -> None:
        """Start no further task (the caller was interrupted) and wait for the tasks the workers are running:
        they write into the layers' scratch memory, which the caller's next call would use meanwhile. They
        are pieces of one step (milliseconds); a second interrupt stops the wait (a task of the user's own
        that hangs must not make Ctrl-C useless), and then a layer's next call may meet a worker still at
        work: interrupt once, or start the computation afresh."""
        with self.lock:
            self.stopped = True
            self.helpers_idle = threading.Condition(self.lock)
            while self.helpers_running:
                self.helpers_idle.wait()


class _Workers:
    """``size - 1`` persistent threads that help the calling thread through a batch of tasks.

    The caller posts the batch once per helper it wants, works through the batch itself, then waits
    for the tasks the helpers took. A helper sleeps on its queue between batches (it never spins)
    and takes tasks one at a time, so one that gets less CPU takes fewer. Handing work over this way
    costs about 10-40 us per batch here, against 115-130 us through ``concurrent.futures`` (a future
    and a waiter per task, and the calling thread idle); a DeepConvNet step makes ~50 such hand-overs.
    Since the caller can do every task itself, nothing waits for a helper that is not there (one busy
    elsewhere, say; a child made by ``fork`` starts a pool of its own). A batch that a helper finds
    late in its queue holds no task or result any more (:meth:`_Batch.release`): kept alive, their
    arrays were freed later than the allocator expected, and every step faulted ~9,700 pages in again
    (120 ms instead of 70).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.inbox: queue.SimpleQueue[_Batch | None] = queue.SimpleQueue()
        for number in range(1, size):
            threading.Thread(target=self._serve, name=f"zeroprop-worker-{number}", daemon=True).start()

    def _serve(self) -> None:
        _worker.inside = True
        while True:
            batch = self.inbox.get()
            if batch is None:
                return
            with nullcontext() if batch.fp_errors is None else np.errstate(**batch.fp_errors):
                batch.context.copy().run(batch.work, helper=True)

    def run(self, tasks: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException | None]]:
        """The tasks' results and errors, in the order given."""
        batch = _Batch(tasks)
        for _ in range(min(self.size, len(tasks)) - 1):
            self.inbox.put(batch)
        _worker.inside = True
        try:
            batch.work()
            batch.done.acquire()
        except BaseException:   # interrupted (Ctrl-C) between tasks: start nothing more, wait for the rest
            batch.stop_and_wait()
            batch.release()
            raise
        finally:
            _worker.inside = False
        return batch.release()

    def close(self) -> None:
        """Let the helpers end (after any batch they are working on)."""
        for _ in range(1, self.size):
            self.inbox.put(None)


def _after_fork_in_child() -> None:
    """A child made by ``fork`` has none of its parent's worker threads: forget their pool (work posted to it
    would wait in its queue for ever, a batch each hand-over) so that the child starts its own, take a fresh
    lock (another thread of the parent may have held this one at the fork), and keep only the holds on BLAS
    of the thread that forked (the others' blocks never end in the child, and would keep BLAS at one thread)."""
    _state.pool = None
    _state.lock = threading.RLock()
    me = threading.get_ident()
    _state.thread_holds = {me: _state.thread_holds[me]} if me in _state.thread_holds else {}
    _apply_holds()   # if only the others held it, it is given back


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _pool(size: int) -> _Workers:
    with _state.lock:
        if _state.pool is None or _state.pool.size != size:
            if _state.pool is not None:
                _state.pool.close()
            _state.pool = _Workers(size)
        return _state.pool


@contextmanager
def single_blas_thread() -> Iterator[None]:
    """BLAS at one thread while any caller's workers run (counted with every other holder, so that
    overlapping callers in different threads restore the original count only when the last one leaves)."""
    with _state.lock:
        _hold_blas()
    try:
        yield
    finally:
        with _state.lock:
            _release_blas()


def run_parallel(tasks: Iterable[Callable[[], R]]) -> list[R]:
    """Run independent ``tasks`` (callables without arguments) on the engine's workers.

    The calling thread takes part: with ``n`` threads it and ``n - 1`` workers take the tasks one at a
    time, in the order given. Returns their results in that order. If tasks raise, the tasks not yet
    started are cancelled, the running ones are waited for, and the exception of the first failed
    task (in the order given) is raised. With one thread, one task, or when called from inside a task
    (nested work), the tasks run one after another on the calling thread.
    """
    tasks = list(tasks)
    for index, task in enumerate(tasks):
        if not callable(task):
            raise TypeError(f"run_parallel: task {index} must be callable, got {type(task).__name__}")
    workers = min(get_num_threads(), len(tasks))
    if workers <= 1 or getattr(_worker, "inside", False):
        return [task() for task in tasks]
    with single_blas_thread():
        results, errors = _pool(get_num_threads()).run(tasks)
    for error in errors:
        if error is not None:
            raise error
    return results


def parallel_map(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(item) for item in items]``, the calls spread over the engine's workers; see :func:`run_parallel`."""
    if not callable(fn):
        raise TypeError(f"parallel_map: fn must be callable, got {type(fn).__name__}")
    return run_parallel([lambda item=item: fn(item) for item in items])
