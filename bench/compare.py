#!/usr/bin/python3
"""Side-by-side timing of ember and PyTorch on the same workloads, in the same run.

For each round and each thread count, runs the ember benchmark programs (Google Benchmark, JSON output,
medians over --repetitions) and then this script in worker mode, which times the same workloads in
PyTorch with a median-of-repeats timer. Each side gets its thread count through OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS (Debian's torch.set_num_threads does not limit OpenBLAS) and its own API;
Both sides wait on idle OpenMP threads the same way, the short spin
that ember's Python package and ember-train choose (GOMP_SPINCOUNT=10000); PyTorch also gets the
glibc malloc tunables that spare it most page faults (ARCHITECTURE.md, section 6). The figure quoted is the median over
rounds of each round's median.

Run with Debian's Python, which has torch:  /usr/bin/python3 bench/compare.py --build build
"""

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import time

ELEMENTS = 16 << 20
ROWS = 4096
MATMUL_SIZES = (128, 256, 512, 1024, 2048)
OPENMP_ENV = {"GOMP_SPINCOUNT": "10000"}
TORCH_ENV = {
    **OPENMP_ENV,
    "GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296",
}

# Workload name -> (target for torch_time / ember_time, bytes moved per call or None), per ember
# benchmark program. Issue 2's targets: elementwise ops and reductions (softmax-style last-dim
# ones included) at least 1.0x PyTorch, matmul at least 0.95x; tiny-op overhead has absolute
# targets (at most 1 us without autograd, 2 us recording the graph), checked against ember's time
# alone below. Issue 3's: convolution, normalization, softmax, cross_entropy and optimizer steps
# at least 1.0x.
STREAM_BYTES = 4 * ELEMENTS
CORE_WORKLOADS = {
    "add_alloc": (1.0, 3 * STREAM_BYTES),
    "add_inplace": (1.0, 3 * STREAM_BYTES),
    "mul_alloc": (1.0, 3 * STREAM_BYTES),
    "mul_inplace": (1.0, 3 * STREAM_BYTES),
    "exp_alloc": (1.0, 2 * STREAM_BYTES),
    "relu_alloc": (1.0, 2 * STREAM_BYTES),
    "relu_inplace": (1.0, 2 * STREAM_BYTES),
    "sum": (1.0, STREAM_BYTES),
    "mean": (1.0, STREAM_BYTES),
    "max": (1.0, STREAM_BYTES),
    "amax_lastdim": (1.0, 4 * ROWS * ROWS),
    "logsumexp_lastdim": (1.0, 4 * ROWS * ROWS),
    "sum_rows_1024": (1.0, 4 * 512 * 1024),
    "argmax_rows_1024": (1.0, 4 * 512 * 1024),
    "amax_rows_128": (1.0, 4 * 16384 * 128),
    "argmax_rows_10": (1.0, 4 * 4096 * 10),
    "sum_channels": (1.0, 4 * 64 * 128 * 56),
    "sum_columns_10": (1.0, 4 * 16384 * 10),
    "cumsum_dim0": (1.0, 2 * 4 * 1024 * 1024),
    **{f"matmul/{n}": (0.95, None) for n in MATMUL_SIZES},
    "tiny_add": (1.0, None),
    "tiny_add_grad": (1.0, None),
}
NN_WORKLOADS = {
    "conv2d_forward/0": (1.0, None),
    "conv2d_forward/1": (1.0, None),
    "conv2d_forward_backward/0": (1.0, None),
    "conv2d_forward_backward/1": (1.0, None),
    "max_pool2d_forward_backward": (1.0, None),
    "batch_norm_forward_backward": (1.0, None),
    "layer_norm_forward_backward": (1.0, None),
    "softmax_forward_backward": (1.0, None),
    "cross_entropy_forward_backward": (1.0, None),
    "sgd_momentum_step": (1.0, None),
    "adam_step": (1.0, None),
}
# bench/bench_rnn.cpp: issue 3's LSTM layer (batch 32, 64 steps, input and hidden 256, at least
# 1.0x forward+backward), its forward alone and the same GRU layer.
RNN_WORKLOADS = {
    "lstm_forward": (1.0, None),
    "lstm_forward_backward": (1.0, None),
    "gru_forward": (1.0, None),
    "gru_forward_backward": (1.0, None),
}
PROGRAMS = {
    "ember_bench": CORE_WORKLOADS,
    "ember_bench_nn": NN_WORKLOADS,
    "ember_bench_rnn": RNN_WORKLOADS,
}
WORKLOADS = {name: spec for workloads in PROGRAMS.values() for name, spec in workloads.items()}
# Absolute limits on ember's own time per tiny op (seconds).
TINY_LIMITS = {"tiny_add": 1e-6, "tiny_add_grad": 2e-6}
# Plain loops in ember_bench that measure the machine rather than ember: name -> (label, bytes).
REFERENCE_LOOPS = {
    "add_inplace_loop": ("add_inplace_loop (plain OpenMP loop)", 3 * STREAM_BYTES),
    "triad": ("triad (plain OpenMP loop)", 3 * 8 * (1 << 24)),
}
# Elementwise ops must also reach this fraction of the triad's bandwidth.
BANDWIDTH_FRACTION = 0.8
ELEMENTWISE = {"add_alloc", "add_inplace", "mul_alloc", "mul_inplace", "exp_alloc", "relu_alloc",
               "relu_inplace"}


# ---- PyTorch worker (runs in a child process so the thread variables apply before import) -------


def torch_workloads(torch):
    a = torch.rand(ELEMENTS)
    b = torch.rand(ELEMENTS)
    ones = torch.ones(ELEMENTS)
    scratch = torch.rand(ELEMENTS)
    rows = torch.randn(ROWS, ROWS)
    long_rows, short_rows = torch.randn(512, 1024), torch.randn(16384, 128)
    class_rows = torch.randn(4096, 10)
    activations, narrow_columns = torch.randn(64, 128, 56), torch.randn(16384, 10)
    scan_rows = torch.randn(1024, 1024)
    one_a, one_b = torch.ones(1), torch.ones(1)
    grad_a = torch.ones(1, requires_grad=True)
    grad_b = torch.ones(1, requires_grad=True)
    workloads = {
        "add_alloc": lambda: a + b,
        "add_inplace": lambda: scratch.add_(b),
        "mul_alloc": lambda: a * b,
        "mul_inplace": lambda: scratch.mul_(ones),
        "exp_alloc": lambda: a.exp(),
        "relu_alloc": lambda: a.relu(),
        "relu_inplace": lambda: scratch.relu_(),
        "sum": lambda: a.sum(),
        "mean": lambda: a.mean(),
        "max": lambda: a.max(),
        "amax_lastdim": lambda: rows.amax(-1),
        "logsumexp_lastdim": lambda: rows.logsumexp(-1),
        "sum_rows_1024": lambda: long_rows.sum(-1),
        "argmax_rows_1024": lambda: long_rows.argmax(-1),
        "amax_rows_128": lambda: short_rows.amax(-1),
        "argmax_rows_10": lambda: class_rows.argmax(-1),
        "sum_channels": lambda: activations.sum((0, 2)),
        "sum_columns_10": lambda: narrow_columns.sum(0),
        "cumsum_dim0": lambda: scan_rows.cumsum(0),
        "tiny_add": lambda: one_a + one_b,
        "tiny_add_grad": lambda: grad_a + grad_b,
    }
    for n in MATMUL_SIZES:
        x, y = torch.randn(n, n), torch.randn(n, n)
        workloads[f"matmul/{n}"] = lambda x=x, y=y: x @ y
    workloads.update(torch_nn_workloads(torch))
    workloads.update(torch_rnn_workloads(torch))
    return workloads


def torch_nn_workloads(torch):
    """The workloads of bench/bench_nn.cpp, with the same shapes and the same gradients."""
    F = torch.nn.functional

    def forward_backward(forward, leaves):
        def step():
            out = forward()
            out.backward(torch.ones_like(out))
            for leaf in leaves:
                leaf.grad = None

        return step

    def leaf(*shape, fill=None):
        t = torch.randn(*shape) if fill is None else torch.full(shape, float(fill))
        return t.requires_grad_()

    conv = [
        (torch.randn(64, 1, 28, 28), leaf(32, 1, 3, 3), leaf(32)),
        (leaf(64, 32, 14, 14), leaf(64, 32, 3, 3), leaf(64)),
    ]
    pool_input = leaf(64, 32, 28, 28)
    bn_input, bn_weight, bn_bias = leaf(64, 32, 28, 28), leaf(32, fill=1), leaf(32, fill=0)
    running_mean, running_var = torch.zeros(32), torch.ones(32)
    ln_input, ln_weight, ln_bias = leaf(4096, 1024), leaf(1024, fill=1), leaf(1024, fill=0)
    softmax_input = leaf(4096, 1024)
    logits, labels = leaf(4096, 1000), torch.randint(0, 1000, (4096,))
    def no_grad(forward):
        def step():
            with torch.no_grad():
                return forward()

        return step

    workloads = {}
    for index, (x, w, b) in enumerate(conv):
        leaves = [t for t in (x, w, b) if t.requires_grad]

        def forward(x=x, w=w, b=b):
            return F.conv2d(x, w, b, 1, 1)

        workloads[f"conv2d_forward/{index}"] = no_grad(forward)
        workloads[f"conv2d_forward_backward/{index}"] = forward_backward(forward, leaves)
    workloads["max_pool2d_forward_backward"] = forward_backward(
        lambda: F.max_pool2d(pool_input, 2), [pool_input]
    )
    workloads["batch_norm_forward_backward"] = forward_backward(
        lambda: F.batch_norm(bn_input, running_mean, running_var, bn_weight, bn_bias, True),
        [bn_input, bn_weight, bn_bias],
    )
    workloads["layer_norm_forward_backward"] = forward_backward(
        lambda: F.layer_norm(ln_input, (1024,), ln_weight, ln_bias), [ln_input, ln_weight, ln_bias]
    )
    workloads["softmax_forward_backward"] = forward_backward(
        lambda: F.softmax(softmax_input, -1), [softmax_input]
    )
    workloads["cross_entropy_forward_backward"] = forward_backward(
        lambda: F.cross_entropy(logits, labels), [logits]
    )

    def optimizer_step(make_optimizer):
        params = [torch.randn(1 << 20, requires_grad=True) for _ in range(10)]
        for p in params:
            p.grad = torch.randn(1 << 20)
        optimizer = make_optimizer(params)
        optimizer.step()  # creates the state outside the timed loop
        return optimizer.step

    # PyTorch gets its faster form of each (measured here): the per-tensor loop (foreach=False,
    # 1.13's CPU default) for SGD, the multi-tensor kernels (foreach=True) for Adam.
    workloads["sgd_momentum_step"] = optimizer_step(
        lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9, foreach=False)
    )
    workloads["adam_step"] = optimizer_step(lambda p: torch.optim.Adam(p, lr=1e-3, foreach=True))
    return workloads


def torch_rnn_workloads(torch):
    """The workloads of bench/bench_rnn.cpp: torch.nn.LSTM / GRU(256, 256) on [64, 32, 256]."""
    x = torch.randn(64, 32, 256, requires_grad=True)
    workloads = {}
    for name, layer_class in (("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)):
        layer = layer_class(256, 256)

        def forward(layer=layer):
            with torch.no_grad():
                return layer(x)[0]

        def forward_backward(layer=layer):
            out = layer(x)[0]
            out.backward(torch.ones_like(out))
            x.grad = None
            layer.zero_grad(set_to_none=True)

        workloads[f"{name}_forward"] = forward
        workloads[f"{name}_forward_backward"] = forward_backward
    return workloads


def median_time(fn, repeats, min_time):
    """Median over repeats of the mean time per call, each repeat lasting at least min_time."""
    fn()  # warm up caches, allocator and thread pool
    per_call = []
    for _ in range(repeats):
        calls = 0
        start = time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        per_call.append(elapsed / calls)
    return statistics.median(per_call)


def torch_worker(threads, args):
    import torch

    torch.set_num_threads(threads)
    pattern = re.compile(args.filter)
    results = {}
    for name, fn in torch_workloads(torch).items():
        if pattern.search(name):
            results[name] = median_time(fn, args.repetitions, args.min_time)
    json.dump({"torch_version": torch.__version__, "times": results}, sys.stdout)


# ---- driver ------------------------------------------------------------------------------------


def thread_env(threads, extra=None):
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(threads)
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    env.update(extra or {})
    return env


def run_ember(build, threads, args):
    """Times every ember program that has a workload matching the filter: {name: seconds}."""
    pattern = re.compile(args.filter)
    extra = {**OPENMP_ENV, **dict(setting.split("=", 1) for setting in args.ember_env)}
    unit_seconds = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    times = {}
    for program, workloads in PROGRAMS.items():
        names = [*workloads, *REFERENCE_LOOPS] if program == "ember_bench" else list(workloads)
        if not any(pattern.search(name) for name in names):
            continue
        command = [
            os.path.join(build, "bench", program),
            f"--threads={threads}",
            "--benchmark_format=json",
            f"--benchmark_repetitions={args.repetitions}",
            "--benchmark_report_aggregates_only=true",
            f"--benchmark_min_time={args.min_time}",
            f"--benchmark_filter={args.filter}",
        ]
        run = subprocess.run(command, env=thread_env(threads, extra), capture_output=True, text=True)
        if run.returncode != 0 or not run.stdout:
            # Google Benchmark's regex dialect differs from Python's (no \b, for instance).
            sys.exit(
                f"compare.py: {program} failed with --benchmark_filter={args.filter}:\n{run.stderr}"
            )
        for entry in json.loads(run.stdout)["benchmarks"]:
            if entry.get("aggregate_name") == "median":
                name = entry["run_name"].removesuffix("/real_time")
                times[name] = entry["real_time"] * unit_seconds[entry["time_unit"]]
    return times


def run_torch(threads, args):
    command = [
        sys.executable,
        os.path.abspath(__file__),
        f"--torch-worker={threads}",
        f"--repetitions={args.repetitions}",
        f"--min-time={args.min_time}",
        f"--filter={args.filter}",
    ]
    output = subprocess.run(
        command, env=thread_env(threads, TORCH_ENV), check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output)


def format_time(seconds):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def machine_description():
    model, flags, memory_gib = platform.processor() or "unknown CPU", "", 0.0
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    model = value.strip()
                elif key.strip() == "flags":
                    flags = value.split()
                    break
        with open("/proc/meminfo") as meminfo:
            memory_gib = int(meminfo.readline().split()[1]) / (1 << 20)
    except OSError:
        pass
    isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    return (
        f"{model} ({isa}), {os.cpu_count()} logical CPUs, {memory_gib:.0f} GiB RAM, "
        f"{platform.platform()}, load average {os.getloadavg()[0]:.1f} at the end of the run"
    )


def build_table(ember, torch, thread_counts):
    """Markdown table rows from {threads: {name: seconds}} for both sides."""
    header = (
        "| workload | threads | ember | torch | torch/ember | target | pass | ember GB/s | torch GB/s |\n"
        "|---|---|---|---|---|---|---|---|---|"
    )
    lines = [header]
    for name, (target, nbytes) in WORKLOADS.items():
        for threads in thread_counts:
            mine = ember[threads].get(name)
            theirs = torch[threads].get(name)
            if mine is None or theirs is None:
                continue
            ratio = theirs / mine
            passed = ratio >= target
            target_text = f">= {target}"
            if name in TINY_LIMITS:
                passed = mine <= TINY_LIMITS[name]
                target_text = f"ember <= {format_time(TINY_LIMITS[name])}"
            triad = ember[threads].get("triad")
            if name in ELEMENTWISE and triad is not None:
                triad_rate = REFERENCE_LOOPS["triad"][1] / triad
                passed = passed and nbytes / mine >= BANDWIDTH_FRACTION * triad_rate
                target_text += f", >= {BANDWIDTH_FRACTION:.0%} triad GB/s"
            verdict = "pass" if passed else "FAIL"
            rate_mine = f"{nbytes / mine / 1e9:.1f}" if nbytes else ""
            rate_theirs = f"{nbytes / theirs / 1e9:.1f}" if nbytes else ""
            if name.startswith("matmul/"):
                n = int(name.split("/")[1])
                rate_mine = f"{2 * n**3 / mine / 1e9:.0f} GFLOP/s"
                rate_theirs = f"{2 * n**3 / theirs / 1e9:.0f} GFLOP/s"
            lines.append(
                f"| {name} | {threads} | {format_time(mine)} | {format_time(theirs)} | "
                f"{ratio:.2f} | {target_text} | {verdict} | {rate_mine} | {rate_theirs} |"
            )
    for name, (label, nbytes) in REFERENCE_LOOPS.items():
        for threads in thread_counts:
            seconds = ember[threads].get(name)
            if seconds is not None:
                lines.append(
                    f"| {label} | {threads} | {format_time(seconds)} | | | | | "
                    f"{nbytes / seconds / 1e9:.1f} | |"
                )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default="build", help="CMake build directory with ember_bench")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=2, help="interleaved ember/torch rounds")
    parser.add_argument("--repetitions", type=int, default=5, help="timed repeats per side")
    parser.add_argument("--min-time", type=float, default=0.2, help="seconds per repeat")
    parser.add_argument("--filter", default=".", help="regex over workload names")
    parser.add_argument(
        "--ember-env",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the ember runs (e.g. OMP_WAIT_POLICY=PASSIVE, which overrides the shared spin)",
    )
    parser.add_argument("--markdown", help="also write the report to this file (e.g. RESULTS.md)")
    # Internal: time the PyTorch side with this many threads and print JSON.
    parser.add_argument("--torch-worker", type=int, metavar="THREADS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.torch_worker:
        torch_worker(args.torch_worker, args)
        return

    for program in PROGRAMS:
        binary = os.path.join(args.build, "bench", program)
        if not os.path.exists(binary):
            sys.exit(f"compare.py: {binary} not found; build first (make build)")
    rounds_ember = {t: [] for t in args.threads}
    rounds_torch = {t: [] for t in args.threads}
    torch_version = "?"
    for round_number in range(args.rounds):
        for threads in args.threads:
            print(f"round {round_number + 1}/{args.rounds}, {threads} thread(s)", file=sys.stderr)
            rounds_ember[threads].append(run_ember(args.build, threads, args))
            torch_run = run_torch(threads, args)
            torch_version = torch_run["torch_version"]
            rounds_torch[threads].append(torch_run["times"])

    def median_over_rounds(rounds):
        names = set().union(*rounds)
        return {n: statistics.median(r[n] for r in rounds if n in r) for n in names}

    ember = {t: median_over_rounds(rounds_ember[t]) for t in args.threads}
    torch = {t: median_over_rounds(rounds_torch[t]) for t in args.threads}
    table = build_table(ember, torch, args.threads)
    settings = (
        f"PyTorch {torch_version}: OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=torch.set_num_threads(n), "
        f"{' '.join(f'{k}={v}' for k, v in TORCH_ENV.items())}.\n"
        f"ember: OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=n, --threads=n (ember::set_num_threads), "
        f"{' '.join(f'{k}={v}' for k, v in OPENMP_ENV.items())}"
        f"{''.join(' ' + setting for setting in args.ember_env)}.\n"
        f"Medians over {args.rounds} interleaved rounds of medians of {args.repetitions} repeats "
        f"(each >= {args.min_time} s). Ratio > 1 means ember is faster. GB/s counts logical "
        f"reads + writes (no write-allocate). PyTorch's tiny-op times include the Python "
        f"interpreter; ember's are C++ calls."
    )
    print(table)
    print()
    print(settings)
    if args.markdown:
        command = shlex.join(["/usr/bin/python3", *sys.argv])
        with open(args.markdown, "w") as out:
            out.write(
                "# ember vs PyTorch benchmark results\n\n"
                f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC  \n"
                f"Machine: {machine_description()}  \n"
                f"Command: `{command}`\n\n"
                f"{settings}\n\n{table}\n"
            )


if __name__ == "__main__":
    main()
