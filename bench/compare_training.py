#!/usr/bin/python3
"""Training speed and memory of tools/ember-train beside its PyTorch twin (bench/train_torch.py).

Both train the same model (mlp or cnn) with Adam on the same Fashion-MNIST samples, batch 64, for
one epoch, interleaved in rounds for each thread count; the figure is the median over rounds of
the training samples/s (evaluation excluded), and the peak resident memory of each process.
A third column runs the twin itself on ember's Python package (--library ember): issue 5's
Python training loop, whose target is at least 90% of ember-train's samples/s.
PyTorch gets OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = torch.set_num_threads(n) and the glibc
malloc tunables; ember the same thread count. Both wait on idle OpenMP threads with ember's
default short spin (GOMP_SPINCOUNT=10000).

    /usr/bin/python3 bench/compare_training.py --build build
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OPENMP_ENV = {"GOMP_SPINCOUNT": "10000"}
TORCH_ENV = {
    **OPENMP_ENV,
    "GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296",
}


def measure(command, env):
    """Runs command in a child and returns (stdout, peak RSS in MiB of that child)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        os.dup2(write_fd, 1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.execvpe(command[0], command, env)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        stdout = pipe.read()
    _, status, usage = os.wait4(pid, 0)
    if status != 0:
        sys.exit(f"compare_training.py: {' '.join(command)} failed (status {status})")
    return stdout, usage.ru_maxrss / 1024


def thread_env(threads, extra=None):
    env = dict(os.environ)
    env.update({"OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads)})
    env.update(extra or {})
    return env


def ember_run(args, model, threads):
    with tempfile.TemporaryDirectory() as out:
        command = [os.path.join(args.build, "ember-train"), "--model", model, "--epochs", "1",
                   "--threads", str(threads), "--limit-train", str(args.samples),
                   "--scheduler", "none", "--output-dir", out]
        _, rss = measure(command, thread_env(threads, OPENMP_ENV))
        with open(os.path.join(out, "metrics.csv")) as f:
            row = next(csv.DictReader(f))
        return float(row["samples_per_second"]), rss, float(row["data_wait_seconds"])


def twin_run(args, model, threads, library="torch"):
    command = [sys.executable, os.path.join(HERE, "train_torch.py"), "--library", library,
               "--model", model, "--epochs", "1", "--threads", str(threads),
               "--limit-train", str(args.samples)]
    env = thread_env(threads, TORCH_ENV)
    if library == "ember":
        package = os.path.abspath(os.path.join(args.build, "python"))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package, env.get("PYTHONPATH")]))
    stdout, rss = measure(command, env)
    result = json.loads(stdout.strip().splitlines()[-1])
    return result["samples_per_second"], rss, result["data_wait_seconds"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--models", nargs="+", default=["mlp", "cnn"])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=12800, help="training samples per run")
    args = parser.parse_args()
    print("| model | threads | ember samples/s | torch samples/s | ember/torch | target | pass "
          "| ember peak RSS | torch peak RSS | ember waited for data "
          "| ember Python samples/s | Python/ember-train (target >= 0.9) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for model in args.models:
        for threads in args.threads:
            mine, theirs, python = [], [], []
            for _ in range(args.rounds):
                mine.append(ember_run(args, model, threads))
                theirs.append(twin_run(args, model, threads))
                python.append(twin_run(args, model, threads, "ember"))
            rate = statistics.median(m[0] for m in mine)
            torch_rate = statistics.median(t[0] for t in theirs)
            python_rate = statistics.median(p[0] for p in python)
            rss = max(m[1] for m in mine)
            torch_rss = max(t[1] for t in theirs)
            wait = statistics.median(m[2] for m in mine)
            ratio = rate / torch_rate
            passed = ratio >= 1.2 and rss <= torch_rss
            print(f"| {model} | {threads} | {rate:.0f} | {torch_rate:.0f} | {ratio:.2f} | "
                  f">= 1.2, RSS <= torch | {'pass' if passed else 'FAIL'} | {rss:.0f} MiB | "
                  f"{torch_rss:.0f} MiB | {wait:.2f} s | {python_rate:.0f} | "
                  f"{python_rate / rate:.2f} |", flush=True)


if __name__ == "__main__":
    main()
