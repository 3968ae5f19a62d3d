// The layer modules (include/ember/nn/modules/): state dict names and shapes as torch's, torch's
// default initialization, reprs, errors naming the layer, padding modes and BatchNorm's
// cumulative momentum against torch 1.13 (numbers from tests/reference/nn_modules_reference.py).
#include <sstream>

#include "nn_modules_test_util.h"

using namespace ember;
using ember::testing::expect_close;
using ember::testing::fill;
using ember::testing::make;
using ember::testing::ramp;

namespace {

std::string repr(const nn::Module &module) {
  std::ostringstream out;
  out << module;
  return out.str();
}

// "name [d0, d1]" for every state dict entry.
std::vector<std::string> state_shapes(const nn::Module &module) {
  std::vector<std::string> shapes;
  for (const auto &[name, tensor] : module.state_dict()) {
    std::ostringstream line;
    line << name << " " << IntArrayRef(tensor.sizes());
    shapes.push_back(line.str());
  }
  return shapes;
}

using Shapes = std::vector<std::string>;

} // namespace

// The keys and shapes are those of torch's state_dict() for the same layers.
TEST(NnModulesLayers, StateDictMatchesTorch) {
  EXPECT_EQ(state_shapes(*nn::Linear(4, 3)), (Shapes{"weight [3, 4]", "bias [3]"}));
  EXPECT_EQ(state_shapes(*nn::Linear(nn::LinearOptions(4, 3).bias(false))),
            (Shapes{"weight [3, 4]"}));
  EXPECT_EQ(state_shapes(*nn::Bilinear(2, 3, 4)), (Shapes{"weight [4, 2, 3]", "bias [4]"}));
  EXPECT_EQ(state_shapes(*nn::Conv2d(2, 4, 3)), (Shapes{"weight [4, 2, 3, 3]", "bias [4]"}));
  EXPECT_EQ(state_shapes(*nn::Conv1d(nn::Conv1dOptions(4, 6, 3).groups(2))),
            (Shapes{"weight [6, 2, 3]", "bias [6]"}));
  EXPECT_EQ(state_shapes(*nn::ConvTranspose2d(2, 4, 3)),
            (Shapes{"weight [2, 4, 3, 3]", "bias [4]"}));
  const Shapes norm_state{"weight [3]", "bias [3]", "running_mean [3]", "running_var [3]",
                          "num_batches_tracked []"};
  EXPECT_EQ(state_shapes(*nn::BatchNorm1d(3)), norm_state);
  EXPECT_EQ(state_shapes(*nn::InstanceNorm2d(
                nn::InstanceNormOptions(3).affine(true).track_running_stats(true))),
            norm_state);
  EXPECT_TRUE(nn::InstanceNorm1d(3)->state_dict().empty());
  EXPECT_EQ(state_shapes(*nn::LayerNorm(nn::LayerNormOptions({2, 3}))),
            (Shapes{"weight [2, 3]", "bias [2, 3]"}));
  EXPECT_EQ(state_shapes(*nn::GroupNorm(2, 4)), (Shapes{"weight [4]", "bias [4]"}));
  EXPECT_EQ(state_shapes(*nn::RMSNorm(nn::RMSNormOptions({5}))), (Shapes{"weight [5]"}));
  EXPECT_EQ(state_shapes(*nn::Embedding(5, 2)), (Shapes{"weight [5, 2]"}));
  EXPECT_EQ(state_shapes(*nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().weight(ones({3})))),
            (Shapes{"weight [3]"}));
  EXPECT_EQ(
      state_shapes(*nn::BCEWithLogitsLoss(nn::BCEWithLogitsLossOptions().pos_weight(ones({3})))),
      (Shapes{"pos_weight [3]"}));
  EXPECT_EQ(nn::BatchNorm2d(3)->num_batches_tracked.dtype(), kInt64);
}

// kaiming_uniform_(a = sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)), the bias the same.
TEST(NnModulesLayers, LinearAndConvInitializationMatchesTorch) {
  manual_seed(0);
  // Tolerances of four standard errors for numel samples of U(-b, b): the mean has variance
  // b^2 / (3 n), the sample variance about 4 b^4 / (45 n).
  auto expect_uniform = [](const Tensor &t, double bound) {
    const Tensor values = t.detach().to(kFloat64);
    const double n = static_cast<double>(values.numel());
    const double largest = values.abs().max().item<double>();
    EXPECT_LE(largest, bound);
    EXPECT_GE(largest, bound * (1 - 8 / n)); // fills the interval: fails with odds e^-8
    EXPECT_NEAR(values.mean().item<double>(), 0.0, 4 * bound / std::sqrt(3 * n));
    EXPECT_NEAR(values.var().item<double>(), bound * bound / 3,
                4 * bound * bound * std::sqrt(4 / (45 * n)));
  };
  nn::Linear linear(100, 300);
  expect_uniform(linear->weight, 1.0 / std::sqrt(100.0));
  expect_uniform(linear->bias, 1.0 / std::sqrt(100.0));
  nn::Conv2d conv(8, 64, 3); // fan_in = 8 * 3 * 3
  expect_uniform(conv->weight, 1.0 / std::sqrt(72.0));
  expect_uniform(conv->bias, 1.0 / std::sqrt(72.0));
  nn::Conv1d grouped(nn::Conv1dOptions(8, 256, 5).groups(4)); // fan_in = 2 * 5
  expect_uniform(grouped->weight, 1.0 / std::sqrt(10.0));
  nn::ConvTranspose2d transposed(64, 8, 3); // weight [64, 8, 3, 3]: fan_in = 8 * 3 * 3
  expect_uniform(transposed->weight, 1.0 / std::sqrt(72.0));
  nn::Bilinear bilinear(16, 4, 50); // U(-1/sqrt(in1), 1/sqrt(in1))
  expect_uniform(bilinear->weight, 0.25);
  expect_uniform(bilinear->bias, 0.25);
}

TEST(NnModulesLayers, NormAndEmbeddingInitializationMatchesTorch) {
  manual_seed(0);
  nn::BatchNorm2d bn(5);
  expect_close(bn->weight, ones({5}));
  expect_close(bn->bias, zeros({5}));
  expect_close(bn->running_mean, zeros({5}));
  expect_close(bn->running_var, ones({5}));
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 0);
  nn::LayerNorm ln(nn::LayerNormOptions({2, 3}));
  expect_close(ln->weight, ones({2, 3}));
  expect_close(ln->bias, zeros({2, 3}));
  nn::GroupNorm gn(2, 4);
  expect_close(gn->weight, ones({4}));
  expect_close(nn::RMSNorm(nn::RMSNormOptions({3}))->weight, ones({3}));

  nn::Embedding embedding(nn::EmbeddingOptions(1000, 40).padding_idx(-3));
  EXPECT_EQ(*embedding->options.padding_idx(), 997);
  expect_close(embedding->weight[997], zeros({40}));
  const Tensor rest = embedding->weight.detach().narrow(0, 0, 997);
  EXPECT_NEAR(rest.mean().item<double>(), 0.0, 0.02);
  EXPECT_NEAR(rest.std().item<double>(), 1.0, 0.02);
}

TEST(NnModulesLayers, EmbeddingFromPretrained) {
  const Tensor table = ramp({4, 3});
  nn::Embedding frozen = nn::Embedding::from_pretrained(table);
  EXPECT_FALSE(frozen->weight.requires_grad());
  const Tensor indices = make({3, 0, 3}, {3}, kInt64);
  expect_close(frozen(indices), table.index_select(0, indices));
  nn::Embedding trained = nn::Embedding::from_pretrained(
      table, nn::EmbeddingFromPretrainedOptions().freeze(false).padding_idx(1));
  EXPECT_TRUE(trained->weight.requires_grad());
  trained(make({1, 2}, {2}, kInt64)).sum().backward();
  expect_close(trained->weight.grad(), make({0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0}, {4, 3}));
}

TEST(NnModulesLayers, EmbeddingMaxNormRenormalizesLookedUpRows) {
  nn::Embedding embedding(nn::EmbeddingOptions(4, 3).max_norm(1.0));
  embedding->to(kFloat64);
  {
    NoGradGuard no_grad;
    embedding->weight.copy_(ramp({4, 3}) * 2);
  }
  const Tensor untouched = embedding->weight[1].clone();
  const Tensor rows = embedding(make({0, 2}, {2}, kInt64));
  expect_close(rows.norm(2, {1}), ones({2}, dtype(kFloat64)), 1e-6, 1e-6);
  expect_close(embedding->weight[1], untouched, 0, 0); // only looked-up rows change
}

// Each repr is torch 1.13's for the same layer (with C++'s true/false).
TEST(NnModulesLayers, ReprMatchesTorch) {
  using nn::ConvPadding;
  const std::vector<std::pair<std::shared_ptr<nn::Module>, std::string>> cases = {
      {nn::Linear(4, 3).ptr(), "Linear(in_features=4, out_features=3, bias=true)"},
      {nn::Bilinear(2, 3, 4).ptr(),
       "Bilinear(in1_features=2, in2_features=3, out_features=4, bias=true)"},
      {nn::Conv1d(2, 4, 3).ptr(), "Conv1d(2, 4, kernel_size=(3,), stride=(1,))"},
      {nn::Conv2d(nn::Conv2dOptions(1, 32, 3).stride(2).padding(1).bias(false)).ptr(),
       "Conv2d(1, 32, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=false)"},
      {nn::Conv2d(nn::Conv2dOptions(2, 4, {3, 5})
                      .padding("same")
                      .dilation(2)
                      .groups(2)
                      .padding_mode("reflect"))
           .ptr(),
       "Conv2d(2, 4, kernel_size=(3, 5), stride=(1, 1), padding=same, dilation=(2, 2), groups=2, "
       "padding_mode=reflect)"},
      {nn::Conv2d(nn::Conv2dOptions(2, 4, 3).padding("valid")).ptr(),
       "Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 1), padding=valid)"},
      {nn::Conv3d(1, 2, 3).ptr(), "Conv3d(1, 2, kernel_size=(3, 3, 3), stride=(1, 1, 1))"},
      {nn::ConvTranspose2d(nn::ConvTranspose2dOptions(2, 4, 3).stride(2).output_padding(1)).ptr(),
       "ConvTranspose2d(2, 4, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))"},
      {nn::MaxPool1d(2).ptr(),
       "MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=false)"},
      {nn::MaxPool2d(nn::MaxPool2dOptions({2, 3}).stride(1).padding(1).ceil_mode(true)).ptr(),
       "MaxPool2d(kernel_size=(2, 3), stride=1, padding=1, dilation=1, ceil_mode=true)"},
      {nn::AvgPool1d(3).ptr(), "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))"},
      {nn::AvgPool2d(2).ptr(), "AvgPool2d(kernel_size=2, stride=2, padding=0)"},
      {nn::AdaptiveAvgPool2d(1).ptr(), "AdaptiveAvgPool2d(output_size=1)"},
      {nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({2, 3})).ptr(),
       "AdaptiveAvgPool2d(output_size=(2, 3))"},
      {nn::AdaptiveMaxPool2d(2).ptr(), "AdaptiveMaxPool2d(output_size=2)"},
      {nn::BatchNorm1d(4).ptr(),
       "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)"},
      {nn::BatchNorm2d(nn::BatchNorm2dOptions(4)
                           .momentum(std::nullopt)
                           .affine(false)
                           .track_running_stats(false))
           .ptr(),
       "BatchNorm2d(4, eps=1e-05, momentum=None, affine=false, track_running_stats=false)"},
      {nn::LayerNorm(nn::LayerNormOptions({4})).ptr(),
       "LayerNorm((4,), eps=1e-05, elementwise_affine=true)"},
      {nn::GroupNorm(2, 4).ptr(), "GroupNorm(2, 4, eps=1e-05, affine=true)"},
      {nn::InstanceNorm1d(3).ptr(),
       "InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=false, track_running_stats=false)"},
      {nn::Dropout().ptr(), "Dropout(p=0.5, inplace=false)"},
      {nn::Dropout2d(0.2).ptr(), "Dropout2d(p=0.2, inplace=false)"},
      {nn::Embedding(nn::EmbeddingOptions(10, 3).padding_idx(0).max_norm(1.0)).ptr(),
       "Embedding(10, 3, padding_idx=0, max_norm=1.0)"},
      {nn::Flatten().ptr(), "Flatten(start_dim=1, end_dim=-1)"},
      {nn::Unflatten(1, Shape{2, 3}).ptr(), "Unflatten(dim=1, unflattened_size=(2, 3))"},
      {nn::Identity().ptr(), "Identity()"},
      {nn::ReLU().ptr(), "ReLU()"},
      {nn::LeakyReLU().ptr(), "LeakyReLU(negative_slope=0.01)"},
      {nn::ELU().ptr(), "ELU(alpha=1.0)"},
      {nn::GELU().ptr(), "GELU(approximate='none')"},
      {nn::Softplus().ptr(), "Softplus(beta=1, threshold=20)"},
      {nn::Softplus(nn::SoftplusOptions().beta(2.5).threshold(10.5)).ptr(),
       "Softplus(beta=2.5, threshold=10.5)"},
      {nn::Hardtanh().ptr(), "Hardtanh(min_val=-1.0, max_val=1.0)"},
      {nn::GLU().ptr(), "GLU(dim=-1)"},
      {nn::Softmax(1).ptr(), "Softmax(dim=1)"},
      {nn::Softmin(1).ptr(), "Softmin(dim=1)"},
      {nn::CrossEntropyLoss().ptr(), "CrossEntropyLoss()"},
      {nn::TripletMarginLoss().ptr(), "TripletMarginLoss()"},
  };
  for (const auto &[module, expected] : cases)
    EXPECT_EQ(repr(*module), expected);
}

TEST(NnModulesLayers, NestedReprMatchesTorch) {
  nn::Sequential model(nn::Conv2d(nn::Conv2dOptions(1, 8, 3).padding(1)), nn::BatchNorm2d(8),
                       nn::ReLU(), nn::MaxPool2d(2),
                       nn::Sequential(nn::Flatten(), nn::Linear(8 * 4 * 4, 32), nn::Dropout(0.25),
                                      nn::GELU(nn::GELUOptions().approximate("tanh"))),
                       nn::Linear(nn::LinearOptions(32, 10).bias(false)), nn::LogSoftmax(1));
  // repr(model) of the same torch model (tests/reference/nn_modules_reference.py, nested_repr).
  EXPECT_EQ(repr(*model), R"(Sequential(
  (0): Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)
  (2): ReLU()
  (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=false)
  (4): Sequential(
    (0): Flatten(start_dim=1, end_dim=-1)
    (1): Linear(in_features=128, out_features=32, bias=true)
    (2): Dropout(p=0.25, inplace=false)
    (3): GELU(approximate='tanh')
  )
  (5): Linear(in_features=32, out_features=10, bias=false)
  (6): LogSoftmax(dim=1)
))");
  EXPECT_EQ(model(ones({2, 1, 8, 8})).sizes(), (Shape{2, 10}));
}

TEST(NnModulesLayers, ErrorsNameTheLayerAndShapes) {
  EXPECT_THROW_WITH(nn::Linear(4, 3)(ones({2, 5})),
                    "Linear: expected input with last dimension 4 (in_features), got input of "
                    "shape [2, 5]");
  EXPECT_THROW_WITH(nn::Conv2d(3, 8, 3)(ones({4, 8, 8})),
                    "Conv2d: expected input with 3 channels (in_channels), got 4 channels in "
                    "input of shape [4, 8, 8]");
  EXPECT_THROW_WITH(nn::Conv2d(3, 8, 3)(ones({8, 8})),
                    "Conv2d: expected a 3-D (unbatched) or 4-D (batched) input, got input of "
                    "shape [8, 8]");
  EXPECT_THROW_WITH(nn::Conv2d(nn::Conv2dOptions(3, 8, 3).groups(2)), "Conv2d: in_channels 3");
  EXPECT_THROW_WITH(nn::Conv2d(nn::Conv2dOptions(3, 8, 3).padding("same").stride(2)),
                    "padding='same' is not supported for strided convolutions");
  EXPECT_THROW_WITH(nn::Conv2d(nn::Conv2dOptions(3, 8, 3).padding("full")),
                    "Invalid padding string 'full'");
  EXPECT_THROW_WITH(
      nn::Conv1d(nn::Conv1dOptions(1, 1, 3).padding(4).padding_mode("reflect"))(ones({1, 1, 4})),
      "Conv1d: padding (4, 4) is too large for reflect padding");
  EXPECT_THROW_WITH(
      nn::ConvTranspose2d(nn::ConvTranspose2dOptions(2, 2, 3).padding_mode("reflect")),
      "Only \"zeros\" padding mode is supported for ConvTranspose2d");
  EXPECT_THROW_WITH(nn::BatchNorm2d(4)(ones({2, 4, 3})),
                    "BatchNorm2d: expected 4-D input, got input of shape [2, 4, 3]");
  EXPECT_THROW_WITH(nn::BatchNorm1d(4)(ones({2, 3})),
                    "BatchNorm1d: expected input with 4 channels (num_features), got 3 channels");
  EXPECT_THROW_WITH(nn::LayerNorm(nn::LayerNormOptions({4}))(ones({2, 3})),
                    "LayerNorm: expected input with trailing dimensions [4] (normalized_shape), "
                    "got input of shape [2, 3]");
  EXPECT_THROW_WITH(nn::GroupNorm(3, 4),
                    "GroupNorm: num_channels 4 must be divisible by num_groups 3");
  EXPECT_THROW_WITH(nn::MaxPool2d(2)(ones({4})),
                    "MaxPool2d: expected a 3-D (unbatched) or 4-D (batched) input");
  EXPECT_THROW_WITH(nn::Dropout(1.5), "Dropout: dropout probability has to be between 0 and 1");
  EXPECT_THROW_WITH(nn::Embedding(nn::EmbeddingOptions(3, 2).padding_idx(3)),
                    "Embedding: padding_idx 3 must be within num_embeddings 3");
  EXPECT_THROW_WITH(nn::Embedding(3, 2)(ones({2})), "Embedding: expected integer indices");
  EXPECT_THROW_WITH(nn::Bilinear(2, 3, 4)(ones({5, 2}), ones({5, 2})),
                    "Bilinear: expected inputs with last dimensions 2 and 3");
  EXPECT_THROW_WITH(nn::MSELoss(nn::MSELossOptions().reduction("avg")),
                    "MSELoss: avg is not a valid value for reduction");
  EXPECT_THROW_WITH(nn::Unflatten(1, Shape{4, 2})(ones({2, 6})),
                    "Unflatten: sizes [4, 2] do not multiply to the size 6 of dim 1");
}

// Reference: tests/reference/nn_modules_reference.py, padding_modes.
TEST(NnModulesLayers, PaddingModesMatchTorch) {
  const std::vector<std::pair<std::string, std::vector<double>>> expected = {
      {"reflect", {0.02101, -0.27698, 0.0803, -0.27467, -0.01364, -0.33165, -0.07293}},
      {"replicate", {0.0275, -0.05698, 0.0803, -0.27467, -0.01364, -0.28413, -0.16038}},
      {"circular", {-0.21021, -0.24948, 0.0803, -0.27467, -0.01364, -0.21021, -0.24948}},
  };
  for (const auto &[mode, values] : expected) {
    nn::Conv1d conv(nn::Conv1dOptions(1, 1, 3).padding(2).padding_mode(mode));
    conv->to(kFloat64);
    fill(*conv, 0.1);
    expect_close(conv(ramp({1, 1, 5})), make(values, {1, 1, 7}), 1e-9, 1e-9);
  }
  nn::Conv2d conv(
      nn::Conv2dOptions(1, 1, {3, 2}).padding("same").dilation({1, 2}).padding_mode("circular"));
  conv->to(kFloat64);
  fill(*conv, 0.1);
  expect_close(conv(ramp({1, 1, 3, 4})),
               make({0.11521, -0.08488, -0.17398, -0.27969, -0.44381, 0.11235, 0.02325, -0.08246,
                     -0.00579, -0.08488, -0.29498, -0.27969},
                    {1, 1, 3, 4}),
               1e-9, 1e-9);
}

TEST(NnModulesLayers, PaddingModesGradcheck) {
  for (const std::string mode : {"reflect", "replicate", "circular"}) {
    nn::Conv2d conv(nn::Conv2dOptions(2, 3, 3).padding({1, 2}).padding_mode(mode));
    conv->to(kFloat64);
    // A transposed (non-contiguous) input.
    const Tensor input = ramp({1, 2, 5, 4}).transpose(2, 3).detach().requires_grad_();
    EXPECT_TRUE(
        ember::testing::check_grad([&](const TensorList &in) { return conv(in[0]); }, {input}))
        << mode;
  }
}

TEST(NnModulesLayers, ConvTransposeOutputSizePicksOutputPadding) {
  nn::ConvTranspose2d deconv(nn::ConvTranspose2dOptions(2, 1, 3).stride(2));
  const Tensor input = ramp({1, 2, 3, 3}).to(kFloat32);
  const Tensor output = deconv->forward(input, Shape{8, 8});
  EXPECT_EQ(output.sizes(), (Shape{1, 1, 8, 8}));
  expect_close(output, F::conv_transpose2d(input, deconv->weight, deconv->bias, 2, 0, 1));
  EXPECT_EQ(deconv(input).sizes(), (Shape{1, 1, 7, 7}));
  EXPECT_THROW_WITH(deconv->forward(input, Shape{9, 9}),
                    "ConvTranspose2d: requested an output size of [9, 9], but valid sizes of dim "
                    "0 range from 7 to 8");
}

// Reference: tests/reference/nn_modules_reference.py, batch_norm_cumulative.
TEST(NnModulesLayers, BatchNormCumulativeMomentumMatchesTorch) {
  nn::BatchNorm1d bn(nn::BatchNorm1dOptions(2).momentum(std::nullopt));
  bn->to(kFloat64);
  bn(ramp({4, 2}));
  bn(ramp({4, 2}) * 2 + 1);
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 2);
  expect_close(bn->running_mean, make({0.3575, 0.935}, {2}), 1e-9, 1e-9);
  expect_close(bn->running_var, make({2.470416667, 1.714166667}, {2}), 1e-9, 1e-9);
  bn->eval();
  expect_close(
      bn(ramp({3, 2})),
      make({-1.022739427, -0.3246094363, -0.5328424695, 0.2635064836, -0.04294551247, -1.248791596},
           {3, 2}),
      1e-8, 1e-9);
}

TEST(NnModulesLayers, BatchNormWithoutRunningStatsUsesBatchStatisticsInEval) {
  nn::BatchNorm1d bn(nn::BatchNorm1dOptions(2).track_running_stats(false));
  bn->eval();
  const Tensor input = ramp({5, 2}).to(kFloat32);
  expect_close(bn(input), F::batch_norm(input, {}, {}, {}, {}, true), 1e-5, 1e-5);
}

TEST(NnModulesLayers, InstanceNormAcceptsUnbatchedInput) {
  nn::InstanceNorm1d norm(nn::InstanceNormOptions(3).affine(true));
  const Tensor input = ramp({3, 6}).to(kFloat32);
  expect_close(norm(input), norm(input.unsqueeze(0)).squeeze(0));
  expect_close(norm(input), F::instance_norm(input.unsqueeze(0)).squeeze(0), 1e-5, 1e-5);
}

TEST(NnModulesLayers, ActivationModulesRunTheirFunctions) {
  const Tensor x = ramp({2, 6});
  expect_close(nn::ReLU()(x), F::relu(x));
  expect_close(nn::ReLU6()(x), F::relu6(x));
  expect_close(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2))(x), F::leaky_relu(x, 0.2));
  expect_close(nn::ELU(nn::ELUOptions().alpha(0.5))(x), F::elu(x, 0.5));
  expect_close(nn::SELU()(x), F::selu(x));
  expect_close(nn::CELU(nn::CELUOptions().alpha(2))(x), F::celu(x, 2));
  expect_close(nn::GELU(nn::GELUOptions().approximate("tanh"))(x), F::gelu(x, "tanh"));
  expect_close(nn::SiLU()(x), F::silu(x));
  expect_close(nn::Mish()(x), F::mish(x));
  expect_close(nn::Softplus(nn::SoftplusOptions().beta(2).threshold(1))(x), F::softplus(x, 2, 1));
  expect_close(nn::Softsign()(x), F::softsign(x));
  expect_close(nn::Hardtanh(nn::HardtanhOptions().min_val(-0.5).max_val(2))(x),
               F::hardtanh(x, -0.5, 2));
  expect_close(nn::Hardsigmoid()(x), F::hardsigmoid(x));
  expect_close(nn::Hardswish()(x), F::hardswish(x));
  expect_close(nn::Sigmoid()(x), F::sigmoid(x));
  expect_close(nn::Tanh()(x), F::tanh(x));
  expect_close(nn::LogSigmoid()(x), F::logsigmoid(x));
  expect_close(nn::GLU(nn::GLUOptions().dim(0))(x), F::glu(x, 0));
  expect_close(nn::Softmax(0)(x), F::softmax(x, 0));
  expect_close(nn::LogSoftmax(1)(x), F::log_softmax(x, 1));
  expect_close(nn::Softmin(1)(x), F::softmin(x, 1));
}

TEST(NnModulesLayers, LossModulesPassTheirOptions) {
  const Tensor input = ramp({3, 4}), target = ramp({3, 4}, 5, 7);
  expect_close(nn::MSELoss(nn::MSELossOptions().reduction("sum"))(input, target),
               F::mse_loss(input, target, "sum"));
  expect_close(nn::L1Loss()(input, target), F::l1_loss(input, target));
  expect_close(nn::SmoothL1Loss(nn::SmoothL1LossOptions().beta(0.5))(input, target),
               F::smooth_l1_loss(input, target, "mean", 0.5));
  expect_close(nn::HuberLoss(nn::HuberLossOptions().delta(0.5).reduction("none"))(input, target),
               F::huber_loss(input, target, "none", 0.5));
  const Tensor classes = make({1, 3, -100}, {3}, kInt64), weight = make({1, 2, 3, 4}, {4});
  expect_close(nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().weight(weight).label_smoothing(
                   0.1))(input, classes),
               F::cross_entropy(input, classes, weight, -100, "mean", 0.1));
  const Tensor other_classes = make({1, 3, 0}, {3}, kInt64);
  expect_close(nn::NLLLoss(nn::NLLLossOptions().ignore_index(3))(input, other_classes),
               F::nll_loss(input, other_classes, {}, 3));
  const Tensor probabilities = F::sigmoid(input), labels = (target > 0).to(kFloat64);
  expect_close(nn::BCELoss(nn::BCELossOptions().weight(weight))(probabilities, labels),
               F::binary_cross_entropy(probabilities, labels, weight));
  expect_close(
      nn::BCEWithLogitsLoss(nn::BCEWithLogitsLossOptions().pos_weight(weight))(input, labels),
      F::binary_cross_entropy_with_logits(input, labels, {}, "mean", weight));
  const Tensor log_p = F::log_softmax(input, 1), q = F::softmax(target, 1);
  expect_close(nn::KLDivLoss(nn::KLDivLossOptions().reduction("batchmean"))(log_p, q),
               F::kl_div(log_p, q, "batchmean"));
  expect_close(nn::PoissonNLLLoss(nn::PoissonNLLLossOptions().full(true))(input, target.abs()),
               F::poisson_nll_loss(input, target.abs(), true, true));
  const Tensor signs = make({1, -1, 1}, {3});
  expect_close(
      nn::CosineEmbeddingLoss(nn::CosineEmbeddingLossOptions().margin(0.2))(input, target, signs),
      F::cosine_embedding_loss(input, target, signs, 0.2));
  expect_close(nn::MarginRankingLoss(nn::MarginRankingLossOptions().margin(0.3))(
                   input.select(1, 0), input.select(1, 1), signs),
               F::margin_ranking_loss(input.select(1, 0), input.select(1, 1), signs, 0.3));
  expect_close(
      nn::TripletMarginLoss(nn::TripletMarginLossOptions().swap(true).p(1))(input, target, -input),
      F::triplet_margin_loss(input, target, -input, 1.0, 1.0, 1e-6, true));
}

TEST(NnModulesLayers, ShapeModules) {
  const Tensor x = ramp({2, 3, 4});
  EXPECT_EQ(nn::Flatten()(x).sizes(), (Shape{2, 12}));
  EXPECT_EQ(nn::Flatten(nn::FlattenOptions().start_dim(0).end_dim(1))(x).sizes(), (Shape{6, 4}));
  EXPECT_EQ(nn::Unflatten(-1, Shape{2, -1})(x).sizes(), (Shape{2, 3, 2, 2}));
  EXPECT_TRUE(nn::Identity()(x).is_same(x));
}
