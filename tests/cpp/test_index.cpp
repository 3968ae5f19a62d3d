// Tests for src/ops/index.cpp and src/ops/sort.cpp: joining, splitting, gather/scatter, index
// ops, masks, triangles, tiling, flips, rolls, padding and sorting; values from torch 1.13,
// strided inputs, errors, and gradients in float64.
#include <cmath>

#include "test_util.h"

namespace ember {
namespace {

using autograd::gradcheck;
using autograd::gradgradcheck;
using ember::testing::expect_close;
using ember::testing::grad_input;
using ember::testing::make;

// t = arange(12).reshape(3, 4) as float32, the input of the torch snippets below.
Tensor t34() { return arange(12, dtype(kFloat32)).reshape({3, 4}); }
Tensor longs(std::vector<double> values, Shape sizes) { return make(values, sizes, kInt64); }

TEST(IndexTest, CatAndStack) {
  // Expected values from torch 1.13: int64 and float32 promote to float32.
  Tensor out = cat({longs({1, 2, 3, 4}, {2, 2}), make({5.5, 6.5}, {2, 1}, kFloat32)}, 1);
  EXPECT_EQ(out.dtype(), kFloat32);
  expect_close(out, make({1, 2, 5.5, 3, 4, 6.5}, {2, 3}));
  // Non-contiguous inputs, negative dim, and a legacy empty 1-D tensor that is skipped.
  Tensor a = t34().t();                   // [4, 3]
  Tensor b = t34().slice(1, 0, 4, 2).t(); // [2, 3]
  Tensor joined = cat({a, empty({0}), b}, -2);
  EXPECT_EQ(joined.sizes(), (Shape{6, 3}));
  expect_close(joined.narrow(0, 0, 4), a);
  expect_close(joined.narrow(0, 4, 2), b);
  // Many rows: the parallel per-row memcpy path.
  Tensor big_a = randn({300, 70}), big_b = randn({300, 30});
  Tensor big = cat({big_a, big_b}, 1);
  expect_close(big.narrow(1, 0, 70), big_a, 0, 0);
  expect_close(big.narrow(1, 70, 30), big_b, 0, 0);

  Tensor stacked = stack({make({1, 2}, {2}), make({3, 4}, {2})}, 1);
  expect_close(stacked, make({1, 3, 2, 4}, {2, 2}));
  EXPECT_EQ(stack({randn({2, 3}), randn({2, 3})}, -1).sizes(), (Shape{2, 3, 2}));
}

TEST(IndexTest, SplitChunkUnbindAreViews) {
  Tensor t = t34();
  TensorList pieces = t.split(3, 1);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[1].sizes(), (Shape{3, 1}));
  EXPECT_EQ(pieces[1].data_ptr(), static_cast<float *>(t.data_ptr()) + 3);
  TensorList sized = t.split({1, 2}, 0);
  expect_close(sized[1], t.narrow(0, 1, 2));
  TensorList chunks = arange(5).chunk(3);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[2].numel(), 1);
  EXPECT_EQ(empty({0}).chunk(3).size(), 3u); // as torch
  TensorList rows = t.unbind(1);
  ASSERT_EQ(rows.size(), 4u);
  expect_close(rows[2], make({2, 6, 10}, {3}));
  rows[2].fill_(-1);
  EXPECT_EQ(t[1][2].item<float>(), -1.0f);
}

TEST(IndexTest, GatherScatterValues) {
  // Expected values from torch 1.13.
  Tensor index = longs({0, 3, 1, 1, 2, 0}, {3, 2});
  expect_close(gather(t34(), 1, index), make({0, 3, 5, 5, 10, 8}, {3, 2}));
  expect_close(t34().t().contiguous().t().gather(1, index), make({0, 3, 5, 5, 10, 8}, {3, 2}));
  Tensor src = make({1, 2, 3, 4, 5, 6}, {3, 2}, kFloat32);
  expect_close(zeros({3, 4}).scatter(1, index, src),
               make({1, 0, 0, 2, 0, 4, 0, 0, 6, 0, 5, 0}, {3, 4}));
  expect_close(zeros({3, 4}).scatter(0, longs({2, 0, 1, 2}, {1, 4}), 7.0),
               make({0, 7, 0, 0, 0, 0, 7, 0, 7, 0, 0, 7}, {3, 4}));
  expect_close(ones({3, 4}).scatter_add(1, longs({0, 0, 1, 1, 3, 0}, {3, 2}), src),
               make({4, 1, 1, 1, 1, 8, 1, 1, 7, 1, 1, 6}, {3, 4}));
  Tensor target = zeros({3, 4});
  target.scatter_(1, index, src);
  expect_close(target, make({1, 0, 0, 2, 0, 4, 0, 0, 6, 0, 5, 0}, {3, 4}));
  target.scatter_add_(1, index, src);
  expect_close(target, make({2, 0, 0, 4, 0, 11, 0, 0, 12, 0, 10, 0}, {3, 4}));
  // A transposed target is written in place through its strides.
  Tensor base = zeros({4, 3});
  base.t().scatter_(1, index, 1.0);
  expect_close(base.t(), make({1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0}, {3, 4}));
}

TEST(IndexTest, IndexSelectIndexAddMaskedSelect) {
  // Expected values from torch 1.13.
  Tensor idx = longs({3, 0, 3}, {3});
  expect_close(t34().index_select(1, idx), make({3, 0, 3, 7, 4, 7, 11, 8, 11}, {3, 3}));
  expect_close(t34().t().index_select(0, idx).t(), make({3, 0, 3, 7, 4, 7, 11, 8, 11}, {3, 3}));
  expect_close(t34().index_select(1, idx.to(kInt32)), t34().index_select(1, idx));
  expect_close(ones({3, 4}).index_add(0, longs({2, 0, 2}, {3}), t34(), 2),
               make({9, 11, 13, 15, 1, 1, 1, 1, 17, 21, 25, 29}, {3, 4}));
  Tensor acc = ones({3, 4});
  acc.index_add_(0, longs({2, 0, 2}, {3}), t34(), 2);
  expect_close(acc, make({9, 11, 13, 15, 1, 1, 1, 1, 17, 21, 25, 29}, {3, 4}));
  Tensor mask = make({1, 0, 1, 0}, {4}, kBool);
  expect_close(t34().masked_select(mask), make({0, 2, 4, 6, 8, 10}, {6}));
}

TEST(IndexTest, NonzeroOneHotTriangles) {
  // Expected values from torch 1.13 (NaN counts as nonzero).
  Tensor x = make({0, 1, 0, 2, 0, std::nan("")}, {2, 3});
  Tensor nz = x.nonzero();
  EXPECT_EQ(nz.dtype(), kInt64);
  EXPECT_TRUE(equal(nz, longs({0, 1, 1, 0, 1, 2}, {3, 2})));
  EXPECT_TRUE(equal(one_hot(longs({2, 0, 1}, {3}), 4),
                    longs({0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0}, {3, 4})));
  EXPECT_EQ(one_hot(longs({2, 0}, {2})).size(1), 3);
  expect_close(t34().tril(1), make({0, 1, 0, 0, 4, 5, 6, 0, 8, 9, 10, 11}, {3, 4}));
  expect_close(t34().triu(-1), make({0, 1, 2, 3, 4, 5, 6, 7, 0, 9, 10, 11}, {3, 4}));
  expect_close(t34().t().tril(), t34().t().contiguous().tril());
}

TEST(IndexTest, RepeatFlipRollPad) {
  // Expected values from torch 1.13.
  Tensor r = longs({1, 2, 3, 4}, {2, 2}).repeat({2, 1, 3});
  EXPECT_EQ(r.sizes(), (Shape{2, 2, 6}));
  EXPECT_TRUE(equal(r[1][1], longs({3, 4, 3, 4, 3, 4}, {6})));
  expect_close(t34().flip({0, 1}), make({11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, {3, 4}));
  expect_close(t34().roll({1, -1}, {0, 1}), make({9, 10, 11, 8, 1, 2, 3, 0, 5, 6, 7, 4}, {3, 4}));
  EXPECT_TRUE(equal(arange(5).roll(2), longs({3, 4, 0, 1, 2}, {5})));
  expect_close(pad(t34(), {1, -2, -1, 1}, 9.0), make({9, 4, 5, 9, 8, 9, 9, 9, 9}, {3, 3}));
}

TEST(SortTest, SortArgsortTopk) {
  // Expected values from torch 1.13: NaN sorts as the largest value.
  const double nan = std::nan("");
  Tensor s = make({3, nan, 1, 3, -2, 0, 5, 5, -1, 2}, {2, 5}, kFloat32);
  auto [values, indices] = s.sort(1);
  expect_close(values, make({-2, 1, 3, 3, nan, -1, 0, 2, 5, 5}, {2, 5}));
  EXPECT_TRUE(equal(indices, longs({4, 2, 0, 3, 1, 3, 0, 4, 1, 2}, {2, 5})));
  auto [down, down_indices] = sort(s, 1, /*descending=*/true, /*stable=*/true);
  expect_close(down, make({nan, 3, 3, 1, -2, 5, 5, 2, 0, -1}, {2, 5}));
  EXPECT_TRUE(equal(down_indices, longs({1, 0, 3, 2, 4, 1, 2, 4, 0, 3}, {2, 5})));
  EXPECT_TRUE(equal(argsort(s.t(), 0), indices.t()));
  auto [column, column_indices] = longs({4, 1, 2, 3, 0, 9}, {3, 2}).sort(0);
  EXPECT_TRUE(equal(column, longs({0, 1, 2, 3, 4, 9}, {3, 2})));
  EXPECT_TRUE(equal(column_indices, longs({2, 0, 1, 1, 0, 2}, {3, 2})));

  auto [top, top_indices] = s.topk(2, 1, /*largest=*/false);
  expect_close(top, make({-2, 1, -1, 0}, {2, 2}));
  EXPECT_TRUE(equal(top_indices, longs({4, 2, 3, 0}, {2, 2})));
  auto [high, high_indices] = make({0, 5, 5, -1, 2}, {5}).topk(2);
  expect_close(high, make({5, 5}, {2}));
  EXPECT_TRUE(equal(high_indices, longs({1, 2}, {2})));
}

TEST(IndexTest, Errors) {
  Tensor x = randn({2, 5});
  EXPECT_THROW_WITH(gather(x, 1, longs({7}, {1, 1})),
                    "gather: index 7 is out of bounds for dimension 1 with size 5");
  EXPECT_THROW(gather(x, 1, longs({-1}, {1, 1})), IndexError);
  EXPECT_THROW_WITH(gather(x, 1, longs({1}, {1, 1}).to(kInt32)), "expected dtype int64");
  EXPECT_THROW_WITH(gather(x, 1, zeros({3, 2}, dtype(kInt64))), "size does not match");
  EXPECT_THROW_WITH(x.scatter(1, longs({7}, {1, 1}), ones({1, 1})),
                    "scatter: index 7 is out of bounds for dimension 1 with size 5");
  EXPECT_THROW_WITH(x.scatter(1, longs({1}, {1, 1}), ones({1, 1}, dtype(kFloat64))), "same dtype");
  EXPECT_THROW_WITH(x.index_select(1, longs({7}, {1})),
                    "index_select: index 7 is out of bounds for dimension 1 with size 5");
  EXPECT_THROW_WITH(x.index_select(1, make({1}, {1})), "int32 or int64");
  EXPECT_THROW(x.index_select(1, longs({1}, {1, 1})), IndexError);
  EXPECT_THROW_WITH(x.index_add(1, longs({1}, {1}), ones({2, 2})), "number of indices");
  EXPECT_THROW_WITH(cat({randn({2, 3}), randn({3, 4})}, 1),
                    "Expected size 2 but got size 3 for tensor number 1");
  EXPECT_THROW_WITH(cat({randn({2, 3}), randn({3})}, 1), "same number of dimensions");
  EXPECT_THROW_WITH(cat({}, 0), "non-empty list");
  EXPECT_THROW_WITH(stack({randn({2, 3}), randn({2, 4})}), "equal size");
  EXPECT_THROW_WITH(randn({3}).split({1, 1}), "sum exactly to 3");
  EXPECT_THROW_WITH(randn({3}).chunk(0), "greater than 0");
  EXPECT_THROW_WITH(one_hot(longs({1, -1}, {2})), "non-negative");
  EXPECT_THROW_WITH(one_hot(longs({1, 5}, {2}), 3), "smaller than num_classes");
  EXPECT_THROW_WITH(tril(randn({3})), "at least 2 dimensions");
  EXPECT_THROW_WITH(randn({2, 3}).repeat({2}), "can not be smaller");
  EXPECT_THROW_WITH(pad(randn({2, 3}), {1}), "divisible by 2");
  EXPECT_THROW_WITH(pad(randn({2, 3}), {-2, -2}), "negative output size");
  EXPECT_THROW_WITH(randn({3}).roll({1, 2}, {0}), "must align");
  EXPECT_THROW_WITH(randn({3}).flip({0, 0}), "multiple times");
  EXPECT_THROW_WITH(randn({3}).topk(4), "out of range");
}

TEST(IndexTest, Gradcheck) {
  Tensor index = longs({0, 3, 1, 1, 2, 0}, {3, 2});
  // scatter with repeated positions keeps one write at random, so it gets distinct positions.
  Tensor distinct = longs({0, 3, 1, 2, 2, 0}, {3, 2});
  auto check = [](auto fn, const TensorList &inputs) {
    EXPECT_TRUE(gradcheck([&](const TensorList &x) { return TensorList{fn(x)}; }, inputs));
  };
  check(
      [](const TensorList &x) {
        return cat({x[0], x[1].t()}, 0);
      },
      {grad_input({2, 3}), grad_input({3, 4})});
  check(
      [](const TensorList &x) {
        return stack({x[0], x[1]}, 1);
      },
      {grad_input({2, 3}), grad_input({2, 3})});
  check([](const TensorList &x) { return x[0].split(2, 1)[1] * 2; }, {grad_input({2, 5})});
  check([&](const TensorList &x) { return x[0].gather(1, index); }, {grad_input({3, 4})});
  check([&](const TensorList &x) { return x[0].t().gather(1, index); }, {grad_input({4, 3})});
  check([&](const TensorList &x) { return x[0].scatter(1, distinct, x[1]); },
        {grad_input({3, 4}), grad_input({3, 3})});
  check([&](const TensorList &x) { return x[0].scatter(1, distinct, 2.0); }, {grad_input({3, 4})});
  check([&](const TensorList &x) { return x[0].scatter_add(1, index, x[1]); },
        {grad_input({3, 4}), grad_input({3, 2})});
  check(
      [](const TensorList &x) {
        return x[0].index_select(0, longs({2, 0, 2}, {3}));
      },
      {grad_input({3, 4})});
  check(
      [](const TensorList &x) {
        return x[0].t().index_select(1, longs({2, 0, 2}, {3}));
      },
      {grad_input({3, 4})});
  check(
      [](const TensorList &x) {
        return x[0].index_add(1, longs({1, 1}, {2}), x[1], -3);
      },
      {grad_input({3, 4}), grad_input({3, 2})});
  check(
      [](const TensorList &x) {
        return x[0].masked_select(make({1, 0, 1}, {3}, kBool));
      },
      {grad_input({2, 3})});
  check([](const TensorList &x) { return x[0].tril(-1) + x[0].t().triu(1); }, {grad_input({3, 3})});
  check([](const TensorList &x) { return x[0].t().repeat({2, 1, 2}); }, {grad_input({3, 2})});
  check([](const TensorList &x) { return x[0].t().flip({0, 1}); }, {grad_input({3, 2})});
  check([](const TensorList &x) { return x[0].t().roll({1, -1}, {0, 1}); }, {grad_input({3, 4})});
  check(
      [](const TensorList &x) {
        return pad(x[0].t(), {1, -1, 2, 0}, 3.0);
      },
      {grad_input({3, 4})});
  check([](const TensorList &x) { return std::get<0>(x[0].t().sort(0, true)); },
        {grad_input({3, 4})});
  check([](const TensorList &x) { return std::get<0>(x[0].topk(2, 1)); }, {grad_input({3, 4})});
}

TEST(IndexTest, Gradgradcheck) {
  Tensor index = longs({0, 3, 1, 1, 2, 0}, {3, 2});
  EXPECT_TRUE(gradgradcheck(
      [&](const TensorList &x) {
        return TensorList{x[0].gather(1, index) * x[0].gather(1, index)};
      },
      {grad_input({3, 4})}));
  EXPECT_TRUE(gradgradcheck(
      [](const TensorList &x) {
        Tensor joined = cat({x[0], x[1]}, 1);
        return TensorList{joined * joined};
      },
      {grad_input({2, 3}), grad_input({2, 2})}));
}

} // namespace
} // namespace ember
