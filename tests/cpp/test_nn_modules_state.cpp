// Module behaviour of the layers: state dict keys in torch's order, load_state_dict round trips,
// train/eval switching of BatchNorm and Dropout, and conversion with to(kFloat64).
#include "nn_modules_test_util.h"

using namespace ember;
using ember::testing::expect_close;
using ember::testing::ramp;

namespace {

nn::Sequential small_cnn() {
  return nn::Sequential(nn::Conv2d(1, 4, 3), nn::BatchNorm2d(4), nn::ReLU(), nn::Flatten(),
                        nn::Linear(4, 2), nn::Dropout());
}

std::string joined_keys(const nn::Module &module) {
  std::string keys;
  for (const auto &key : module.state_dict().keys())
    keys += (keys.empty() ? "" : " ") + key;
  return keys;
}

} // namespace

TEST(NnModulesState, StateDictKeysInTorchOrder) {
  // torch: list(model.state_dict()) for the same Sequential.
  EXPECT_EQ(joined_keys(*small_cnn()), "0.weight 0.bias 1.weight 1.bias 1.running_mean "
                                       "1.running_var 1.num_batches_tracked 4.weight 4.bias");
}

TEST(NnModulesState, LoadStateDictRoundTrip) {
  manual_seed(1);
  nn::Sequential source = small_cnn(), target = small_cnn();
  const Tensor images = randn({6, 1, 3, 3});
  source(images); // moves the running statistics away from their initial values
  target->load_state_dict(source->state_dict());
  const auto target_state = target->state_dict();
  for (const auto &[key, tensor] : source->state_dict()) {
    expect_close(target_state.at(key), tensor, 0, 0);
    EXPECT_FALSE(target_state.at(key).is_same(tensor)) << key; // copied, not shared
  }
  EXPECT_EQ(target_state.at("1.num_batches_tracked").item<int64_t>(), 1);
  source->eval();
  target->eval();
  expect_close(target(images), source(images), 0, 0);
  {
    NoGradGuard no_grad;
    source->state_dict().at("4.bias").add_(1);
  }
  EXPECT_GT((source(images) - target(images)).abs().max().item<double>(), 0.5);
}

TEST(NnModulesState, BatchNormFollowsTrainAndEval) {
  nn::Sequential model(nn::BatchNorm1d(3));
  auto bn = std::dynamic_pointer_cast<nn::BatchNorm1dImpl>((*model)[0]);
  const Tensor batch = ramp({8, 3}).to(kFloat32) * 3 + 2;
  // Training: batch statistics (zero mean per channel), running statistics updated.
  expect_close(model(batch).mean({0}), zeros({3}), 0, 1e-5);
  expect_close(bn->running_mean, batch.mean({0}) * 0.1, 1e-5, 1e-6);
  expect_close(bn->running_var, batch.var({0}) * 0.1 + 0.9, 1e-5, 1e-6);
  // Evaluation: running statistics, left unchanged.
  model->eval();
  EXPECT_FALSE(bn->is_training());
  const Tensor mean = bn->running_mean.clone(), variance = bn->running_var.clone();
  expect_close(model(batch), (batch - mean) / (variance + 1e-5).sqrt(), 1e-5, 1e-5);
  expect_close(bn->running_mean, mean, 0, 0);
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 1);
}

TEST(NnModulesState, DropoutFollowsTrainAndEval) {
  manual_seed(5);
  nn::Sequential model(nn::Dropout(0.25), nn::Dropout2d(0.5));
  const Tensor input = ones({64, 32, 2, 2});
  const Tensor output = model(input);
  // Survivors of both are scaled by 1 / 0.75 / 0.5; Dropout2d drops whole channels.
  const Tensor kept = (output != 0).to(kFloat64);
  EXPECT_NEAR(kept.mean().item<double>(), 0.75 * 0.5, 0.03);
  const Tensor survivors = output.masked_select(output != 0);
  EXPECT_NEAR(survivors.min().item<double>(), 1 / 0.375, 1e-5);
  EXPECT_NEAR(survivors.max().item<double>(), 1 / 0.375, 1e-5);
  // Dropout2d alone: every (sample, channel) plane is all dropped or all kept (sum 0 or 4 * 2).
  const Tensor plane_sums = nn::Dropout2d(0.5)(input).sum({2, 3});
  EXPECT_TRUE(((plane_sums == 0).logical_or(plane_sums == 8)).all().item<bool>());
  model->eval();
  expect_close(model(input), input, 0, 0);
}

TEST(NnModulesState, ToFloat64ConvertsParametersAndBuffers) {
  nn::Sequential model = small_cnn();
  auto conv = std::dynamic_pointer_cast<nn::Conv2dImpl>((*model)[0]);
  const Tensor before = conv->weight.detach().clone();
  model->to(kFloat64);
  for (const auto &[key, tensor] : model->state_dict())
    EXPECT_EQ(tensor.dtype(), key == "1.num_batches_tracked" ? kInt64 : kFloat64) << key;
  // The module's own handles see the converted tensors, with unchanged values.
  EXPECT_EQ(conv->weight.dtype(), kFloat64);
  EXPECT_TRUE(conv->weight.requires_grad());
  expect_close(conv->weight, before, 1e-7, 0);
  const Tensor output = model(ramp({2, 1, 3, 3}));
  EXPECT_EQ(output.dtype(), kFloat64);
  output.sum().backward();
  EXPECT_EQ(conv->weight.grad().dtype(), kFloat64);
}
