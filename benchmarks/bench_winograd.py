"""Time Winograd F(4x4, 3x3) against im2col and PyTorch on DeepConvNet's six convolutions.

    python -m benchmarks.bench_winograd               # batch 100, float32, all six layers
    python -m benchmarks.bench_winograd --rounds 3    # a quicker run

Each case is one forward and one backward pass of a layer on float32 data, the input in the
batch-last layout a previous fast layer hands over (the first layer's input is data, in the usual
(N, C, H, W) layout, and its input gradient is skipped, as the networks do). The cases are

- winograd: :mod:`engine.winograd` as FastConvolution runs it: its workspace kept between calls, BLAS
  at one thread, the batch in :func:`engine.convolution.batch_parts` parts on the engine's workers;
- winograd 1 thread: the same on one thread (one part, ``engine.threads.num_threads(1)``);
- winograd, BLAS threads: one part with NumPy's BLAS threads as they are, to see what the 36 small
  batched products gain or lose from OpenBLAS's own threading;
- im2col: a written-out reference (9 window copies into a (C*9, OH*OW*N) matrix, three products,
  9 strided additions for dx);
- fft 1 thread: the convolution through ``numpy.fft`` (:mod:`benchmarks.fft_convolution`, measured and
  not kept), BLAS at one thread: compare it with "winograd 1 thread";
- rows, rows 1 thread: Winograd F(4, 3) along rows only (:mod:`engine.winograd_rows`) as
  FastConvolution runs it, and on one thread;
- layers.Convolution: the book layer of this project, as it stands;
- torch: ``torch.nn.functional.conv2d`` forward and backward (torch's default thread count).

The cases take turns in rounds, those on the same threads next to each other (:func:`thread_pool`);
a ratio is the median over rounds of the two cases' per-round medians. Timings on a shared machine
are rough.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from types import ModuleType

import numpy as np

from benchmarks.common import (
    OthersCpuShare,
    describe_machine,
    format_ratio,
    format_seconds,
    paired_ratio,
    print_table,
    time_interleaved,
)
from benchmarks.fft_convolution import FftConvolution
from engine import threads
from engine.convolution import batch_parts
from engine.winograd import WinogradWorkspace, prefer_winograd, winograd_backward, winograd_forward
from engine.winograd_rows import prefer_rows, rows_backward, rows_forward
from layers import Convolution

# DeepConvNet (book chapter 8) at 28x28 input: (name, C, FN, H, pad); pools after conv2, conv4, conv6.
DEEP_CONV_LAYERS = (
    ("conv1", 1, 16, 28, 1),
    ("conv2", 16, 16, 28, 1),
    ("conv3", 16, 32, 14, 1),
    ("conv4", 32, 32, 14, 2),
    ("conv5", 32, 64, 8, 1),
    ("conv6", 64, 64, 8, 1),
)

Step = Callable[[], object]


class Im2colConvolution:
    """A reference 3x3 stride-1 convolution by im2col, batch-last: col (C*9, OH*OW*N), out^T = W_col col."""

    def __init__(self, W: np.ndarray, b: np.ndarray, pad: int) -> None:
        self.W, self.b, self.pad = W, b, pad

    def forward(self, x: np.ndarray) -> np.ndarray:
        N, C, H, Wd = x.shape
        p = self.pad
        xp = np.zeros((C, H + 2 * p, Wd + 2 * p, N), x.dtype)
        xp[:, p:p + H, p:p + Wd, :] = x.transpose(1, 2, 3, 0)
        OH, OW = H + 2 * p - 2, Wd + 2 * p - 2
        col = np.empty((C, 3, 3, OH, OW, N), x.dtype)
        for i in range(3):
            for j in range(3):
                col[:, i, j] = xp[:, i:i + OH, j:j + OW, :]
        self.col = col.reshape(C * 9, OH * OW * N)
        self.shape = (N, C, H, Wd)
        FN = self.W.shape[0]
        out = self.W.reshape(FN, -1) @ self.col + self.b[:, None]
        return out.reshape(FN, OH, OW, N).transpose(3, 0, 1, 2)

    def backward(self, dout: np.ndarray, needs_input_grad: bool = True) -> np.ndarray | None:
        N, C, H, Wd = self.shape
        FN, OH, OW = dout.shape[1:]
        d = np.ascontiguousarray(dout.transpose(1, 2, 3, 0)).reshape(FN, -1)
        self.db = d.sum(axis=1)
        self.dW = (d @ self.col.T).reshape(self.W.shape)
        if not needs_input_grad:
            return None
        dcol = (self.W.reshape(FN, -1).T @ d).reshape(C, 3, 3, OH, OW, N)
        p = self.pad
        dxp = np.zeros((C, H + 2 * p, Wd + 2 * p, N), dout.dtype)
        for i in range(3):
            for j in range(3):
                dxp[:, i:i + OH, j:j + OW, :] += dcol[:, i, j]
        return dxp[:, p:p + H, p:p + Wd, :].transpose(3, 0, 1, 2)


def layer_cases(C: int, FN: int, H: int, pad: int, batch: int, torch: ModuleType | None,
                seed: int = 0, workers: int | None = None) -> dict[str, Step]:
    """Forward + backward closures for one layer shape, all on the same float32 data; the "winograd" and
    "rows" cases on ``workers`` engine threads (None: the engine's setting)."""
    rng = np.random.default_rng(seed)
    first = C == 1
    x_data = rng.standard_normal((batch, C, H, H), dtype=np.float32)
    x = x_data if first else np.ascontiguousarray(x_data.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    W = (rng.standard_normal((FN, C, 3, 3)) * 0.1).astype(np.float32)
    b = np.zeros(FN, np.float32)
    OH = H + 2 * pad - 2
    dout = np.ascontiguousarray(rng.standard_normal((FN, OH, OH, batch), dtype=np.float32)).transpose(3, 0, 1, 2)
    need_dx = not first
    parts = batch_parts(batch)

    def run_engine(forward: Callable, backward: Callable, workspace: WinogradWorkspace, workers: int) -> object:
        out, cache = forward(x, W, b, pad, workspace=workspace, workers=workers)
        return backward(dout, cache, needs_input_grad=need_dx)

    def engine_cases(forward: Callable, backward: Callable) -> tuple[Step, Step]:
        """The module as FastConvolution runs it (``parts`` of the batch on the workers), and on one thread."""
        ws, ws_one = WinogradWorkspace(), WinogradWorkspace()

        def as_the_layer_runs_it() -> object:
            with threads.num_threads(workers), threads.single_blas_thread():
                return run_engine(forward, backward, ws, parts)

        def one_thread() -> object:
            with threads.num_threads(1), threads.single_blas_thread():
                return run_engine(forward, backward, ws_one, 1)

        return as_the_layer_runs_it, one_thread

    winograd, winograd_one_thread = engine_cases(winograd_forward, winograd_backward)
    rows, rows_one_thread = engine_cases(rows_forward, rows_backward)
    ws_blas = WinogradWorkspace()

    def winograd_blas_threads() -> object:
        return run_engine(winograd_forward, winograd_backward, ws_blas, 1)

    ref = Im2colConvolution(W, b, pad)

    def im2col() -> object:
        ref.forward(x)
        return ref.backward(dout, need_dx)

    fft_reference = FftConvolution(W, b, pad)

    def fft_one_thread() -> object:
        with threads.single_blas_thread():
            fft_reference.forward(x)
            return fft_reference.backward(dout, need_dx)

    layer = Convolution(W.copy(), b.copy(), stride=1, pad=pad)
    layer.needs_input_grad = need_dx

    def book_layer() -> object:
        layer.forward(x)
        return layer.backward(dout)

    cases: dict[str, Step] = {"winograd": winograd, "winograd 1 thread": winograd_one_thread,
                              "winograd, BLAS threads": winograd_blas_threads,
                              "im2col": im2col, "fft 1 thread": fft_one_thread,
                              "rows": rows, "rows 1 thread": rows_one_thread,
                              "layers.Convolution": book_layer}
    if torch is not None:
        xt = torch.from_numpy(np.ascontiguousarray(x_data)).requires_grad_(need_dx)
        Wt = torch.from_numpy(W.copy()).requires_grad_(True)
        bt = torch.from_numpy(b.copy()).requires_grad_(True)
        dt = torch.from_numpy(np.ascontiguousarray(dout))

        def torch_step() -> object:
            out = torch.nn.functional.conv2d(xt, Wt, bt, padding=pad)
            out.backward(dt)
            Wt.grad = bt.grad = xt.grad = None
            return out

        cases["torch"] = torch_step
    return cases


def thread_pool(case: str) -> str:
    """The threads a case runs on. The cases of one pool take turns next to each other, with a pause
    between pools: OpenBLAS's threads spin for a while after a product and would take the core that
    the engine's second worker needs (measured on a Zen 5: the engine's two parts took 1.0-1.3x the
    time of one part on one thread right after the BLAS-threaded cases, 0.70-0.88x with BLAS at one
    thread throughout)."""
    if case == "torch":
        return "torch"
    one_blas_thread = ("winograd", "winograd 1 thread", "fft 1 thread", "rows", "rows 1 thread")
    return "one BLAS thread" if case in one_blas_thread else "BLAS threads"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=100, help="batch size (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=6, help="rounds the cases take turns in (default %(default)s)")
    parser.add_argument("--calls-per-round", type=int, default=5, help="timed calls per case and round "
                        "(default %(default)s)")
    parser.add_argument("--layers", default=",".join(name for name, *_ in DEEP_CONV_LAYERS),
                        help="which of DeepConvNet's convolutions to time (default: all)")
    parser.add_argument("--threads", type=int, default=None,
                        help="limit NumPy's BLAS (threadpoolctl), torch and the engine's worker threads (the "
                             "winograd case) to this many for the whole run (default: leave all at their defaults)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out even where it is installed")
    args = parser.parse_args(argv)
    if min(args.rounds, args.calls_per_round, args.batch, 1 if args.threads is None else args.threads) < 1:
        parser.error("--rounds, --calls-per-round, --batch and --threads must be at least 1")
    known = {name for name, *_ in DEEP_CONV_LAYERS}
    args.layers = [name.strip() for name in args.layers.split(",") if name.strip()]
    unknown = sorted(set(args.layers) - known)
    if unknown:
        parser.error(f"--layers: unknown {unknown}, expected some of {sorted(known)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            torch = None
    if args.threads is None:
        run(args, torch)
        return 0
    from threadpoolctl import threadpool_limits

    if torch is not None:
        torch.set_num_threads(args.threads)
    with threadpool_limits(limits=args.threads, user_api="blas"):
        run(args, torch)
    return 0


def run(args: argparse.Namespace, torch: ModuleType | None) -> None:
    print(describe_machine())
    print(f"float32, batch {args.batch}, forward + backward per layer; {args.rounds} rounds of "
          f"{args.calls_per_round} calls; torch threads: {torch.get_num_threads() if torch else 'not used'}; "
          f"the winograd case's engine threads: {args.threads or threads.get_num_threads()}")
    headers = ["layer", "C", "FN", "H", "pad", "case", "median", "/ torch", "/ winograd", "/ winograd 1 thread",
               "prefer_winograd", "prefer_rows"]
    rows = []
    for name, C, FN, H, pad in DEEP_CONV_LAYERS:
        if name not in args.layers:
            continue
        cases = layer_cases(C, FN, H, pad, args.batch, torch, workers=args.threads)
        groups = {case: thread_pool(case) for case in cases}
        with OthersCpuShare() as others:
            timings = time_interleaved(cases, rounds=args.rounds, calls_per_round=args.calls_per_round,
                                       warmup=2, groups=groups, pause=0.2)
        prefer = prefer_winograd((args.batch, C, H, H), (FN, C, 3, 3), 1, pad)
        prefer_r = prefer_rows((args.batch, C, H, H), (FN, C, 3, 3), 1, pad)
        for case, timing in timings.items():
            to_torch = paired_ratio(timing, timings["torch"]) if "torch" in timings else None
            to_wino = paired_ratio(timing, timings["winograd"])
            to_one = paired_ratio(timing, timings["winograd 1 thread"])
            rows.append([name, C, FN, H, pad, case, format_seconds(timing.median), format_ratio(to_torch),
                         format_ratio(to_wino), format_ratio(to_one), prefer if case == "winograd" else "",
                         prefer_r if case == "rows" else ""])
        share = f"{others.share:.0%}" if others.share is not None else "unknown"
        print(f"  {name} done (other processes used {share} of the CPU meanwhile)", flush=True)
    print_table(headers, rows)


if __name__ == "__main__":
    sys.exit(main())
