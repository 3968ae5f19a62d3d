#!/usr/bin/python3
"""PyTorch side of bench/bench_optim.cpp: one SGD-momentum and one Adam step over ten float32
tensors of 1M elements, with torch 1.13's CPU defaults (foreach=False). Prints the median of
repeated timings in ms. Run with the environment bench/compare.py gives PyTorch, e.g.

    OMP_WAIT_POLICY=PASSIVE GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:\
glibc.malloc.trim_threshold=4294967296 /usr/bin/python3 bench/bench_optim_torch.py
"""
import statistics
import time

import torch


def model():
    params = [torch.randn(1 << 20, requires_grad=True) for _ in range(10)]
    for p in params:
        p.grad = torch.randn(1 << 20)
    return params


def median_ms(optimizer, repeats=50):
    optimizer.step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        optimizer.step()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


print("threads", torch.get_num_threads())
print("sgd_momentum_step %.3f ms" % median_ms(torch.optim.SGD(model(), lr=1e-3, momentum=0.9)))
print("adam_step %.3f ms" % median_ms(torch.optim.Adam(model(), lr=1e-3)))
