// DataLoader (torch.utils.data.DataLoader): batches from a Dataset or an IterableDataset, with
// shuffling, custom samplers, collation and background worker threads.
//
//   auto train = std::make_shared<data::FashionMNIST>(data::kFashionMNISTRoot, true, transform);
//   data::DataLoader loader(train, data::DataLoaderOptions().batch_size(64).shuffle(true)
//                                      .num_workers(2).seed(42));
//   for (int epoch = 0; epoch < 5; ++epoch)
//     for (data::Example &batch : loader)   // batch.data [64, 1, 28, 28], batch.target [64]
//       train_step(batch.data, batch.target);
//   double starved = loader.wait_seconds();  // time the loop spent waiting for batches
//
// Each `for` (each begin()) is one epoch: the sampler draws the epoch's order and, with
// num_workers > 0, that many threads build batches ahead (up to prefetch_factor batches each).
// Batches come out in sampler order whatever num_workers is, and with a seed they are the same
// on every run: shuffling and random transforms draw from the loader's generator (see
// transforms.h), whose state a checkpoint can save (generator().get_state()) to resume exactly.
// Leaving the loop early (break, an exception) or destroying the loader stops and joins the
// workers. An error raised while building a batch is rethrown when that batch is reached.
#pragma once

#include <atomic>
#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>

#include "ember/data/collate.h"
#include "ember/data/dataset.h"
#include "ember/data/options.h"
#include "ember/data/sampler.h"

namespace ember::data {

// Options with libtorch's chained setters: DataLoaderOptions().batch_size(64).shuffle(true).
class DataLoaderOptions {
  EMBER_DATA_OPTION(DataLoaderOptions, int64_t, batch_size, 1)
  // A new random order each epoch (a RandomSampler over the loader's generator).
  EMBER_DATA_OPTION(DataLoaderOptions, bool, shuffle, false)
  // Drops the last batch when it is smaller than batch_size.
  EMBER_DATA_OPTION(DataLoaderOptions, bool, drop_last, false)
  // Background threads building batches; 0 builds each batch in the loop's thread.
  EMBER_DATA_OPTION(DataLoaderOptions, int64_t, num_workers, 0)
  // Batches built ahead per worker.
  EMBER_DATA_OPTION(DataLoaderOptions, int64_t, prefetch_factor, 2)
  // Seeds the loader's generator; without one it is seeded from ember::default_generator(), so
  // ember::manual_seed before building the loader makes runs reproducible too.
  EMBER_DATA_OPTION(DataLoaderOptions, std::optional<uint64_t>, seed, std::nullopt)
  // Visiting order (instead of shuffle), batched with batch_size and drop_last.
  EMBER_DATA_OPTION(DataLoaderOptions, std::shared_ptr<Sampler>, sampler, nullptr)
  // Whole batches (instead of batch_size, shuffle, sampler and drop_last).
  EMBER_DATA_OPTION(DataLoaderOptions, std::shared_ptr<BatchSampler>, batch_sampler, nullptr)
  // Turns a list of examples into a batch; default_collate when unset.
  EMBER_DATA_OPTION(DataLoaderOptions, CollateFn, collate, nullptr)
};

namespace detail {
class LoaderEpoch;
struct LoaderStats {
  std::atomic<int64_t> wait_nanoseconds{0};
  std::atomic<int64_t> batches{0};
};
} // namespace detail

class DataLoader {
public:
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {});
  // An IterableDataset: batch_size, drop_last, num_workers and collate apply; the stream is read
  // by one thread at a time, in order.
  DataLoader(std::shared_ptr<const IterableDataset> dataset, DataLoaderOptions options = {});
  // Takes a dataset by value: DataLoader(TensorDataset(x, y), options).
  template <typename D>
  requires std::derived_from<D, Dataset> || std::derived_from<D, IterableDataset>
  DataLoader(D dataset, DataLoaderOptions options = {})
      : DataLoader(
            std::shared_ptr<
                const std::conditional_t<std::derived_from<D, Dataset>, Dataset, IterableDataset>>(
                std::make_shared<D>(std::move(dataset))),
            std::move(options)) {}
  ~DataLoader();
  DataLoader(const DataLoader &) = delete;
  DataLoader &operator=(const DataLoader &) = delete;

  class Iterator {
  public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Example;
    using difference_type = std::ptrdiff_t;
    using pointer = Example *;
    using reference = Example &;

    Iterator() = default;
    Example &operator*() const;
    Example *operator->() const { return &**this; }
    // Moves to the next batch, waiting for it when the workers are behind.
    Iterator &operator++();
    // Iterators compare equal when both are past the end.
    bool operator==(const Iterator &other) const { return at_end() == other.at_end(); }

  private:
    friend class DataLoader;
    explicit Iterator(std::shared_ptr<detail::LoaderEpoch> epoch) : epoch_(std::move(epoch)) {}
    bool at_end() const;
    std::shared_ptr<detail::LoaderEpoch> epoch_;
  };

  // Starts an epoch (stopping one still running) and returns its first batch.
  Iterator begin();
  Iterator end() { return Iterator(); }

  // Batches per epoch (map-style datasets only).
  int64_t size() const;
  // Draws shuffles and per-epoch transform seeds; save and restore its state to resume.
  Generator &generator() { return *generator_; }
  const DataLoaderOptions &options() const { return options_; }
  // Seconds the iterating thread spent waiting for batches (building them, with no workers),
  // summed over every epoch since construction or reset_stats().
  double wait_seconds() const;
  // Batches handed out since construction or reset_stats().
  int64_t batches_loaded() const;
  void reset_stats();

private:
  void check_options() const;

  std::shared_ptr<const Dataset> dataset_;
  std::shared_ptr<const IterableDataset> iterable_;
  DataLoaderOptions options_;
  std::shared_ptr<Generator> generator_;
  std::shared_ptr<BatchSampler> batch_sampler_;
  std::shared_ptr<detail::LoaderStats> stats_;
  std::weak_ptr<detail::LoaderEpoch> running_;
};

} // namespace ember::data
