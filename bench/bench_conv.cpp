// Google Benchmark programs for convolution and pooling: conv2d forward and forward+backward on
// the two layer shapes of issue 3's target (a small CNN on 28x28 images, batch 64, 3x3 kernels,
// padding 1), and 2x2 max pooling of the first layer's output.
// The first layer's input needs no gradient (it is the data); the second layer's does.
// Timings include the loss gradient (ones) and, for backward, every gradient the layer makes.
//
// Usage: ember_bench_conv [--threads=N] [Google Benchmark flags]
#include <benchmark/benchmark.h>

#include <string>

#include "bench_main.h"
#include "ember/ember.h"
#include "ember/nn/functional.h"

namespace {

using ember::Tensor;

struct ConvLayer {
  Tensor input, weight, bias;
};

// (N=64, in -> out channels, size x size, 3x3).
ConvLayer make_layer(int64_t in, int64_t out, int64_t size, bool input_grad) {
  return {ember::randn({64, in, size, size}).requires_grad_(input_grad),
          ember::randn({out, in, 3, 3}).requires_grad_(), ember::randn({out}).requires_grad_()};
}

ConvLayer &layer(int which) {
  static ConvLayer first = make_layer(1, 32, 28, false);
  static ConvLayer second = make_layer(32, 64, 14, true);
  return which == 0 ? first : second;
}

void conv_forward(benchmark::State &state) {
  ConvLayer &l = layer(static_cast<int>(state.range(0)));
  ember::NoGradGuard no_grad;
  for (auto _ : state)
    benchmark::DoNotOptimize(ember::F::conv2d(l.input, l.weight, l.bias, 1, 1));
}

void conv_forward_backward(benchmark::State &state) {
  ConvLayer &l = layer(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    Tensor out = ember::F::conv2d(l.input, l.weight, l.bias, 1, 1);
    out.backward(ember::ones_like(out));
    // Fresh gradients each time, as a training step after zero_grad(set_to_none) would make.
    for (Tensor *t : {&l.input, &l.weight, &l.bias})
      if (t->requires_grad())
        t->mutable_grad() = Tensor();
  }
}

void max_pool_forward_backward(benchmark::State &state) {
  Tensor input = ember::randn({64, 32, 28, 28}).requires_grad_();
  for (auto _ : state) {
    Tensor out = ember::F::max_pool2d(input, 2);
    out.backward(ember::ones_like(out));
    input.mutable_grad() = Tensor();
  }
}

void register_all() {
  auto add = [](const char *name, void (*fn)(benchmark::State &)) {
    return benchmark::RegisterBenchmark(name, fn)->UseRealTime()->Unit(benchmark::kMillisecond);
  };
  // Arg 0: 1 -> 32 channels at 28x28; arg 1: 32 -> 64 channels at 14x14.
  add("conv2d_forward", conv_forward)->Arg(0)->Arg(1);
  add("conv2d_forward_backward", conv_forward_backward)->Arg(0)->Arg(1);
  add("max_pool2d_forward_backward", max_pool_forward_backward);
}

} // namespace

int main(int argc, char **argv) { return ember::bench::run(argc, argv, register_all); }
