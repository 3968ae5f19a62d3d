// TensorDataset, Subset, ConcatDataset and random_split.
#include "ember/data/dataset.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "data/random_draws.h"
#include "ember/data/collate.h"

namespace ember::data {

void check_index(int64_t index, int64_t size, const char *dataset) {
  EMBER_CHECK_T(IndexError, index >= 0 && index < size, dataset, ": index ", index,
                " is out of range for a dataset of size ", size);
}

// ---- TensorDataset ------------------------------------------------------------------------------

TensorDataset::TensorDataset(Tensor data, Tensor target) {
  EMBER_CHECK(data.defined() && data.dim() >= 1,
              "TensorDataset: expected data with at least one dimension");
  EMBER_CHECK(!target.defined() || (target.dim() >= 1 && target.size(0) == data.size(0)),
              "TensorDataset: data has ", data.size(0), " rows but target has shape ",
              target.defined() ? target.sizes() : Shape{});
  data_ = data.contiguous();
  target_ = target.defined() ? target.contiguous() : target;
}

Example TensorDataset::get(int64_t index) const {
  check_index(index, size(), "TensorDataset");
  return {data_[index], target_.defined() ? target_[index] : Tensor()};
}

std::optional<Example> TensorDataset::get_batch(const std::vector<int64_t> &indices) const {
  return Example{gather_rows(data_, indices),
                 target_.defined() ? gather_rows(target_, indices) : Tensor()};
}

// ---- Subset -------------------------------------------------------------------------------------

Subset::Subset(std::shared_ptr<const Dataset> dataset, std::vector<int64_t> indices)
    : dataset_(std::move(dataset)), indices_(std::move(indices)) {
  EMBER_CHECK(dataset_ != nullptr, "Subset: dataset is null");
  for (int64_t index : indices_)
    check_index(index, dataset_->size(), "Subset");
}

Example Subset::get(int64_t index) const {
  check_index(index, size(), "Subset");
  return dataset_->get(indices_[index]);
}

std::optional<Example> Subset::get_batch(const std::vector<int64_t> &indices) const {
  std::vector<int64_t> mapped(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    check_index(indices[i], size(), "Subset");
    mapped[i] = indices_[indices[i]];
  }
  return dataset_->get_batch(mapped);
}

// ---- ConcatDataset ------------------------------------------------------------------------------

ConcatDataset::ConcatDataset(std::vector<std::shared_ptr<const Dataset>> datasets)
    : datasets_(std::move(datasets)) {
  EMBER_CHECK(!datasets_.empty(), "ConcatDataset: expected at least one dataset");
  int64_t total = 0;
  for (const auto &dataset : datasets_) {
    EMBER_CHECK(dataset != nullptr, "ConcatDataset: dataset is null");
    total += dataset->size();
    cumulative_sizes_.push_back(total);
  }
}

Example ConcatDataset::get(int64_t index) const {
  check_index(index, size(), "ConcatDataset");
  const auto which = std::upper_bound(cumulative_sizes_.begin(), cumulative_sizes_.end(), index) -
                     cumulative_sizes_.begin();
  const int64_t start = which == 0 ? 0 : cumulative_sizes_[which - 1];
  return datasets_[which]->get(index - start);
}

// ---- random_split -------------------------------------------------------------------------------

std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<const Dataset> dataset,
                                                  const std::vector<double> &lengths,
                                                  Generator &generator) {
  EMBER_CHECK(dataset != nullptr, "random_split: dataset is null");
  const int64_t n = dataset->size();
  const double total = std::accumulate(lengths.begin(), lengths.end(), 0.0);
  std::vector<int64_t> counts;
  if (std::abs(total - 1.0) <= 1e-9 && total <= 1.0) {
    int64_t assigned = 0;
    for (double fraction : lengths) {
      EMBER_CHECK(fraction >= 0 && fraction <= 1, "random_split: fraction ", fraction,
                  " is not between 0 and 1");
      counts.push_back(static_cast<int64_t>(std::floor(n * fraction)));
      assigned += counts.back();
    }
    for (int64_t i = 0; i < n - assigned; ++i)
      counts[static_cast<size_t>(i) % counts.size()] += 1;
  } else {
    for (double length : lengths) {
      EMBER_CHECK(length >= 0 && length == std::floor(length), "random_split: length ", length,
                  " is neither a count nor part of fractions adding up to 1");
      counts.push_back(static_cast<int64_t>(length));
    }
    EMBER_CHECK(static_cast<int64_t>(total) == n, "random_split: the lengths add up to ", total,
                " but the dataset has ", n, " examples");
  }

  const std::vector<int64_t> order = detail::permutation(n, generator);
  std::vector<std::shared_ptr<Subset>> splits;
  int64_t offset = 0;
  for (int64_t count : counts) {
    splits.push_back(std::make_shared<Subset>(
        dataset, std::vector<int64_t>(order.begin() + offset, order.begin() + offset + count)));
    offset += count;
  }
  return splits;
}

} // namespace ember::data
