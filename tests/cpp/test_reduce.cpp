// Reductions: values against torch 1.13, dtype rules, keepdim and dim lists, non-contiguous and
// empty inputs, NaN and ties, thread-count determinism, gradients (gradcheck, gradgradcheck)
// and error messages.
#include <cmath>
#include <limits>

#include "test_util.h"

using namespace ember;
using ember::testing::expect_close;
using ember::testing::grad_input;
using ember::testing::make;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// x[i] = ((7 i) % 11 - 5) / 4 over shape [2, 3, 4]: small exact values with ties and a zero.
Tensor sample() {
  std::vector<double> values;
  for (int i = 0; i < 24; ++i)
    values.push_back(((i * 7) % 11 - 5) * 0.25);
  return make(values, {2, 3, 4});
}

TensorList one(const Tensor &t) { return {t}; }

} // namespace

// Expected values below come from torch 1.13 on the same inputs.

TEST(Reduce, SumMeanProdValues) {
  Tensor x = sample();
  expect_close(x.sum(), make({-0.75}, {}));
  expect_close(x.sum(1), make({-2.0, 0.5, 0.25, 0.0, 0.5, 0.25, 0.0, -0.25}, {2, 4}));
  expect_close(x.sum({0, -1}, true), make({1.5, -0.25, -2.0}, {1, 3, 1}));
  expect_close(x.mean(-1), make({0.0, 0.125, -0.4375, 0.375, -0.1875, -0.0625}, {2, 3}));
  expect_close(x.prod(1),
               make({0.3125, -0.28125, 0.125, -0.0, -0.28125, 0.125, -0.0, -0.125}, {2, 4}));
  expect_close(x.prod(), make({0.0}, {}));
  expect_close(x.prod(1, true), x.prod(1).unsqueeze(1));
  // sum over an empty list of dims is over all dims; keepdim keeps them as size 1.
  EXPECT_EQ(x.sum(IntArrayRef{}, true).sizes(), (Shape{1, 1, 1}));
  expect_close(x.to(kFloat32).sum(1), x.sum(1));
  EXPECT_EQ(x.to(kFloat32).sum().dtype(), kFloat32);
}

TEST(Reduce, MaxMinValuesAndIndices) {
  Tensor x = sample();
  auto [values, indices] = x.max(1);
  expect_close(values, make({0.25, 0.75, 1.0, 1.25, 0.75, 1.0, 1.25, 0.5}, {2, 4}));
  expect_close(indices, make({1, 2, 1, 0, 2, 1, 0, 2}, {2, 4}, kInt64));
  EXPECT_EQ(indices.dtype(), kInt64);
  auto [min_values, min_indices] = x.min(-1, true);
  expect_close(min_values, make({-1.25, -0.75, -1.25, -0.5, -1.0, -1.25}, {2, 3, 1}));
  expect_close(min_indices, make({0, 1, 3, 1, 3, 2}, {2, 3, 1}, kInt64));
  expect_close(x.amax({0, 2}), make({1.25, 1.0, 0.75}, {3}));
  expect_close(x.amin(1), make({-1.25, -0.75, -0.5, -1.25, -0.75, -0.5, -1.25, -1.0}, {2, 4}));
  EXPECT_EQ(x.argmax().item<int64_t>(), 3);
  expect_close(x.argmin(2), make({0, 1, 3, 1, 3, 2}, {2, 3}, kInt64));
  EXPECT_EQ(x.argmax(std::nullopt, true).sizes(), (Shape{1, 1, 1}));
  EXPECT_EQ(x.max().item<double>(), 1.25);
  EXPECT_EQ(x.min().item<double>(), -1.25);
}

TEST(Reduce, TiesPickTheFirstIndexAndNaNPropagates) {
  Tensor ties = make({2, 5, 5, 1, 5}, {5});
  EXPECT_EQ(std::get<1>(ties.max(0)).item<int64_t>(), 1);
  EXPECT_EQ(ties.argmax().item<int64_t>(), 1);
  // Long enough for the lane-parallel path: ties split across lanes still give the first index.
  Tensor long_ties = zeros({1000}, dtype(kFloat32));
  long_ties.narrow(0, 700, 1).fill_(3);
  long_ties.narrow(0, 77, 1).fill_(3);
  EXPECT_EQ(long_ties.argmax().item<int64_t>(), 77);
  EXPECT_EQ(long_ties.argmin().item<int64_t>(), 0);

  Tensor with_nan = make({kNaN, 1, 5}, {3});
  auto [value, index] = with_nan.max(0);
  EXPECT_TRUE(std::isnan(value.item<double>()));
  EXPECT_EQ(index.item<int64_t>(), 0);
  EXPECT_EQ(make({1, kNaN, 5}, {3}).argmax().item<int64_t>(), 1);
  EXPECT_TRUE(std::isnan(make({1, kNaN, 5}, {3}).amin().item<double>()));
  Tensor long_nan = ones({5000}, dtype(kFloat32));
  long_nan.narrow(0, 4321, 1).fill_(kNaN);
  EXPECT_TRUE(std::isnan(long_nan.max().item<double>()));
  EXPECT_TRUE(std::isnan(long_nan.view({50, 100}).amax(0)[21].item<double>()));
}

TEST(Reduce, IntegerAndBoolDtypes) {
  Tensor ints = make({1, 2, 3, 4, 5, 6}, {2, 3}, kInt32);
  EXPECT_EQ(ints.sum().dtype(), kInt64);
  EXPECT_EQ(ints.sum().item<int64_t>(), 21);
  expect_close(ints.sum(0), make({5, 7, 9}, {3}, kInt64));
  EXPECT_EQ(ints.prod().dtype(), kInt64);
  EXPECT_EQ(ints.prod().item<int64_t>(), 720);
  EXPECT_EQ(ints.sum(kFloat64).dtype(), kFloat64);
  EXPECT_EQ(ints.sum({1}, false, kInt32).dtype(), kInt32);
  EXPECT_EQ(ints.amax().dtype(), kInt32);
  EXPECT_EQ(ints.amax().item<int64_t>(), 6);
  EXPECT_EQ(ints.mean(kFloat32).item<double>(), 3.5);
  expect_close(ints.cumsum(1), make({1, 3, 6, 4, 9, 15}, {2, 3}, kInt64));
  EXPECT_EQ(ints.cumsum(1).dtype(), kInt64);
  Tensor flags = make({1, 0, 1, 1}, {4}, kBool);
  EXPECT_EQ(flags.sum().dtype(), kInt64);
  EXPECT_EQ(flags.sum().item<int64_t>(), 3);
  EXPECT_TRUE(flags.max().item<bool>());
  EXPECT_EQ(make({1, 2, 3}, {3}, kInt64).logsumexp(0).dtype(), kFloat32);
  EXPECT_NEAR(make({1, 2, 3}, {3}, kInt64).logsumexp(0).item<double>(), 3.4076059, 1e-6);
  EXPECT_THROW_WITH(ints.mean(), "mean(): could not infer output dtype");
  EXPECT_THROW_WITH(ints.var(), "only support floating point");
  EXPECT_THROW_WITH(ints.norm(), "norm(): input dtype should be either floating point");
}

TEST(Reduce, VarStdLogsumexpNormValues) {
  Tensor x = sample();
  expect_close(x.var(1), make({0.6458333333333334, 0.6458333333333333, 0.6458333333333334, 1.5625,
                               0.6458333333333333, 0.6458333333333334, 1.5625, 0.6458333333333333},
                              {2, 4}));
  expect_close(x.var({}, 0), make({0.6474609375}, {}));
  expect_close(x.std(2, std::nullopt, true),
               make({1.0992421631894098, 0.7216878364870322, 0.898494110535326, 0.7216878364870322,
                     0.898494110535326, 0.898494110535326},
                    {2, 3, 1}));
  auto [variance, average] = var_mean(x, {1});
  expect_close(variance, x.var(1));
  expect_close(average, x.mean(1));
  expect_close(x.logsumexp(1),
               make({0.6618678712750954, 1.4441121864019142, 1.4118678712750954, 1.563780863337258,
                     1.4441121864019142, 1.4118678712750954, 1.563780863337258, 1.1941121864019142},
                    {2, 4}));
  expect_close(x.logsumexp({0, 2}),
               make({2.5696858142040755, 2.3058997554516467, 2.1259925227680347}, {3}));
  // Stable for large values and exact for infinite ones.
  expect_close(make({1000, 1000}, {2}).logsumexp(0), make({1000 + std::log(2.0)}, {}));
  double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(make({-inf, -inf}, {2}).logsumexp(0).item<double>(), -inf);
  EXPECT_EQ(make({inf, 1}, {2}).logsumexp(0).item<double>(), inf);

  expect_close(x.norm(2, {1, 2}), make({2.9047375096555625, 2.669269563007828}, {2}));
  expect_close(x.norm(1, {1, 2}), make({8.75, 8.0}, {2}));
  expect_close(x.norm(inf, {1, 2}), make({1.25, 1.25}, {2}));
  expect_close(x.norm(-inf, {1, 2}), make({0.0, 0.0}, {2}));
  expect_close(x.norm(0, {1, 2}), make({11.0, 11.0}, {2}));
  expect_close(x.norm(3, {1, 2}), make({2.078879373550957, 1.9270596945399983}, {2}));
  expect_close(x.norm(0.5, {1, 2}), make({90.25696052184367, 82.61790367303935}, {2}));
  expect_close(x.norm(), x.norm(2, {0, 1, 2}));
}

TEST(Reduce, CumsumCumprodValues) {
  Tensor x = sample();
  expect_close(x.cumsum(1),
               make({-1.25, 0.5,  -0.5, 1.25, -1.0,  -0.25, 0.5,  1.25,  -2.0, 0.5,  0.25, 0.0,
                     0.5,   -0.5, 1.25, 0.25, -0.25, 0.5,   1.25, -0.75, 0.5,  0.25, 0.0,  -0.25},
                    {2, 3, 4}));
  expect_close(x.cumprod(-1),
               make({-1.25, -0.625, 0.3125, 0.390625,  0.25, -0.1875, -0.1875,  -0.0,
                     -1.0,  -0.75,  0.1875, -0.234375, 0.5,  -0.25,   -0.3125,  -0.078125,
                     -0.75, -0.75,  -0.0,   0.0,       0.75, -0.1875, 0.234375, 0.1171875},
                    {2, 3, 4}));
  EXPECT_EQ(x.cumsum(0, kFloat32).dtype(), kFloat32);
  expect_close(make({1, 2, 3}, {3}, kInt64).cumprod(0), make({1, 2, 6}, {3}, kInt64));
}

TEST(Reduce, AllAny) {
  Tensor x = make({1, 0, 2, 0, 0, 0}, {2, 3});
  expect_close(x.all(1), make({0, 0}, {2}, kBool));
  expect_close(x.any(1), make({1, 0}, {2}, kBool));
  EXPECT_EQ(x.any(1).dtype(), kBool);
  EXPECT_FALSE(x.all().item<bool>());
  EXPECT_TRUE(x.any().item<bool>());
  EXPECT_FALSE(make({0, 3}, {2}, kInt64).all().item<bool>());
  EXPECT_TRUE(make({kNaN}, {1}).all().item<bool>());
  EXPECT_TRUE(zeros({0}).all().item<bool>());
  EXPECT_FALSE(zeros({0}).any().item<bool>());
  EXPECT_EQ(x.all(0, true).sizes(), (Shape{1, 3}));
}

TEST(Reduce, NonContiguousInputsMatchContiguousCopies) {
  Tensor base = rand({6, 40, 10}, dtype(kFloat64));
  for (const Tensor &x : {base.transpose(0, 2), base.slice(1, 1, 39, 3), base.select(2, 4).t()}) {
    Tensor c = x.contiguous();
    expect_close(x.sum(), c.sum(), 1e-12, 1e-12);
    expect_close(x.sum(0), c.sum(0), 1e-12, 1e-12);
    expect_close(x.sum(-1, true), c.sum(-1, true), 1e-12, 1e-12);
    expect_close(x.amax(0), c.amax(0));
    expect_close(std::get<1>(x.max(-1)), std::get<1>(c.max(-1)));
    EXPECT_EQ(x.argmin().item<int64_t>(), c.argmin().item<int64_t>());
    expect_close(x.var(0), c.var(0), 1e-10, 1e-12);
    expect_close(x.norm(3, {-1}), c.norm(3, {-1}), 1e-10, 1e-12);
    expect_close(x.cumsum(0), c.cumsum(0), 1e-12, 1e-12);
    expect_close(x.prod(0), c.prod(0), 1e-10, 1e-300);
    expect_close(x.logsumexp(0), c.logsumexp(0), 1e-12, 1e-12);
  }
  // Broadcast (stride 0) input.
  Tensor row = make({1, 2, 3}, {1, 3}).expand({4, 3});
  expect_close(row.sum(0), make({4, 8, 12}, {3}));
}

TEST(Reduce, EmptyTensors) {
  Tensor empty_rows = zeros({0, 3});
  expect_close(empty_rows.sum(0), zeros({3}));
  expect_close(empty_rows.prod(0), ones({3}));
  EXPECT_TRUE(std::isnan(empty_rows.mean(0)[0].item<double>()));
  EXPECT_EQ(empty_rows.amax(1).sizes(), (Shape{0}));
  EXPECT_EQ(empty_rows.sum(1).sizes(), (Shape{0}));
  EXPECT_EQ(empty_rows.sum().item<double>(), 0.0);
  EXPECT_EQ(empty_rows.cumsum(0).sizes(), (Shape{0, 3}));
  EXPECT_THROW_WITH(empty_rows.max(), "max: Expected reduction dim to be specified");
  EXPECT_THROW_WITH(empty_rows.max(0), "max: Expected reduction dim 0 to have non-zero size");
  EXPECT_THROW_WITH(empty_rows.amin(0), "amin: Expected reduction dim 0");
  EXPECT_THROW_WITH(empty_rows.argmax(), "argmax");
}

TEST(Reduce, ZeroDimInputs) {
  Tensor scalar = make({2.5}, {});
  EXPECT_EQ(scalar.sum().item<double>(), 2.5);
  EXPECT_EQ(scalar.sum(0).item<double>(), 2.5);
  EXPECT_EQ(scalar.amax(-1, true).dim(), 0);
  EXPECT_EQ(std::get<1>(scalar.max(0)).item<int64_t>(), 0);
  EXPECT_EQ(scalar.cumsum(0).item<double>(), 2.5);
}

TEST(Reduce, SumToUndoesBroadcasting) {
  Tensor grad = ones({2, 3, 4}, dtype(kFloat64));
  expect_close(sum_to(grad, {3, 1}), full({3, 1}, 8.0));
  expect_close(sum_to(grad, {1, 4}), full({1, 4}, 6.0));
  expect_close(sum_to(grad, {}), full({}, 24.0));
  EXPECT_TRUE(sum_to(grad, {2, 3, 4}).is_same(grad));
  EXPECT_THROW_WITH(sum_to(grad, {5}), "sum_to: cannot reduce shape [2, 3, 4] to [5]");
}

TEST(Reduce, ResultsDoNotDependOnTheThreadCount) {
  const int threads = get_num_threads();
  Tensor x = randn({1500, 2000}, dtype(kFloat32));
  auto run = [&](int count) {
    set_num_threads(count);
    return TensorList{x.sum(),
                      x.mean(),
                      x.sum(0),
                      x.sum(1),
                      x.narrow(0, 0, 3).sum(0),
                      x.t().sum(1),
                      x.amax(),
                      x.argmax(),
                      x.norm(),
                      x.var(0),
                      x.logsumexp(1),
                      x.view({-1, 8}).sum(0),
                      x.view({-1, 10}).sum(1),
                      x.view({-1, 10}).argmax(1),
                      x.view({-1, 100}).sum(1),
                      x.view({-1, 20, 25}).sum({0, 2}),
                      x.view({-1, 20, 25}).amax({0, 2}),
                      x.view({-1, 10}).sum(0),
                      x.view({-1, 100}).amin(0)};
  };
  TensorList single = run(1), dual = run(2);
  set_num_threads(threads);
  for (size_t i = 0; i < single.size(); ++i)
    EXPECT_TRUE(equal(single[i], dual[i])) << "result " << i;
}

// Rows of every length around the vector width and its multiples go through the vector form
// with a partial last vector, several rows at a time or alone; each result must equal a plain
// loop's (exactly for the order-free ones, with ties going to the first index), and a NaN anywhere
// in a row must reach max, min, their indices and the infinity norms.
TEST(Reduce, RowReductionsMatchAPlainLoopAtEveryLength) {
  for (DType type : {kFloat32, kFloat64}) {
    for (int64_t length = 1; length <= 70; ++length) {
      // 21 rows: the rows loop reduces 4, 8 or 16 together and the rest alone.
      const int64_t count = 21;
      Tensor rows = (randn({count, length}, dtype(type)) * 3).round(); // with ties
      Tensor values = rows.to(kFloat64);
      Tensor amax = rows.amax(1), amin = rows.amin(1), argmax = rows.argmax(1),
             argmin = rows.argmin(1), inf_norm = rows.norm(INFINITY, {1}), sums = rows.sum(1),
             one_norm = rows.norm(1, {1}), two_norm = rows.norm(2, {1});
      for (int64_t r = 0; r < count; ++r) {
        const double *x = values.data_ptr<double>() + r * length;
        double max = x[0], min = x[0], sum = 0, abs_sum = 0, squares = 0;
        int64_t first_max = 0, first_min = 0;
        for (int64_t i = 0; i < length; ++i) {
          first_max = x[i] > max ? i : first_max;
          first_min = x[i] < min ? i : first_min;
          max = std::max(max, x[i]);
          min = std::min(min, x[i]);
          sum += x[i];
          abs_sum += std::abs(x[i]);
          squares += x[i] * x[i];
        }
        const std::string where = "row " + std::to_string(r) + " of length " +
                                  std::to_string(length) + ", " + std::string(dtype_name(type));
        EXPECT_EQ(amax[r].item<double>(), max) << where;
        EXPECT_EQ(argmax[r].item<int64_t>(), first_max) << where;
        EXPECT_EQ(argmin[r].item<int64_t>(), first_min) << where;
        EXPECT_EQ(amin[r].item<double>(), min) << where;
        EXPECT_EQ(inf_norm[r].item<double>(), std::max(std::abs(max), std::abs(min))) << where;
        EXPECT_NEAR(sums[r].item<double>(), sum, 1e-5 * length) << where;
        // Together or alone, a row's sum is added in the same order.
        Tensor noise = rows[r] + randn({length}, dtype(type));
        EXPECT_EQ(noise.unsqueeze(0).expand({count, length}).contiguous().sum(1)[r].item<double>(),
                  noise.sum().item<double>())
            << where;
        EXPECT_NEAR(one_norm[r].item<double>(), abs_sum, 1e-5 * length) << where;
        EXPECT_NEAR(two_norm[r].item<double>(), std::sqrt(squares), 1e-5 * length) << where;
      }
      for (int64_t at = 0; at < length; ++at) {
        Tensor with_nan = rows.clone();
        with_nan.select(0, 1).narrow(0, at, 1).fill_(kNaN);
        const std::string where =
            "NaN at " + std::to_string(at) + " of length " + std::to_string(length);
        EXPECT_TRUE(std::isnan(with_nan.amax(1)[1].item<double>())) << where;
        EXPECT_EQ(with_nan.argmax(1)[1].item<int64_t>(), at) << where;
        EXPECT_EQ(with_nan.argmin(1)[1].item<int64_t>(), at) << where;
        EXPECT_TRUE(std::isnan(with_nan.amin(1)[1].item<double>())) << where;
        EXPECT_TRUE(std::isnan(with_nan.norm(-INFINITY, {1})[1].item<double>())) << where;
        EXPECT_FALSE(std::isnan(with_nan.amax(1)[0].item<double>())) << where;
      }
    }
  }
}

// The rows loop batches rows within each run of outputs along the innermost kept dim. Kept dims
// that do not merge (runs of 6 here, so each ends with rows reduced alone) and broadcast rows
// (stride 0) must give exactly what the same rows give contiguous.
TEST(Reduce, RowsInShortRunsOfOutputsMatchContiguousRows) {
  for (DType type : {kFloat32, kFloat64}) {
    for (int64_t length : {1, 5, 16, 17, 40, 128}) {
      Tensor sliced = randn({5, 7, length}, dtype(type)).slice(1, 0, 6);
      Tensor broadcast = randn({1, length}, dtype(type)).expand({11, length});
      for (const Tensor &x : {sliced, broadcast}) {
        Tensor c = x.contiguous();
        const std::string where = "length " + std::to_string(length) + ", " +
                                  std::string(dtype_name(type)) + ", strides " +
                                  std::to_string(x.stride(0));
        EXPECT_TRUE(equal(x.sum(-1), c.sum(-1))) << where;
        EXPECT_TRUE(equal(x.amax(-1), c.amax(-1))) << where;
        EXPECT_TRUE(equal(x.argmin(-1), c.argmin(-1))) << where;
        EXPECT_TRUE(equal(x.norm(2, {-1}), c.norm(2, {-1}))) << where;
        EXPECT_TRUE(equal(x.prod(-1), c.prod(-1))) << where;
      }
    }
  }
}

// Scans along an outer dim go across blocks of adjacent lines (64 at a time, then the rest), the
// others line by line; either way each line is the running sum (product) of a plain loop.
TEST(Reduce, ScansAlongEveryDimMatchAPlainLoop) {
  Tensor x = randn({3, 150, 4}, dtype(kFloat64));
  for (const Tensor &input : {x, x.permute({2, 0, 1}), x.slice(1, 0, 150, 2)}) {
    for (int64_t dim = 0; dim < 3; ++dim) {
      Tensor sums = input.cumsum(dim), products = input.cumprod(dim);
      Tensor lines = input.movedim(dim, -1).contiguous().view({-1, input.size(dim)});
      Tensor sum_lines = sums.movedim(dim, -1).contiguous().view({-1, input.size(dim)});
      Tensor product_lines = products.movedim(dim, -1).contiguous().view({-1, input.size(dim)});
      for (int64_t line = 0; line < lines.size(0); ++line) {
        double sum = 0, product = 1;
        for (int64_t i = 0; i < lines.size(1); ++i) {
          sum += lines[line][i].item<double>();
          product *= lines[line][i].item<double>();
          ASSERT_EQ(sum_lines[line][i].item<double>(), sum) << "dim " << dim << ", line " << line;
          ASSERT_EQ(product_lines[line][i].item<double>(), product)
              << "dim " << dim << ", line " << line;
        }
      }
    }
  }
}

// Reductions over an outer and the innermost dim with kept dims between them (sum over (0, 2) of
// [N, C, L]) walk the input an outer position at a time; they must agree with the same
// reduction of rows gathered per output, keepdim, strided and with a NaN.
TEST(Reduce, OuterAndInnerDimsAroundKeptDims) {
  Tensor x = randn({6, 9, 5, 37}, dtype(kFloat64));
  struct Case {
    Tensor input;
    std::vector<int64_t> dims;
  };
  for (const Case &c : {Case{x, {0, 3}}, Case{x, {0, 2, 3}}, Case{x.slice(1, 0, 9, 2), {0, 3}},
                        Case{x.narrow(3, 1, 30), {0, 1, 3}}}) {
    // The kept dims first, then the reduced ones flattened into rows: a plain row reduction.
    std::vector<int64_t> order, kept_sizes;
    for (int64_t d = 0; d < 4; ++d)
      if (std::find(c.dims.begin(), c.dims.end(), d) == c.dims.end()) {
        order.push_back(d);
        kept_sizes.push_back(c.input.size(d));
      }
    order.insert(order.end(), c.dims.begin(), c.dims.end());
    Tensor rows =
        c.input.permute(order).contiguous().flatten(static_cast<int64_t>(kept_sizes.size()));
    const std::string where = "dims " + std::to_string(c.dims.size()) + " of input strides " +
                              std::to_string(c.input.stride(1));
    expect_close(c.input.sum(c.dims), rows.sum(-1), 1e-12, 1e-12);
    expect_close(c.input.mean(c.dims, true).squeeze(), rows.mean(-1).squeeze(), 1e-12, 1e-12);
    EXPECT_TRUE(equal(c.input.amax(c.dims), rows.amax(-1))) << where;
    EXPECT_TRUE(equal(c.input.amin(c.dims), rows.amin(-1))) << where;
    expect_close(c.input.norm(2, c.dims), rows.norm(2, {-1}), 1e-12, 1e-12);
    Tensor with_nan = c.input.clone();
    with_nan.narrow(0, 1, 1).narrow(1, 2, 1).narrow(2, 3, 1).narrow(3, 4, 1).fill_(kNaN);
    EXPECT_EQ(isnan(with_nan.amax(c.dims)).sum().item<int64_t>(), 1) << where;
  }
}

// Reductions over rows of a block of columns go a few column vectors at a time in registers, the
// last one partial; each column must equal a plain loop, at widths around the vector width and
// its multiples, with row counts that leave rows after the last full set and span chunks.
TEST(Reduce, ColumnReductionsMatchAPlainLoopAtEveryWidth) {
  for (DType type : {kFloat32, kFloat64}) {
    for (int64_t width : {2, 3, 7, 8, 10, 15, 16, 17, 31, 33, 64, 65, 100, 129, 200}) {
      for (int64_t count : {1, 6, 303}) {
        Tensor columns = (randn({count, width}, dtype(type)) * 3).round();
        Tensor values = columns.to(kFloat64);
        Tensor amax = columns.amax(0), amin = columns.amin(0), sums = columns.sum(0),
               means = columns.mean(0), norms = columns.norm(2, {0});
        for (int64_t j = 0; j < width; ++j) {
          double max = -INFINITY, min = INFINITY, sum = 0, squares = 0;
          for (int64_t r = 0; r < count; ++r) {
            const double x = values.data_ptr<double>()[r * width + j];
            max = std::max(max, x);
            min = std::min(min, x);
            sum += x;
            squares += x * x;
          }
          const std::string where = "column " + std::to_string(j) + " of " + std::to_string(count) +
                                    " x " + std::to_string(width) + ", " +
                                    std::string(dtype_name(type));
          EXPECT_EQ(amax[j].item<double>(), max) << where;
          EXPECT_EQ(amin[j].item<double>(), min) << where;
          EXPECT_NEAR(sums[j].item<double>(), sum, 1e-5 * count) << where;
          EXPECT_NEAR(means[j].item<double>(), sum / count, 1e-5) << where;
          EXPECT_NEAR(norms[j].item<double>(), std::sqrt(squares), 1e-5 * count) << where;
        }
        Tensor with_nan = columns.clone();
        with_nan.narrow(0, count / 2, 1).narrow(1, width - 1, 1).fill_(kNaN);
        EXPECT_TRUE(std::isnan(with_nan.amax(0)[width - 1].item<double>())) << width;
        EXPECT_TRUE(std::isnan(with_nan.amin(0)[width - 1].item<double>())) << width;
        EXPECT_FALSE(std::isnan(with_nan.amax(0)[0].item<double>())) << width;
      }
    }
  }
}

TEST(Reduce, Float32SumsAreAccurate) {
  Tensor tenths = full({3000000}, 0.1, dtype(kFloat32));
  // Exact sum of the float32 value nearest 0.1, times the count.
  // Constant data is the worst case for rounding bias: one float32 accumulator would be off by
  // about 1% here; lanes, chunks and tree merges keep the error near 1e-5 relative.
  EXPECT_NEAR(tenths.sum().item<double>(), 3000000 * static_cast<double>(0.1f), 3.0);
  EXPECT_NEAR(tenths.view({3000, 1000}).sum(1)[0].item<double>(), 100, 1e-3);
  EXPECT_NEAR(tenths.view({1000, 3000}).sum(0)[0].item<double>(), 100, 1e-3);
}

TEST(Reduce, Gradcheck) {
  using autograd::gradcheck;
  Tensor x = grad_input({3, 4, 2});
  Tensor xt = grad_input({4, 3}).t(); // non-contiguous
  auto check = [&](const std::function<Tensor(const Tensor &)> &fn) {
    for (const Tensor &input : {x, xt})
      EXPECT_TRUE(gradcheck([&](const TensorList &in) { return one(fn(in[0])); }, {input}))
          << "input shape " << IntArrayRef(input.sizes());
  };
  check([](const Tensor &t) { return t.sum(); });
  check([](const Tensor &t) { return t.sum({0, -1}); });
  check([](const Tensor &t) { return t.mean(1, true); });
  check([](const Tensor &t) { return t.prod(); });
  check([](const Tensor &t) { return t.prod(0); });
  check([](const Tensor &t) { return t.max(); });
  check([](const Tensor &t) { return std::get<0>(t.max(1)); });
  check([](const Tensor &t) { return std::get<0>(t.min(0, true)); });
  check([](const Tensor &t) { return t.min(); });
  check([](const Tensor &t) { return t.amax(0); });
  check([](const Tensor &t) { return t.amin({0, 1}, true); });
  check([](const Tensor &t) { return t.var(0); });
  check([](const Tensor &t) { return t.std({}, 0); });
  check([](const Tensor &t) { return std::get<1>(var_mean(t, {1})); });
  check([](const Tensor &t) { return t.logsumexp(0); });
  check([](const Tensor &t) { return t.norm(); });
  check([](const Tensor &t) { return t.norm(1, {0}); });
  check([](const Tensor &t) { return t.norm(3, {1}, true); });
  check([](const Tensor &t) { return t.norm(std::numeric_limits<double>::infinity(), {0}); });
  check([](const Tensor &t) { return t.cumsum(0); });
  check([](const Tensor &t) { return t.cumprod(1); });
  check([](const Tensor &t) {
    Shape broadcast = t.sizes();
    broadcast.insert(broadcast.begin(), 2);
    return sum_to(t.expand(broadcast), {1, t.size(-1)});
  });
  // Inputs with zeros exercise the division-free prod and cumprod gradients.
  Tensor zero_row = make({0.5, 0, 2, -1, 0, 0, 1.5, 0.7, 3}, {3, 3}).requires_grad_();
  auto check_at = [&](const std::function<Tensor(const Tensor &)> &fn) {
    EXPECT_TRUE(gradcheck([&](const TensorList &in) { return one(fn(in[0])); }, {zero_row}));
  };
  check_at([](const Tensor &t) { return t.prod(1); });
  check_at([](const Tensor &t) { return t.prod(0); });
  check_at([](const Tensor &t) { return t.cumprod(1); });
}

TEST(Reduce, Gradgradcheck) {
  using autograd::gradgradcheck;
  Tensor x = grad_input({3, 4});
  Tensor xt = grad_input({4, 3}).t();
  auto check = [&](const std::function<Tensor(const Tensor &)> &fn) {
    for (const Tensor &input : {x, xt})
      EXPECT_TRUE(gradgradcheck([&](const TensorList &in) { return one(fn(in[0])); }, {input}));
  };
  check([](const Tensor &t) { return t.sum(0); });
  check([](const Tensor &t) { return t.mean(); });
  check([](const Tensor &t) { return t.var(1); });
  check([](const Tensor &t) { return t.logsumexp(1); });
  check([](const Tensor &t) { return t.norm(); });
  check([](const Tensor &t) { return t.norm(3, {0}); });
  check([](const Tensor &t) { return t.prod(1); });
  check([](const Tensor &t) { return t.cumsum(1); });
}

TEST(Reduce, GradientValuesMatchTorch) {
  Tensor y = make({1, 0, 2, 3, 0, 0, 2, 1, 2, 2, 2, 2}, {3, 4}).requires_grad_();
  y.prod(1).sum().backward();
  expect_close(y.grad(), make({0, 6, 0, 0, 0, 0, 0, 0, 8, 8, 8, 8}, {3, 4}));
  y.mutable_grad() = Tensor();
  y.prod().backward();
  expect_close(y.grad(), zeros({3, 4}, dtype(kFloat64)));

  Tensor z = make({1, 0, 2, 3, 0.5, 0, 2, 0}, {2, 4}).requires_grad_();
  z.cumprod(1).backward(make({1, 2, 3, 4, 0.5, -1, 2, 1}, {2, 4}));
  expect_close(z.grad(), make({1, 32, 0, 0, 0.5, 1.5, 0, 0}, {2, 4}));

  // amax and max() split the gradient among ties; max(dim) gives it to the first index.
  Tensor w = make({1, 3, 3, 2, 2, 1}, {2, 3}).requires_grad_();
  w.amax(1).sum().backward();
  expect_close(w.grad(), make({0, 0.5, 0.5, 0.5, 0.5, 0}, {2, 3}));
  w.mutable_grad() = Tensor();
  w.max().backward();
  expect_close(w.grad(), make({0, 0.5, 0.5, 0, 0, 0}, {2, 3}));
  w.mutable_grad() = Tensor();
  std::get<0>(w.max(1)).sum().backward();
  expect_close(w.grad(), make({0, 1, 0, 1, 0, 0}, {2, 3}));
}

TEST(Reduce, ErrorMessages) {
  Tensor x = zeros({2, 3});
  EXPECT_THROW_WITH(x.sum(2), "sum: dimension out of range (expected to be in range of [-2, 1], "
                              "but got 2)");
  EXPECT_THROW_WITH(x.amax(-3), "amax: dimension out of range");
  EXPECT_THROW_WITH(x.max(5), "max: dimension out of range");
  EXPECT_THROW_WITH(x.cumsum(2), "cumsum: dimension out of range");
  EXPECT_THROW_WITH(x.sum({1, -1}), "sum: dim 1 appears multiple times in the list of dims");
  EXPECT_THROW_WITH(x.mean({0, 0}), "appears multiple times");
  EXPECT_THROW_WITH(zeros({0}).max(), "max: Expected reduction dim to be specified");
}
