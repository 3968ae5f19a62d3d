// Google Benchmark programs for ember's core ops: elementwise and reductions on 16M float32,
// softmax-style last-dim reductions, row reductions in cache, square matmul, per-op overhead on
// tiny tensors, and a STREAM-like triad on plain arrays that measures the machine's memory
// bandwidth. bench/compare.py runs the same workloads in PyTorch and matches them by benchmark
// name.
//
// Usage: ember_bench [--threads=N] [Google Benchmark flags]
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "bench_main.h"
#include "ember/ember.h"

namespace {

using ember::Tensor;

constexpr int64_t kElements = int64_t{16} << 20; // 16M float32 = 64 MiB per tensor
constexpr int64_t kRows = 4096;                  // softmax-style [4096, 4096]

// Inputs shared across benchmarks, created once, outside every timed loop.
struct Inputs {
  Tensor a = ember::rand({kElements});
  Tensor b = ember::rand({kElements});
  Tensor ones = ember::ones({kElements}, ember::kFloat32);
  Tensor scratch = ember::rand({kElements}); // target of in-place ops
  Tensor rows = ember::randn({kRows, kRows});
};

Inputs &inputs() {
  static Inputs shared;
  return shared;
}

// Bytes a streaming op moves, for the GB/s counter (reads plus writes, no write-allocate).
void set_bytes(benchmark::State &state, int streams) {
  state.SetBytesProcessed(state.iterations() * streams * kElements *
                          static_cast<int64_t>(sizeof(float)));
}

// ---- elementwise: the allocating form and the in-place form (ember's way to write into
// preallocated memory) --------------------------------------------------------------------------

void add_alloc(benchmark::State &state) {
  Inputs &in = inputs();
  for (auto _ : state)
    benchmark::DoNotOptimize(in.a + in.b);
  set_bytes(state, 3);
}

void add_inplace(benchmark::State &state) {
  Inputs &in = inputs();
  for (auto _ : state)
    in.scratch.add_(in.b);
  set_bytes(state, 3);
}

void mul_alloc(benchmark::State &state) {
  Inputs &in = inputs();
  for (auto _ : state)
    benchmark::DoNotOptimize(in.a * in.b);
  set_bytes(state, 3);
}

// Multiplying by ones keeps the values fixed, so repeated runs never reach denormals.
void mul_inplace(benchmark::State &state) {
  Inputs &in = inputs();
  for (auto _ : state)
    in.scratch.mul_(in.ones);
  set_bytes(state, 3);
}

void exp_alloc(benchmark::State &state) {
  Inputs &in = inputs();
  for (auto _ : state)
    benchmark::DoNotOptimize(in.a.exp());
  set_bytes(state, 2);
}

void relu_alloc(benchmark::State &state) {
  Inputs &in = inputs();
  for (auto _ : state)
    benchmark::DoNotOptimize(in.a.relu());
  set_bytes(state, 2);
}

// relu is idempotent, so the in-place form can repeat on the same data.
void relu_inplace(benchmark::State &state) {
  Inputs &in = inputs();
  for (auto _ : state)
    in.scratch.relu_();
  set_bytes(state, 2);
}

// ---- reductions --------------------------------------------------------------------------------

void sum_all(benchmark::State &state) {
  Inputs &in = inputs();
  for (auto _ : state)
    benchmark::DoNotOptimize(in.a.sum());
  set_bytes(state, 1);
}

void mean_all(benchmark::State &state) {
  Inputs &in = inputs();
  for (auto _ : state)
    benchmark::DoNotOptimize(in.a.mean());
  set_bytes(state, 1);
}

void max_all(benchmark::State &state) {
  Inputs &in = inputs();
  for (auto _ : state)
    benchmark::DoNotOptimize(in.a.max());
  set_bytes(state, 1);
}

void amax_lastdim(benchmark::State &state) {
  Inputs &in = inputs();
  for (auto _ : state)
    benchmark::DoNotOptimize(in.rows.amax({-1}));
  set_bytes(state, 1);
}

// Reductions whose input stays in cache, where the fixed cost per row shows: rows of 1024
// ([512, 1024], 2 MiB), of 128 ([16384, 128]) and a classifier's 10 ([4096, 10]); sums over
// outer dims (per channel, per column) and a scan along dim 0.
struct CachedRows {
  Tensor long_rows = ember::randn({512, 1024});
  Tensor short_rows = ember::randn({16384, 128});
  Tensor class_rows = ember::randn({4096, 10});
  Tensor activations = ember::randn({64, 128, 56}); // batch, channels, positions
  Tensor narrow_columns = ember::randn({16384, 10});
  Tensor scan_rows = ember::randn({1024, 1024});
};

CachedRows &cached_rows() {
  static CachedRows shared;
  return shared;
}

template <typename Reduce> void rows_benchmark(benchmark::State &state, const Reduce &reduce) {
  for (auto _ : state)
    benchmark::DoNotOptimize(reduce(cached_rows()));
}

void sum_rows_1024(benchmark::State &state) {
  rows_benchmark(state, [](CachedRows &in) { return in.long_rows.sum({-1}); });
}

void argmax_rows_1024(benchmark::State &state) {
  rows_benchmark(state, [](CachedRows &in) { return in.long_rows.argmax(-1); });
}

void amax_rows_128(benchmark::State &state) {
  rows_benchmark(state, [](CachedRows &in) { return in.short_rows.amax({-1}); });
}

void argmax_rows_10(benchmark::State &state) {
  rows_benchmark(state, [](CachedRows &in) { return in.class_rows.argmax(-1); });
}

// Per-channel sums, as batch norm's backward takes them: over dims 0 and 2.
void sum_channels(benchmark::State &state) {
  rows_benchmark(state, [](CachedRows &in) { return in.activations.sum({0, 2}); });
}

// Column sums of a narrow matrix, as the bias gradient of a 10-way classifier.
void sum_columns_10(benchmark::State &state) {
  rows_benchmark(state, [](CachedRows &in) { return in.narrow_columns.sum({0}); });
}

void cumsum_dim0(benchmark::State &state) {
  rows_benchmark(state, [](CachedRows &in) { return in.scan_rows.cumsum(0); });
}

void logsumexp_lastdim(benchmark::State &state) {
  Inputs &in = inputs();
  for (auto _ : state)
    benchmark::DoNotOptimize(in.rows.logsumexp({-1}));
  set_bytes(state, 1);
}

// ---- matmul ------------------------------------------------------------------------------------

void matmul_square(benchmark::State &state) {
  const int64_t n = state.range(0);
  Tensor a = ember::randn({n, n});
  Tensor b = ember::randn({n, n});
  for (auto _ : state)
    benchmark::DoNotOptimize(a.matmul(b));
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * n * n * n * state.iterations(), benchmark::Counter::kIsRate);
}

// ---- per-op overhead ---------------------------------------------------------------------------

void tiny_add(benchmark::State &state) {
  Tensor a = ember::ones({1}, ember::kFloat32);
  Tensor b = ember::ones({1}, ember::kFloat32);
  for (auto _ : state)
    benchmark::DoNotOptimize(a + b);
}

// With inputs that require grad, each add records (and then frees) one graph node.
void tiny_add_grad(benchmark::State &state) {
  Tensor a = ember::ones({1}, ember::dtype(ember::kFloat32).requires_grad());
  Tensor b = ember::ones({1}, ember::dtype(ember::kFloat32).requires_grad());
  for (auto _ : state)
    benchmark::DoNotOptimize(a + b);
}

// ---- memory bandwidth --------------------------------------------------------------------------

// add_inplace's update a += b on the same 16M floats by a plain OpenMP loop: what a kernel that
// moves nothing but the data reaches for an in-place op here (it reads each line it writes, so it
// pays no write-allocate, unlike the triad).
void add_inplace_loop(benchmark::State &state) {
  Inputs &in = inputs();
  float *pa = in.scratch.data_ptr<float>();
  const float *pb = in.b.data_ptr<float>();
  const int64_t n = in.scratch.numel();
  for (auto _ : state) {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i)
      pa[i] += pb[i];
    benchmark::ClobberMemory();
  }
  set_bytes(state, 3);
}

// STREAM's triad a = b + s * c on plain double arrays: the bandwidth the elementwise ops can hope
// for on this machine. Arrays are first touched in parallel, as the timed loop uses them.
void triad(benchmark::State &state) {
  const int64_t n = int64_t{1} << 24; // 128 MiB per array, far beyond the caches
  std::unique_ptr<double[]> a(new double[n]), b(new double[n]), c(new double[n]);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    a[i] = 0;
    b[i] = 1;
    c[i] = 2;
  }
  const double scalar = 3;
  double *pa = a.get(), *pb = b.get(), *pc = c.get();
  for (auto _ : state) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i)
      pa[i] = pb[i] + scalar * pc[i];
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * 3 * n * static_cast<int64_t>(sizeof(double)));
}

void register_all() {
  auto add = [](const char *name, void (*fn)(benchmark::State &)) {
    return benchmark::RegisterBenchmark(name, fn)->UseRealTime()->Unit(benchmark::kMicrosecond);
  };
  add("add_alloc", add_alloc);
  add("add_inplace", add_inplace);
  add("mul_alloc", mul_alloc);
  add("mul_inplace", mul_inplace);
  add("exp_alloc", exp_alloc);
  add("relu_alloc", relu_alloc);
  add("relu_inplace", relu_inplace);
  add("sum", sum_all);
  add("mean", mean_all);
  add("max", max_all);
  add("amax_lastdim", amax_lastdim);
  add("logsumexp_lastdim", logsumexp_lastdim);
  add("sum_rows_1024", sum_rows_1024);
  add("argmax_rows_1024", argmax_rows_1024);
  add("amax_rows_128", amax_rows_128);
  add("argmax_rows_10", argmax_rows_10);
  add("sum_channels", sum_channels);
  add("sum_columns_10", sum_columns_10);
  add("cumsum_dim0", cumsum_dim0);
  for (int64_t n : {128, 256, 512, 1024, 2048})
    add("matmul", matmul_square)->Arg(n);
  add("tiny_add", tiny_add)->Unit(benchmark::kNanosecond);
  add("tiny_add_grad", tiny_add_grad)->Unit(benchmark::kNanosecond);
  add("add_inplace_loop", add_inplace_loop);
  add("triad", triad);
}

} // namespace

int main(int argc, char **argv) { return ember::bench::run(argc, argv, register_all); }
