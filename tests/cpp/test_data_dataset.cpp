// Datasets and samplers: TensorDataset, Subset, ConcatDataset, random_split and every sampler.
#include <algorithm>
#include <numeric>
#include <set>

#include "ember/data.h"
#include "test_util.h"

using namespace ember;
using namespace ember::data;
using ember::testing::make;

namespace {
std::shared_ptr<TensorDataset> range_dataset(int64_t n) {
  return std::make_shared<TensorDataset>(arange(n, dtype(kFloat32)).reshape({n, 1}),
                                         arange(n, dtype(kInt64)) * 10);
}

std::vector<int64_t> sorted(std::vector<int64_t> values) {
  std::sort(values.begin(), values.end());
  return values;
}

std::vector<int64_t> iota(int64_t n) {
  std::vector<int64_t> values(static_cast<size_t>(n));
  std::iota(values.begin(), values.end(), int64_t{0});
  return values;
}
} // namespace

TEST(DataDataset, TensorDatasetGetAndGatherBatch) {
  auto dataset = range_dataset(5);
  EXPECT_EQ(dataset->size(), 5);
  Example example = dataset->get(3);
  EXPECT_EQ(example.data.sizes(), (Shape{1}));
  EXPECT_EQ(example.data.item<float>(), 3.0f);
  EXPECT_EQ(example.target.item<int64_t>(), 30);
  std::optional<Example> batch = dataset->get_batch({4, 0, 2});
  ASSERT_TRUE(batch.has_value());
  ember::testing::expect_close(batch->data, make({4, 0, 2}, {3, 1}));
  ember::testing::expect_close(batch->target, make({40, 0, 20}, {3}));
  EXPECT_EQ(batch->target.dtype(), kInt64);
  EXPECT_THROW_WITH(dataset->get(5), "index 5 is out of range for a dataset of size 5");
  EXPECT_THROW(dataset->get(-1), IndexError);
  EXPECT_THROW_WITH(TensorDataset(zeros({3, 2}), zeros({4})), "data has 3 rows");
}

TEST(DataDataset, SubsetAndConcat) {
  auto dataset = range_dataset(6);
  Subset subset(dataset, {5, 1, 3});
  EXPECT_EQ(subset.size(), 3);
  EXPECT_EQ(subset.get(0).target.item<int64_t>(), 50);
  EXPECT_EQ(subset.get(2).target.item<int64_t>(), 30);
  ember::testing::expect_close(subset.get_batch({2, 0})->target, make({30, 50}, {2}));
  EXPECT_THROW_WITH(Subset(dataset, {6}), "Subset: index 6 is out of range");

  ConcatDataset concat({dataset, std::make_shared<Subset>(subset)});
  EXPECT_EQ(concat.size(), 9);
  EXPECT_EQ(concat.cumulative_sizes(), (std::vector<int64_t>{6, 9}));
  EXPECT_EQ(concat.get(5).target.item<int64_t>(), 50);
  EXPECT_EQ(concat.get(6).target.item<int64_t>(), 50);
  EXPECT_EQ(concat.get(8).target.item<int64_t>(), 30);
  EXPECT_THROW(concat.get(9), IndexError);
}

TEST(DataDataset, RandomSplitCountsFractionsAndSeed) {
  auto dataset = range_dataset(11);
  Generator generator(7);
  auto splits = random_split(dataset, {3, 8}, generator);
  ASSERT_EQ(splits.size(), 2u);
  EXPECT_EQ(splits[0]->size(), 3);
  EXPECT_EQ(splits[1]->size(), 8);
  std::vector<int64_t> all = splits[0]->indices();
  all.insert(all.end(), splits[1]->indices().begin(), splits[1]->indices().end());
  EXPECT_EQ(sorted(all), iota(11)); // disjoint and complete

  // torch: floor(11 * 0.5) = 5 each, the remaining example goes to the first split.
  auto halves = random_split(dataset, {0.5, 0.5}, generator);
  EXPECT_EQ(halves[0]->size(), 6);
  EXPECT_EQ(halves[1]->size(), 5);
  auto thirds = random_split(range_dataset(10), {0.3, 0.3, 0.4}, generator);
  EXPECT_EQ(thirds[0]->size(), 3);
  EXPECT_EQ(thirds[1]->size(), 3);
  EXPECT_EQ(thirds[2]->size(), 4);

  Generator a(123), b(123);
  EXPECT_EQ(random_split(dataset, {5, 6}, a)[0]->indices(),
            random_split(dataset, {5, 6}, b)[0]->indices());
  EXPECT_THROW_WITH(random_split(dataset, {5, 5}, generator), "add up to 10");
}

TEST(DataSampler, SequentialAndRandomPermutations) {
  EXPECT_EQ(SequentialSampler(4).indices(), iota(4));
  RandomSampler sampler(50, false, std::nullopt, std::make_shared<Generator>(3));
  const std::vector<int64_t> first = sampler.indices();
  const std::vector<int64_t> second = sampler.indices();
  EXPECT_EQ(sorted(first), iota(50));
  EXPECT_EQ(sorted(second), iota(50));
  EXPECT_NE(first, second); // a new order each epoch
  RandomSampler replay(50, false, std::nullopt, std::make_shared<Generator>(3));
  EXPECT_EQ(replay.indices(), first); // same seed, same order

  // More samples than items without replacement: whole permutations back to back.
  RandomSampler longer(4, false, 10, std::make_shared<Generator>(1));
  const std::vector<int64_t> drawn = longer.indices();
  ASSERT_EQ(drawn.size(), 10u);
  EXPECT_EQ(sorted({drawn.begin(), drawn.begin() + 4}), iota(4));
  EXPECT_EQ(sorted({drawn.begin() + 4, drawn.begin() + 8}), iota(4));
}

TEST(DataSampler, RandomWithReplacementCoversRange) {
  RandomSampler sampler(5, true, 2000, std::make_shared<Generator>(9));
  EXPECT_EQ(sampler.size(), 2000);
  std::vector<int64_t> counts(5);
  for (int64_t index : sampler.indices()) {
    ASSERT_TRUE(index >= 0 && index < 5);
    ++counts[index];
  }
  for (int64_t count : counts)
    EXPECT_NEAR(count, 400, 80);
  EXPECT_THROW_WITH(RandomSampler(3, false, 0), "num_samples should be a positive integer");
}

TEST(DataSampler, SubsetRandomAndWeighted) {
  SubsetRandomSampler subset({10, 20, 30}, std::make_shared<Generator>(2));
  EXPECT_EQ(sorted(subset.indices()), (std::vector<int64_t>{10, 20, 30}));

  WeightedRandomSampler weighted({1, 0, 3}, 4000, true, std::make_shared<Generator>(5));
  std::vector<int64_t> counts(3);
  for (int64_t index : weighted.indices())
    ++counts[index];
  EXPECT_EQ(counts[1], 0); // zero weight, never drawn
  EXPECT_NEAR(counts[2] / static_cast<double>(counts[0]), 3.0, 0.4);

  WeightedRandomSampler distinct({1, 1, 5, 0, 2}, 4, false, std::make_shared<Generator>(5));
  const std::vector<int64_t> drawn = distinct.indices();
  EXPECT_EQ(sorted(drawn), (std::vector<int64_t>{0, 1, 2, 4}));
  EXPECT_THROW_WITH(WeightedRandomSampler({1, 0}, 2, false), "without replacement");
  EXPECT_THROW_WITH(WeightedRandomSampler({1, -1}, 2), "non-negative");
}

TEST(DataSampler, BatchSamplerDropLast) {
  auto sequential = std::make_shared<SequentialSampler>(7);
  BatchSampler keep(sequential, 3, false);
  EXPECT_EQ(keep.size(), 3);
  const auto batches = keep.batches();
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[2], (std::vector<int64_t>{6}));
  BatchSampler drop(sequential, 3, true);
  EXPECT_EQ(drop.size(), 2);
  EXPECT_EQ(drop.batches().size(), 2u);
  EXPECT_THROW_WITH(BatchSampler(sequential, 0, false), "batch_size should be a positive");
}
