// Tests for src/ops/linalg.cpp: matmul's rank cases and batch broadcasting, mm, bmm, mv, dot,
// outer, addmm, strided operands, integer products, errors, and gradients in float64.
#include <cmath>

#include "test_util.h"

namespace ember {
namespace {

using autograd::gradcheck;
using autograd::gradgradcheck;
using ember::testing::expect_close;
using ember::testing::grad_input;
using ember::testing::make;

// a = arange(6).reshape(2, 3) - 2 and b = arange(12).reshape(3, 4) * 0.5, as in the torch snippets.
Tensor matrix_a(DType dtype = kFloat32) { return make({-2, -1, 0, 1, 2, 3}, {2, 3}, dtype); }
Tensor matrix_b(DType dtype = kFloat32) {
  return make({0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5}, {3, 4}, dtype);
}

// The product computed one element at a time in float64, for checking BLAS paths.
Tensor reference_mm(const Tensor &a, const Tensor &b) {
  Tensor a64 = a.to(kFloat64).contiguous(), b64 = b.to(kFloat64).contiguous();
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  Tensor out = zeros({m, n}, dtype(kFloat64));
  const double *pa = a64.data_ptr<double>(), *pb = b64.data_ptr<double>();
  double *po = out.data_ptr<double>();
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < n; ++j)
        po[i * n + j] += pa[i * k + p] * pb[p * n + j];
  return out;
}

TEST(LinalgTest, MatmulValuesMatchTorch) {
  // Expected values from torch 1.13.
  expect_close(matmul(matrix_a(), matrix_b()), make({-2, -3.5, -5, -6.5, 16, 19, 22, 25}, {2, 4}));
  expect_close(matrix_a().mm(matrix_b()), make({-2, -3.5, -5, -6.5, 16, 19, 22, 25}, {2, 4}));
  expect_close(matmul(matrix_a(), make({1, -1, 2}, {3}, kFloat32)), make({-1, 5}, {2}));
  expect_close(matmul(make({1, -1}, {2}, kFloat32), matrix_a()), make({-3, -3, -3}, {3}));
  expect_close(matrix_a().mv(make({1, -1, 2}, {3}, kFloat32)), make({-1, 5}, {2}));
  Tensor d = dot(make({1, 2, 3}, {3}), make({4, -5, 6}, {3}));
  EXPECT_EQ(d.dim(), 0);
  EXPECT_DOUBLE_EQ(d.item<double>(), 12.0);
  EXPECT_DOUBLE_EQ(matmul(make({1, 2, 3}, {3}), make({4, -5, 6}, {3})).item<double>(), 12.0);
  expect_close(outer(make({1, 2}, {2}), make({3, 4, 5}, {3})), make({3, 4, 5, 6, 8, 10}, {2, 3}));
  expect_close(addmm(make({1, -1, 0.5, 2}, {4}, kFloat32), matrix_a(), matrix_b(), 0.5, 2),
               make({-3.5, -7.5, -9.75, -12, 32.5, 37.5, 44.25, 51}, {2, 4}));
}

TEST(LinalgTest, MatmulBatchBroadcasting) {
  // [1, 2, 3] @ [2, 1, 3, 2] -> [2, 1, 2, 2]; expected values from torch 1.13.
  Tensor x = arange(6, dtype(kFloat32)).reshape({1, 2, 3});
  Tensor y = arange(12, dtype(kFloat32)).reshape({2, 1, 3, 2});
  Tensor out = matmul(x, y);
  EXPECT_EQ(out.sizes(), (Shape{2, 1, 2, 2}));
  expect_close(out, make({10, 13, 28, 40, 28, 31, 100, 112}, {2, 1, 2, 2}));

  // Every rank combination agrees with per-matrix products.
  Tensor a = randn({3, 1, 4, 5}, dtype(kFloat64));
  Tensor b = randn({2, 5, 6}, dtype(kFloat64));
  Tensor ab = matmul(a, b);
  ASSERT_EQ(ab.sizes(), (Shape{3, 2, 4, 6}));
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 2; ++j)
      expect_close(ab[i][j], reference_mm(a[i][0], b[j]), 1e-10, 1e-10);
  Tensor v = randn({5}, dtype(kFloat64));
  expect_close(matmul(a, v), matmul(a, v.unsqueeze(1)).squeeze(-1), 1e-12, 1e-12);
  expect_close(matmul(v, b), matmul(v.unsqueeze(0), b).squeeze(-2), 1e-12, 1e-12);
  Tensor m = randn({4, 5}, dtype(kFloat64));
  expect_close(matmul(m, b)[1], reference_mm(m, b[1]), 1e-10, 1e-10);
  EXPECT_EQ(matmul(b.mT(), randn({5, 3}, dtype(kFloat64))).sizes(), (Shape{2, 6, 3}));
  Tensor batch_a = randn({3, 4, 5}, dtype(kFloat64)), batch_b = randn({3, 5, 2}, dtype(kFloat64));
  Tensor bmm_out = bmm(batch_a, batch_b);
  for (int64_t i = 0; i < 3; ++i)
    expect_close(bmm_out[i], reference_mm(batch_a[i], batch_b[i]), 1e-10, 1e-10);
}

TEST(LinalgTest, StridedOperandsUseTheSameResults) {
  // Transposed, sliced and column-major operands, in float32 (BLAS) against a float64 loop.
  Tensor a = randn({40, 33}), b = randn({33, 50});
  expect_close(matmul(a, b), reference_mm(a, b), 1e-4, 1e-4);
  Tensor at = randn({33, 40}).t();
  expect_close(matmul(at, b), reference_mm(at, b), 1e-4, 1e-4);
  Tensor bt = randn({50, 33}).t();
  expect_close(matmul(at, bt), reference_mm(at, bt), 1e-4, 1e-4);
  Tensor sliced = randn({40, 66}).slice(1, 0, 66, 2); // column stride 2: copied for BLAS
  expect_close(matmul(sliced, b), reference_mm(sliced, b), 1e-4, 1e-4);
  Tensor rows = randn({80, 33}).slice(0, 0, 80, 2); // row stride 66: a leading dimension
  expect_close(matmul(rows, b), reference_mm(rows, b), 1e-4, 1e-4);
  // A batch of transposed matrices (not foldable into one GEMM) times a shared matrix.
  Tensor batch = randn({3, 33, 40}).mT();
  Tensor out = matmul(batch, b);
  for (int64_t i = 0; i < 3; ++i)
    expect_close(out[i], reference_mm(batch[i], b), 1e-4, 1e-4);
  // Inner size 0 gives zeros; empty outputs are fine.
  expect_close(matmul(zeros({2, 0}), zeros({0, 3})), zeros({2, 3}));
  EXPECT_EQ(matmul(zeros({0, 4}), zeros({4, 3})).sizes(), (Shape{0, 3}));
}

TEST(LinalgTest, IntegerAndHalfProducts) {
  // Expected values from torch 1.13.
  Tensor a = arange(6).reshape({2, 3}), b = arange(6).reshape({3, 2});
  Tensor out = matmul(a, b);
  EXPECT_EQ(out.dtype(), kInt64);
  EXPECT_TRUE(equal(out, make({10, 13, 28, 40}, {2, 2}, kInt64)));
  // A transposed integer operand goes through the strided loop kernel.
  EXPECT_TRUE(equal(matmul(a.t(), a), make({9, 12, 15, 12, 17, 22, 15, 22, 29}, {3, 3}, kInt64)));
  EXPECT_EQ(dot(arange(4), arange(4)).item<int64_t>(), 14);
  Tensor half = matmul(matrix_a(kBFloat16), matrix_b(kBFloat16));
  EXPECT_EQ(half.dtype(), kBFloat16);
  expect_close(half, make({-2, -3.5, -5, -6.5, 16, 19, 22, 25}, {2, 4}), 1e-2, 1e-2);
}

TEST(LinalgTest, Errors) {
  EXPECT_THROW_WITH(matmul(randn({2, 3}), randn({4, 5})),
                    "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)");
  EXPECT_THROW_WITH(mm(randn({2, 3}), randn({4, 5})),
                    "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)");
  EXPECT_THROW_WITH(matmul(randn({2, 3}), randn({3, 2}, dtype(kFloat64))), "same dtype");
  EXPECT_THROW_WITH(matmul(randn({2, 2, 3}), randn({2, 4, 5})), "cannot be multiplied (3 != 4)");
  EXPECT_THROW_WITH(matmul(randn({2, 2, 3}), randn({3, 3, 5})), "cannot be broadcast");
  EXPECT_THROW_WITH(matmul(randn({}), randn({3})), "at least 1D");
  EXPECT_THROW_WITH(bmm(randn({2, 2, 3}), randn({3, 3, 5})), "cannot be multiplied");
  EXPECT_THROW_WITH(dot(randn({3}), randn({4})), "inconsistent tensor size");
  EXPECT_THROW_WITH(mv(randn({2, 3}), randn({4})), "size mismatch");
  EXPECT_THROW_WITH(matmul(ones({2, 2}, dtype(kBool)), ones({2, 2}, dtype(kBool))), "bool");
  EXPECT_THROW_WITH(addmm(randn({3, 4}), randn({2, 3}), randn({3, 4})), "cannot be broadcast");
}

TEST(LinalgTest, Gradcheck) {
  auto product = [](const TensorList &x) { return TensorList{matmul(x[0], x[1])}; };
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{3}, {3}},       {{2, 3}, {3}},       {{3}, {3, 2}},
      {{2, 3}, {3, 4}}, {{2, 2, 3}, {3}},    {{2, 2, 3}, {3, 4}},
      {{3}, {2, 3, 4}}, {{2, 3}, {2, 3, 4}}, {{2, 1, 2, 3}, {3, 3, 2}}};
  for (const auto &[shape_a, shape_b] : cases) {
    TensorList inputs{grad_input(shape_a), grad_input(shape_b)};
    EXPECT_TRUE(gradcheck(product, inputs))
        << IntArrayRef(shape_a) << " @ " << IntArrayRef(shape_b);
  }
  // Non-contiguous operands: transposed and sliced.
  Tensor at = grad_input({4, 3}), bs = grad_input({4, 6});
  EXPECT_TRUE(gradcheck(
      [](const TensorList &x) { return TensorList{matmul(x[0].t(), x[1].slice(1, 0, 6, 2))}; },
      {at, bs}));
  Tensor batched = grad_input({2, 4, 3});
  EXPECT_TRUE(gradcheck([](const TensorList &x) { return TensorList{matmul(x[0].mT(), x[1])}; },
                        {batched, grad_input({4, 2})}));
  EXPECT_TRUE(gradcheck([](const TensorList &x) { return TensorList{bmm(x[0], x[1])}; },
                        {grad_input({2, 2, 3}), grad_input({2, 3, 2})}));
  EXPECT_TRUE(gradcheck([](const TensorList &x) { return TensorList{mv(x[0], x[1])}; },
                        {grad_input({2, 3}), grad_input({3})}));
  EXPECT_TRUE(gradcheck([](const TensorList &x) { return TensorList{dot(x[0], x[1])}; },
                        {grad_input({3}), grad_input({3})}));
  EXPECT_TRUE(gradcheck([](const TensorList &x) { return TensorList{outer(x[0], x[1])}; },
                        {grad_input({2}), grad_input({3})}));
  EXPECT_TRUE(
      gradcheck([](const TensorList &x) { return TensorList{addmm(x[0], x[1], x[2], 0.5, -2)}; },
                {grad_input({4}), grad_input({2, 3}), grad_input({3, 4})}));
  EXPECT_TRUE(gradcheck([](const TensorList &x) { return TensorList{addmm(x[0], x[1].t(), x[2])}; },
                        {grad_input({2, 4}), grad_input({3, 2}), grad_input({3, 4})}));
}

TEST(LinalgTest, Gradgradcheck) {
  auto fn = [](const TensorList &x) { return TensorList{matmul(x[0], x[1])}; };
  EXPECT_TRUE(gradgradcheck(fn, {grad_input({2, 3}), grad_input({3, 2})}));
  EXPECT_TRUE(gradgradcheck(fn, {grad_input({2, 2, 3}), grad_input({3, 2})}));
  EXPECT_TRUE(gradgradcheck(fn, {grad_input({2, 1, 2, 3}), grad_input({2, 3, 2})}));
  EXPECT_TRUE(gradgradcheck(fn, {grad_input({3}), grad_input({3})}));
}

} // namespace
} // namespace ember
