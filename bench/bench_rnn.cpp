// Google Benchmark program for issue 3's recurrent workload, timed beside PyTorch by
// bench/compare.py: one LSTM layer (input 256, hidden 256) over batch 32 x 64 steps, forward
// alone and forward+backward (the input requires grad too), and the same for a GRU layer.
// Forward+backward timings include every gradient the layer makes and start each step from no
// gradients, as a training step after zero_grad(set_to_none) does.
//
// Usage: ember_bench_rnn [--threads=N] [Google Benchmark flags]
#include <benchmark/benchmark.h>

#include "bench_main.h"
#include "ember/ember.h"
#include "ember/nn/modules/rnn.h"

namespace {

using ember::Tensor;

constexpr int64_t kSteps = 64, kBatch = 32, kInput = 256, kHidden = 256;

Tensor &sequence() {
  static Tensor x = ember::randn({kSteps, kBatch, kInput}).requires_grad_();
  return x;
}

template <typename Layer> void forward_only(benchmark::State &state) {
  Layer layer(kInput, kHidden);
  ember::NoGradGuard no_grad;
  for (auto _ : state)
    benchmark::DoNotOptimize(std::get<0>(layer(sequence())));
}

template <typename Layer> void forward_backward(benchmark::State &state) {
  Layer layer(kInput, kHidden);
  Tensor &x = sequence();
  for (auto _ : state) {
    Tensor out = std::get<0>(layer(x));
    out.backward(ember::ones_like(out));
    x.mutable_grad() = Tensor();
    layer->zero_grad();
  }
}

void register_all() {
  auto add = [](const char *name, void (*fn)(benchmark::State &)) {
    return benchmark::RegisterBenchmark(name, fn)->UseRealTime()->Unit(benchmark::kMillisecond);
  };
  add("lstm_forward", forward_only<ember::nn::LSTM>);
  add("lstm_forward_backward", forward_backward<ember::nn::LSTM>);
  add("gru_forward", forward_only<ember::nn::GRU>);
  add("gru_forward_backward", forward_backward<ember::nn::GRU>);
}

} // namespace

int main(int argc, char **argv) { return ember::bench::run(argc, argv, register_all); }
