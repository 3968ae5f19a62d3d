// Parameter initialization (torch.nn.init). Every function fills its tensor in place without
// recording autograd and returns it; random ones draw from the default generator.
#pragma once

#include <string>
#include <utility>

#include "ember/tensor.h"

namespace ember::nn::init {

// The recommended gain for a nonlinearity: "linear", "conv1d", "sigmoid", "tanh", "relu",
// "leaky_relu" (param = negative slope, default 0.01), "selu".
double calculate_gain(const std::string &nonlinearity, std::optional<double> param = std::nullopt);
// (fan_in, fan_out) of a weight of at least 2 dims: [out, in, *kernel].
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor &tensor);

Tensor uniform_(Tensor tensor, double a = 0, double b = 1);
Tensor normal_(Tensor tensor, double mean = 0, double std = 1);
Tensor trunc_normal_(Tensor tensor, double mean = 0, double std = 1, double a = -2, double b = 2);
Tensor constant_(Tensor tensor, const Scalar &value);
Tensor ones_(Tensor tensor);
Tensor zeros_(Tensor tensor);
Tensor eye_(Tensor tensor);
Tensor xavier_uniform_(Tensor tensor, double gain = 1);
Tensor xavier_normal_(Tensor tensor, double gain = 1);
// mode "fan_in" or "fan_out"; nonlinearity as calculate_gain; a = leaky_relu slope.
Tensor kaiming_uniform_(Tensor tensor, double a = 0, const std::string &mode = "fan_in",
                        const std::string &nonlinearity = "leaky_relu");
Tensor kaiming_normal_(Tensor tensor, double a = 0, const std::string &mode = "fan_in",
                       const std::string &nonlinearity = "leaky_relu");
// A (semi-)orthogonal matrix from the QR decomposition of a normal matrix, scaled by gain.
Tensor orthogonal_(Tensor tensor, double gain = 1);

} // namespace ember::nn::init
