// The samplers: sequential, random (with and without replacement), subset-random, weighted, and
// the batch sampler.
#include "ember/data/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "data/random_draws.h"

namespace ember::data {

namespace {
Generator &generator_or_default(const std::shared_ptr<Generator> &generator) {
  return generator ? *generator : default_generator();
}
} // namespace

SequentialSampler::SequentialSampler(int64_t size) : size_(size) {
  EMBER_CHECK(size >= 0, "SequentialSampler: size must be non-negative, got ", size);
}

std::vector<int64_t> SequentialSampler::indices() {
  std::vector<int64_t> order(static_cast<size_t>(size_));
  std::iota(order.begin(), order.end(), int64_t{0});
  return order;
}

RandomSampler::RandomSampler(int64_t size, bool replacement, std::optional<int64_t> num_samples,
                             std::shared_ptr<Generator> generator)
    : size_(size), replacement_(replacement), num_samples_(num_samples.value_or(size)),
      generator_(std::move(generator)) {
  EMBER_CHECK(size >= 0, "RandomSampler: size must be non-negative, got ", size);
  EMBER_CHECK(num_samples_ > 0 || (!num_samples && size == 0),
              "RandomSampler: num_samples should be a positive integer, got ", num_samples_);
  EMBER_CHECK(!replacement || size > 0, "RandomSampler: cannot draw with replacement from 0 items");
}

std::vector<int64_t> RandomSampler::indices() {
  Generator &generator = generator_or_default(generator_);
  std::vector<int64_t> order;
  order.reserve(static_cast<size_t>(num_samples_));
  if (replacement_) {
    detail::RandomDraws draws(generator, num_samples_);
    for (int64_t i = 0; i < num_samples_; ++i)
      order.push_back(draws.below(size_));
    return order;
  }
  while (static_cast<int64_t>(order.size()) < num_samples_) {
    const std::vector<int64_t> permutation = detail::permutation(size_, generator);
    const int64_t take = std::min<int64_t>(size_, num_samples_ - order.size());
    order.insert(order.end(), permutation.begin(), permutation.begin() + take);
  }
  return order;
}

SubsetRandomSampler::SubsetRandomSampler(std::vector<int64_t> indices,
                                         std::shared_ptr<Generator> generator)
    : indices_(std::move(indices)), generator_(std::move(generator)) {}

std::vector<int64_t> SubsetRandomSampler::indices() {
  const std::vector<int64_t> permutation =
      detail::permutation(static_cast<int64_t>(indices_.size()), generator_or_default(generator_));
  std::vector<int64_t> order;
  order.reserve(indices_.size());
  for (int64_t position : permutation)
    order.push_back(indices_[position]);
  return order;
}

WeightedRandomSampler::WeightedRandomSampler(std::vector<double> weights, int64_t num_samples,
                                             bool replacement, std::shared_ptr<Generator> generator)
    : weights_(std::move(weights)), num_samples_(num_samples), replacement_(replacement),
      generator_(std::move(generator)) {
  EMBER_CHECK(num_samples > 0,
              "WeightedRandomSampler: num_samples should be a positive integer, "
              "got ",
              num_samples);
  int64_t positive = 0;
  for (double weight : weights_) {
    EMBER_CHECK(std::isfinite(weight) && weight >= 0,
                "WeightedRandomSampler: weights must be finite and non-negative, got ", weight);
    positive += weight > 0;
  }
  EMBER_CHECK(positive > 0, "WeightedRandomSampler: all weights are zero");
  EMBER_CHECK(replacement || num_samples <= positive, "WeightedRandomSampler: cannot draw ",
              num_samples, " samples without replacement from ", positive,
              " indices with nonzero weight");
}

std::vector<int64_t> WeightedRandomSampler::indices() {
  Generator &generator = generator_or_default(generator_);
  const int64_t n = static_cast<int64_t>(weights_.size());
  std::vector<int64_t> order;
  order.reserve(static_cast<size_t>(num_samples_));
  if (replacement_) {
    // Inverse CDF: the first index whose cumulative weight exceeds u * total.
    std::vector<double> cumulative(weights_.size());
    std::partial_sum(weights_.begin(), weights_.end(), cumulative.begin());
    detail::RandomDraws draws(generator, num_samples_);
    for (int64_t i = 0; i < num_samples_; ++i) {
      const double target = draws.uniform() * cumulative.back();
      const auto found = std::upper_bound(cumulative.begin(), cumulative.end(), target);
      order.push_back(std::min<int64_t>(found - cumulative.begin(), n - 1));
    }
    return order;
  }
  // Without replacement: the num_samples smallest keys -log(u) / weight (Efraimidis-Spirakis),
  // which picks indices with the same law as drawing one at a time and removing it.
  std::vector<std::pair<double, int64_t>> keys;
  detail::RandomDraws draws(generator, n);
  for (int64_t i = 0; i < n; ++i) {
    const double u = 1.0 - draws.uniform(); // in (0, 1]
    if (weights_[i] > 0)
      keys.emplace_back(-std::log(u) / weights_[i], i);
  }
  std::partial_sort(keys.begin(), keys.begin() + num_samples_, keys.end());
  for (int64_t i = 0; i < num_samples_; ++i)
    order.push_back(keys[i].second);
  return order;
}

BatchSampler::BatchSampler(std::shared_ptr<Sampler> sampler, int64_t batch_size, bool drop_last)
    : sampler_(std::move(sampler)), batch_size_(batch_size), drop_last_(drop_last) {
  EMBER_CHECK(sampler_ != nullptr, "BatchSampler: sampler is null");
  EMBER_CHECK(batch_size > 0, "BatchSampler: batch_size should be a positive integer, got ",
              batch_size);
}

std::vector<std::vector<int64_t>> BatchSampler::batches() {
  const std::vector<int64_t> order = sampler_->indices();
  std::vector<std::vector<int64_t>> result;
  for (size_t start = 0; start < order.size(); start += batch_size_) {
    const size_t end = std::min(order.size(), start + static_cast<size_t>(batch_size_));
    if (drop_last_ && end - start < static_cast<size_t>(batch_size_))
      break;
    result.emplace_back(order.begin() + start, order.begin() + end);
  }
  return result;
}

int64_t BatchSampler::size() const {
  const int64_t n = sampler_->size();
  return drop_last_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

} // namespace ember::data
