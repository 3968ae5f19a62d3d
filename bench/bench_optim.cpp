// Google Benchmark program for one optimizer step over a 10M-parameter model (ten float32
// tensors of 1M elements with gradients): SGD with momentum and Adam, the targets.
// bench/bench_optim_torch.py times the same steps in PyTorch.
//
// Usage: ember_bench_optim [Google Benchmark flags]
#include <benchmark/benchmark.h>

#include <memory>

#include "ember/ember.h"
#include "ember/optim.h"

namespace {

constexpr int kTensors = 10;
constexpr int64_t kElements = int64_t{1} << 20;

ember::TensorList make_model() {
  ember::TensorList params;
  for (int i = 0; i < kTensors; ++i) {
    ember::Tensor p = ember::randn({kElements}).requires_grad_();
    p.mutable_grad() = ember::randn({kElements});
    params.push_back(p);
  }
  return params;
}

// Bytes one step streams: param, grad and each state tensor read, param and state written.
void set_bytes(benchmark::State &state, int streams) {
  state.SetBytesProcessed(state.iterations() * streams * kTensors * kElements *
                          static_cast<int64_t>(sizeof(float)));
}

void run_steps(benchmark::State &state, ember::optim::Optimizer &optimizer, int streams) {
  optimizer.step(); // creates the state outside the timed loop
  for (auto _ : state)
    optimizer.step();
  set_bytes(state, streams);
}

void sgd_momentum_step(benchmark::State &state) {
  ember::TensorList params = make_model();
  ember::optim::SGD optimizer(params, ember::optim::SGDOptions(1e-3).momentum(0.9));
  run_steps(state, optimizer, 5);
}

void adam_step(benchmark::State &state) {
  ember::TensorList params = make_model();
  ember::optim::Adam optimizer(params, ember::optim::AdamOptions(1e-3));
  run_steps(state, optimizer, 7);
}

BENCHMARK(sgd_momentum_step)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(adam_step)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
