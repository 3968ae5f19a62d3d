// Normalization functions: values and running statistics against torch 1.13, train and eval
// behaviour, the fused kernels against the same formulas in ember ops on larger inputs,
// gradcheck and gradgradcheck in float64, and error messages.
#include <cmath>

#include "ember/nn/functional/norm.h"
#include "test_util.h"

using namespace ember;
namespace F = ember::nn::functional;
using autograd::gradcheck;
using autograd::gradgradcheck;
using ember::testing::check_grad;
using ember::testing::expect_close;
using ember::testing::grad_input;
using ember::testing::make;
using ember::testing::ramp;
using ember::testing::vec;

TEST(NnNorm, BatchNormTrainingMatchesTorch) {
  // torch 1.13: three F.batch_norm(x * (s + 1) + s, rm, rv, w, b, True, 0.1, 1e-5) steps.
  Tensor x = ramp({4, 3, 2});
  Tensor w = vec({1.5, -0.5, 2.0}), b = vec({0.1, 0.2, -0.3});
  Tensor running_mean = zeros({3}, dtype(kFloat64)), running_var = ones({3}, dtype(kFloat64));
  Tensor y;
  for (int step = 0; step < 3; ++step)
    y = F::batch_norm(x * (step + 1) + step, running_mean, running_var, w, b, true, 0.1, 1e-5);
  expect_close(
      y,
      make({-2.502476954, 1.15814997,    0.776556143,   -0.3416133465,  0.8880550826,  -1.627826269,
            2.302095884,  0.2429932392,  1.056098515,   -0.06207097411, -0.2301144069, -2.745995758,
            1.386939153,  -0.6721634918, -0.4114989396, 0.2174713983,   -1.348283896,  3.124394062,
            0.471782422,  -1.587320223,  -0.1319565672, 0.4970137707,   -2.466453386,  2.006224572},
           {4, 3, 2}),
      1e-8, 1e-8);
  expect_close(running_mean, vec({0.29070125, 0.5298275, 0.1904225}), 1e-8, 1e-9);
  expect_close(running_var, vec({1.526107163, 1.67822685, 1.67822685}), 1e-8, 1e-9);
}

TEST(NnNorm, BatchNormEvalUsesRunningStats) {
  // torch 1.13: F.batch_norm(x, rm, rv, w, b, False, 0.1, 1e-5) on [2, 3, 2, 2].
  Tensor x = ramp({2, 3, 2, 2}, 5, 13);
  Tensor running_mean = vec({0.1, -0.2, 0.3}), running_var = vec({0.5, 2.0, 1.5});
  Tensor y = F::batch_norm(x, running_mean, running_var, vec({1.5, -0.5, 2.0}),
                           vec({0.1, 0.2, -0.3}), false);
  expect_close(y,
               make({-3.294078609,  -0.6212417044, 2.0515952,      -2.16979007,   0.02675927171,
                     -0.4187168867, 0.2848526016,  -0.1606235568,  -2.700491946,  -0.6429274209,
                     1.414637105,   -1.835008455,  1.203075548,    -3.018309722,  -0.3454728174,
                     2.327364087,   0.4262736043,  -0.01920255416, -0.4646787126, 0.2388907757,
                     0.7614420171,  -2.488203543,  -0.4306390175,  1.626925508},
                    {2, 3, 2, 2}),
               1e-8, 1e-8);
  // Evaluation leaves the running statistics alone.
  expect_close(running_mean, vec({0.1, -0.2, 0.3}));
}

TEST(NnNorm, BatchNormRowsWithoutAffine) {
  // torch 1.13: F.batch_norm(x, rm, rv, None, None, True, 0.2, 1e-5) on [5, 3] (the path whose
  // inner loops run across channels).
  Tensor running_mean = zeros({3}, dtype(kFloat64)), running_var = ones({3}, dtype(kFloat64));
  Tensor y = F::batch_norm(ramp({5, 3}, 3, 7), running_mean, running_var, {}, {}, true, 0.2);
  expect_close(y,
               make({-1.27558861, -0.02332466594, 1.253903123, -0.3233886618, 1.212882629,
                     -0.9631429787, 0.6288112869, -1.632726616, 0.0, 1.581011236, -0.396519321,
                     0.9631429787, -0.6108452501, 0.8396879739, -1.253903123},
                    {5, 3}),
               1e-8, 1e-8);
  expect_close(running_mean, vec({-0.008, 0.004, 0.016}), 1e-8, 1e-10);
  expect_close(running_var, vec({0.87745, 0.84595, 0.8757}), 1e-8, 1e-10);
}

TEST(NnNorm, FusedKernelsMatchComposites) {
  // Float32 inputs large enough for several threads and several summation blocks, against the
  // same formulas in float64 ember ops.
  manual_seed(3);
  for (Shape shape : {Shape{64, 8, 40}, Shape{512, 24}, Shape{3, 5, 2000}}) {
    Tensor x = randn(shape) * 3 + 1;
    Tensor xd = x.to(kFloat64);
    Shape dims{0};
    for (int64_t d = 2; d < xd.dim(); ++d)
      dims.push_back(d);
    Tensor expected = (xd - xd.mean(dims, true)) * rsqrt(xd.var(dims, 0, true) + 1e-5);
    expect_close(F::batch_norm(x, {}, {}, {}, {}, true), expected, 1e-4, 1e-4);
    Tensor expected_ln = (xd - xd.mean({-1}, true)) * rsqrt(xd.var({-1}, 0, true) + 1e-5);
    expect_close(F::layer_norm(x, {shape.back()}), expected_ln, 1e-4, 1e-4);
  }
}

TEST(NnNorm, FusedBackwardMatchesCompositeBackward) {
  // The fused first-order backward kernels against autograd through the composite formulas.
  manual_seed(4);
  Tensor x = randn({16, 6, 50}, dtype(kFloat64)).requires_grad_();
  Tensor w = randn({6}, dtype(kFloat64)).requires_grad_();
  Tensor gy = randn({16, 6, 50}, dtype(kFloat64));
  TensorList fused = autograd::grad({F::batch_norm(x, {}, {}, w, {}, true)}, {x, w}, {gy});
  Tensor mean = x.mean({0, 2}, true), invstd = rsqrt(x.var({0, 2}, 0, true) + 1e-5);
  Tensor composite = (x - mean) * invstd * w.view({1, 6, 1});
  TensorList reference = autograd::grad({composite}, {x, w}, {gy});
  expect_close(fused[0], reference[0], 1e-8, 1e-9);
  expect_close(fused[1], reference[1], 1e-8, 1e-9);

  Tensor lw = randn({50}, dtype(kFloat64)).requires_grad_();
  Tensor lb = randn({50}, dtype(kFloat64)).requires_grad_();
  fused = autograd::grad({F::layer_norm(x, {50}, lw, lb)}, {x, lw, lb}, {gy});
  Tensor ln = (x - x.mean({-1}, true)) * rsqrt(x.var({-1}, 0, true) + 1e-5) * lw + lb;
  reference = autograd::grad({ln}, {x, lw, lb}, {gy});
  for (int i = 0; i < 3; ++i)
    expect_close(fused[i], reference[i], 1e-8, 1e-9);
}

TEST(NnNorm, BatchNormGradcheck) {
  Tensor w = grad_input({3}), b = grad_input({3});
  for (Shape shape : {Shape{4, 3}, Shape{3, 3, 4}, Shape{2, 3, 2, 2}}) {
    Tensor x = grad_input(shape);
    EXPECT_TRUE(check_grad(
        [](const TensorList &in) { return F::batch_norm(in[0], {}, {}, in[1], in[2], true); },
        {x, w, b}));
    EXPECT_TRUE(check_grad(
        [](const TensorList &in) { return F::batch_norm(in[0], {}, {}, {}, {}, true); }, {x}));
    Tensor running_mean = vec({0.1, -0.2, 0.3}), running_var = vec({0.5, 2.0, 1.5});
    EXPECT_TRUE(check_grad(
        [&](const TensorList &in) {
          return F::batch_norm(in[0], running_mean, running_var, in[1], in[2], false);
        },
        {x, w, b}));
  }
  // Non-contiguous input: channels taken from a transposed tensor.
  Tensor xt = grad_input({3, 5, 2}).transpose(0, 1);
  EXPECT_TRUE(check_grad(
      [](const TensorList &in) { return F::batch_norm(in[0], {}, {}, in[1], {}, true); }, {xt, w}));
}

TEST(NnNorm, BatchNormGradgradcheck) {
  Tensor x = grad_input({3, 2, 3}), w = grad_input({2}), b = grad_input({2});
  EXPECT_TRUE(check_grad(
      [](const TensorList &in) { return F::batch_norm(in[0], {}, {}, in[1], in[2], true); },
      {x, w, b}, true));
  EXPECT_TRUE(check_grad(
      [](const TensorList &in) {
        return F::batch_norm(in[0], vec({0.1, -0.2}), vec({0.5, 2.0}), in[1], in[2], false);
      },
      {x, w, b}, true));
}

TEST(NnNorm, BatchNormErrors) {
  Tensor x = randn({8, 3, 4, 4});
  EXPECT_THROW_WITH(
      F::batch_norm(x, zeros({4}), ones({3})),
      "batch_norm: expected running_mean of size 3 (channels of input [8, 3, 4, 4]), got 4");
  EXPECT_THROW_WITH(F::batch_norm(x, zeros({3}), ones({3}), ones({2})),
                    "batch_norm: expected weight of size 3");
  EXPECT_THROW_WITH(F::batch_norm(x, {}, {}), "running_mean and running_var must be defined");
  EXPECT_THROW_WITH(F::batch_norm(x, zeros({3}), {}, {}, {}, true),
                    "running_mean and running_var must be given together");
  EXPECT_THROW_WITH(F::batch_norm(randn({1, 3}), {}, {}, {}, {}, true),
                    "expected more than 1 value per channel when training");
  EXPECT_THROW_WITH(F::batch_norm(randn({3}), {}, {}, {}, {}, true), "batch_norm: expected input");
}

TEST(NnNorm, LayerNormMatchesTorch) {
  // torch 1.13: F.layer_norm(x, [3, 4], w, b) and F.layer_norm(x, [4]) on [2, 3, 4].
  Tensor x = ramp({2, 3, 4});
  Tensor w = ramp({3, 4}, 5, 7) * 0.5 + 1, b = ramp({3, 4}, 3, 5) * 0.1;
  expect_close(F::layer_norm(x, {3, 4}, w, b),
               make({-0.9557545932, 0.8729012871,  -0.5481440677, 1.28012462,     0.5749987582,
                     -0.9482654966, 1.242415655,   0.07691755004, -1.297727944,   1.130365671,
                     -0.1373513334, -1.846531409,  0.28115424,    -0.9412112203,  1.533786187,
                     0.2372421772,  -1.474272527,  1.395219895,   -0.01259193996, -0.9081425972,
                     1.300731548,   -0.3433481114, -1.350166593,  1.000321147},
                    {2, 3, 4}),
               1e-8, 1e-8);
  Tensor y = F::layer_norm(x.to(kFloat32), {4});
  EXPECT_EQ(y.dtype(), kFloat32);
  expect_close(y.slice(0, 0, 1).slice(1, 0, 1),
               make({-1.316969032, 0.5153357081, -0.5153357081, 1.316969032}, {1, 1, 4}), 1e-5,
               1e-5);
}

TEST(NnNorm, LayerNormGradients) {
  Tensor x = grad_input({3, 2, 4}), w = grad_input({2, 4}), b = grad_input({2, 4});
  EXPECT_TRUE(check_grad(
      [](const TensorList &in) {
        return F::layer_norm(in[0], {2, 4}, in[1], in[2]);
      },
      {x, w, b}));
  EXPECT_TRUE(check_grad([](const TensorList &in) { return F::layer_norm(in[0], {4}); }, {x}));
  Tensor xt = grad_input({4, 3}).t();
  EXPECT_TRUE(check_grad([](const TensorList &in) { return F::layer_norm(in[0], {4}, in[1]); },
                         {xt, grad_input({4})}));
  EXPECT_TRUE(check_grad(
      [](const TensorList &in) {
        return F::layer_norm(in[0], {2, 4}, in[1], in[2]);
      },
      {x, w, b}, true));
  // The whole input normalized (no leading dims).
  EXPECT_TRUE(check_grad(
      [](const TensorList &in) {
        return F::layer_norm(in[0], {3, 2, 4});
      },
      {x}, true));
}

TEST(NnNorm, LayerNormErrors) {
  EXPECT_THROW_WITH(
      F::layer_norm(randn({2, 4}), {5}),
      "layer_norm: normalized_shape [5] does not match the last dims of input [2, 4]");
  EXPECT_THROW_WITH(F::layer_norm(randn({2, 4}), {4}, ones({3})),
                    "layer_norm: expected weight of shape [4], got [3]");
}

TEST(NnNorm, GroupNormMatchesTorch) {
  // torch 1.13: F.group_norm(x, 2, w, b) on [2, 4, 3].
  Tensor x = ramp({2, 4, 3});
  Tensor w = vec({1.0, 2.0, -1.0, 0.5}), b = vec({0.0, 0.1, 0.2, 0.3});
  expect_close(F::group_norm(x, 2, w, b),
               make({-1.416720693,     0.6756667921,  -0.5013011683, 3.282172634,    0.9282367129,
                     -1.425699208,     -1.148389594,  0.06516104057, 1.278711675,    0.8393558377,
                     0.2325805203,     -0.3741947972, 0.2515749341,  -1.10692971,    1.308189657,
                     -0.0006299736374, -2.717639262,  2.112599473,   -0.05157493409, 1.30692971,
                     -1.108189657,     0.2748425066,  -0.4044098155, 0.8031498682},
                    {2, 4, 3}),
               1e-8, 1e-8);
  EXPECT_TRUE(check_grad([](const TensorList &in) { return F::group_norm(in[0], 2, in[1], in[2]); },
                         {grad_input({2, 4, 3}), grad_input({4}), grad_input({4})}));
  EXPECT_THROW_WITH(F::group_norm(x, 3), "group_norm: expected the number of channels");
}

TEST(NnNorm, InstanceNormMatchesTorch) {
  // torch 1.13: F.instance_norm(x, rm, rv, w, b, True, 0.1) then
  // F.instance_norm(x, rm, rv, None, None, False) on [2, 4, 3].
  Tensor x = ramp({2, 4, 3});
  Tensor running_mean = zeros({4}, dtype(kFloat64)), running_var = ones({4}, dtype(kFloat64));
  Tensor y = F::instance_norm(x, running_mean, running_var, vec({1.0, 2.0, -1.0, 0.5}),
                              vec({0.0, 0.1, 0.2, 0.3}));
  expect_close(
      y,
      make({-1.170657898,  1.272454237,  -0.1017963389, 2.549470999,  0.1,           -2.349470999,
            -1.024735499,  0.2,          1.424735499,   0.9123677497, 0.3,           -0.3123677497,
            0.1017963389,  -1.272454237, 1.170657898,   0.3035926779, -2.444908473,  2.441315796,
            0.09820366106, 1.472454237,  -0.9706578978, 0.3508981695, -0.3362271183, 0.8853289489},
           {2, 4, 3}),
      1e-8, 1e-8);
  expect_close(running_mean, vec({0.007, 0.03083333333, 0.008833333333, -0.01316666667}), 1e-8,
               1e-10);
  expect_close(running_var, vec({0.9778433333, 0.9879266667, 0.9879266667, 0.9879266667}), 1e-8,
               1e-10);
  Tensor eval = F::instance_norm(x, running_mean, running_var, {}, {}, false);
  expect_close(eval.slice(2, 0, 1).flatten(),
               vec({-1.271154729, 1.256770085, 1.0575649, 0.8583597152, 0.6199028232, 0.3714137076,
                    0.1722085227, -0.02699666227}),
               1e-8, 1e-8);
  EXPECT_TRUE(
      check_grad([](const TensorList &in) { return F::instance_norm(in[0], {}, {}, in[1], in[2]); },
                 {grad_input({2, 3, 4}), grad_input({3}), grad_input({3})}));
}

TEST(NnNorm, RmsNorm) {
  // x * rsqrt(mean(x^2, -1) + 1e-6) * w computed with torch 1.13 (which has no F.rms_norm).
  Tensor x = ramp({2, 3});
  expect_close(
      F::rms_norm(x, {3}, vec({1.0, 0.5, 2.0}), 1e-6),
      make({-1.511039608, 0.30825208, -1.160478419, 1.490488614, 0.1688444134, -1.630221922},
           {2, 3}),
      1e-8, 1e-8);
  // The default eps is the dtype's machine epsilon: tiny inputs still normalize to about 1.
  expect_close(F::rms_norm(make({1e-4}, {1}), {1}), make({1.0}, {1}), 1e-6);
  EXPECT_TRUE(check_grad(
      [](const TensorList &in) {
        return F::rms_norm(in[0], {2, 3}, in[1]);
      },
      {grad_input({2, 2, 3}), grad_input({2, 3})}));
  EXPECT_THROW_WITH(F::rms_norm(x, {2}), "rms_norm: normalized_shape [2] does not match");
}
