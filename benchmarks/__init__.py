"""Benchmarks: speed and memory of zeroprop, against PyTorch on the CPU where it is installed.

Run one as a module from the repository root, e.g. ``python -m benchmarks.bench_mlp --help``.
Shared helpers (timing, thread control, peak memory, tables) live in :mod:`benchmarks.common`.
"""
