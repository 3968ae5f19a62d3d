// Samplers (torch.utils.data.Sampler and friends): each decides the order in which a DataLoader
// visits a dataset's indices. indices() returns one epoch's order; random samplers draw a new
// order on each call from their generator (the default generator when none is given), so a
// seeded generator makes every epoch reproducible.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "ember/random.h"

namespace ember::data {

class Sampler {
public:
  virtual ~Sampler() = default;
  // The indices of one epoch, in visiting order.
  virtual std::vector<int64_t> indices() = 0;
  // How many indices one epoch has.
  virtual int64_t size() const = 0;
};

// 0, 1, ..., size - 1.
class SequentialSampler : public Sampler {
public:
  explicit SequentialSampler(int64_t size);
  std::vector<int64_t> indices() override;
  int64_t size() const override { return size_; }

private:
  int64_t size_;
};

// A random order of 0..size-1 (a permutation), or num_samples uniform draws with replacement.
// Without replacement, num_samples larger than size takes several permutations, as in torch.
class RandomSampler : public Sampler {
public:
  explicit RandomSampler(int64_t size, bool replacement = false,
                         std::optional<int64_t> num_samples = std::nullopt,
                         std::shared_ptr<Generator> generator = nullptr);
  std::vector<int64_t> indices() override;
  int64_t size() const override { return num_samples_; }

private:
  int64_t size_;
  bool replacement_;
  int64_t num_samples_;
  std::shared_ptr<Generator> generator_;
};

// The given indices in a random order each epoch.
class SubsetRandomSampler : public Sampler {
public:
  explicit SubsetRandomSampler(std::vector<int64_t> indices,
                               std::shared_ptr<Generator> generator = nullptr);
  std::vector<int64_t> indices() override;
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }

private:
  std::vector<int64_t> indices_;
  std::shared_ptr<Generator> generator_;
};

// num_samples indices drawn with probability proportional to weights (need not sum to 1).
class WeightedRandomSampler : public Sampler {
public:
  WeightedRandomSampler(std::vector<double> weights, int64_t num_samples, bool replacement = true,
                        std::shared_ptr<Generator> generator = nullptr);
  std::vector<int64_t> indices() override;
  int64_t size() const override { return num_samples_; }

private:
  std::vector<double> weights_;
  int64_t num_samples_;
  bool replacement_;
  std::shared_ptr<Generator> generator_;
};

// Groups a sampler's indices into batches of batch_size; the last batch is smaller unless
// drop_last drops it.
class BatchSampler {
public:
  BatchSampler(std::shared_ptr<Sampler> sampler, int64_t batch_size, bool drop_last);
  virtual ~BatchSampler() = default;
  // One epoch's batches.
  virtual std::vector<std::vector<int64_t>> batches();
  // How many batches one epoch has.
  virtual int64_t size() const;
  int64_t batch_size() const { return batch_size_; }
  bool drop_last() const { return drop_last_; }
  const std::shared_ptr<Sampler> &sampler() const { return sampler_; }

private:
  std::shared_ptr<Sampler> sampler_;
  int64_t batch_size_;
  bool drop_last_;
};

} // namespace ember::data
