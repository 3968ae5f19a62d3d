// The DataLoader: epochs, ordered prefetching by worker threads, and wait-time accounting.
//
// One epoch is a list of tasks (batch 0, 1, ...). Workers take the next task number under a lock,
// no further than `window` tasks ahead of the consumer, build the batch outside the lock and file
// it under its number; the consumer takes the batches in number order. Which thread built a batch
// therefore never changes what comes out, and the sample generators are seeded from (epoch seed,
// task, position) so random transforms do not depend on it either.
#include "ember/data/dataloader.h"

#include <chrono>
#include <condition_variable>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <thread>

#include "data/random_draws.h"
#include "ember/data/transforms.h"

namespace ember::data {

namespace detail {

class LoaderEpoch {
public:
  // Map-style: the batches of indices are known up front.
  LoaderEpoch(std::shared_ptr<const Dataset> dataset, std::vector<std::vector<int64_t>> batches,
              const DataLoaderOptions &options, uint64_t seed, std::shared_ptr<LoaderStats> stats)
      : dataset_(std::move(dataset)), batches_(std::move(batches)), options_(options), seed_(seed),
        stats_(std::move(stats)), end_task_(static_cast<int64_t>(batches_.size())) {}
  // Iterable: tasks are pulled from the stream in order until it runs dry.
  LoaderEpoch(std::unique_ptr<ExampleStream> stream, const DataLoaderOptions &options,
              uint64_t seed, std::shared_ptr<LoaderStats> stats)
      : stream_(std::move(stream)), options_(options), seed_(seed), stats_(std::move(stats)),
        end_task_(std::numeric_limits<int64_t>::max()) {}

  ~LoaderEpoch() { stop(); }

  void start() {
    const int64_t workers = options_.num_workers();
    window_ = workers * options_.prefetch_factor();
    for (int64_t i = 0; i < workers; ++i)
      threads_.emplace_back([this] { work(); });
    advance();
  }

  // Stops the workers (each finishes the batch in hand) and joins them.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      finished_ = true;
    }
    wake_workers_.notify_all();
    for (std::thread &thread : threads_)
      thread.join();
    threads_.clear();
  }

  bool finished() const { return finished_; }
  Example &current() {
    EMBER_CHECK(!finished_, "DataLoader: dereferencing an iterator past the end");
    return current_;
  }

  // Takes the next batch in order, or finishes the epoch.
  void advance() {
    const auto started = std::chrono::steady_clock::now();
    Result result;
    if (threads_.empty()) {
      result = produce(next_yield_);
    } else {
      std::unique_lock lock(mutex_);
      batch_ready_.wait(lock, [&] {
        return stopping_ || results_.count(next_yield_) != 0 || next_yield_ >= end_task_;
      });
      if (stopping_)
        return;
      // Past the last task the result stays empty, which ends the epoch.
      if (auto found = results_.find(next_yield_); found != results_.end()) {
        result = std::move(found->second);
        results_.erase(found);
      }
    }
    {
      std::lock_guard lock(mutex_); // workers read next_yield_ for their window
      ++next_yield_;
    }
    wake_workers_.notify_all();
    stats_->wait_nanoseconds += std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::steady_clock::now() - started)
                                    .count();
    if (result.error) {
      stop();
      std::rethrow_exception(result.error);
    }
    if (!result.batch) {
      stop();
      return;
    }
    current_ = std::move(*result.batch);
    ++stats_->batches;
  }

private:
  struct Result {
    std::optional<Example> batch; // nullopt: past the last task
    std::exception_ptr error;
  };

  void work() {
    for (;;) {
      std::unique_lock stream_lock(stream_mutex_, std::defer_lock);
      if (stream_)
        stream_lock.lock(); // stream tasks must be pulled in task order
      int64_t task;
      {
        std::unique_lock lock(mutex_);
        wake_workers_.wait(lock, [&] {
          return stopping_ || (next_task_ < end_task_ && next_task_ < next_yield_ + window_);
        });
        if (stopping_)
          return;
        task = next_task_++;
      }
      Result result = produce(task);
      {
        // Still holding the stream, so no worker pulls past the end it may have found.
        std::lock_guard lock(mutex_);
        if (!result.batch && !result.error)
          end_task_ = std::min(end_task_, task + 1);
        results_[task] = std::move(result);
      }
      if (stream_lock.owns_lock())
        stream_lock.unlock();
      batch_ready_.notify_all();
    }
  }

  // Builds batch `task`; never throws (errors travel in the result).
  Result produce(int64_t task) {
    Result result;
    try {
      if (!stream_ && task >= static_cast<int64_t>(batches_.size()))
        return result;
      const uint64_t task_seed = mix_seed(seed_, static_cast<uint64_t>(task));
      result.batch = stream_ ? pull_batch(task_seed) : build_batch(batches_[task], task_seed);
    } catch (...) {
      result.error = std::current_exception();
    }
    return result;
  }

  std::optional<Example> build_batch(const std::vector<int64_t> &indices, uint64_t task_seed) {
    if (!options_.collate())
      if (std::optional<Example> batch = dataset_->get_batch(indices))
        return batch;
    std::vector<Example> examples;
    examples.reserve(indices.size());
    for (size_t i = 0; i < indices.size(); ++i) {
      SampleGeneratorScope scope(mix_seed(task_seed, i));
      examples.push_back(dataset_->get(indices[i]));
    }
    return collate(std::move(examples));
  }

  // Called under stream_mutex_ (or by the only thread), so pulls happen in task order.
  std::optional<Example> pull_batch(uint64_t task_seed) {
    std::vector<Example> examples;
    SampleGeneratorScope scope(task_seed);
    while (static_cast<int64_t>(examples.size()) < options_.batch_size()) {
      std::optional<Example> example = stream_->next();
      if (!example)
        break;
      examples.push_back(std::move(*example));
    }
    if (examples.empty() ||
        (options_.drop_last() && static_cast<int64_t>(examples.size()) < options_.batch_size()))
      return std::nullopt;
    return collate(std::move(examples));
  }

  Example collate(std::vector<Example> &&examples) const {
    return options_.collate() ? options_.collate()(std::move(examples))
                              : default_collate(std::move(examples));
  }

  std::shared_ptr<const Dataset> dataset_;
  std::vector<std::vector<int64_t>> batches_;
  std::unique_ptr<ExampleStream> stream_;
  std::mutex stream_mutex_;
  DataLoaderOptions options_;
  uint64_t seed_;
  std::shared_ptr<LoaderStats> stats_;

  std::mutex mutex_;
  std::condition_variable wake_workers_;
  std::condition_variable batch_ready_;
  std::map<int64_t, Result> results_;
  int64_t end_task_;
  int64_t next_task_ = 0;
  int64_t next_yield_ = 0;
  int64_t window_ = 0;
  bool stopping_ = false;
  std::atomic<bool> finished_ = false;
  std::vector<std::thread> threads_;
  Example current_;
};

} // namespace detail

// ---- DataLoader ---------------------------------------------------------------------------------

namespace {
std::shared_ptr<Generator> make_generator(const DataLoaderOptions &options) {
  if (options.seed())
    return std::make_shared<Generator>(*options.seed());
  return std::make_shared<Generator>(detail::RandomDraws(default_generator(), 1).next());
}
} // namespace

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)),
      generator_(make_generator(options_)), stats_(std::make_shared<detail::LoaderStats>()) {
  EMBER_CHECK(dataset_ != nullptr, "DataLoader: dataset is null");
  check_options();
  if (options_.batch_sampler()) {
    EMBER_CHECK(options_.batch_size() == 1 && !options_.shuffle() && !options_.sampler() &&
                    !options_.drop_last(),
                "DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                "shuffle, sampler, and drop_last");
    batch_sampler_ = options_.batch_sampler();
    return;
  }
  EMBER_CHECK(!(options_.sampler() && options_.shuffle()),
              "DataLoader: sampler option is mutually exclusive with shuffle");
  std::shared_ptr<Sampler> sampler = options_.sampler();
  if (!sampler && options_.shuffle())
    sampler = std::make_shared<RandomSampler>(dataset_->size(), false, std::nullopt, generator_);
  if (!sampler)
    sampler = std::make_shared<SequentialSampler>(dataset_->size());
  batch_sampler_ =
      std::make_shared<BatchSampler>(sampler, options_.batch_size(), options_.drop_last());
}

DataLoader::DataLoader(std::shared_ptr<const IterableDataset> dataset, DataLoaderOptions options)
    : iterable_(std::move(dataset)), options_(std::move(options)),
      generator_(make_generator(options_)), stats_(std::make_shared<detail::LoaderStats>()) {
  EMBER_CHECK(iterable_ != nullptr, "DataLoader: dataset is null");
  check_options();
  EMBER_CHECK(!options_.shuffle() && !options_.sampler() && !options_.batch_sampler(),
              "DataLoader: an IterableDataset takes no shuffle, sampler or batch_sampler option");
}

DataLoader::~DataLoader() {
  if (auto running = running_.lock())
    running->stop();
}

void DataLoader::check_options() const {
  EMBER_CHECK(options_.batch_size() > 0,
              "DataLoader: batch_size should be a positive integer, got ", options_.batch_size());
  EMBER_CHECK(options_.num_workers() >= 0,
              "DataLoader: num_workers option should be non-negative, got ",
              options_.num_workers());
  EMBER_CHECK(options_.prefetch_factor() > 0,
              "DataLoader: prefetch_factor should be positive, got ", options_.prefetch_factor());
}

DataLoader::Iterator DataLoader::begin() {
  if (auto running = running_.lock())
    running->stop();
  // One draw per epoch seeds the random transforms; the shuffle draws after it.
  const uint64_t seed = detail::RandomDraws(*generator_, 1).next();
  std::shared_ptr<detail::LoaderEpoch> epoch;
  if (iterable_)
    epoch = std::make_shared<detail::LoaderEpoch>(iterable_->stream(), options_, seed, stats_);
  else
    epoch = std::make_shared<detail::LoaderEpoch>(dataset_, batch_sampler_->batches(), options_,
                                                  seed, stats_);
  running_ = epoch;
  epoch->start();
  return Iterator(std::move(epoch));
}

int64_t DataLoader::size() const {
  EMBER_CHECK(batch_sampler_ != nullptr,
              "DataLoader: an IterableDataset has no length (size() needs a map-style dataset)");
  return batch_sampler_->size();
}

double DataLoader::wait_seconds() const { return stats_->wait_nanoseconds.load() * 1e-9; }
int64_t DataLoader::batches_loaded() const { return stats_->batches.load(); }
void DataLoader::reset_stats() {
  stats_->wait_nanoseconds = 0;
  stats_->batches = 0;
}

// ---- Iterator -----------------------------------------------------------------------------------

Example &DataLoader::Iterator::operator*() const {
  EMBER_CHECK(epoch_ != nullptr, "DataLoader: dereferencing an end iterator");
  return epoch_->current();
}

DataLoader::Iterator &DataLoader::Iterator::operator++() {
  EMBER_CHECK(!at_end(), "DataLoader: advancing an iterator past the end");
  epoch_->advance();
  return *this;
}

bool DataLoader::Iterator::at_end() const { return epoch_ == nullptr || epoch_->finished(); }

} // namespace ember::data
