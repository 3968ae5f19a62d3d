// DataLoader: batching, order independent of num_workers, determinism, early exit joining the
// workers, error propagation, iterable datasets and the wait-time counter.
#include <atomic>
#include <chrono>
#include <thread>

#include "ember/data.h"
#include "test_util.h"

using namespace ember;
using namespace ember::data;

namespace {

std::shared_ptr<TensorDataset> range_dataset(int64_t n) {
  return std::make_shared<TensorDataset>(arange(n, dtype(kFloat32)).reshape({n, 1}),
                                         arange(n, dtype(kInt64)));
}

// A map-style dataset with per-sample randomness and no batched path, counting get() calls and
// the calls in progress, which lets a test see whether worker threads are still running.
class CountingDataset : public Dataset {
public:
  explicit CountingDataset(int64_t n, int64_t fail_at = -1) : n_(n), fail_at_(fail_at) {}
  int64_t size() const override { return n_; }
  Example get(int64_t index) const override {
    ++calls;
    ++in_flight;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    --in_flight;
    EMBER_CHECK(index != fail_at_, "CountingDataset: failing on purpose at ", index);
    // The noise comes from the sample generator, as a random transform's would.
    Tensor noise = rand({2}, sample_generator());
    return {cat({full({1}, static_cast<double>(index)), noise}), scalar_tensor(index)};
  }
  mutable std::atomic<int64_t> calls = 0;
  mutable std::atomic<int64_t> in_flight = 0;

private:
  int64_t n_;
  int64_t fail_at_;
};

std::vector<Tensor> run_epoch(DataLoader &loader) {
  std::vector<Tensor> batches;
  for (Example &batch : loader)
    batches.push_back(batch.data);
  return batches;
}

void expect_same_batches(const std::vector<Tensor> &a, const std::vector<Tensor> &b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(equal(a[i], b[i])) << "batch " << i;
}

} // namespace

TEST(DataLoader, SequentialBatchesAndDropLast) {
  DataLoader loader(range_dataset(10), DataLoaderOptions().batch_size(4));
  EXPECT_EQ(loader.size(), 3);
  std::vector<Example> batches;
  for (Example &batch : loader)
    batches.push_back(batch);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].data.sizes(), (Shape{4, 1}));
  EXPECT_EQ(batches[2].data.sizes(), (Shape{2, 1}));
  EXPECT_EQ(batches[2].target[1].item<int64_t>(), 9);

  DataLoader dropping(range_dataset(10), DataLoaderOptions().batch_size(4).drop_last(true));
  EXPECT_EQ(dropping.size(), 2);
  EXPECT_EQ(run_epoch(dropping).size(), 2u);
}

TEST(DataLoader, ShuffleCoversEveryExampleAndIsSeeded) {
  auto options = DataLoaderOptions().batch_size(8).shuffle(true).seed(11);
  DataLoader loader(range_dataset(40), options);
  DataLoader replay(range_dataset(40), options);
  const std::vector<Tensor> epoch1 = run_epoch(loader);
  const std::vector<Tensor> epoch2 = run_epoch(loader);
  expect_same_batches(epoch1, run_epoch(replay));
  expect_same_batches(epoch2, run_epoch(replay));
  std::vector<float> seen;
  for (const Tensor &batch : epoch1)
    for (int64_t i = 0; i < batch.size(0); ++i)
      seen.push_back(batch[i][0].item<float>());
  std::sort(seen.begin(), seen.end());
  for (size_t i = 0; i < seen.size(); ++i)
    EXPECT_EQ(seen[i], static_cast<float>(i));
  EXPECT_FALSE(equal(epoch1[0], epoch2[0])); // reshuffled each epoch
}

TEST(DataLoader, SameBatchesWhateverNumWorkers) {
  auto dataset = std::make_shared<CountingDataset>(37);
  std::vector<Tensor> reference;
  for (int64_t workers : {0, 1, 3}) {
    DataLoader loader(dataset,
                      DataLoaderOptions().batch_size(5).shuffle(true).seed(4).num_workers(workers));
    const std::vector<Tensor> batches = run_epoch(loader);
    ASSERT_EQ(batches.size(), 8u);
    if (reference.empty())
      reference = batches;
    else
      expect_same_batches(batches, reference); // order and per-sample random noise alike
  }
}

TEST(DataLoader, BreakingOutJoinsTheWorkers) {
  auto dataset = std::make_shared<CountingDataset>(400);
  {
    DataLoader loader(dataset, DataLoaderOptions().batch_size(4).num_workers(3));
    int64_t seen = 0;
    for (Example &batch : loader) {
      EXPECT_EQ(batch.data.size(0), 4);
      if (++seen == 2)
        break;
    }
    // The loop's iterator is gone: the workers have been joined.
    EXPECT_EQ(dataset->in_flight.load(), 0);
    const int64_t calls = dataset->calls.load();
    EXPECT_LT(calls, 400); // prefetching stopped early
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(dataset->calls.load(), calls);
  }
  // Destroying the loader while an iterator is alive stops its epoch too.
  auto loader = std::make_unique<DataLoader>(dataset, DataLoaderOptions().num_workers(2));
  DataLoader::Iterator it = loader->begin();
  loader.reset();
  EXPECT_TRUE(it == DataLoader::Iterator());
  EXPECT_EQ(dataset->in_flight.load(), 0);
}

TEST(DataLoader, StartingANewEpochStopsTheOldOne) {
  auto dataset = std::make_shared<CountingDataset>(200);
  DataLoader loader(dataset, DataLoaderOptions().batch_size(2).num_workers(2));
  DataLoader::Iterator first = loader.begin();
  DataLoader::Iterator second = loader.begin();
  EXPECT_TRUE(first == loader.end());
  EXPECT_FALSE(second == loader.end());
  EXPECT_EQ((*second).data.size(0), 2);
}

TEST(DataLoader, ErrorsReachTheLoopInOrder) {
  for (int64_t workers : {0, 2}) {
    auto dataset = std::make_shared<CountingDataset>(20, 13);
    DataLoader loader(dataset, DataLoaderOptions().batch_size(4).num_workers(workers));
    int64_t batches = 0;
    EXPECT_THROW_WITH(
        for (Example &batch
             : loader) {
          (void)batch;
          ++batches;
        },
        "failing on purpose at 13");
    EXPECT_EQ(batches, 3); // batches 0-2 came out before batch 3 (indices 12-15) failed
    EXPECT_EQ(dataset->in_flight.load(), 0);
  }
}

TEST(DataLoader, CustomCollateAndSampler) {
  auto options = DataLoaderOptions()
                     .batch_size(3)
                     .sampler(std::make_shared<SubsetRandomSampler>(std::vector<int64_t>{1, 3, 5},
                                                                    std::make_shared<Generator>(0)))
                     .collate([](std::vector<Example> &&examples) {
                       Tensor total = zeros({1});
                       for (const Example &example : examples)
                         total = total + example.data;
                       return Example{total, {}};
                     });
  DataLoader loader(range_dataset(6), options);
  const std::vector<Tensor> batches = run_epoch(loader);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].item<float>(), 9.0f);
  EXPECT_THROW_WITH(DataLoader(range_dataset(6), DataLoaderOptions().shuffle(true).sampler(
                                                     std::make_shared<SequentialSampler>(6))),
                    "mutually exclusive");
  EXPECT_THROW_WITH(DataLoader(range_dataset(6), DataLoaderOptions().batch_size(0)),
                    "batch_size should be a positive integer");
}

namespace {
// Counts 0, 1, ..., n - 1.
class CountingStream : public IterableDataset {
public:
  explicit CountingStream(int64_t n) : n_(n) {}
  std::unique_ptr<ExampleStream> stream() const override {
    struct Stream : ExampleStream {
      int64_t next_value = 0, n;
      std::optional<Example> next() override {
        if (next_value == n)
          return std::nullopt;
        return Example{full({1}, static_cast<double>(next_value++)), {}};
      }
    };
    auto stream = std::make_unique<Stream>();
    stream->n = n_;
    return stream;
  }

private:
  int64_t n_;
};
} // namespace

TEST(DataLoader, IterableDatasetInOrderWithWorkers) {
  for (int64_t workers : {0, 2}) {
    DataLoader loader(CountingStream(10), DataLoaderOptions().batch_size(4).num_workers(workers));
    const std::vector<Tensor> batches = run_epoch(loader);
    ASSERT_EQ(batches.size(), 3u);
    EXPECT_EQ(batches[2].sizes(), (Shape{2, 1}));
    float expected = 0;
    for (const Tensor &batch : batches)
      for (int64_t i = 0; i < batch.size(0); ++i)
        EXPECT_EQ(batch[i][0].item<float>(), expected++);
    DataLoader dropping(CountingStream(10),
                        DataLoaderOptions().batch_size(4).drop_last(true).num_workers(workers));
    EXPECT_EQ(run_epoch(dropping).size(), 2u);
  }
  EXPECT_THROW_WITH(DataLoader(CountingStream(3), DataLoaderOptions().shuffle(true)),
                    "IterableDataset takes no shuffle");
}

TEST(DataLoader, CountsWaitTimeAndBatches) {
  DataLoader loader(std::make_shared<CountingDataset>(16), DataLoaderOptions().batch_size(4));
  run_epoch(loader);
  EXPECT_EQ(loader.batches_loaded(), 4);
  // Without workers every batch is built while the loop waits: 16 gets of >= 200 us each.
  EXPECT_GE(loader.wait_seconds(), 16 * 200e-6);
  loader.reset_stats();
  EXPECT_EQ(loader.batches_loaded(), 0);
  EXPECT_EQ(loader.wait_seconds(), 0.0);
}
