"""The engine's thread policy: the setting and its environment variable, BLAS limits, workers, determinism."""

from __future__ import annotations

import gc
import os
import select
import signal
import threading
import time
import warnings
import weakref
from collections.abc import Callable

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from engine import threads
from networks import TwoLayerNet
from training import Trainer, TrainingInterrupted


def blas_counts() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


@pytest.fixture(autouse=True)
def fresh_policy(monkeypatch):
    """Each test starts with nothing set, the variable unread, and gets BLAS's thread counts back after."""
    monkeypatch.delenv(threads.ENV_VAR, raising=False)
    monkeypatch.setattr(threads, "_state", threads._State())
    with threadpool_limits(limits=None, user_api="blas"):
        yield


@pytest.fixture
def blas_at_two():
    """BLAS at two threads for the test (skipped where the library will not take two)."""
    with threadpool_limits(2, user_api="blas"):
        if not blas_counts() or set(blas_counts()) != {2}:
            pytest.skip(f"no BLAS that threadpoolctl can set to 2 threads here: {threadpool_info()}")
        yield


# -- the setting ---------------------------------------------------------------------------------

def test_default_is_the_available_cores():
    assert threads.get_num_threads() == threads.available_cores() >= 1


@pytest.mark.parametrize("text, expected", [("3", 3), (" 1 ", 1), ("16", 16)])
def test_environment_variable_sets_the_default(monkeypatch, text, expected):
    monkeypatch.setenv(threads.ENV_VAR, text)
    assert threads.get_num_threads() == expected
    threads.set_num_threads(5)
    assert threads.get_num_threads() == 5
    threads.set_num_threads(None)   # back to the default, which the variable gives
    assert threads.get_num_threads() == expected


def test_environment_variable_is_read_at_first_use_only(monkeypatch):
    monkeypatch.setenv(threads.ENV_VAR, "3")
    assert threads.get_num_threads() == 3
    monkeypatch.setenv(threads.ENV_VAR, "4")
    assert threads.get_num_threads() == 3


def test_empty_environment_variable_means_unset(monkeypatch):
    monkeypatch.setenv(threads.ENV_VAR, "")
    assert threads.get_num_threads() == threads.available_cores()


@pytest.mark.parametrize("text", ["0", "-2", "two", "1.5", "2x", "+3", "257", "99999999999999999999"])
def test_bad_environment_variable_is_an_error_naming_it(monkeypatch, text):
    monkeypatch.setenv(threads.ENV_VAR, text)
    uses = (threads.get_num_threads, lambda: threads.set_num_threads(2), lambda: threads.num_threads(2).__enter__())
    for use in uses:
        with pytest.raises(ValueError, match=threads.ENV_VAR) as caught:
            use()
        assert repr(text) in str(caught.value)



def test_a_bad_environment_variable_stops_the_program_when_a_fast_layer_is_made(monkeypatch):
    """Not in the first product large enough to split (a small network ran, a larger one failed inside
    its forward pass, after the layer had taken the input as its own)."""
    from engine import FastAffine, FastConvolution, FastPooling, FastRelu
    from networks import TwoLayerNet

    monkeypatch.setenv(threads.ENV_VAR, "0")
    makers = (lambda: FastAffine(np.ones((3, 2)), np.zeros(2)), lambda: FastPooling(2, 2), FastRelu,
              lambda: FastConvolution(np.ones((2, 1, 3, 3)), np.zeros(2)), lambda: TwoLayerNet(4, 3, 2, fast=True))
    for make in makers:
        with pytest.raises(ValueError, match=f"{threads.ENV_VAR} must be a thread count .* got '0'"):
            make()
    TwoLayerNet(4, 3, 2)  # the book's layers never use the engine


def test_set_and_get():
    threads.set_num_threads(3)
    assert threads.get_num_threads() == 3
    threads.set_num_threads(np.int64(1))
    assert threads.get_num_threads() == 1
    assert type(threads.get_num_threads()) is int
    threads.set_num_threads(None)
    assert threads.get_num_threads() == threads.available_cores()


@pytest.mark.parametrize("bad, error", [("2", TypeError), (2.0, TypeError), (True, TypeError), ([2], TypeError),
                                        (0, ValueError), (-1, ValueError), (257, ValueError)])
def test_bad_counts_are_refused_naming_the_argument(bad, error):
    for name, use in (("set_num_threads", threads.set_num_threads), ("num_threads", threads.num_threads),
                      ("policy", threads.policy)):
        with pytest.raises(error, match=rf"{name}: n must be .*got") as caught:
            use(bad)
        assert repr(bad) in str(caught.value) or str(bad) in str(caught.value)
    assert threads.get_num_threads() == threads.available_cores()   # nothing changed


def test_context_restores_the_setting_even_on_error():
    threads.set_num_threads(3)
    with threads.num_threads(1):
        assert threads.get_num_threads() == 1
        with threads.num_threads(None):
            assert threads.get_num_threads() == threads.available_cores()
        assert threads.get_num_threads() == 1
    assert threads.get_num_threads() == 3
    with pytest.raises(RuntimeError, match="inside"), threads.num_threads(2):
        raise RuntimeError("inside")
    assert threads.get_num_threads() == 3


def test_thread_count_parses_command_line_text():
    assert threads.thread_count("4") == 4
    assert threads.thread_count(str(threads.MAX_THREADS)) == threads.MAX_THREADS == 256
    for bad in ("0", "x", "", "257"):
        with pytest.raises(ValueError, match="a thread count from 1 to 256"):
            threads.thread_count(bad)


def test_script_refuses_a_bad_threads_option(capsys, tmp_path):
    from cli import script_parser
    from scripts.train_neuralnet import parse_args

    def parse(argv):
        return parse_args(script_parser(None, "train_neuralnet.py"), [*argv, "--out", str(tmp_path)])

    assert parse(["--threads", "2"]).threads == 2
    assert parse([]).threads is None
    with pytest.raises(SystemExit) as stop:
        parse(["--threads", "0"])
    assert stop.value.code == 2
    assert "--threads" in capsys.readouterr().err


# -- BLAS ----------------------------------------------------------------------------------------

def test_num_threads_limits_openblas_to_one_thread_and_restores_it(blas_at_two):
    for n in (1, 2):
        with threads.num_threads(n):
            assert set(blas_counts()) == {threads.policy().blas_threads} == {1}
        assert set(blas_counts()) == {2}


def test_set_num_threads_limits_blas_at_once_and_none_gives_it_back(blas_at_two):
    threads.set_num_threads(2)
    assert set(blas_counts()) == {1}
    threads.set_num_threads(3)
    assert set(blas_counts()) == {1}
    threads.set_num_threads(None)       # the default: BLAS as it was before (the user's other NumPy work)
    assert set(blas_counts()) == {2}
    with threads.num_threads(2):
        assert set(blas_counts()) == {1}
    assert set(blas_counts()) == {2}


def test_the_trainer_runs_under_the_policy(blas_at_two):
    seen: list[list[int]] = []

    class Watched(TwoLayerNet):
        def loss_and_gradient(self, x, t):
            seen.append(blas_counts())
            return super().loss_and_gradient(x, t)

    x, t = np.random.default_rng(0).random((40, 6), dtype=np.float32), np.arange(40) % 3
    Trainer(Watched(6, 5, 3, seed=0), x, t, x, t, epochs=1, mini_batch_size=10, verbose=False, progress=False).train()
    assert len(seen) == 4 and all(counts == [1] for counts in seen)
    assert set(blas_counts()) == {2}


def test_the_updates_replayed_after_an_interrupt_run_under_the_policy_too(blas_at_two):
    """A KeyboardInterrupt inside a step (not deferred: raised by the code) is undone by replaying the
    epoch's updates before the checkpoint is saved; those replayed steps must be computed as the first
    time, with BLAS at one thread, or the resumed run is not the run never stopped."""
    seen: list[list[int]] = []

    class Interrupted(TwoLayerNet):
        def loss_and_gradient(self, x, t):
            seen.append(blas_counts())
            if len(seen) == 3:
                raise KeyboardInterrupt
            return super().loss_and_gradient(x, t)

    x, t = np.random.default_rng(0).random((40, 6), dtype=np.float32), np.arange(40) % 3
    trainer = Trainer(Interrupted(6, 5, 3, seed=0), x, t, x, t, epochs=1, mini_batch_size=10, verbose=False,
                      progress=False)
    with pytest.raises(TrainingInterrupted):
        trainer.train()
    assert trainer.current_iter == 2 and len(seen) == 5  # two updates, the interrupted call, two replayed
    assert all(counts == [1] for counts in seen), seen
    assert set(blas_counts()) == {2}


# -- the workers ---------------------------------------------------------------------------------

def test_parallel_map_keeps_the_order_and_uses_the_workers():
    names: set[str] = set()

    def slow_square(i: int) -> int:
        time.sleep(0.002 * (10 - i))   # later items finish first
        names.add(threading.current_thread().name)
        return i * i

    with threads.num_threads(3):
        assert threads.parallel_map(slow_square, range(10)) == [i * i for i in range(10)]
    helpers = names - {threading.current_thread().name}
    assert helpers and all(name.startswith("zeroprop-worker") for name in helpers)
    assert 1 < len(names) <= 3   # the caller and at most two helpers


def test_parallel_map_with_one_thread_runs_on_the_caller():
    with threads.num_threads(1):
        assert threads.parallel_map(lambda _: threading.current_thread(), range(3)) == [threading.current_thread()] * 3


def test_workers_run_with_blas_at_one_thread(blas_at_two):
    with threads.num_threads(2):   # the workers outside any policy block too
        pass
    assert threads.parallel_map(lambda _: blas_counts(), range(4)) == [[1]] * 4
    assert set(blas_counts()) == {2}


def test_run_parallel_returns_results_in_order():
    with threads.num_threads(2):
        assert threads.run_parallel([lambda k=k: k + 1 for k in range(7)]) == list(range(1, 8))
    assert threads.run_parallel([]) == []


def test_the_first_failure_in_order_is_raised_and_later_tasks_are_cancelled():
    started: list[int] = []

    def task(i: int) -> int:
        started.append(i)
        if i in (2, 3):
            time.sleep(0.05 if i == 2 else 0.0)   # item 3 fails first in time, item 2 first in order
            raise ValueError(f"item {i} failed")
        time.sleep(0.01)
        return i

    with threads.num_threads(2), pytest.raises(ValueError, match="item 2 failed"):
        threads.parallel_map(task, range(40))
    assert len(started) < 40


def test_nested_parallel_map_does_not_deadlock():
    with threads.num_threads(2):
        result = threads.parallel_map(lambda i: threads.parallel_map(lambda j: i * 10 + j, range(3)), range(4))
    assert result == [[i * 10 + j for j in range(3)] for i in range(4)]


def test_bad_work_is_refused():
    with pytest.raises(TypeError, match="parallel_map: fn must be callable, got int"):
        threads.parallel_map(3, [1])
    with pytest.raises(TypeError, match="run_parallel: task 1 must be callable, got str"):
        threads.run_parallel([lambda: 1, "x"])


def test_split_products_do_not_depend_on_the_worker_count():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((512, 300), dtype=np.float32), rng.standard_normal((300, 200), dtype=np.float32)
    blocks = [slice(start, start + 64) for start in range(0, 512, 64)]   # fixed by the shape, not by n
    results = []
    for n in (1, 2, 3):
        with threads.num_threads(n):
            results.append(np.concatenate(threads.parallel_map(lambda rows: a[rows] @ b, blocks)))
    assert all(np.array_equal(results[0], r) for r in results[1:])
    np.testing.assert_allclose(results[0], a.astype(np.float64) @ b, rtol=1e-4, atol=1e-4)


# -- determinism ---------------------------------------------------------------------------------

def train_small(n: int | None, fast: bool = False) -> dict[str, np.ndarray]:
    """A few SGD epochs of a small TwoLayerNet, under ``n`` threads; the final parameters. The engine
    build's products (100 x 784 x 200 and 784 x 100 x 200) are large enough to be split."""
    rng = np.random.default_rng(1)
    d, hidden, batch = (784, 200, 100) if fast else (64, 100, 50)
    x, t = rng.random((300, d), dtype=np.float32), rng.integers(0, 10, 300)
    net = TwoLayerNet(d, hidden, 10, seed=0, fast=fast)
    with threads.num_threads(n):
        Trainer(net, x, t, x[:50], t[:50], epochs=3, mini_batch_size=batch, optimizer="sgd",
                optimizer_param={"lr": 0.1}, verbose=False, progress=False, seed=2).train()
    return {key: value.copy() for key, value in net.params.items()}


@pytest.mark.parametrize("fast", [False, True], ids=["book", "engine"])
def test_training_is_bit_identical_for_the_same_setting_and_across_settings(fast):
    first, again, one = train_small(2, fast), train_small(2, fast), train_small(1, fast)
    start = TwoLayerNet(784 if fast else 64, 200 if fast else 100, 10, seed=0).params
    for key in first:
        assert not np.array_equal(first[key], start[key])   # it did train
        assert np.array_equal(first[key], again[key])
        assert np.array_equal(first[key], one[key])         # BLAS is at 1 thread whatever n is


def test_a_winograd_convolution_gives_the_same_bits_on_one_thread_and_on_two():
    """The batch is split into parts by its size alone (engine.convolution.batch_parts), so the sums over
    parts do not depend on how many workers run them."""
    from engine import FastConvolution
    from engine.convolution import batch_parts

    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 16, 10, 10)).astype(np.float32)
    W, b = rng.standard_normal((8, 16, 3, 3)).astype(np.float32), np.zeros(8, np.float32)
    dout = rng.standard_normal((40, 8, 10, 10)).astype(np.float32)
    assert batch_parts(40) == 2
    results = []
    for n in (1, 2):
        with threads.num_threads(n):
            layer = FastConvolution(W, b, 1, 1)
            out = layer.forward(x)
            assert layer._winograd is not None
            results.append((out.copy(), layer.backward(dout).copy(), layer.dW.copy(), layer.db.copy()))
    for one, two in zip(*results, strict=True):
        np.testing.assert_array_equal(one, two)


def test_finished_work_is_not_kept_alive_by_a_late_worker():
    """A helper may find a batch in its queue after the caller has moved on: the batch must not keep
    the tasks, their arrays or their results alive (their memory would be freed late, every step)."""

    class Payload:
        pass

    for _ in range(20):
        payload = Payload()
        alive = weakref.ref(payload)
        with threads.num_threads(2):
            results = threads.run_parallel([lambda p=payload: p, lambda p=payload: None])
        assert results[0] is payload
        del payload, results
        gc.collect()
        assert alive() is None


def test_split_pass_splits_views_that_are_not_contiguous_and_refuses_mixed_layouts():
    from engine.products import SMALLEST_SPLIT_PASS, split_pass

    rng = np.random.default_rng(3)
    padded = rng.standard_normal((8, 130, 130, 10))
    x = padded[:, 1:-1, 1:-1].transpose(3, 0, 1, 2)   # a batch-last view into a padded buffer
    assert x.size >= SMALLEST_SPLIT_PASS and not x.flags.c_contiguous and not x.flags.f_contiguous
    out = np.empty_like(x)
    seen: list[tuple[int, ...]] = []

    def double(a: np.ndarray, o: np.ndarray) -> None:
        seen.append(a.shape)
        np.multiply(a, 2.0, out=o)

    with threads.num_threads(2):
        assert split_pass(double, [x, out])
    np.testing.assert_array_equal(out, 2.0 * x)
    assert sorted(seen) == [(10, 4, 128, 128), (10, 4, 128, 128)]   # halves of the outermost axis (channels)
    assert not split_pass(double, [x, np.empty(x.shape)])       # C order beside batch-last: not split


def in_a_forked_child(work: Callable[[], object]) -> str:
    """repr(work()) computed in a child made by fork, which leaves at once whatever happens."""
    reader, writer = os.pipe()
    with warnings.catch_warnings():   # Python 3.12+ warns that fork() in a threaded process may deadlock
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        try:
            os.write(writer, repr(work()).encode())
        finally:
            os._exit(0)
    os.close(writer)
    ready, _, _ = select.select([reader], [], [], 20.0)
    output = os.read(reader, 1000).decode() if ready else "no answer within 20 s"
    os.close(reader)
    os.waitpid(pid, 0) if ready else os.kill(pid, 9)
    return output


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_still_completes_parallel_work():
    """A child made by fork has none of its parent's helper threads: it starts a pool of its own, and never
    waits for, or posts work to, helpers that do not exist."""
    with threads.num_threads(2):
        threads.run_parallel([lambda: 1, lambda: 2])   # the parent's helpers exist now

        def in_the_child() -> object:
            squares = threads.run_parallel([lambda k=k: k * k for k in range(6)])
            helpers = [t for t in threading.enumerate() if t.name.startswith("zeroprop-worker")]
            return squares, len(helpers)

        output = in_a_forked_child(in_the_child)
    # the child's own helper: before, work went to the parent's pool, whose queue nobody reads in the child
    assert output == repr(([k * k for k in range(6)], 1))


def test_an_interrupted_caller_returns_only_after_the_workers_tasks_have_ended():
    """A Ctrl-C while the caller waits for its workers must not let it go on while a worker still writes
    into the layers' scratch memory, which the caller's next call would use."""
    ended, worker_started = [], threading.Event()

    def task() -> None:
        if threading.current_thread() is threading.main_thread():   # the caller's piece: done at once, and
            worker_started.wait(10)                                 # the interrupt comes while it waits
            signal.setitimer(signal.ITIMER_REAL, 0.1)
            return
        worker_started.set()
        time.sleep(0.4)   # the worker's piece outlasts the interrupt
        ended.append(True)

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        with threads.num_threads(2):
            with pytest.raises(KeyboardInterrupt):
                threads.run_parallel([task, task])
            assert ended == [True]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_the_workers_see_the_callers_floating_point_error_settings():
    """np.errstate is a context variable: a division by zero raises on a worker as on the caller."""
    both_running = threading.Barrier(2, timeout=10)

    def divide() -> tuple[str, bool]:
        both_running.wait()   # one task on each thread
        try:
            np.divide(np.ones(4), np.zeros(4))
        except FloatingPointError:
            return threading.current_thread().name, True
        return threading.current_thread().name, False

    with threads.num_threads(2), np.errstate(divide="raise"):
        results = threads.run_parallel([divide, divide])
    assert any(name.startswith("zeroprop-worker") for name, _ in results)
    assert [raised for _, raised in results] == [True, True]


def test_set_num_threads_inside_a_block_outlasts_it_and_none_gives_blas_back(blas_at_two):
    with threads.num_threads(2):
        threads.set_num_threads(1)
    assert threads.get_num_threads() == 1 and set(blas_counts()) == {1}
    with threads.single_blas_thread():
        assert set(blas_counts()) == {1}
    threads.set_num_threads(None)
    assert threads.get_num_threads() == threads.default_num_threads()
    assert set(blas_counts()) == {2}   # as before the policy first limited BLAS, not the block's 1


def test_set_num_threads_and_a_block_limit_blas_again_after_other_code_changed_it(blas_at_two):
    """A held limit is imposed again by every set_num_threads and at every block's start, as before the
    holders were counted: otherwise BLAS set back to two threads by other code stayed there."""
    threads.set_num_threads(2)
    assert set(blas_counts()) == {1}
    threadpool_limits(2, user_api="blas")   # other code, for the rest of the process
    threads.set_num_threads(2)
    assert set(blas_counts()) == {1}
    threadpool_limits(2, user_api="blas")
    with threads.num_threads(2):
        assert set(blas_counts()) == {1}
    threads.set_num_threads(None)
    assert set(blas_counts()) == {2}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_keeps_only_the_forking_threads_holds_on_blas(blas_at_two):
    """Another thread's block, open at the fork, never ends in the child: its hold must not keep BLAS at one
    thread there after the child's own setting is undone."""
    inside, leave = threading.Event(), threading.Event()

    def block_in_another_thread() -> None:
        with threads.num_threads(2):
            inside.set()
            leave.wait(20)

    other = threading.Thread(target=block_in_another_thread)
    other.start()
    try:
        assert inside.wait(20)

        def in_the_child() -> object:
            counts = [set(blas_counts())]
            threads.set_num_threads(2)
            counts.append(set(blas_counts()))
            threads.set_num_threads(None)
            return [*counts, set(blas_counts())]

        output = in_a_forked_child(in_the_child)
    finally:
        leave.set()
        other.join()
    assert output == repr([{2}, {1}, {2}])   # the other thread's limit is given back in the child at once


def test_blas_architecture_names_the_kernels_threadpoolctl_reports(monkeypatch):
    reported = [pool.get("architecture") for pool in threadpool_info() if pool.get("user_api") == "blas"]
    assert threads.blas_architecture() == next((a for a in reported if a), None)

    class Library:
        user_api = "blas"

        def __init__(self, filepath, architecture):
            self.filepath, self.architecture = filepath, architecture

        def info(self):
            return {"architecture": self.architecture}

    numpy_libs = os.path.dirname(os.path.abspath(np.__file__)) + ".libs"
    foreign = Library("/opt/other/lib/libopenblas.so", "SandyBridge")
    cases = [([foreign, Library(os.path.join(numpy_libs, "libscipy_openblas.so"), "Haswell")], "Haswell"),
             ([foreign], "SandyBridge"),  # NumPy's not recognised: the first that reports one
             ([Library("/x/libopenblas.so", None)], None)]
    for libraries, expected in cases:
        monkeypatch.setattr(threads, "_controller", lambda libraries=libraries: type("C", (), {
            "lib_controllers": libraries})())
        assert threads.blas_architecture() == expected
