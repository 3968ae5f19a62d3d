#!/usr/bin/python3
"""Times reductions over many shapes in ember and PyTorch, side by side in one process.

compare.py holds the few reduction workloads with targets; this sweep looks for weak spots across
the shapes models produce (full reductions from L1-sized to memory-sized, rows and columns of
narrow and wide matrices, per-channel reductions of activations, scans). Each figure is the median
of 5 timed repeats of a loop sized to about 10 ms; ratio = torch time / ember time, so > 1 means
ember is faster, and rows under 0.95 are marked.

Run with Debian's Python, which has torch, against a build tree:
  OMP_NUM_THREADS=1 GOMP_SPINCOUNT=10000 /usr/bin/python3 bench/reduction_sweep.py --build build
"""

import argparse
import os
import statistics
import sys
import time


def median_time_us(fn, budget=0.05):
    fn()
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        if time.perf_counter() - start > budget / 5:
            break
        calls *= 2
    repeats = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        repeats.append((time.perf_counter() - start) / calls)
    return statistics.median(repeats) * 1e6


def cases():
    """(name, shape, fn) for each timed reduction; fn takes an ember or a torch tensor."""
    for shape in [(1024,), (65536,), (1 << 20,), (16 << 20,)]:
        yield "sum()", shape, lambda x: x.sum()
        yield "amax()", shape, lambda x: x.amax()
    for shape in [(16384, 16), (4096, 128), (512, 1024), (64, 65536), (16384, 10)]:
        yield "sum(0)", shape, lambda x: x.sum(0)
        yield "sum(1)", shape, lambda x: x.sum(1)
        yield "amax(0)", shape, lambda x: x.amax(0)
        yield "argmax(1)", shape, lambda x: x.argmax(1)
        yield "mean(1)", shape, lambda x: x.mean(1)
    for shape in [(64, 128, 56), (32, 64, 28 * 28), (8, 512, 196)]:
        yield "sum((0,2))", shape, lambda x: x.sum((0, 2))
        yield "sum(1)", shape, lambda x: x.sum(1)
        yield "var((0,2))", shape, lambda x: x.var((0, 2))
        yield "amax(1)", shape, lambda x: x.amax(1)
    shape = (4096, 1024)
    yield "var(1)", shape, lambda x: x.var(1)
    yield "std(0)", shape, lambda x: x.std(0)
    yield "logsumexp(1)", shape, lambda x: x.logsumexp(1)
    yield "norm(dim=1)", shape, lambda x: x.norm(dim=1)
    yield "cumsum(1)", shape, lambda x: x.cumsum(1)
    yield "cumsum(0)", shape, lambda x: x.cumsum(0)
    yield "prod(1)", shape, lambda x: x.prod(1)
    yield "max(1)", shape, lambda x: x.max(1)
    yield "t().sum(0)", shape, lambda x: x.t().sum(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build", help="CMake build directory with python/")
    parser.add_argument("--filter", default="", help="only cases whose name contains this")
    args = parser.parse_args()
    sys.path.insert(0, os.path.join(args.build, "python"))
    import ember
    import torch

    threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
    torch.set_num_threads(threads)
    ember.set_num_threads(threads)
    print(f"{threads} thread(s); torch {torch.__version__}")
    for name, shape, fn in cases():
        if args.filter not in name:
            continue
        torch_input = torch.randn(*shape)
        ember_input = ember.tensor(torch_input.numpy())
        ember_us = median_time_us(lambda: fn(ember_input))
        torch_us = median_time_us(lambda: fn(torch_input))
        ratio = torch_us / ember_us
        mark = "  <--" if ratio < 0.95 else ""
        print(f"{name:14s} {str(shape):18s} ember {ember_us:9.1f} us  torch {torch_us:9.1f} us"
              f"  ratio {ratio:5.2f}{mark}")


if __name__ == "__main__":
    main()
