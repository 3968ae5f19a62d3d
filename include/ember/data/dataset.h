// Datasets in the shape of torch.utils.data: Example (one sample or one batch), the random-access
// Dataset and the stream-like IterableDataset, and the combinators TensorDataset, Subset,
// ConcatDataset and random_split.
//
// Datasets are shared by the DataLoader's worker threads: get() is const and must be safe to call
// from several threads at once (every dataset in ember is).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "ember/random.h"
#include "ember/tensor.h"

namespace ember::data {

// One sample (data, target) or, after collation, one batch whose tensors have a leading batch
// dimension. target is undefined for unlabelled data.
struct Example {
  Tensor data;
  Tensor target;
};

// A map-style dataset: size() examples addressed by index (torch.utils.data.Dataset).
class Dataset {
public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  // The example at index, 0 <= index < size(); an IndexError otherwise.
  virtual Example get(int64_t index) const = 0;
  // The examples at indices already collated into one batch, for datasets that hold their data in
  // one tensor and can gather rows with memcpy; nullopt (the default) makes the DataLoader call
  // get() per index and collate. Must return what collating get() would.
  virtual std::optional<Example> get_batch(const std::vector<int64_t> &indices) const {
    return std::nullopt;
  }
};

// A sequential source of examples (torch.utils.data.IterableDataset): each stream() starts a new
// pass over the data. The DataLoader reads a stream from one thread at a time, in order.
class ExampleStream {
public:
  virtual ~ExampleStream() = default;
  // The next example, or nullopt at the end of the pass.
  virtual std::optional<Example> next() = 0;
};

class IterableDataset {
public:
  virtual ~IterableDataset() = default;
  virtual std::unique_ptr<ExampleStream> stream() const = 0;
};

// Rows of data (and target) as examples: example i is (data[i], target[i]).
class TensorDataset : public Dataset {
public:
  explicit TensorDataset(Tensor data, Tensor target = {});
  int64_t size() const override { return data_.size(0); }
  Example get(int64_t index) const override;
  std::optional<Example> get_batch(const std::vector<int64_t> &indices) const override;
  const Tensor &data() const { return data_; }
  const Tensor &target() const { return target_; }

private:
  Tensor data_;
  Tensor target_;
};

// The examples of dataset at the given indices, in that order.
class Subset : public Dataset {
public:
  Subset(std::shared_ptr<const Dataset> dataset, std::vector<int64_t> indices);
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  Example get(int64_t index) const override;
  std::optional<Example> get_batch(const std::vector<int64_t> &indices) const override;
  const std::vector<int64_t> &indices() const { return indices_; }
  const std::shared_ptr<const Dataset> &dataset() const { return dataset_; }

private:
  std::shared_ptr<const Dataset> dataset_;
  std::vector<int64_t> indices_;
};

// Several datasets one after the other.
class ConcatDataset : public Dataset {
public:
  explicit ConcatDataset(std::vector<std::shared_ptr<const Dataset>> datasets);
  int64_t size() const override { return cumulative_sizes_.empty() ? 0 : cumulative_sizes_.back(); }
  Example get(int64_t index) const override;
  const std::vector<int64_t> &cumulative_sizes() const { return cumulative_sizes_; }

private:
  std::vector<std::shared_ptr<const Dataset>> datasets_;
  std::vector<int64_t> cumulative_sizes_;
};

// Splits dataset into non-overlapping random subsets (torch.utils.data.random_split). As in
// torch, lengths adding up to 1 are fractions: each split gets floor(fraction * size) examples and
// the remainder goes one by one to the first splits; otherwise they are counts adding up to size.
std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<const Dataset> dataset,
                                                  const std::vector<double> &lengths,
                                                  Generator &generator = default_generator());

// Checks 0 <= index < size and throws an IndexError naming the dataset otherwise.
void check_index(int64_t index, int64_t size, const char *dataset);

} // namespace ember::data
