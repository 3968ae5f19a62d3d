// Normalization functions (torch.nn.functional): batch_norm, layer_norm, group_norm,
// instance_norm and rms_norm. Undefined weight, bias or running-statistics tensors stand for
// torch's None. Implemented in src/nn/norm.cpp.
#pragma once

#include <optional>

#include "ember/ops.h"

namespace ember::nn::functional {

// Normalizes each channel (dim 1) of input [N, C, *]. In training mode the batch statistics are
// used and running_mean / running_var (when defined) are updated in place with momentum, the
// variance unbiased as in torch; in evaluation mode the running statistics are used.
Tensor batch_norm(const Tensor &input, const Tensor &running_mean, const Tensor &running_var,
                  const Tensor &weight = {}, const Tensor &bias = {}, bool training = false,
                  double momentum = 0.1, double eps = 1e-5);

// Normalizes over the last normalized_shape.size() dims, which must equal normalized_shape;
// weight and bias, when defined, have shape normalized_shape.
Tensor layer_norm(const Tensor &input, IntArrayRef normalized_shape, const Tensor &weight = {},
                  const Tensor &bias = {}, double eps = 1e-5);

// Normalizes input [N, C, *] over groups of C / num_groups channels; per-channel weight and bias.
Tensor group_norm(const Tensor &input, int64_t num_groups, const Tensor &weight = {},
                  const Tensor &bias = {}, double eps = 1e-5);

// Normalizes each (sample, channel) of input [N, C, *] separately. With use_input_stats false
// the running statistics are used instead; when true and they are defined, they are updated.
Tensor instance_norm(const Tensor &input, const Tensor &running_mean = {},
                     const Tensor &running_var = {}, const Tensor &weight = {},
                     const Tensor &bias = {}, bool use_input_stats = true, double momentum = 0.1,
                     double eps = 1e-5);

// input / sqrt(mean(input^2 over the last dims) + eps) * weight. eps defaults to the machine
// epsilon of input's dtype, as in torch 2.x.
Tensor rms_norm(const Tensor &input, IntArrayRef normalized_shape, const Tensor &weight = {},
                std::optional<double> eps = std::nullopt);

} // namespace ember::nn::functional
