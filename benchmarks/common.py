"""Helpers shared by the benchmarks: thread control, interleaved median timing, call counts, peak memory,
tables.

Nothing here imports NumPy at module level, so a benchmark can fix the thread count before NumPy's
BLAS starts (see :func:`pin_threads`).
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from itertools import cycle
from types import ModuleType
from typing import TypeVar

T = TypeVar("T")

# Every variable a BLAS or OpenMP runtime reads its thread count from, set alike.
THREAD_ENV_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)

MIB = 1024 * 1024
_pinned_threads: int | None = None  # the count pin_threads put in THREAD_ENV_VARS, if it ran


# -- options -------------------------------------------------------------------------------------

def positive_sizes(text: str, separator: str = ",") -> list[int]:
    """``"50,1000"`` -> ``[50, 1000]``; anything but positive integers is an argparse error."""
    try:
        sizes = [int(word) for word in text.split(separator)]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers separated by {separator!r}, got {text!r}")
    return sizes


# -- threads -------------------------------------------------------------------------------------

def available_cores() -> int:
    """The number of CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def add_thread_options(parser: argparse.ArgumentParser) -> None:
    """--threads and --pause: the options of every benchmark that times NumPy against torch."""
    parser.add_argument("--threads", type=int, default=available_cores(),
                        help="the engine's thread count (its policy runs BLAS at one thread and this many workers) "
                             "and torch's threads (default: all %(default)s cores)")
    parser.add_argument("--pause", type=float, default=0.2,
                        help="seconds to wait when switching between NumPy and torch, for the idle threads of one "
                             "to stop spinning before the other runs (default %(default)s)")


def thread_pools(cases: Mapping[str, object]) -> dict[str, str]:
    """time_interleaved's ``groups`` for a benchmark's cases: the case named "torch" runs on torch's
    threads, every other case on NumPy's."""
    return {name: "torch" if name == "torch" else "numpy" for name in cases}


def pin_threads(threads: int, allow_reexec: bool = True) -> None:
    """Make NumPy's BLAS (and PyTorch, once imported) use ``threads`` threads.

    BLAS libraries read their thread count from the environment once, when NumPy is first imported.
    The variables are set here; if NumPy or PyTorch is already loaded with another setting, the process
    restarts itself with the same interpreter and arguments so that the setting takes effect (or, with
    ``allow_reexec=False``, raises RuntimeError).
    """
    global _pinned_threads
    if threads < 1:
        raise ValueError(f"pin_threads: expected at least 1 thread, got {threads}")
    _pinned_threads = threads
    wanted = str(threads)
    already = all(os.environ.get(name) == wanted for name in THREAD_ENV_VARS)
    os.environ.update(dict.fromkeys(THREAD_ENV_VARS, wanted))
    loaded = [name for name in ("numpy", "torch") if name in sys.modules]
    if already or not loaded:
        return
    if not allow_reexec:
        raise RuntimeError(f"pin_threads: {loaded} already imported; set {THREAD_ENV_VARS[0]} etc. before importing")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])


def blas_thread_count() -> int | None:
    """The thread count NumPy's OpenBLAS reports, or None for another or undetectable BLAS."""
    getters = ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_", "openblas_get_num_threads")
    for path in _loaded_libraries("openblas"):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for getter in getters:
            function = getattr(library, getter, None)
            if function is not None:
                function.restype = ctypes.c_int
                return int(function())
    return None


def _loaded_libraries(fragment: str) -> list[str]:
    """Paths of shared libraries mapped into this process whose file name contains ``fragment``."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if fragment in line.rsplit("/", 1)[-1].lower()}
    except OSError:
        return []
    return sorted(path for path in paths if path.startswith("/"))


def import_torch(threads: int | None = None) -> ModuleType | None:
    """PyTorch set to ``threads`` intra-op threads, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    if threads is not None:
        torch.set_num_threads(threads)
    return torch


def cpu_model() -> str:
    """The processor as the system reports it: its name, family and model, and its widest vector units.

    The ratios to PyTorch depend on the processor, not only on the machine class: on a 2-core AMD
    EPYC with AVX2 only (Zen 3) PyTorch's DeepConvNet step took 53 ms against 37 ms on the machine of
    the earlier figures, while zeroprop's hardly moved. So every benchmark names it.
    """
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            described = describe_cpu(cpuinfo.read())
    except OSError:
        described = None
    return described or platform.processor() or platform.machine()


def describe_cpu(cpuinfo: str) -> str | None:
    """'NAME (family F, model M, AVX-512|AVX2 only|no AVX2)' from the first processor of /proc/cpuinfo's text."""
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        if not line.strip():
            if fields:
                break  # the first processor's block is enough
            continue
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    name = fields.get("model name")
    if not name:
        return None
    flags = set(fields.get("flags", "").split())
    vectors = "AVX-512" if "avx512f" in flags else "AVX2 only" if "avx2" in flags else "no AVX2"
    family, model = fields.get("cpu family"), fields.get("model")
    where = f"family {family}, model {model}, " if family and model else ""
    return f"{name} ({where}{vectors})"


def blas_kernels(pools: Sequence[Mapping[str, object]] | None = None) -> str:
    """NumPy's BLAS library, version and, for OpenBLAS, the kernels it runs (e.g. 'openblas 0.3.31,
    Haswell kernels'), from threadpoolctl's ``threadpool_info()`` (or ``pools``, a list in its format).

    OpenBLAS picks its kernels when it loads, from the processor, or from ``OPENBLAS_CORETYPE`` where
    the environment sets it (some machines' environments set it to Haswell, the AVX2 kernels). On an
    AMD Zen 5 its own choice, the SkylakeX kernels (AVX-512), ran the benchmarks' matmul
    floors 1.4-1.6x faster than the Haswell kernels, and float32 results differ in their last bits
    between the two: every figure depends on it, so the benchmarks name it.
    """
    if pools is None:
        from threadpoolctl import threadpool_info

        pools = threadpool_info()
    for pool in pools:
        if pool.get("user_api") == "blas":
            version = f" {pool['version']}" if pool.get("version") else ""
            kernels = f", {pool['architecture']} kernels" if pool.get("architecture") else ""
            return f"{pool.get('internal_api')}{version}{kernels}"
    return "no BLAS found"


def openblas_settings(environ: Mapping[str, str] | None = None) -> str | None:
    """The OPENBLAS_* variables set in ``environ`` (default: this process's), sorted, e.g.
    'OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=512'; None when there are none."""
    environ = os.environ if environ is None else environ
    found = sorted(f"{name}={value}" for name, value in environ.items() if name.startswith("OPENBLAS_"))
    return " ".join(found) or None


def describe_blas() -> str:
    """'BLAS: <blas_kernels()>; OpenBLAS settings in the environment: <openblas_settings() or none>', the
    thread counts :func:`pin_threads` set itself left out (the environment's settings are the user's)."""
    environ = {name: value for name, value in os.environ.items()
               if not (name in THREAD_ENV_VARS and _pinned_threads is not None and value == str(_pinned_threads))}
    return f"BLAS: {blas_kernels()}; OpenBLAS settings in the environment: {openblas_settings(environ) or 'none'}"


def describe_machine() -> str:
    """'machine: <cpu_model()>; <describe_blas()>': the first line of the reports that print no
    :func:`describe_environment`."""
    return f"machine: {cpu_model()}; {describe_blas()}"


def describe_environment(threads: int, torch: ModuleType | None) -> list[str]:
    """Lines naming the machine, the libraries, the thread counts and the allocator settings in force."""
    import numpy as np

    from engine import allocator

    blas = blas_thread_count()
    lines = [
        f"machine: {cpu_model()}, {available_cores()} cores available, load average {os.getloadavg()[0]:.2f}",
        f"python {platform.python_version()}, numpy {np.__version__} "
        f"(BLAS threads: {blas if blas is not None else 'unknown'}, requested {threads})",
        describe_blas(),
    ]
    if torch is not None:
        lines.append(f"torch {torch.__version__} (threads: {torch.get_num_threads()})")
    else:
        lines.append("torch: not in use (not installed, or left out), its rows are skipped")
    malloc = allocator.describe(allocator.keep_freed_memory())
    lines.append(f"malloc: {malloc}; every case in this process runs under it")
    return lines


class OthersCpuShare:
    """Context manager: the share of the machine's CPU time that *other* processes used meanwhile.

    Read from ``/proc/stat`` (all CPUs) minus this process's own CPU time, threads and the children it
    waited for included (a job timed as a subprocess is not "others"); ``share``
    is None where ``/proc/stat`` is missing. Timings taken while others use more than a few percent
    are noisy, however they are summarised.
    """

    def __init__(self) -> None:
        self.share: float | None = None
        self._start: tuple[float, float, float] | None = None

    @staticmethod
    def _read() -> tuple[float, float, float] | None:
        try:
            with open("/proc/stat") as stat:
                jiffies = [int(field) for field in stat.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        ticks = os.sysconf("SC_CLK_TCK")
        total = sum(jiffies[:8]) / ticks  # user nice system idle iowait irq softirq steal
        idle = (jiffies[3] + jiffies[4]) / ticks
        own = os.times()  # this process's threads and its children waited for meanwhile (a job run as one)
        return total, total - idle, own.user + own.system + own.children_user + own.children_system

    def __enter__(self) -> OthersCpuShare:
        self._start = self._read()
        return self

    def __exit__(self, *exc_info: object) -> None:
        end = self._read()
        if self._start is None or end is None or end[0] <= self._start[0]:
            return
        total, busy, own = (after - before for after, before in zip(end, self._start, strict=True))
        self.share = min(1.0, max(0.0, (busy - own) / total))


# -- timing --------------------------------------------------------------------------------------

REWARM_SECONDS = 0.05  # untimed calls after a pause, before a case's settling and timed calls


def round_order(group_order: list[str], members: Mapping[str, list[str]], round_index: int) -> list[str]:
    """The cases in the order round ``round_index`` runs them: the groups forwards in odd rounds and
    backwards in even ones (so a round starts where the last one ended), and each group's cases
    turned by one place every two rounds, so that each case is in turn the first of its group."""
    order = []
    for group in group_order if round_index % 2 else group_order[::-1]:
        names = members[group]
        turn = (round_index // 2) % len(names)
        order += names[turn:] + names[:turn]
    return order


@dataclass(frozen=True)
class Timing:
    """Seconds taken by each timed call of one case, in the order taken, ``calls_per_round`` a round."""

    samples: tuple[float, ...]
    calls_per_round: int = 0  # 0: all calls in one round

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def round_medians(self) -> list[float]:
        """The median of each round's calls."""
        size = self.calls_per_round or len(self.samples)
        return [statistics.median(self.samples[i:i + size]) for i in range(0, len(self.samples), size)]

    @property
    def quartiles(self) -> tuple[float, float]:
        """The first and third quartiles (the middle half of the calls lies between them)."""
        if len(self.samples) < 2:
            return self.samples[0], self.samples[0]
        q1, _, q3 = statistics.quantiles(self.samples, n=4)
        return q1, q3


def time_interleaved(
    cases: Mapping[str, Callable[[], object]],
    rounds: int,
    calls_per_round: int = 10,
    warmup: int = 10,
    settle: int = 1,
    groups: Mapping[str, str] | None = None,
    pause: float = 0.0,
    on_switch: Mapping[str, Callable[[], object]] | None = None,
    rewarm: float = REWARM_SECONDS,
) -> dict[str, Timing]:
    """Time every case's calls one by one, the cases taking turns in ``rounds`` rounds.

    Each case first gets ``warmup`` untimed calls. In each round every case makes ``settle`` untimed
    calls (to refill the caches the others evicted) and then ``calls_per_round`` timed ones, in the
    order of :func:`round_order`, so that each takes every place in a round in turn. Machine noise
    thus falls on all cases alike, and medians over the calls ignore the outliers.

    ``groups`` names the thread pool each case runs on (say "numpy" or "torch"; one group when
    omitted). Cases of a group run next to each other, and before a turn of another group than the
    last one the timer sleeps ``pause`` seconds: a pool's idle threads go on spinning for a while
    after their last task (OpenBLAS's for about 0.1 s) and would slow the other pool's threads down.
    ``on_switch[group]``, when given, is called before each turn of that group (to set its thread
    counts, say), outside the timed calls. A case that runs after such a pause starts slow (measured:
    a 0.25 ms MLP step about 15% slower, even after a settling call; the idle core clocks down),
    so it first runs untimed for ``rewarm`` seconds, and the cases of a group take turns at being the
    first after a pause (a fixed order had put PyTorch's case there in every other round and
    zeroprop's never). The garbage collector is paused while timing.
    """
    group_of = {name: (groups or {}).get(name, "") for name in cases}
    group_order = list(dict.fromkeys(group_of.values()))
    members = {group: [name for name in cases if group_of[name] == group] for group in group_order}
    samples: dict[str, list[float]] = {name: [] for name in cases}
    clock = time.perf_counter_ns
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        last_group = None
        switch = on_switch or {}

        def enter(group: str) -> bool:
            """Pause (unless first) and switch to ``group`` if it is not the running one; say whether it was."""
            nonlocal last_group
            if group == last_group:
                return False
            if last_group is not None:
                time.sleep(pause)
            switch.get(group, lambda: None)()
            last_group = group
            return True

        for name in (name for group in group_order for name in members[group]):
            enter(group_of[name])
            for _ in range(warmup):
                cases[name]()
        for round_index in range(rounds):
            for name in round_order(group_order, members, round_index):
                fn = cases[name]
                if enter(group_of[name]) and pause > 0:
                    until = clock() + rewarm * 1e9
                    while clock() < until:
                        fn()
                for _ in range(settle):
                    fn()
                out = samples[name]
                for _ in range(calls_per_round):
                    start = clock()
                    fn()
                    out.append((clock() - start) * 1e-9)
    finally:
        if gc_was_enabled:
            gc.enable()
    return {name: Timing(tuple(samples[name]), calls_per_round) for name in cases}


def paired_ratio(numerator: Timing, denominator: Timing) -> float:
    """The median over rounds of (this round's median of one case / the same round's of the other).

    Pairing each round's figures cancels noise that changes from second to second (another process,
    a busy neighbour on the host) better than one median divided by the other.
    """
    pairs = zip(numerator.round_medians, denominator.round_medians, strict=True)
    return statistics.median(a / b for a, b in pairs)


def timed_runs(run: Callable[[], T], repeats: int, clock: Callable[[], float] = time.perf_counter) -> tuple[T, float]:
    """Call ``run()`` ``repeats`` times, one after another; return the first call's result and the median of
    the calls' wall times in seconds (``clock``'s units), which ignores a call slowed by something else."""
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"timed_runs: repeats must be a whole number >= 1, got {repeats!r}")
    times: list[float] = []
    results: list[T] = []
    for _ in range(repeats):
        start = clock()
        out = run()
        times.append(clock() - start)
        if not results:
            results.append(out)
    return results[0], statistics.median(times)


# -- call counts ---------------------------------------------------------------------------------

@dataclass
class CallCount:
    """How many times the method that :func:`counting_calls` wraps has been called."""

    calls: int = 0


@contextmanager
def counting_calls(obj: object, method: str) -> Iterator[CallCount]:
    """Within the block, every call of ``obj.method`` made through ``obj`` (``self.loss(...)`` inside a network,
    say) adds one to the yielded :class:`CallCount`; the calls run the method as before.

    The method is wrapped by an attribute of the instance, which hides the class's method from lookups
    through the instance; when the block ends the attribute is removed (or the instance's own, if it had
    one, put back), so the object is as it was.
    """
    count = CallCount()
    own = vars(obj).get(method)
    original = getattr(obj, method)

    @wraps(original)
    def counted(*args: object, **kwargs: object) -> object:
        count.calls += 1
        return original(*args, **kwargs)

    setattr(obj, method, counted)
    try:
        yield count
    finally:
        if own is None:
            delattr(obj, method)
        else:
            setattr(obj, method, own)


# -- memory --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PeakMemory:
    """How a command ended, how long it ran, and the most resident memory it ever held."""

    command: tuple[str, ...]
    peak_rss_mib: float
    returncode: int
    seconds: float
    output_tail: str


def command_words(command: str | Sequence[str]) -> list[str]:
    """``command`` split like a shell would; a leading ``python``/``python3`` becomes this interpreter."""
    words = shlex.split(command) if isinstance(command, str) else list(command)
    if not words:
        raise ValueError("command_words: empty command")
    if words[0] in ("python", "python3"):
        words[0] = sys.executable
    return words


# Runs argv[2:] and writes "<ru_maxrss> <exit code>" to the file argv[1]. It stands between the
# benchmark and the measured command because a child's ru_maxrss starts at its parent's own peak
# (exec records the old memory map's high-water mark): a bare interpreter keeps that floor at ~8 MiB.
_RSS_REPORTER = """\
import os, sys
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as result:
    result.write(f"{usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def peak_rss_of(
    command: str | Sequence[str], cwd: str | os.PathLike | None = None, env: Mapping[str, str] | None = None
) -> PeakMemory:
    """Run ``command`` (no shell) to its end and return its peak resident set size in MiB.

    The peak is the kernel's ``ru_maxrss`` for that one process (processes it starts are not counted),
    read by a small interpreter that starts it, so that this process's own memory does not leak into
    the figure; it cannot read below that interpreter's ~8 MiB. The command's output is kept and its
    last lines returned. Raises RuntimeError if the command could not be started.
    """
    words = command_words(command)
    start = time.perf_counter()
    with tempfile.TemporaryFile() as log, tempfile.TemporaryDirectory() as scratch:
        result_path = os.path.join(scratch, "rusage")
        subprocess.run([sys.executable, "-I", "-S", "-c", _RSS_REPORTER, result_path, *words], cwd=cwd,
                       env=None if env is None else dict(env), stdout=log, stderr=subprocess.STDOUT, check=False)
        seconds = time.perf_counter() - start
        log.seek(0)
        tail = b"\n".join(log.read().splitlines()[-20:]).decode(errors="replace")
        try:
            with open(result_path) as result:
                max_rss, returncode = (int(word) for word in result.read().split())
        except (OSError, ValueError):
            raise RuntimeError(f"peak_rss_of: could not run {shlex.join(words)}:\n{tail}") from None
    rss_bytes = max_rss if sys.platform == "darwin" else max_rss * 1024
    return PeakMemory(tuple(words), rss_bytes / MIB, returncode, seconds, tail)


def float32_mib(*shape: int) -> float:
    """Size in MiB of a float32 array of ``shape``."""
    count = 1
    for size in shape:
        count *= size
    return 4 * count / MIB


# -- printing ------------------------------------------------------------------------------------

def format_seconds(seconds: float) -> str:
    """A duration with a unit that keeps 3-4 significant digits: ``412.3 us``, ``3.21 ms``."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def format_ratio(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}x"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]], indent: str = "  ") -> str:
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        parts = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        return indent + "  ".join(parts).rstrip()

    rule = indent + "  ".join("-" * width for width in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]], indent: str = "  ") -> None:
    print(format_table(headers, rows, indent), flush=True)


def torch_training_step(torch: ModuleType, model: object, optimizer: object,
                        batches: Sequence[tuple[object, object]]) -> Callable[[], None]:
    """One PyTorch training iteration per call over ``batches`` (NumPy pairs), cycling: zero the
    gradients (set to None), cross-entropy forward, backward, optimiser step."""
    cross_entropy = torch.nn.functional.cross_entropy

    def train_on(x: object, t: object) -> None:
        optimizer.zero_grad(set_to_none=True)
        cross_entropy(model(x), t).backward()
        optimizer.step()

    return cycling_step(train_on, [(torch.from_numpy(x), torch.from_numpy(t)) for x, t in batches])


def cycling_step(train_on: Callable[[object, object], object],
                 batches: Sequence[tuple[object, object]]) -> Callable[[], object]:
    """A step that calls ``train_on(x, t)`` on the next batch of ``batches`` each time, cycling."""
    pool = cycle(batches)

    def step() -> object:
        return train_on(*next(pool))

    return step


def zeroprop_training_step(network: object, optimizer: object,
                           batches: Sequence[tuple[object, object]]) -> Callable[[], None]:
    """One zeroprop training iteration per call over ``batches``, cycling: one forward and backward
    pass (``loss_and_gradient``), then the optimiser's in-place update."""

    def train_on(x: object, t: object) -> None:
        _, grads = network.loss_and_gradient(x, t)
        optimizer.update(network.params, grads)

    return cycling_step(train_on, batches)

