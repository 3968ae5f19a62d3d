// Normalization layers (torch.nn.BatchNorm1d/2d/3d, InstanceNorm1d/2d, LayerNorm, GroupNorm,
// RMSNorm) over nn::functional's norms, with torch's parameters (weight, bias) and running
// statistics buffers (running_mean, running_var, num_batches_tracked). Implemented in
// src/nn/modules/normalization.cpp.
#pragma once

#include <optional>

#include "ember/nn/module.h"
#include "ember/nn/modules/options.h"

namespace ember::nn {

struct BatchNormOptions {
  BatchNormOptions(int64_t num_features) : num_features_(num_features) {}
  EMBER_ARG(int64_t, num_features);
  EMBER_ARG(double, eps) = 1e-5;
  // None: the running statistics are the cumulative average over all batches seen.
  EMBER_ARG(std::optional<double>, momentum) = 0.1;
  EMBER_ARG(bool, affine) = true;
  EMBER_ARG(bool, track_running_stats) = true;
};
using BatchNorm1dOptions = BatchNormOptions;
using BatchNorm2dOptions = BatchNormOptions;
using BatchNorm3dOptions = BatchNormOptions;

// The state shared by batch and instance norm (torch's _NormBase): weight and bias when affine,
// the running statistics when track_running_stats.
class NormBaseImpl : public Module {
public:
  NormBaseImpl(std::string name, const BatchNormOptions &options);
  // Running mean 0, running variance 1, no batches tracked.
  void reset_running_stats();
  // reset_running_stats, weight ones and bias zeros.
  void reset_parameters();
  void pretty_print(std::ostream &out) const override;

  BatchNormOptions options;
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;

protected:
  // Checks input's rank (one of ranks) and its channel count (dim 1, or 0 when unbatched).
  void check_input(const Tensor &input, IntArrayRef ranks, int64_t unbatched_rank) const;
};

// Batch normalization over the channels of [N, C, *]; ranks are the accepted input ranks.
class BatchNormImplBase : public NormBaseImpl {
public:
  BatchNormImplBase(std::string name, const BatchNormOptions &options, Shape ranks)
      : NormBaseImpl(std::move(name), options), ranks_(std::move(ranks)) {}
  Tensor forward(const Tensor &input);

private:
  Shape ranks_;
};

class BatchNorm1dImpl : public BatchNormImplBase {
public:
  explicit BatchNorm1dImpl(const BatchNorm1dOptions &options)
      : BatchNormImplBase("BatchNorm1d", options, {2, 3}) {}
};
EMBER_MODULE(BatchNorm1d);

class BatchNorm2dImpl : public BatchNormImplBase {
public:
  explicit BatchNorm2dImpl(const BatchNorm2dOptions &options)
      : BatchNormImplBase("BatchNorm2d", options, {4}) {}
};
EMBER_MODULE(BatchNorm2d);

class BatchNorm3dImpl : public BatchNormImplBase {
public:
  explicit BatchNorm3dImpl(const BatchNorm3dOptions &options)
      : BatchNormImplBase("BatchNorm3d", options, {5}) {}
};
EMBER_MODULE(BatchNorm3d);

// torch's InstanceNorm defaults differ from BatchNorm's: no affine, no running statistics.
struct InstanceNormOptions {
  InstanceNormOptions(int64_t num_features) : num_features_(num_features) {}
  EMBER_ARG(int64_t, num_features);
  EMBER_ARG(double, eps) = 1e-5;
  EMBER_ARG(double, momentum) = 0.1;
  EMBER_ARG(bool, affine) = false;
  EMBER_ARG(bool, track_running_stats) = false;
};
using InstanceNorm1dOptions = InstanceNormOptions;
using InstanceNorm2dOptions = InstanceNormOptions;

// Normalizes each (sample, channel) of [N, C, *spatial] (or unbatched [C, *spatial]).
class InstanceNormImplBase : public NormBaseImpl {
public:
  InstanceNormImplBase(std::string name, const InstanceNormOptions &options, int64_t spatial_dims);
  Tensor forward(const Tensor &input);

private:
  int64_t spatial_dims_;
};

class InstanceNorm1dImpl : public InstanceNormImplBase {
public:
  explicit InstanceNorm1dImpl(const InstanceNorm1dOptions &options)
      : InstanceNormImplBase("InstanceNorm1d", options, 1) {}
};
EMBER_MODULE(InstanceNorm1d);

class InstanceNorm2dImpl : public InstanceNormImplBase {
public:
  explicit InstanceNorm2dImpl(const InstanceNorm2dOptions &options)
      : InstanceNormImplBase("InstanceNorm2d", options, 2) {}
};
EMBER_MODULE(InstanceNorm2d);

struct LayerNormOptions {
  LayerNormOptions(Shape normalized_shape) : normalized_shape_(std::move(normalized_shape)) {}
  EMBER_ARG(Shape, normalized_shape);
  EMBER_ARG(double, eps) = 1e-5;
  EMBER_ARG(bool, elementwise_affine) = true;
};

// Normalizes over the trailing normalized_shape dims; weight and bias of that shape.
class LayerNormImpl : public Module {
public:
  explicit LayerNormImpl(const LayerNormOptions &options);
  Tensor forward(const Tensor &input);
  void reset_parameters();
  void pretty_print(std::ostream &out) const override;
  LayerNormOptions options;
  Tensor weight, bias;
};
EMBER_MODULE(LayerNorm);

struct GroupNormOptions {
  GroupNormOptions(int64_t num_groups, int64_t num_channels)
      : num_groups_(num_groups), num_channels_(num_channels) {}
  EMBER_ARG(int64_t, num_groups);
  EMBER_ARG(int64_t, num_channels);
  EMBER_ARG(double, eps) = 1e-5;
  EMBER_ARG(bool, affine) = true;
};

// Normalizes groups of num_channels / num_groups channels of [N, C, *].
class GroupNormImpl : public Module {
public:
  explicit GroupNormImpl(const GroupNormOptions &options);
  GroupNormImpl(int64_t num_groups, int64_t num_channels)
      : GroupNormImpl(GroupNormOptions(num_groups, num_channels)) {}
  Tensor forward(const Tensor &input);
  void reset_parameters();
  void pretty_print(std::ostream &out) const override;
  GroupNormOptions options;
  Tensor weight, bias;
};
EMBER_MODULE(GroupNorm);

struct RMSNormOptions {
  RMSNormOptions(Shape normalized_shape) : normalized_shape_(std::move(normalized_shape)) {}
  EMBER_ARG(Shape, normalized_shape);
  // None: the machine epsilon of the input's dtype.
  EMBER_ARG(std::optional<double>, eps);
  EMBER_ARG(bool, elementwise_affine) = true;
};

// x / sqrt(mean(x^2) + eps) * weight over the trailing normalized_shape dims (torch 2.4's RMSNorm).
class RMSNormImpl : public Module {
public:
  explicit RMSNormImpl(const RMSNormOptions &options);
  Tensor forward(const Tensor &input);
  void reset_parameters();
  void pretty_print(std::ostream &out) const override;
  RMSNormOptions options;
  Tensor weight;
};
EMBER_MODULE(RMSNorm);

} // namespace ember::nn
