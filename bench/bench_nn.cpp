// Google Benchmark program for issue 3's workloads, timed beside PyTorch by bench/compare.py:
//   conv2d forward and forward+backward on the two layers of a small CNN on 28x28 images
//   (batch 64, 3x3 kernels, padding 1): 1 -> 32 channels at 28x28 and 32 -> 64 at 14x14;
//   2x2 max pooling of the first layer's output; batch_norm (training), layer_norm, softmax and
//   cross_entropy forward+backward; one optimizer step (SGD with momentum, Adam) over a model
//   of ten 1M-element float32 tensors (10M parameters).
// Forward+backward timings include every gradient the op makes and start each step from no
// gradients, as a training step after zero_grad(set_to_none) does.
//
// Usage: ember_bench_nn [--threads=N] [Google Benchmark flags]
#include <benchmark/benchmark.h>

#include <functional>

#include "bench_main.h"
#include "ember/ember.h"
#include "ember/nn/functional.h"
#include "ember/optim.h"

namespace {

using ember::Tensor;
namespace F = ember::nn::functional;

// Runs loss = forward(); loss.backward(ones) and clears the gradients of `leaves`.
void time_forward_backward(benchmark::State &state, const std::function<Tensor()> &forward,
                           std::initializer_list<Tensor *> leaves) {
  for (auto _ : state) {
    Tensor out = forward();
    out.backward(ember::ones_like(out));
    for (Tensor *leaf : leaves)
      leaf->mutable_grad() = Tensor();
  }
}

struct ConvLayer {
  Tensor input, weight, bias;
};

// (N=64, in -> out channels, size x size, 3x3). The first layer's input is data (no gradient).
ConvLayer &conv_layer(int64_t which) {
  static ConvLayer first{ember::randn({64, 1, 28, 28}),
                         ember::randn({32, 1, 3, 3}).requires_grad_(),
                         ember::randn({32}).requires_grad_()};
  static ConvLayer second{ember::randn({64, 32, 14, 14}).requires_grad_(),
                          ember::randn({64, 32, 3, 3}).requires_grad_(),
                          ember::randn({64}).requires_grad_()};
  return which == 0 ? first : second;
}

void conv2d_forward(benchmark::State &state) {
  ConvLayer &l = conv_layer(state.range(0));
  ember::NoGradGuard no_grad;
  for (auto _ : state)
    benchmark::DoNotOptimize(F::conv2d(l.input, l.weight, l.bias, 1, 1));
}

void conv2d_forward_backward(benchmark::State &state) {
  ConvLayer &l = conv_layer(state.range(0));
  time_forward_backward(state, [&] { return F::conv2d(l.input, l.weight, l.bias, 1, 1); },
                        {&l.input, &l.weight, &l.bias});
}

void max_pool2d_forward_backward(benchmark::State &state) {
  Tensor input = ember::randn({64, 32, 28, 28}).requires_grad_();
  time_forward_backward(state, [&] { return F::max_pool2d(input, 2); }, {&input});
}

void batch_norm_forward_backward(benchmark::State &state) {
  Tensor input = ember::randn({64, 32, 28, 28}).requires_grad_();
  Tensor weight = ember::ones({32}).requires_grad_(), bias = ember::zeros({32}).requires_grad_();
  Tensor running_mean = ember::zeros({32}), running_var = ember::ones({32});
  time_forward_backward(
      state, [&] { return F::batch_norm(input, running_mean, running_var, weight, bias, true); },
      {&input, &weight, &bias});
}

// Rows of a transformer-sized activation: 4096 tokens of width 1024.
void layer_norm_forward_backward(benchmark::State &state) {
  Tensor input = ember::randn({4096, 1024}).requires_grad_();
  Tensor weight = ember::ones({1024}).requires_grad_(),
         bias = ember::zeros({1024}).requires_grad_();
  time_forward_backward(state, [&] { return F::layer_norm(input, {1024}, weight, bias); },
                        {&input, &weight, &bias});
}

void softmax_forward_backward(benchmark::State &state) {
  Tensor input = ember::randn({4096, 1024}).requires_grad_();
  time_forward_backward(state, [&] { return F::softmax(input, -1); }, {&input});
}

// 4096 samples over 1000 classes, class-index targets, mean reduction.
void cross_entropy_forward_backward(benchmark::State &state) {
  Tensor logits = ember::randn({4096, 1000}).requires_grad_();
  Tensor target = ember::randint(0, 1000, {4096});
  time_forward_backward(state, [&] { return F::cross_entropy(logits, target); }, {&logits});
}

ember::TensorList ten_million_parameters() {
  ember::TensorList params;
  for (int i = 0; i < 10; ++i) {
    Tensor p = ember::randn({int64_t{1} << 20}).requires_grad_();
    p.mutable_grad() = ember::randn({int64_t{1} << 20});
    params.push_back(p);
  }
  return params;
}

void time_steps(benchmark::State &state, ember::optim::Optimizer &optimizer) {
  optimizer.step(); // creates the state outside the timed loop
  for (auto _ : state)
    optimizer.step();
}

void sgd_momentum_step(benchmark::State &state) {
  ember::optim::SGD optimizer(ten_million_parameters(),
                              ember::optim::SGDOptions(1e-3).momentum(0.9));
  time_steps(state, optimizer);
}

void adam_step(benchmark::State &state) {
  ember::optim::Adam optimizer(ten_million_parameters(), ember::optim::AdamOptions(1e-3));
  time_steps(state, optimizer);
}

void register_all() {
  auto add = [](const char *name, void (*fn)(benchmark::State &)) {
    return benchmark::RegisterBenchmark(name, fn)->UseRealTime()->Unit(benchmark::kMillisecond);
  };
  // Arg 0: 1 -> 32 channels at 28x28; arg 1: 32 -> 64 channels at 14x14.
  add("conv2d_forward", conv2d_forward)->Arg(0)->Arg(1);
  add("conv2d_forward_backward", conv2d_forward_backward)->Arg(0)->Arg(1);
  add("max_pool2d_forward_backward", max_pool2d_forward_backward);
  add("batch_norm_forward_backward", batch_norm_forward_backward);
  add("layer_norm_forward_backward", layer_norm_forward_backward);
  add("softmax_forward_backward", softmax_forward_backward);
  add("cross_entropy_forward_backward", cross_entropy_forward_backward);
  add("sgd_momentum_step", sgd_momentum_step);
  add("adam_step", adam_step);
}

} // namespace

int main(int argc, char **argv) { return ember::bench::run(argc, argv, register_all); }
