// The normalization layers: parameters and running statistics as torch registers them, the
// momentum bookkeeping of torch's _BatchNorm.forward, and input checks naming the layer.
#include "ember/nn/modules/normalization.h"

#include <algorithm>

#include "ember/autograd.h"
#include "ember/nn/functional/norm.h"
#include "ember/nn/init.h"

namespace ember::nn {
namespace {

std::string ranks_text(IntArrayRef ranks) {
  std::string text;
  for (int64_t rank : ranks)
    text += (text.empty() ? "" : " or ") + std::to_string(rank) + "-D";
  return text;
}

// Checks that input ends in normalized_shape (LayerNorm, RMSNorm).
void check_trailing(const std::string &layer, const Tensor &input, const Shape &normalized_shape) {
  const size_t n = normalized_shape.size();
  EMBER_CHECK(static_cast<size_t>(input.dim()) >= n &&
                  std::equal(normalized_shape.begin(), normalized_shape.end(),
                             input.sizes().end() - static_cast<std::ptrdiff_t>(n)),
              layer, ": expected input with trailing dimensions ", normalized_shape,
              " (normalized_shape), got input of shape ", input.sizes());
}

} // namespace

NormBaseImpl::NormBaseImpl(std::string name, const BatchNormOptions &options)
    : Module(std::move(name)), options(options) {
  const int64_t features = options.num_features();
  EMBER_CHECK(features > 0, this->name(), ": num_features must be positive, got ", features);
  if (options.affine()) {
    weight = register_parameter("weight", empty({features}));
    bias = register_parameter("bias", empty({features}));
  }
  if (options.track_running_stats()) {
    running_mean = register_buffer("running_mean", empty({features}));
    running_var = register_buffer("running_var", empty({features}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, dtype(kInt64)));
  }
  reset_parameters();
}

void NormBaseImpl::reset_running_stats() {
  if (!options.track_running_stats())
    return;
  init::zeros_(running_mean);
  init::ones_(running_var);
  NoGradGuard no_grad;
  num_batches_tracked.zero_();
}

void NormBaseImpl::reset_parameters() {
  reset_running_stats();
  if (options.affine()) {
    init::ones_(weight);
    init::zeros_(bias);
  }
}

void NormBaseImpl::check_input(const Tensor &input, IntArrayRef ranks,
                               int64_t unbatched_rank) const {
  EMBER_CHECK(std::find(ranks.begin(), ranks.end(), input.dim()) != ranks.end(), name(),
              ": expected ", ranks_text(ranks), " input, got input of shape ", input.sizes());
  const int64_t channels = input.size(input.dim() == unbatched_rank ? 0 : 1);
  EMBER_CHECK(channels == options.num_features(), name(), ": expected input with ",
              options.num_features(), " channels (num_features), got ", channels,
              " channels in input of shape ", input.sizes());
}

void NormBaseImpl::pretty_print(std::ostream &out) const {
  out << name() << "(" << options.num_features() << ", eps=" << repr::real(options.eps())
      << ", momentum=" << (options.momentum() ? repr::real(*options.momentum()) : "None")
      << ", affine=" << repr::boolean(options.affine())
      << ", track_running_stats=" << repr::boolean(options.track_running_stats()) << ")";
}

Tensor BatchNormImplBase::forward(const Tensor &input) {
  check_input(input, ranks_, -1);
  // As torch: momentum None averages over every batch seen, counted in num_batches_tracked.
  double factor = options.momentum().value_or(0.0);
  const bool tracking = options.track_running_stats();
  if (is_training() && tracking) {
    {
      NoGradGuard no_grad;
      num_batches_tracked.add_(1);
    }
    if (!options.momentum())
      factor = 1.0 / static_cast<double>(num_batches_tracked.item<int64_t>());
  }
  // Without running statistics, batch statistics are used in eval mode too.
  return functional::batch_norm(input, running_mean, running_var, weight, bias,
                                is_training() || !tracking, factor, options.eps());
}

InstanceNormImplBase::InstanceNormImplBase(std::string name, const InstanceNormOptions &options,
                                           int64_t spatial_dims)
    : NormBaseImpl(std::move(name), BatchNormOptions(options.num_features())
                                        .eps(options.eps())
                                        .momentum(options.momentum())
                                        .affine(options.affine())
                                        .track_running_stats(options.track_running_stats())),
      spatial_dims_(spatial_dims) {}

Tensor InstanceNormImplBase::forward(const Tensor &input) {
  check_input(input, {spatial_dims_ + 1, spatial_dims_ + 2}, spatial_dims_ + 1);
  const bool unbatched = input.dim() == spatial_dims_ + 1;
  Tensor output = functional::instance_norm(
      unbatched ? input.unsqueeze(0) : input, running_mean, running_var, weight, bias,
      is_training() || !options.track_running_stats(), *options.momentum(), options.eps());
  return unbatched ? output.squeeze(0) : output;
}

LayerNormImpl::LayerNormImpl(const LayerNormOptions &options)
    : Module("LayerNorm"), options(options) {
  if (options.elementwise_affine()) {
    weight = register_parameter("weight", ember::empty(options.normalized_shape()));
    bias = register_parameter("bias", ember::empty(options.normalized_shape()));
  }
  reset_parameters();
}

void LayerNormImpl::reset_parameters() {
  if (options.elementwise_affine()) {
    init::ones_(weight);
    init::zeros_(bias);
  }
}

Tensor LayerNormImpl::forward(const Tensor &input) {
  check_trailing("LayerNorm", input, options.normalized_shape());
  return functional::layer_norm(input, options.normalized_shape(), weight, bias, options.eps());
}

void LayerNormImpl::pretty_print(std::ostream &out) const {
  out << "LayerNorm(" << repr::tuple(options.normalized_shape())
      << ", eps=" << repr::real(options.eps())
      << ", elementwise_affine=" << repr::boolean(options.elementwise_affine()) << ")";
}

GroupNormImpl::GroupNormImpl(const GroupNormOptions &options)
    : Module("GroupNorm"), options(options) {
  EMBER_CHECK(options.num_groups() > 0 && options.num_channels() % options.num_groups() == 0,
              "GroupNorm: num_channels ", options.num_channels(),
              " must be divisible by num_groups ", options.num_groups());
  if (options.affine()) {
    weight = register_parameter("weight", empty({options.num_channels()}));
    bias = register_parameter("bias", empty({options.num_channels()}));
  }
  reset_parameters();
}

void GroupNormImpl::reset_parameters() {
  if (options.affine()) {
    init::ones_(weight);
    init::zeros_(bias);
  }
}

Tensor GroupNormImpl::forward(const Tensor &input) {
  EMBER_CHECK(input.dim() >= 2 && input.size(1) == options.num_channels(),
              "GroupNorm: expected input [N, ", options.num_channels(),
              " (num_channels), *], got input of shape ", input.sizes());
  return functional::group_norm(input, options.num_groups(), weight, bias, options.eps());
}

void GroupNormImpl::pretty_print(std::ostream &out) const {
  out << "GroupNorm(" << options.num_groups() << ", " << options.num_channels()
      << ", eps=" << repr::real(options.eps()) << ", affine=" << repr::boolean(options.affine())
      << ")";
}

RMSNormImpl::RMSNormImpl(const RMSNormOptions &options) : Module("RMSNorm"), options(options) {
  if (options.elementwise_affine())
    weight = register_parameter("weight", ember::empty(options.normalized_shape()));
  reset_parameters();
}

void RMSNormImpl::reset_parameters() {
  if (options.elementwise_affine())
    init::ones_(weight);
}

Tensor RMSNormImpl::forward(const Tensor &input) {
  check_trailing("RMSNorm", input, options.normalized_shape());
  return functional::rms_norm(input, options.normalized_shape(), weight, options.eps());
}

void RMSNormImpl::pretty_print(std::ostream &out) const {
  out << "RMSNorm(" << repr::tuple(options.normalized_shape())
      << ", eps=" << (options.eps() ? repr::real(*options.eps()) : "None")
      << ", elementwise_affine=" << repr::boolean(options.elementwise_affine()) << ")";
}

} // namespace ember::nn
