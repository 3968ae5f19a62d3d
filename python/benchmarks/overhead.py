"""Per-op overhead from Python on tiny tensors, ember against PyTorch in the same run.

    PYTHONPATH=build/python OMP_NUM_THREADS=1 /usr/bin/python3 python/benchmarks/overhead.py

Each case runs both libraries interleaved, several rounds; figures are medians in microseconds per
call and the ratio ember/torch (the target is at most 0.5). `import ember` is timed in a fresh
interpreter."""
import statistics
import subprocess
import sys
import timeit


import ember
import torch

torch.set_num_threads(1)
ember.set_num_threads(1)

CASES = [
    ("a + b", lambda L, a, b: a + b),
    ("a * 2", lambda L, a, b: a * 2),
    ("L.add(a, b)", lambda L, a, b: L.add(a, b)),
    ("a.relu()", lambda L, a, b: a.relu()),
    ("a.sum()", lambda L, a, b: a.sum()),
    ("a.sum(0)", lambda L, a, b: a.sum(0)),
    ("a @ b.T", lambda L, a, b: a @ b.T),
    ("a.view(-1)", lambda L, a, b: a.view(-1)),
    ("a[0]", lambda L, a, b: a[0]),
    ("a[:, 1:]", lambda L, a, b: a[:, 1:]),
    ("a.add_(1)", lambda L, a, b: a.add_(1)),
    ("L.zeros(2, 2)", lambda L, a, b: L.zeros(2, 2)),
    ("a.shape", lambda L, a, b: a.shape),
]


def per_call(fn, lib, a, b, number):
    return min(timeit.repeat(lambda: fn(lib, a, b), number=number, repeat=3)) / number * 1e6


def measure(requires_grad, rounds=5, number=20000):
    rows = []
    for name, fn in CASES:
        if requires_grad and name == "a.add_(1)":
            continue
        te, tt = [], []
        for _ in range(rounds):
            for lib, out in ((ember, te), (torch, tt)):
                a = lib.ones(2, 2, requires_grad=requires_grad)
                b = lib.ones(2, 2, requires_grad=requires_grad)
                out.append(per_call(fn, lib, a, b, number))
        e, t = statistics.median(te), statistics.median(tt)
        rows.append((name.replace("L.", "lib."), e, t, e / t))
    return rows


def import_time():
    code = "import time; t = time.perf_counter(); import ember; print(time.perf_counter() - t)"
    times = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  check=True).stdout) for _ in range(5)]
    return statistics.median(times)


def main():
    print(f"import ember: {import_time() * 1000:.0f} ms (median of 5 fresh interpreters)")
    for requires_grad in (False, True):
        print(f"\nrequires_grad={requires_grad}: microseconds per call, median of interleaved rounds")
        print(f"{'op':<16}{'ember':>8}{'torch':>8}{'ratio':>8}")
        for name, e, t, ratio in measure(requires_grad):
            print(f"{name:<16}{e:8.2f}{t:8.2f}{ratio:8.2f}")


if __name__ == "__main__":
    main()
