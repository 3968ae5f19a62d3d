// Tests of the Philox generator and the random ops: reproducibility, independence from the thread
// count, statistical sanity, state save/restore and error messages.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <vector>

#include "test_util.h"

namespace ember {
namespace {

using ember::testing::make;

// Bitwise equality of two tensors of the same dtype and shape (NaN-safe, layout-independent).
bool same_bits(const Tensor &a, const Tensor &b) {
  if (a.dtype() != b.dtype() || a.sizes() != b.sizes())
    return false;
  Tensor ca = a.contiguous();
  Tensor cb = b.contiguous();
  return std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.nbytes()) == 0;
}

std::vector<double> values_of(const Tensor &t) {
  Tensor d = t.to(kFloat64).contiguous();
  const double *p = d.data_ptr<double>();
  return std::vector<double>(p, p + d.numel());
}

struct Moments {
  double mean;
  double std;
};

Moments moments(const std::vector<double> &values) {
  double sum = 0;
  for (double v : values)
    sum += v;
  const double mean = sum / values.size();
  double squares = 0;
  for (double v : values)
    squares += (v - mean) * (v - mean);
  return {mean, std::sqrt(squares / (values.size() - 1))};
}

// Restores the thread count a test changes.
class ThreadCountGuard {
public:
  ThreadCountGuard() : saved_(get_num_threads()) {}
  ~ThreadCountGuard() { set_num_threads(saved_); }

private:
  int saved_;
};

TEST(Random, PhiloxKnownAnswer) {
  // Philox4x32-10 with key 0 and counter 0 gives 0x6627e8d5 first (Random123's test vector);
  // rand keeps its top 24 bits.
  Generator generator(0);
  Tensor first = rand({1}, generator, dtype(kFloat32));
  EXPECT_EQ(first.item<float>(), static_cast<float>(0x6627e8d5u >> 8) * 0x1.0p-24f);
}

TEST(Random, SameSeedSameNumbers) {
  manual_seed(1234);
  Tensor a = rand({1000});
  Tensor b = randn({7, 11}, dtype(kFloat64));
  manual_seed(1234);
  EXPECT_TRUE(same_bits(a, rand({1000})));
  EXPECT_TRUE(same_bits(b, randn({7, 11}, dtype(kFloat64))));

  Generator g1(99), g2(99);
  EXPECT_TRUE(same_bits(randn({513}, g1), randn({513}, g2)));
}

TEST(Random, DifferentSeedsDiffer) {
  Generator g1(1), g2(2);
  Tensor a = rand({1000}, g1);
  Tensor b = rand({1000}, g2);
  EXPECT_FALSE(same_bits(a, b));
  // Consecutive fills of one generator differ too.
  EXPECT_FALSE(same_bits(rand({1000}, g1), a));
}

TEST(Random, ReserveCountersAdvancesOffset) {
  Generator generator(5);
  rand({10}, generator, dtype(kFloat32)); // 4 values per block -> 3 blocks
  EXPECT_EQ(generator.get_state().offset, 3u);
  rand({3}, generator, dtype(kFloat64)); // 2 values per block -> 2 blocks
  EXPECT_EQ(generator.get_state().offset, 5u);
  EXPECT_EQ(generator.reserve_counters(4), 5u);
  EXPECT_EQ(generator.get_state().offset, 9u);
}

TEST(Random, SameResultsForAnyThreadCount) {
  ThreadCountGuard guard;
  auto draw = [] {
    manual_seed(42);
    TensorList out;
    out.push_back(rand({(1 << 21) + 3}));
    out.push_back(randn({(1 << 20) + 1}, dtype(kFloat64)));
    out.push_back(randint(0, 1000, {(1 << 20) + 5}));
    out.push_back(bernoulli(full({1 << 20}, 0.3)));
    out.push_back(multinomial(full({64, 5000}, 1.0), 100, false));
    out.push_back(multinomial(full({64, 5000}, 1.0), 1000, true));
    return out;
  };
  set_num_threads(1);
  TensorList one = draw();
  set_num_threads(2);
  TensorList two = draw();
  for (size_t i = 0; i < one.size(); ++i)
    EXPECT_TRUE(same_bits(one[i], two[i])) << "output " << i;
}

TEST(Random, UniformRangeAndMoments) {
  manual_seed(0);
  for (DType type : {kFloat32, kFloat64}) {
    std::vector<double> v = values_of(rand({1 << 20}, dtype(type)));
    EXPECT_GE(*std::min_element(v.begin(), v.end()), 0.0);
    EXPECT_LT(*std::max_element(v.begin(), v.end()), 1.0);
    Moments m = moments(v);
    EXPECT_NEAR(m.mean, 0.5, 0.002) << type; // standard error ~0.0003
    EXPECT_NEAR(m.std, std::sqrt(1.0 / 12), 0.002) << type;
  }
  Tensor t = empty({100000});
  t.uniform_(-2, 3);
  std::vector<double> v = values_of(t);
  EXPECT_GE(*std::min_element(v.begin(), v.end()), -2.0);
  EXPECT_LT(*std::max_element(v.begin(), v.end()), 3.0);
  EXPECT_NEAR(moments(v).mean, 0.5, 0.03);
}

TEST(Random, HalfPrecisionUniformStaysBelowOne) {
  for (DType type : {kFloat16, kBFloat16}) {
    std::vector<double> v = values_of(rand({100000}, dtype(type)));
    EXPECT_GE(*std::min_element(v.begin(), v.end()), 0.0) << type;
    EXPECT_LT(*std::max_element(v.begin(), v.end()), 1.0) << type;
  }
}

TEST(Random, NormalMoments) {
  manual_seed(3);
  for (DType type : {kFloat32, kFloat64}) {
    Moments m = moments(values_of(randn({1 << 20}, dtype(type))));
    EXPECT_NEAR(m.mean, 0.0, 0.005) << type; // standard error ~0.001
    EXPECT_NEAR(m.std, 1.0, 0.005) << type;
  }
  Moments shifted = moments(values_of(normal(3.0, 2.0, {1 << 20})));
  EXPECT_NEAR(shifted.mean, 3.0, 0.01);
  EXPECT_NEAR(shifted.std, 2.0, 0.01);
  Tensor t = empty({1 << 20}, dtype(kFloat64));
  t.normal_(-1.0, 0.5);
  Moments in_place = moments(values_of(t));
  EXPECT_NEAR(in_place.mean, -1.0, 0.003);
  EXPECT_NEAR(in_place.std, 0.5, 0.003);
}

TEST(Random, NormalTailsArePlausible) {
  // About 0.27% of standard normals fall beyond 3 sigma.
  std::vector<double> v = values_of(randn({1 << 20}));
  const auto beyond = std::count_if(v.begin(), v.end(), [](double x) { return std::abs(x) > 3; });
  EXPECT_NEAR(static_cast<double>(beyond) / v.size(), 0.0027, 0.0005);
}

TEST(Random, LikeVariantsKeepDtypeAndShape) {
  Tensor base = zeros({3, 5}, dtype(kFloat64));
  Tensor u = rand_like(base);
  Tensor n = randn_like(base, dtype(kFloat32));
  EXPECT_EQ(u.dtype(), kFloat64);
  EXPECT_EQ(u.sizes(), base.sizes());
  EXPECT_EQ(n.dtype(), kFloat32);
  Tensor leaf = randn({4}, requires_grad());
  EXPECT_TRUE(leaf.requires_grad());
  EXPECT_TRUE(leaf.is_leaf());
}

TEST(Random, RandintRangeAndFrequencies) {
  manual_seed(11);
  Tensor r = randint(-3, 4, {70000});
  EXPECT_EQ(r.dtype(), kInt64);
  const int64_t *p = r.data_ptr<int64_t>();
  std::vector<int64_t> counts(7, 0);
  for (int64_t i = 0; i < r.numel(); ++i) {
    ASSERT_GE(p[i], -3);
    ASSERT_LT(p[i], 4);
    ++counts[p[i] + 3];
  }
  for (int64_t c : counts)
    EXPECT_NEAR(c, 10000, 500); // sigma ~93
  Tensor small = randint(5, {1000}, dtype(kInt32));
  EXPECT_EQ(small.dtype(), kInt32);
  const int32_t *q = small.data_ptr<int32_t>();
  EXPECT_EQ(*std::min_element(q, q + 1000), 0);
  EXPECT_EQ(*std::max_element(q, q + 1000), 4);
  // The full int64 range must not overflow.
  randint(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), {16});
}

TEST(Random, RandpermIsAPermutation) {
  manual_seed(5);
  Tensor perm = randperm(1000);
  EXPECT_EQ(perm.dtype(), kInt64);
  std::vector<int64_t> values(perm.data_ptr<int64_t>(), perm.data_ptr<int64_t>() + 1000);
  std::vector<int64_t> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 1000; ++i)
    ASSERT_EQ(sorted[i], i);
  EXPECT_FALSE(std::is_sorted(values.begin(), values.end()));
  manual_seed(5);
  EXPECT_TRUE(same_bits(perm, randperm(1000)));
  EXPECT_EQ(randperm(0).numel(), 0);
  EXPECT_EQ(randperm(1).item<int64_t>(), 0);
  EXPECT_EQ(randperm(10, dtype(kFloat32)).dtype(), kFloat32);
}

TEST(Random, RandpermPositionsAreUniform) {
  // Where element 0 lands over many permutations of 4: each position about 1/4 of the time.
  manual_seed(8);
  std::vector<int> where(4, 0);
  for (int trial = 0; trial < 8000; ++trial) {
    Tensor perm = randperm(4);
    const int64_t *p = perm.data_ptr<int64_t>();
    ++where[std::find(p, p + 4, 0) - p];
  }
  for (int count : where)
    EXPECT_NEAR(count, 2000, 200); // sigma ~39
}

TEST(Random, BernoulliMean) {
  manual_seed(21);
  Tensor p = full({1 << 20}, 0.3, dtype(kFloat64));
  Tensor draws = bernoulli(p);
  EXPECT_EQ(draws.dtype(), kFloat64);
  std::vector<double> v = values_of(draws);
  for (double x : v)
    ASSERT_TRUE(x == 0.0 || x == 1.0);
  EXPECT_NEAR(moments(v).mean, 0.3, 0.003);

  // Per-element probabilities: zeros and ones are exact.
  Tensor edges = bernoulli(make({0, 1, 0, 1}, {4}, kFloat32));
  EXPECT_EQ(edges.dtype(), kFloat32);
  EXPECT_EQ(values_of(edges), (std::vector<double>{0, 1, 0, 1}));

  Tensor ints = zeros({100000}, dtype(kInt64));
  ints.bernoulli_(0.25);
  EXPECT_NEAR(moments(values_of(ints)).mean, 0.25, 0.01);
  EXPECT_NEAR(moments(values_of(full({100000}, 0.75).bernoulli())).mean, 0.75, 0.01);

  Generator g1(3), g2(3);
  EXPECT_TRUE(same_bits(bernoulli(p, g1), bernoulli(p, g2)));
}

TEST(Random, MultinomialWithoutReplacementGivesDistinctIndices) {
  manual_seed(17);
  Tensor probs = rand({8, 10}) + 0.01;
  Tensor samples = multinomial(probs, 10, false);
  EXPECT_EQ(samples.sizes(), (Shape{8, 10}));
  EXPECT_EQ(samples.dtype(), kInt64);
  const int64_t *p = samples.data_ptr<int64_t>();
  for (int64_t r = 0; r < 8; ++r) {
    std::set<int64_t> distinct(p + r * 10, p + r * 10 + 10);
    EXPECT_EQ(distinct.size(), 10u) << "row " << r;
    EXPECT_EQ(*distinct.begin(), 0);
    EXPECT_EQ(*distinct.rbegin(), 9);
  }
  // Zero-weight categories are never drawn.
  Tensor sparse = make({0, 5, 0, 1, 0}, {5});
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<double> picks = values_of(multinomial(sparse, 2, false));
    std::sort(picks.begin(), picks.end());
    EXPECT_EQ(picks, (std::vector<double>{1, 3}));
  }
}

TEST(Random, MultinomialFirstPickFollowsWeights) {
  manual_seed(19);
  // Without replacement the first pick is still drawn proportionally to the weights.
  Tensor weights = make({1, 2, 3, 4}, {1, 4}).expand({20000, 4}).contiguous();
  Tensor picks = multinomial(weights, 2, false);
  std::vector<int> counts(4, 0);
  const int64_t *p = picks.data_ptr<int64_t>();
  for (int64_t r = 0; r < 20000; ++r)
    ++counts[p[r * 2]];
  for (int c = 0; c < 4; ++c)
    EXPECT_NEAR(counts[c], 2000.0 * (c + 1), 300) << "category " << c;
}

TEST(Random, MultinomialWithReplacementFrequencies) {
  manual_seed(23);
  Tensor samples = multinomial(make({1, 0, 2, 3, 4}, {5}, kFloat32), 200000, true);
  EXPECT_EQ(samples.sizes(), (Shape{200000}));
  std::vector<int> counts(5, 0);
  const int64_t *p = samples.data_ptr<int64_t>();
  for (int64_t i = 0; i < samples.numel(); ++i)
    ++counts[p[i]];
  EXPECT_EQ(counts[1], 0);
  const double expected[5] = {0.1, 0, 0.2, 0.3, 0.4};
  for (int c = 0; c < 5; ++c)
    EXPECT_NEAR(counts[c] / 200000.0, expected[c], 0.005) << "category " << c;
}

TEST(Random, StateSaveRestoreReplays) {
  Generator generator(77);
  rand({100}, generator);
  Generator::State state = generator.get_state();
  Tensor a = randn({1000}, generator);
  Tensor b = rand({33}, generator, dtype(kFloat64));
  generator.set_state(state);
  EXPECT_TRUE(same_bits(a, randn({1000}, generator)));
  EXPECT_TRUE(same_bits(b, rand({33}, generator, dtype(kFloat64))));

  Generator::State saved = default_generator().get_state();
  Tensor c = randint(0, 100, {50});
  Tensor d = randperm(50);
  default_generator().set_state(saved);
  EXPECT_TRUE(same_bits(c, randint(0, 100, {50})));
  EXPECT_TRUE(same_bits(d, randperm(50)));

  generator.manual_seed(77);
  EXPECT_EQ(generator.initial_seed(), 77u);
  EXPECT_EQ(generator.get_state().offset, 0u);
}

TEST(Random, NonContiguousFillMatchesLogicalOrder) {
  // Element i in the row-major order of the view gets the i-th number, whatever the layout.
  Tensor base = zeros({6, 4});
  Tensor view = base.t();
  Generator::State state = default_generator().get_state();
  {
    NoGradGuard no_grad;
    view.uniform_();
  }
  default_generator().set_state(state);
  Tensor expected = rand({4, 6});
  EXPECT_TRUE(same_bits(view, expected));
}

TEST(Random, InPlaceFillBumpsVersion) {
  Tensor t = zeros({16});
  const uint32_t before = t._version();
  t.normal_();
  EXPECT_GT(t._version(), before);
}

TEST(Random, InPlaceFillOfTensorRequiringGrad) {
  Tensor w = zeros({8}, requires_grad());
  EXPECT_THROW_WITH(w.uniform_(), "uniform_: cannot fill a tensor that requires grad");
  NoGradGuard no_grad;
  w.normal_(); // allowed without grad mode, as nn.init does
  EXPECT_TRUE(w.requires_grad());
}

TEST(Random, ErrorMessages) {
  EXPECT_THROW_WITH(rand({3}, dtype(kInt64)), "rand: expected a floating point dtype, got int64");
  EXPECT_THROW_WITH(randn({3}, dtype(kInt32)), "randn: expected a floating point dtype");
  EXPECT_THROW_WITH(normal(0, -1, {3}), "normal: expected std >= 0");
  EXPECT_THROW_WITH(normal(0, 1, {3}, dtype(kBool)), "normal: expected a floating point dtype");
  EXPECT_THROW_WITH(zeros({3}, dtype(kInt64)).uniform_(), "uniform_: expected a floating point");
  EXPECT_THROW_WITH(zeros({3}).uniform_(1, 0), "uniform_: expected from <= to");
  EXPECT_THROW_WITH(zeros({3}).bernoulli_(1.5), "bernoulli_: expected 0 <= p <= 1");
  EXPECT_THROW_WITH(randint(5, 5, {3}), "randint: expected low < high");
  EXPECT_THROW_WITH(randint(0, 300, {3}, dtype(kUInt8)), "does not fit dtype uint8");
  EXPECT_THROW_WITH(randperm(-1), "randperm: expected n >= 0");
  EXPECT_THROW_WITH(randperm(300, dtype(kBFloat16)), "randperm: n=300 is too large");
  EXPECT_THROW_WITH(bernoulli(make({0.5, 2.0}, {2})), "bernoulli: expected all probabilities");
  EXPECT_THROW_WITH(bernoulli(zeros({2}, dtype(kInt64))), "bernoulli: expected a floating point");
  EXPECT_THROW_WITH(multinomial(make({1, -1, 2}, {3}), 1), "multinomial: row 0 has a negative");
  EXPECT_THROW_WITH(multinomial(make({1, 1, 0, 0}, {2, 2}), 1),
                    "multinomial: probabilities of row 1 sum to zero");
  EXPECT_THROW_WITH(multinomial(full({2, 2, 2}, 1.0), 1),
                    "multinomial: expected probs to be 1-D or 2-D");
  EXPECT_THROW_WITH(multinomial(full({3}, 1.0), 4), "cannot draw 4 samples without replacement");
  EXPECT_THROW_WITH(multinomial(make({1, 0, 0}, {3}), 2), "only 1 categories with nonzero");
  EXPECT_THROW_WITH(multinomial(full({3}, 1.0), 0), "multinomial: num_samples must be positive");
}

} // namespace
} // namespace ember
