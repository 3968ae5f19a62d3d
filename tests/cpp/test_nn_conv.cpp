// Tests of convolution, unfold/fold, pooling, interpolate and pixel_shuffle
// (ember::nn::functional): values against PyTorch 1.13 and against naive reference loops,
// float64 gradcheck for every op and option, gradgradcheck for the conv and pooling families,
// and the error messages.
#include <vector>

#include "ember/nn/functional.h"
#include "test_util.h"

namespace {

using namespace ember;
using ember::testing::expect_close;
using ember::testing::grad_input;
using ember::testing::make;

// The inputs the PyTorch reference values were computed from: element i (row-major) is
// ((i * mult) % mod - mod / 2) / 8, in Python:
//   ((torch.arange(n, dtype=torch.float64) * mult) % mod - mod // 2) / 8
Tensor pattern(Shape sizes, int64_t mult = 37, int64_t mod = 23) {
  Tensor t = empty(sizes, dtype(kFloat64));
  double *p = t.data_ptr<double>();
  for (int64_t i = 0; i < t.numel(); ++i)
    p[i] = static_cast<double>((i * mult) % mod - mod / 2) / 8.0;
  return t;
}

Tensor ints(std::vector<double> values, Shape sizes) { return make(values, sizes, kInt64); }

bool check_grad(const std::function<TensorList(const TensorList &)> &fn, const TensorList &inputs) {
  return autograd::gradcheck(fn, inputs);
}

// ---- naive references: direct loops over (N, C, D, H, W) float64 tensors -------------------

struct Params3 {
  Shape stride{1, 1, 1}, padding{0, 0, 0}, dilation{1, 1, 1};
  int64_t groups = 1;
};

double at(const Tensor &t, int64_t a, int64_t b, int64_t c, int64_t d, int64_t e) {
  return t
      .data_ptr<double>()[(((a * t.size(1) + b) * t.size(2) + c) * t.size(3) + d) * t.size(4) + e];
}

Tensor reference_conv(const Tensor &xin, const Tensor &win, const Tensor &bias, const Params3 &p) {
  const Tensor x = xin.contiguous(), w = win.contiguous();
  const int64_t N = x.size(0), Cout = w.size(0), Cg = w.size(1), Mg = Cout / p.groups;
  Shape out{N, Cout, 0, 0, 0};
  for (int d = 0; d < 3; ++d)
    out[2 + d] =
        (x.size(2 + d) + 2 * p.padding[d] - p.dilation[d] * (w.size(2 + d) - 1) - 1) / p.stride[d] +
        1;
  Tensor y = zeros(out, dtype(kFloat64));
  double *py = y.data_ptr<double>();
  int64_t o = 0;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t co = 0; co < Cout; ++co)
      for (int64_t i0 = 0; i0 < out[2]; ++i0)
        for (int64_t i1 = 0; i1 < out[3]; ++i1)
          for (int64_t i2 = 0; i2 < out[4]; ++i2, ++o) {
            double sum = bias.defined() ? bias.data_ptr<double>()[co] : 0.0;
            for (int64_t ci = 0; ci < Cg; ++ci)
              for (int64_t k0 = 0; k0 < w.size(2); ++k0)
                for (int64_t k1 = 0; k1 < w.size(3); ++k1)
                  for (int64_t k2 = 0; k2 < w.size(4); ++k2) {
                    const int64_t j0 = i0 * p.stride[0] - p.padding[0] + k0 * p.dilation[0];
                    const int64_t j1 = i1 * p.stride[1] - p.padding[1] + k1 * p.dilation[1];
                    const int64_t j2 = i2 * p.stride[2] - p.padding[2] + k2 * p.dilation[2];
                    if (j0 < 0 || j0 >= x.size(2) || j1 < 0 || j1 >= x.size(3) || j2 < 0 ||
                        j2 >= x.size(4))
                      continue;
                    sum += at(x, n, co / Mg * Cg + ci, j0, j1, j2) * at(w, co, ci, k0, k1, k2);
                  }
            py[o] = sum;
          }
  return y;
}

Tensor reference_conv_transpose(const Tensor &xin, const Tensor &win, const Tensor &bias,
                                const Params3 &p, const Shape &output_padding) {
  const Tensor x = xin.contiguous(), w = win.contiguous();
  const int64_t N = x.size(0), Cin = x.size(1), Cg_out = w.size(1), Mg = Cin / p.groups;
  Shape out{N, Cg_out * p.groups, 0, 0, 0};
  for (int d = 0; d < 3; ++d)
    out[2 + d] = (x.size(2 + d) - 1) * p.stride[d] - 2 * p.padding[d] +
                 p.dilation[d] * (w.size(2 + d) - 1) + output_padding[d] + 1;
  Tensor y = zeros(out, dtype(kFloat64));
  double *py = y.data_ptr<double>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t ci = 0; ci < Cin; ++ci)
      for (int64_t i0 = 0; i0 < x.size(2); ++i0)
        for (int64_t i1 = 0; i1 < x.size(3); ++i1)
          for (int64_t i2 = 0; i2 < x.size(4); ++i2)
            for (int64_t co = 0; co < Cg_out; ++co)
              for (int64_t k0 = 0; k0 < w.size(2); ++k0)
                for (int64_t k1 = 0; k1 < w.size(3); ++k1)
                  for (int64_t k2 = 0; k2 < w.size(4); ++k2) {
                    const int64_t j0 = i0 * p.stride[0] - p.padding[0] + k0 * p.dilation[0];
                    const int64_t j1 = i1 * p.stride[1] - p.padding[1] + k1 * p.dilation[1];
                    const int64_t j2 = i2 * p.stride[2] - p.padding[2] + k2 * p.dilation[2];
                    if (j0 < 0 || j0 >= out[2] || j1 < 0 || j1 >= out[3] || j2 < 0 || j2 >= out[4])
                      continue;
                    const int64_t c = ci / Mg * Cg_out + co;
                    py[(((n * out[1] + c) * out[2] + j0) * out[3] + j1) * out[4] + j2] +=
                        at(x, n, ci, i0, i1, i2) * at(w, ci, co, k0, k1, k2);
                  }
  if (bias.defined())
    y = y + bias.view({1, -1, 1, 1, 1});
  return y;
}

// ---- convolution values ---------------------------------------------------------------------

TEST(NnConv, Conv3dMatchesReference) {
  const Tensor x = pattern({2, 4, 4, 5, 6}), w = pattern({6, 2, 2, 3, 2}, 5, 7);
  const Tensor b = pattern({6}, 3, 5);
  const Params3 p{{2, 1, 2}, {1, 0, 2}, {1, 2, 1}, 2};
  expect_close(F::conv3d(x, w, b, p.stride, p.padding, p.dilation, p.groups),
               reference_conv(x, w, b, p), 1e-12, 1e-12);
}

TEST(NnConv, Conv2dMatchesReferenceWithStridePaddingDilationGroups) {
  const Tensor x = pattern({3, 6, 7, 8}), w = pattern({9, 2, 3, 2}, 5, 7), b = pattern({9}, 3, 5);
  const Params3 p{{1, 2, 1}, {0, 2, 1}, {1, 1, 3}, 3};
  const Tensor expected = reference_conv(x.unsqueeze(2), w.unsqueeze(2), b, p).squeeze(2);
  expect_close(F::conv2d(x, w, b, {2, 1}, {2, 1}, {1, 3}, 3), expected, 1e-12, 1e-12);
  // float32 takes the same path through sgemm.
  expect_close(F::conv2d(x.to(kFloat32), w.to(kFloat32), b.to(kFloat32), {2, 1}, {2, 1}, {1, 3}, 3),
               expected, 1e-5, 1e-5);
}

TEST(NnConv, Conv2dPointwiseUnbatchedAndNonContiguous) {
  const Tensor x = pattern({4, 5, 3}), w = pattern({2, 4, 1, 1}, 5, 7);
  const Tensor expected =
      reference_conv(x.unsqueeze(0).unsqueeze(2), w.unsqueeze(2), {}, {}).squeeze(2).squeeze(0);
  expect_close(F::conv2d(x, w), expected, 1e-12, 1e-12);
  const Tensor transposed = pattern({4, 3, 5}).transpose(1, 2);
  const Tensor expected_t =
      reference_conv(transposed.contiguous().unsqueeze(0).unsqueeze(2), w.unsqueeze(2), {}, {})
          .squeeze(2)
          .squeeze(0);
  expect_close(F::conv2d(transposed, w), expected_t, 1e-12, 1e-12);
}

TEST(NnConv, Conv1dMatchesReference) {
  const Tensor x = pattern({2, 3, 11}), w = pattern({4, 3, 3}, 5, 7), b = pattern({4}, 3, 5);
  const Params3 p{{1, 1, 3}, {0, 0, 2}, {1, 1, 2}, 1};
  const Tensor expected =
      reference_conv(x.view({2, 3, 1, 1, 11}), w.view({4, 3, 1, 1, 3}), b, p).view({2, 4, -1});
  expect_close(F::conv1d(x, w, b, 3, 2, 2), expected, 1e-12, 1e-12);
}

TEST(NnConv, SamePaddingMatchesTorch) {
  // torch: F.conv1d(x, w, padding='same'), x = pattern (1, 1, 6), w = pattern (1, 1, 4), 5, 7.
  expect_close(F::conv1d(pattern({1, 1, 6}), pattern({1, 1, 4}, 5, 7), {}, 1, "same"),
               make({-0.15625, 0.359375, -0.296875, 0.84375, -0.40625, -0.265625}, {1, 1, 6}));
  // torch: F.conv2d(x, w, padding='same', dilation=(1, 2)), x (1, 1, 4, 5), w (1, 1, 2, 3).
  expect_close(F::conv2d(pattern({1, 1, 4, 5}), pattern({1, 1, 2, 3}, 5, 7), {}, 1, "same", {1, 2}),
               make({-0.890625, 0.421875, 0.40625, 0.40625,   0.40625,  -0.796875, 0.515625,
                     0.421875,  0.40625,  0.40625, -0.703125, 0.609375, 0.4375,    0.40625,
                     0.40625,   -0.25,    0.1875,  0.28125,   0.0625,   0.203125},
                    {1, 1, 4, 5}));
  const Tensor x = pattern({1, 2, 5}), w = pattern({3, 2, 3}, 5, 7);
  expect_close(F::conv1d(x, w, {}, 1, "valid"), F::conv1d(x, w), 0, 0);
}

TEST(NnConv, ConvTransposeMatchesTorchAndReference) {
  // torch: F.conv_transpose1d(x, w, [0.5, -1.0], stride=2, padding=1, output_padding=1,
  // groups=2), x = pattern (1, 2, 3), w = pattern (2, 1, 3), 5, 7.
  expect_close(F::conv_transpose1d(pattern({1, 2, 3}), pattern({2, 1, 3}, 5, 7),
                                   make({0.5, -1.0}, {2}), 2, 1, 1, 2),
               make({0.15625, 0.359375, 0.59375, 0.78125, 0.3125, 0.5, -0.625, -0.84375, -1.046875,
                     -0.703125, -1.46875, -1.15625},
                    {1, 2, 6}));
  const Tensor x = pattern({2, 4, 3, 4}), w = pattern({4, 3, 3, 2}, 5, 7), b = pattern({6}, 3, 5);
  const Params3 p{{1, 2, 3}, {0, 1, 0}, {1, 1, 2}, 2};
  const Tensor expected =
      reference_conv_transpose(x.unsqueeze(2), w.unsqueeze(2), b, p, {0, 1, 2}).squeeze(2);
  expect_close(F::conv_transpose2d(x, w, b, {2, 3}, {1, 0}, {1, 2}, 2, {1, 2}), expected, 1e-12,
               1e-12);
  const Tensor x3 = pattern({1, 2, 2, 3, 2}), w3 = pattern({2, 2, 2, 2, 3}, 5, 7);
  const Params3 p3{{2, 1, 2}, {1, 0, 1}, {1, 2, 1}, 1};
  expect_close(F::conv_transpose3d(x3, w3, {}, p3.stride, p3.padding, {1, 0, 0}, 1, p3.dilation),
               reference_conv_transpose(x3, w3, {}, p3, {1, 0, 0}), 1e-12, 1e-12);
}

TEST(NnConv, LargeBatchUsesEverySlotConsistently) {
  // Big enough to split the batch over threads; each sample must equal its own conv.
  const Tensor x = pattern({8, 3, 20, 20}), w = pattern({16, 3, 3, 3}, 5, 7);
  const Tensor y = F::conv2d(x, w, {}, 1, 1);
  for (int64_t n : {0, 5, 7})
    expect_close(y[n], F::conv2d(x[n], w, {}, 1, 1), 1e-12, 1e-12);
}

// ---- convolution gradients ------------------------------------------------------------------

TEST(NnConv, Conv2dGradcheck) {
  const Tensor x = grad_input({2, 4, 5, 4}), w = grad_input({6, 2, 3, 2}), b = grad_input({6});
  EXPECT_TRUE(check_grad(
      [](const TensorList &t) {
        return TensorList{F::conv2d(t[0], t[1], t[2], {2, 1}, {1, 0}, {1, 2}, 2)};
      },
      {x, w, b}));
  // A transposed (non-contiguous) input, a pointwise kernel and no bias.
  const Tensor xt = grad_input({1, 3, 4, 3}), w1 = grad_input({2, 3, 1, 1});
  EXPECT_TRUE(check_grad(
      [](const TensorList &t) { return TensorList{F::conv2d(t[0].transpose(2, 3), t[1])}; },
      {xt, w1}));
}

TEST(NnConv, Conv1dAnd3dGradcheck) {
  const Tensor x = grad_input({2, 2, 7}), w = grad_input({4, 1, 3}), b = grad_input({4});
  EXPECT_TRUE(check_grad(
      [](const TensorList &t) { return TensorList{F::conv1d(t[0], t[1], t[2], 2, 1, 2, 2)}; },
      {x, w, b}));
  const Tensor x3 = grad_input({1, 2, 3, 3, 4}), w3 = grad_input({2, 2, 2, 1, 2});
  EXPECT_TRUE(check_grad(
      [](const TensorList &t) {
        return TensorList{F::conv3d(t[0], t[1], {}, {1, 2, 1}, {1, 0, 1}, {2, 1, 1})};
      },
      {x3, w3}));
}

TEST(NnConv, SamePaddingGradcheck) {
  const Tensor x = grad_input({1, 2, 4, 5}), w = grad_input({2, 2, 2, 3}), b = grad_input({2});
  EXPECT_TRUE(check_grad(
      [](const TensorList &t) { return TensorList{F::conv2d(t[0], t[1], t[2], 1, "same")}; },
      {x, w, b}));
}

TEST(NnConv, ConvTransposeGradcheck) {
  const Tensor x = grad_input({2, 4, 3, 2}), w = grad_input({4, 1, 2, 3}), b = grad_input({2});
  EXPECT_TRUE(check_grad(
      [](const TensorList &t) {
        return TensorList{F::conv_transpose2d(t[0], t[1], t[2], {2, 1}, {1, 0}, {1, 0}, 2, {1, 2})};
      },
      {x, w, b}));
  const Tensor x1 = grad_input({1, 2, 4}), w1 = grad_input({2, 3, 3});
  EXPECT_TRUE(check_grad(
      [](const TensorList &t) {
        return TensorList{F::conv_transpose1d(t[0].flip({2}), t[1], {}, 3, 1, 2)};
      },
      {x1, w1}));
}

TEST(NnConv, Conv2dGradgradcheck) {
  const Tensor x = grad_input({2, 2, 4, 3}), w = grad_input({4, 1, 2, 2}), b = grad_input({4});
  EXPECT_TRUE(autograd::gradgradcheck(
      [](const TensorList &t) {
        return TensorList{F::conv2d(t[0], t[1], t[2], {1, 2}, 1, {2, 1}, 2)};
      },
      {x, w, b}));
  const Tensor xt = grad_input({1, 2, 2, 3}), wt = grad_input({2, 2, 2, 2});
  EXPECT_TRUE(autograd::gradgradcheck(
      [](const TensorList &t) { return TensorList{F::conv_transpose2d(t[0], t[1], {}, 2, 1, 1)}; },
      {xt, wt}));
}

// ---- float32 kernels (oneDNN when built with it) -------------------------------------------

// Runs fn in float32 and in float64 (im2col kernels, checked above against the references and
// gradcheck) on the same values and compares the outputs and every input's gradient.
void expect_float32_matches_float64(const std::function<Tensor(const TensorList &)> &fn,
                                    const TensorList &values) {
  TensorList single, twice;
  for (const Tensor &v : values) {
    single.push_back(v.to(kFloat32).detach().requires_grad_());
    twice.push_back(v.detach().requires_grad_());
  }
  const Tensor y32 = fn(single), y64 = fn(twice);
  expect_close(y32, y64, 1e-5, 1e-4);
  const Tensor grad = pattern(y64.sizes(), 11, 13);
  y32.backward(grad.to(kFloat32));
  y64.backward(grad);
  for (size_t i = 0; i < values.size(); ++i)
    expect_close(single[i].grad(), twice[i].grad(), 1e-5, 1e-4);
}

TEST(NnConv, Float32WideConvMatchesFloat64) {
  // 16+ channels per group: the sizes oneDNN takes, with every option, floor-division output
  // sizes (stride 2 on an even size) and the CNN's 3x3 padding-1 layer.
  expect_float32_matches_float64(
      [](const TensorList &t) {
        return F::conv2d(t[0], t[1], t[2], {2, 1}, {1, 2}, {1, 2}, 2);
      },
      {pattern({2, 32, 10, 9}), pattern({32, 16, 3, 3}, 5, 7), pattern({32}, 3, 5)});
  expect_float32_matches_float64(
      [](const TensorList &t) { return F::conv2d(t[0], t[1], t[2], 1, 1); },
      {pattern({3, 16, 7, 7}), pattern({16, 16, 3, 3}, 5, 7), pattern({16}, 3, 5)});
  expect_float32_matches_float64(
      [](const TensorList &t) {
        return F::conv3d(t[0], t[1], {}, {1, 2, 1}, {1, 0, 1});
      },
      {pattern({1, 16, 3, 4, 5}), pattern({16, 16, 2, 2, 3}, 5, 7)});
}

TEST(NnConv, Float32WideConvTransposeMatchesFloat64) {
  // output_padding makes the image side one larger than the conv from it would give.
  expect_float32_matches_float64(
      [](const TensorList &t) {
        return F::conv_transpose2d(t[0], t[1], t[2], 2, 1, {1, 0}, 1, 1);
      },
      {pattern({2, 16, 4, 5}), pattern({16, 16, 3, 3}, 5, 7), pattern({16}, 3, 5)});
}

TEST(NnConv, Float32WideConvIsDeterministic) {
  // Same inputs, same thread count: bitwise the same output and gradients, run after run.
  const auto run = [] {
    const Tensor x = pattern({4, 16, 12, 12}).to(kFloat32).requires_grad_();
    const Tensor w = pattern({32, 16, 3, 3}, 5, 7).to(kFloat32).requires_grad_();
    const Tensor y = F::conv2d(x, w, {}, 1, 1);
    y.backward(pattern(y.sizes(), 11, 13).to(kFloat32));
    return TensorList{y, x.grad(), w.grad()};
  };
  const TensorList first = run(), second = run();
  for (size_t i = 0; i < first.size(); ++i)
    EXPECT_TRUE(equal(first[i], second[i])) << "result " << i;
}

// ---- unfold / fold --------------------------------------------------------------------------

TEST(NnConv, UnfoldMatchesTorchAndFoldIsItsAdjoint) {
  // torch: F.unfold(pattern (1, 1, 3, 3), 2, padding=1, stride=2)
  expect_close(F::unfold(pattern({1, 1, 3, 3}), 2, 1, 1, 2),
               make({0.0, 0.0, 0.0, -0.125, 0.0, 0.0, 1.0, -1.25, 0.0, 0.375, 0.0, -0.625, -1.375,
                     -0.75, 0.5, 1.125},
                    {1, 4, 4}));
  // <unfold(x), y> == <x, fold(y)>
  const Tensor x = pattern({2, 3, 5, 6}), y = pattern({2, 3 * 2 * 3, 5 * 2}, 5, 7);
  const Tensor columns = F::unfold(x, {2, 3}, {2, 1}, {1, 0}, {1, 2});
  ASSERT_EQ(columns.sizes(), y.sizes());
  const Tensor image = F::fold(y, {5, 6}, {2, 3}, {2, 1}, {1, 0}, {1, 2});
  EXPECT_NEAR((columns * y).sum().item<double>(), (x * image).sum().item<double>(), 1e-10);
}

TEST(NnConv, UnfoldFoldGradcheck) {
  const Tensor x = grad_input({1, 2, 4, 3});
  EXPECT_TRUE(check_grad(
      [](const TensorList &t) {
        return TensorList{F::unfold(t[0], {2, 2}, 1, {1, 0}, {2, 1})};
      },
      {x}));
  const Tensor c = grad_input({2 * 4, 6});
  EXPECT_TRUE(autograd::gradgradcheck(
      [](const TensorList &t) {
        return TensorList{F::fold(t[0], {3, 4}, 2, 1, 0, {1, 1}) * t[0].sum()};
      },
      {c}));
}

// ---- errors ---------------------------------------------------------------------------------

TEST(NnConv, Errors) {
  const Tensor x = zeros({2, 4, 5, 5}), w = zeros({8, 3, 3, 3});
  EXPECT_THROW_WITH(F::conv2d(x, w), "conv2d: expected input with 3 channels (weight of shape "
                                     "[8, 3, 3, 3], groups 1), got input of shape [2, 4, 5, 5]");
  EXPECT_THROW_WITH(F::conv2d(zeros({4, 5}), w), "conv2d: expected 3-D (unbatched) or 4-D");
  EXPECT_THROW_WITH(F::conv2d(x, zeros({8, 4, 3})), "conv2d: expected 4-D weight");
  EXPECT_THROW_WITH(F::conv2d(x, zeros({6, 2, 3, 3}), {}, 1, 0, 1, 4),
                    "to have a multiple of groups (4) output channels");
  EXPECT_THROW_WITH(F::conv2d(x, zeros({8, 4, 3, 3}), zeros({4})),
                    "conv2d: expected bias of shape [8], got bias of shape [4]");
  EXPECT_THROW_WITH(F::conv2d(x, zeros({8, 4, 7, 3})), "is larger than the padded input");
  EXPECT_THROW_WITH(F::conv2d(x, zeros({8, 4, 3, 3}), {}, 0),
                    "conv2d: expected stride to be positive");
  EXPECT_THROW_WITH(F::conv2d(x, zeros({8, 4, 3, 3}), {}, 1, -1),
                    "conv2d: expected padding to be non-negative");
  EXPECT_THROW_WITH(F::conv2d(x, zeros({8, 4, 3, 3}), {}, {1, 1, 1}),
                    "conv2d: expected stride to have 1 or 2 values, got [1, 1, 1]");
  EXPECT_THROW_WITH(F::conv2d(x, zeros({8, 4, 3, 3}), {}, 2, "same"),
                    "padding='same' is not supported for strided convolutions");
  EXPECT_THROW_WITH(F::conv2d(x, zeros({8, 4, 3, 3}), {}, 1, "full"),
                    "conv2d: invalid padding string 'full'");
  EXPECT_THROW_WITH(F::conv2d(x, zeros({8, 4, 3, 3}, dtype(kFloat64))),
                    "conv2d: expected input, weight and bias of the same dtype");
  EXPECT_THROW_WITH(F::conv2d(x.to(kInt64), zeros({8, 4, 3, 3}, dtype(kInt64))),
                    "conv2d: expected a float32 or float64 input, got int64");
  EXPECT_THROW_WITH(F::conv_transpose2d(x, zeros({4, 2, 3, 3}), {}, 1, 0, 1),
                    "conv_transpose2d: expected output_padding smaller than either stride or "
                    "dilation");
  EXPECT_THROW_WITH(F::conv_transpose2d(x, zeros({3, 2, 3, 3})),
                    "conv_transpose2d: expected input with 3 channels");
  EXPECT_THROW_WITH(F::conv_transpose1d(zeros({1, 1, 1}), zeros({1, 1, 1}), {}, 1, 1),
                    "conv_transpose1d: output size would be empty");
  EXPECT_THROW_WITH(F::unfold(zeros({2, 5}), 2), "unfold: expected 3-D (unbatched) or 4-D");
  EXPECT_THROW_WITH(F::unfold(zeros({1, 1, 2, 2}), 3), "unfold: no sliding block fits");
  EXPECT_THROW_WITH(F::fold(zeros({1, 4, 5}), {3, 3}, 2),
                    "fold: expected input's last dim to match the 2 * 2 = 4 sliding blocks");
  EXPECT_THROW_WITH(F::fold(zeros({1, 5, 4}), {3, 3}, 2),
                    "fold: expected input's dim 1 to be divisible by the kernel's 4 elements");
}

// ---- pooling --------------------------------------------------------------------------------

TEST(NnPool, MaxPoolMatchesTorch) {
  // torch: F.max_pool2d(pattern (1, 1, 5, 5), 2, 2, ceil_mode=True, return_indices=True)
  auto [values, indices] = F::max_pool2d_with_indices(pattern({1, 1, 5, 5}), 2, {}, 0, 1, true);
  expect_close(values,
               make({0.5, 1.125, 0.0, 0.75, 1.375, 0.25, 0.875, -0.25, 0.375}, {1, 1, 3, 3}));
  EXPECT_TRUE(equal(indices, ints({6, 8, 9, 16, 18, 19, 21, 22, 24}, {1, 1, 3, 3})));
  // torch: F.max_pool1d(pattern (1, 1, 8), 5, 13), 3, 2, 1, 2, return_indices=True)
  auto [values1, indices1] = F::max_pool1d_with_indices(pattern({1, 1, 8}, 5, 13), 3, 2, 1, 2);
  expect_close(values1, make({-0.125, 0.75, 0.75}, {1, 1, 3}));
  EXPECT_TRUE(equal(indices1, ints({1, 5, 5}, {1, 1, 3})));
  // Unbatched input, float32, and the values-only form.
  expect_close(F::max_pool2d(pattern({1, 5, 5}).to(kFloat32), 2, 2, 0, 1, true), values[0]);
}

TEST(NnPool, MaxPoolPropagatesNaN) {
  Tensor x = make({1.0, NAN, 3.0, 2.0}, {1, 1, 4});
  auto [values, indices] = F::max_pool1d_with_indices(x, 2);
  EXPECT_TRUE(std::isnan(values.data_ptr<double>()[0]));
  EXPECT_EQ(indices.data_ptr<int64_t>()[0], 1);
  EXPECT_EQ(values.data_ptr<double>()[1], 3.0);
}

TEST(NnPool, MaxPoolUniformWindowsBreakTiesAsTorch) {
  // Overlapping windows without padding (the branch-free kernel) over many ties and a NaN.
  // torch: x = pattern (1, 2, 7, 6), 3, 5; x.view(-1)[9] = nan;
  // F.max_pool2d(x, (3, 2), (2, 2), return_indices=True)
  Tensor x = pattern({1, 2, 7, 6}, 3, 5);
  x.data_ptr<double>()[9] = NAN;
  for (const DType type : {kFloat64, kFloat32}) {
    auto [values, indices] = F::max_pool2d_with_indices(x.to(type), {3, 2}, 2);
    expect_close(values, make({0.25, NAN, 0.125, 0.25, 0.125, 0.25, 0.125, 0.25, 0.25, 0.25, 0.125,
                               0.25, 0.125, 0.25, 0.25, 0.25, 0.25, 0.25},
                              {1, 2, 3, 3}));
    EXPECT_TRUE(
        equal(indices, ints({13, 9, 11, 13, 21, 23, 31, 33, 28, 1, 9, 11, 19, 21, 16, 31, 26, 41},
                            {1, 2, 3, 3})));
  }
}

TEST(NnPool, AvgPoolMatchesTorch) {
  const Tensor x = pattern({1, 1, 5, 5});
  // torch: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)
  expect_close(F::avg_pool2d(x, 3, 2, 1, true, false),
               make({-0.4375, 0.2708333333, 0.5, -0.25, 0.4583333333, 0.6875, -0.0625, 0.1666666667,
                     0.15625},
                    {1, 1, 3, 3}),
               1e-9, 1e-9);
  // torch: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, divisor_override=2)
  expect_close(
      F::avg_pool2d(x, 3, 2, 1, true, true, 2),
      make({-0.875, 0.8125, 1.0, -0.75, 2.0625, 2.0625, -0.125, 0.5, 0.3125}, {1, 1, 3, 3}));
  // torch: F.avg_pool1d(pattern (1, 1, 4), 2, 2, 1, ceil_mode=True): the last window is half
  // padding and counts it.
  expect_close(F::avg_pool1d(pattern({1, 1, 4}), 2, 2, 1, true),
               make({-0.6875, -0.1875, 0.5}, {1, 1, 3}));
}

TEST(NnPool, AdaptivePoolMatchesTorch) {
  const Tensor x = pattern({1, 1, 5, 7});
  // torch: F.adaptive_avg_pool2d(x, (3, 4)) and F.adaptive_max_pool2d(x, (3, 4), True)
  expect_close(F::adaptive_avg_pool2d(x, {3, 4}),
               make({-0.125, 0.1041666667, -0.2291666667, 0.0, 0.0416666667, -0.2083333333,
                     0.0972222222, 0.1666666667, -0.03125, -0.0416666667, 0.1041666667, 0.09375},
                    {1, 1, 3, 4}),
               1e-9, 1e-9);
  auto [values, indices] = F::adaptive_max_pool2d_with_indices(x, {3, 4});
  expect_close(values,
               make({1.125, 1.125, 1.0, 1.25, 1.125, 1.125, 1.375, 1.25, 0.875, 1.125, 1.125, 1.0},
                    {1, 1, 3, 4}));
  EXPECT_TRUE(equal(indices, ints({8, 8, 3, 13, 8, 8, 18, 13, 21, 31, 31, 26}, {1, 1, 3, 4})));
  // torch: F.adaptive_avg_pool1d(pattern (1, 2, 7), 3)
  expect_close(
      F::adaptive_avg_pool1d(pattern({1, 2, 7}), 3),
      make({-0.5833333333, 0.0416666667, -0.2916666667, 0.1666666667, -0.1666666667, 0.4583333333},
           {1, 2, 3}),
      1e-9, 1e-9);
  EXPECT_TRUE(equal(F::adaptive_max_pool1d(pattern({2, 6}), 6), pattern({2, 6})));
}

TEST(NnPool, Gradcheck) {
  const Tensor x = grad_input({2, 2, 5, 5});
  EXPECT_TRUE(check_grad(
      [](const TensorList &t) {
        return TensorList{F::max_pool2d(t[0], {3, 2}, {2, 2}, {1, 0}, {1, 2}, true)};
      },
      {x}));
  EXPECT_TRUE(check_grad(
      [](const TensorList &t) {
        return TensorList{F::avg_pool2d(t[0].transpose(2, 3), 3, 2, 1, true, false)};
      },
      {x}));
  EXPECT_TRUE(check_grad(
      [](const TensorList &t) { return TensorList{F::avg_pool2d(t[0], 2, 3, 1, true, true, 3)}; },
      {x}));
  EXPECT_TRUE(check_grad(
      [](const TensorList &t) {
        return TensorList{F::adaptive_avg_pool2d(t[0], {3, 2}),
                          F::adaptive_max_pool2d(t[0], {2, 3})};
      },
      {x}));
  const Tensor x1 = grad_input({2, 7});
  EXPECT_TRUE(check_grad(
      [](const TensorList &t) {
        return TensorList{F::max_pool1d(t[0], 3, 2, 1, 2), F::avg_pool1d(t[0], 3, 2, 1, true),
                          F::adaptive_avg_pool1d(t[0], 3), F::adaptive_max_pool1d(t[0], 4)};
      },
      {x1}));
}

TEST(NnPool, Gradgradcheck) {
  const Tensor x = grad_input({1, 2, 4, 4});
  EXPECT_TRUE(autograd::gradgradcheck(
      [](const TensorList &t) {
        return TensorList{
            F::max_pool2d(t[0], 2) *
            F::avg_pool2d(t[0], 2, 1, 0, false, true).narrow(2, 0, 2).narrow(3, 0, 2)};
      },
      {x}));
}

TEST(NnPool, Errors) {
  const Tensor x = zeros({1, 2, 4, 4});
  EXPECT_THROW_WITH(F::max_pool2d(zeros({4, 4}), 2), "max_pool2d: expected 3-D (unbatched) or 4-D");
  EXPECT_THROW_WITH(F::max_pool2d(x, 3, 1, 2),
                    "max_pool2d: expected padding to be at most half of the effective kernel size");
  EXPECT_THROW_WITH(F::max_pool2d(x, 0), "max_pool2d: expected kernel_size to be positive");
  EXPECT_THROW_WITH(F::max_pool2d(x, 5), "max_pool2d: output size would be empty");
  EXPECT_THROW_WITH(F::max_pool2d(zeros({1, 0, 4, 4}), 2),
                    "expected input with non-zero sizes except for the batch dim");
  EXPECT_THROW_WITH(F::avg_pool2d(x, 2, 2, 0, false, true, 0),
                    "avg_pool2d: expected divisor_override to be non-zero");
  EXPECT_THROW_WITH(F::avg_pool1d(zeros({1, 2, 4}), 2, 2, 2),
                    "avg_pool1d: expected padding to be at most half");
  EXPECT_THROW_WITH(F::adaptive_avg_pool2d(x, {2, 2, 2}),
                    "adaptive_avg_pool2d: expected output_size to have 1 or 2 values");
}

// ---- interpolate and pixel shuffle ----------------------------------------------------------

TEST(NnPool, InterpolateMatchesTorch) {
  const Tensor x = pattern({1, 1, 2, 3});
  // torch: F.interpolate(x, size=(3, 5), mode='nearest')
  expect_close(F::interpolate(x, Shape{3, 5}),
               make({-1.375, -1.375, 0.375, 0.375, -0.75, -1.375, -1.375, 0.375, 0.375, -0.75, 1.0,
                     1.0, -0.125, -0.125, -1.25},
                    {1, 1, 3, 5}));
  // torch: F.interpolate(x, scale_factor=1.5, mode='bilinear', align_corners=False)
  expect_close(F::interpolate(x, std::nullopt, std::vector<double>{1.5}, "bilinear", false),
               make({-1.375, -0.5, 0.1875, -0.5625, -0.1875, -0.03125, -0.0625, -0.8125, 1.0,
                     0.4375, -0.3125, -1.0625},
                    {1, 1, 3, 4}));
  // torch: F.interpolate(x, size=(3, 5), mode='bilinear', align_corners=True)
  expect_close(F::interpolate(x, Shape{3, 5}, std::nullopt, "bilinear", true),
               make({-1.375, -0.5, 0.375, -0.1875, -0.75, -0.1875, -0.03125, 0.125, -0.4375, -1.0,
                     1.0, 0.4375, -0.125, -0.6875, -1.25},
                    {1, 1, 3, 5}));
  const Tensor x1 = pattern({1, 1, 4});
  // torch: F.interpolate(x1, size=7, mode='linear')
  expect_close(F::interpolate(x1, Shape{7}, std::nullopt, "linear"),
               make({-1.375, -0.75, 0.25, -0.1875, -0.625, 0.375, 1.0}, {1, 1, 7}));
  // torch: F.interpolate(x1, scale_factor=2.1): 1-D nearest follows the scale...
  expect_close(F::interpolate(x1, std::nullopt, std::vector<double>{2.1}),
               make({-1.375, -1.375, -1.375, 0.375, 0.375, -0.75, -0.75, 1.0}, {1, 1, 8}));
  // ...while 2-D nearest halves indices when the size doubles.
  expect_close(F::interpolate(pattern({1, 1, 2, 2}), std::nullopt, std::vector<double>{2.1}),
               make({-1.375, -1.375, 0.375, 0.375, -1.375, -1.375, 0.375, 0.375, -0.75, -0.75, 1.0,
                     1.0, -0.75, -0.75, 1.0, 1.0},
                    {1, 1, 4, 4}));
}

TEST(NnPool, InterpolateGradcheck) {
  const Tensor x = grad_input({1, 2, 3, 2});
  EXPECT_TRUE(check_grad(
      [](const TensorList &t) {
        return TensorList{F::interpolate(t[0], Shape{4, 3}, std::nullopt, "bilinear", true),
                          F::interpolate(t[0].transpose(2, 3), std::nullopt,
                                         std::vector<double>{1.7, 0.8}, "bilinear"),
                          F::interpolate(t[0], Shape{5, 3})};
      },
      {x}));
}

TEST(NnPool, PixelShuffle) {
  // torch: F.pixel_shuffle(pattern (1, 4, 1, 2), 2)
  const Tensor x = pattern({1, 4, 1, 2});
  expect_close(F::pixel_shuffle(x, 2),
               make({-1.375, -0.75, 0.375, 1.0, -0.125, 0.5, -1.25, -0.625}, {1, 1, 2, 4}));
  const Tensor y = pattern({2, 3, 8, 2, 3});
  EXPECT_TRUE(equal(F::pixel_unshuffle(F::pixel_shuffle(y, 2), 2), y));
  const Tensor g = grad_input({1, 8, 2, 1});
  EXPECT_TRUE(check_grad(
      [](const TensorList &t) {
        return TensorList{F::pixel_unshuffle(F::pixel_shuffle(t[0], 2) * t[0].sum(), 2)};
      },
      {g}));
  EXPECT_THROW_WITH(F::pixel_shuffle(zeros({1, 5, 2, 2}), 2),
                    "pixel_shuffle: expected input's channel dim (5) to be divisible by "
                    "upscale_factor squared (4)");
  EXPECT_THROW_WITH(F::pixel_unshuffle(zeros({1, 1, 3, 2}), 2),
                    "pixel_unshuffle: expected height and width (3, 2) divisible");
  EXPECT_THROW_WITH(F::interpolate(zeros({1, 1, 4}), Shape{2}, std::vector<double>{2.0}),
                    "only one of size or scale_factor");
  EXPECT_THROW_WITH(F::interpolate(zeros({1, 1, 4}), Shape{8}, std::nullopt, "bilinear"),
                    "interpolate: got 3-D input, but bilinear mode needs 4-D input");
  EXPECT_THROW_WITH(F::interpolate(zeros({1, 1, 4}), Shape{8}, std::nullopt, "nearest", true),
                    "align_corners can only be set with the modes linear");
  EXPECT_THROW_WITH(F::interpolate(zeros({1, 1, 4}), Shape{8}, std::nullopt, "bicubic"),
                    "interpolate: mode 'bicubic' is not supported");
}

} // namespace
