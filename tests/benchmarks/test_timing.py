"""The benchmarks' timer and the ConvNet benchmark's options (no timings are asserted)."""

from __future__ import annotations

import pytest

from benchmarks import bench_convnet, bench_mlp, common


def test_time_interleaved_pauses_at_every_switch_between_thread_pools(monkeypatch):
    events: list[str] = []
    monkeypatch.setattr(common.time, "sleep", lambda seconds: events.append(f"sleep {seconds}"))
    cases = {name: (lambda name=name: events.append(name)) for name in ("ours", "torch", "floor")}
    pools = common.thread_pools(cases)
    assert pools == {"ours": "numpy", "torch": "torch", "floor": "numpy"}
    timings = common.time_interleaved(cases, rounds=4, calls_per_round=2, warmup=1, settle=1,
                                      groups=pools, pause=0.25, rewarm=0.0)
    assert {name: len(timing.samples) for name, timing in timings.items()} == {"ours": 8, "torch": 8, "floor": 8}
    pool_of_last_call = None
    for event in events:
        if event.startswith("sleep"):
            assert event == "sleep 0.25"
            pool_of_last_call = "paused"
            continue
        pool = pools[event]
        assert pool_of_last_call in (None, "paused", pool), f"{event} ran on {pool} right after the other pool"
        pool_of_last_call = pool
    assert events.count("sleep 0.25") >= 4  # each round switches pools at least once


def test_every_case_of_a_pool_is_in_turn_the_first_after_a_pause(monkeypatch):
    """A case run straight after the pause starts slow; a fixed order put torch there in every other
    round and the first NumPy case never, which flattered the ratios."""
    events: list[str] = []
    monkeypatch.setattr(common.time, "sleep", lambda seconds: events.append("sleep"))
    cases = {name: (lambda name=name: events.append(name)) for name in ("ours", "plain", "floor", "torch")}
    common.time_interleaved(cases, rounds=12, calls_per_round=1, warmup=0, settle=0,
                            groups=common.thread_pools(cases), pause=0.1, rewarm=0.0)
    first_after_pause = [events[i + 1] for i, event in enumerate(events[:-1]) if event == "sleep"]
    assert set(first_after_pause) == set(cases)
    numpy_firsts = [name for name in first_after_pause if name != "torch"]
    assert [numpy_firsts.count(name) for name in ("ours", "plain", "floor")] == [2, 2, 2]


def test_after_a_pause_the_first_case_runs_untimed_for_the_rewarm_time(monkeypatch):
    calls = {"ours": 0, "torch": 0}
    monkeypatch.setattr(common.time, "sleep", lambda seconds: None)

    def case(name):
        def call():
            calls[name] += 1
            start = common.time.perf_counter()
            while common.time.perf_counter() - start < 0.001:
                pass
        return call

    cases = {name: case(name) for name in calls}
    timings = common.time_interleaved(cases, rounds=2, calls_per_round=1, warmup=0, settle=0,
                                      groups=common.thread_pools(cases), pause=0.1, rewarm=0.02)
    assert all(len(timing.samples) == 2 for timing in timings.values())
    assert calls["ours"] + calls["torch"] >= 2 * 2 + 15  # two switches, each followed by ~20 untimed 1 ms calls


def test_convnet_benchmark_runs_without_torch():
    args = bench_convnet.parse_args(["--quick", "--no-torch", "--no-memory", "--batch-sweep", "",
                                     "--networks", "SimpleConvNet", "--batch", "4", "--pause", "0"])
    medians = bench_convnet.bench_network("SimpleConvNet", args, None)
    assert set(medians) == {"ours", "im2col", "book", "floor"}
    assert all(value > 0 for value in medians.values())


def test_convnet_batch_sweep_prints_the_ratio_paired_per_round(monkeypatch, capsys):
    """Three rounds in which torch is slower twice: paired, zeroprop / torch is 0.5x; the ratio of the
    two overall medians (what the sweep printed) would say 1.0x."""
    ours = common.Timing((1.0, 1.0, 4.0), calls_per_round=1)
    theirs = common.Timing((2.0, 2.0, 1.0), calls_per_round=1)
    monkeypatch.setattr(bench_convnet, "time_interleaved", lambda cases, **kw: {"ours": ours, "torch": theirs})
    monkeypatch.setattr(bench_convnet, "torch_step", lambda *a: None)
    args = bench_convnet.parse_args(["--batch-sweep", "4", "--sweep-repeat", "3", "--calls-per-round", "1"])
    bench_convnet.bench_batches(args, torch=object())
    out = capsys.readouterr().out
    assert "3 timed iterations each, 3 paired rounds" in out
    assert out.strip().splitlines()[-1].split()[-1] == "0.50x"


def test_convnet_benchmark_quick_fills_only_what_was_not_given():
    args = bench_convnet.parse_args(["--quick", "--repeat", "7"])
    assert (args.repeat, args.sweep_repeat, args.warmup) == (7, 10, 2)
    args = bench_convnet.parse_args([])
    assert (args.repeat, args.sweep_repeat, args.warmup, args.batch_sweep) == (200, 40, 5, [32, 64, 128, 256, 512])
    assert bench_convnet.parse_args(["--batch-sweep", ""]).batch_sweep == []


@pytest.mark.parametrize("argv", [["--pause", "-1"], ["--repeat", "0"], ["--networks", "LeNet"],
                                  ["--batch-sweep", "32,"], ["--batch-sweep", "x"], ["--batch-sweep", "0"],
                                  ["--warmup", "-1"], ["--contention-rounds", "0"]])
def test_convnet_benchmark_rejects_bad_options(argv, capsys):
    with pytest.raises(SystemExit):
        bench_convnet.parse_args(argv)
    assert "error" in capsys.readouterr().err


def test_mlp_benchmark_times_both_builds_and_prints_a_verdict_for_each(capsys):
    args = bench_mlp.parse_args(["--quick", "--no-torch", "--batch", "8", "--repeat", "4", "--calls-per-round", "2",
                                 "--warmup", "0", "--pause", "0"])
    timings = bench_mlp.bench_network(50, args, None)
    assert {"ours", "fast", "plain", "float64", "floor"} <= set(timings)
    assert all(timing.median > 0 for timing in timings.values())
    out = capsys.readouterr().out
    assert "zeroprop TwoLayerNet(fast=True) + SGD" in out
    assert "first losses agree" in out


ZEN3 = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 1
model name\t: AMD EPYC
flags\t\t: fpu sse2 avx avx2 fma

processor\t: 1
model name\t: something else
"""


@pytest.mark.parametrize(("text", "expected"), [
    (ZEN3, "AMD EPYC (family 25, model 1, AVX2 only)"),
    (ZEN3.replace("fma", "fma avx512f avx512bw"), "AMD EPYC (family 25, model 1, AVX-512)"),
    ("model name\t: Some CPU\nflags\t: sse2\n", "Some CPU (no AVX2)"),
    ("processor\t: 0\nflags\t: avx2\n", None),
])
def test_the_benchmarks_name_the_processor_and_its_vector_units(text, expected):
    assert common.describe_cpu(text) == expected


OPENBLAS_POOL = {"user_api": "blas", "internal_api": "openblas", "version": "0.3.31", "architecture": "Haswell"}


@pytest.mark.parametrize(("pools", "expected"), [
    ([OPENBLAS_POOL], "openblas 0.3.31, Haswell kernels"),
    ([{"user_api": "openmp", "internal_api": "openmp", "version": None}, {**OPENBLAS_POOL, "architecture": "SkylakeX"}],
     "openblas 0.3.31, SkylakeX kernels"),
    ([{"user_api": "blas", "internal_api": "mkl", "version": "2025.1"}], "mkl 2025.1"),
    ([], "no BLAS found"),
])
def test_the_benchmarks_name_the_blas_kernels_their_figures_depend_on(pools, expected):
    assert common.blas_kernels(pools) == expected


def test_the_blas_kernels_of_this_process_are_named():
    # threadpoolctl sees NumPy's BLAS once NumPy is loaded (it is: the benchmarks import it)
    assert common.blas_kernels() != "no BLAS found"


def test_the_benchmarks_show_the_openblas_variables_set_in_the_environment():
    environ = {"PATH": "/bin", "OPENBLAS_L2_SIZE": "512", "OPENBLAS_CORETYPE": "Haswell", "OMP_NUM_THREADS": "1"}
    assert common.openblas_settings(environ) == "OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=512"
    assert common.openblas_settings({"PATH": "/bin"}) is None


def test_the_banner_leaves_out_the_thread_counts_the_benchmark_set_itself(monkeypatch):
    """pin_threads puts --threads into OPENBLAS_NUM_THREADS; the banner's "settings in the environment"
    are the user's, so that one is left out, and a count the user set differently stays."""
    monkeypatch.setattr(common, "_pinned_threads", 2)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    assert "settings in the environment: OPENBLAS_CORETYPE=Haswell" in common.describe_blas()
    assert "OPENBLAS_NUM_THREADS" not in common.describe_blas()
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    assert "OPENBLAS_NUM_THREADS=3" in common.describe_blas()


def test_mlp_benchmark_times_both_builds_beside_a_busy_process(capsys):
    args = bench_mlp.parse_args(["--no-torch", "--batch", "8", "--contention", "--contention-rounds", "1"])
    timings = bench_mlp.bench_contention(50, args, None)
    assert set(timings) == {"zeroprop", "zeroprop fast=True"}
    assert all(len(timing.alone) == len(timing.beside) == 1 for timing in timings.values())
    assert "beside one busy process (1 paired rounds" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--contention-rounds", "0"], ["--batch", "0"]])
def test_mlp_benchmark_rejects_bad_options(argv, capsys):
    with pytest.raises(SystemExit):
        bench_mlp.parse_args(argv)
    assert "error" in capsys.readouterr().err


def test_others_cpu_share_counts_a_child_this_process_waited_for_as_its_own():
    """The contention benchmark times the main job as a subprocess: its CPU is not "others'" (the share
    read 55-64% on an idle machine when only this process's threads were subtracted)."""
    import subprocess
    import sys

    before = common.OthersCpuShare._read()
    if before is None:
        pytest.skip("no /proc/stat here")
    spin = "import time\nwhile time.process_time() < 0.3:\n    pass"
    subprocess.run([sys.executable, "-c", spin], check=True)
    after = common.OthersCpuShare._read()
    assert after[2] - before[2] >= 0.25  # the child's 0.3 s of CPU (in 10 ms ticks) counted as its own


@pytest.mark.parametrize(("alone", "beside", "verdict"), [(1.0, 1.6, "NOT met"), (1.0, 1.4, "met")])
def test_convnet_contention_prints_deepconvnets_target(monkeypatch, capsys, alone, beside, verdict):
    """The README judges the 1.5x target from this table: it says whether zeroprop's ratio meets it."""
    from benchmarks import contention

    fake = contention.ContentionTiming((alone,), (beside,), None)
    monkeypatch.setattr(contention, "time_contention", lambda *a, **kw: fake)
    args = bench_convnet.parse_args(["--no-torch", "--batch", "2", "--contention", "--contention-rounds", "1"])
    bench_convnet.bench_contention("DeepConvNet", args, None)
    row = next(line for line in capsys.readouterr().out.splitlines() if line.strip().startswith("zeroprop"))
    assert row.rstrip().endswith(f"<= 1.50x: {verdict}")
