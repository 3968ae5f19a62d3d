// Activation functions of torch.nn.functional: pointwise activations, glu, and the softmax family.
// Implemented in src/nn/activation.cpp. Names, argument order and defaults follow torch.
#pragma once

#include <optional>
#include <string>

#include "ember/ops.h"

namespace ember::nn::functional {

// ---- pointwise ----------------------------------------------------------------------------------
Tensor relu(const Tensor &input);
// min(max(x, 0), 6)
Tensor relu6(const Tensor &input);
Tensor leaky_relu(const Tensor &input, double negative_slope = 0.01);
// x for x > 0, alpha * (exp(x) - 1) otherwise.
Tensor elu(const Tensor &input, double alpha = 1.0);
// scale * elu(x, alpha) with the fixed constants of the SELU paper.
Tensor selu(const Tensor &input);
// max(0, x) + min(0, alpha * (exp(x / alpha) - 1))
Tensor celu(const Tensor &input, double alpha = 1.0);
// approximate: "none" (exact, with erf) or "tanh".
Tensor gelu(const Tensor &input, const std::string &approximate = "none");
// x * sigmoid(x)
Tensor silu(const Tensor &input);
// x * tanh(softplus(x))
Tensor mish(const Tensor &input);
// log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold.
Tensor softplus(const Tensor &input, double beta = 1.0, double threshold = 20.0);
// x / (1 + |x|)
Tensor softsign(const Tensor &input);
Tensor hardtanh(const Tensor &input, double min_val = -1.0, double max_val = 1.0);
// clamp(x / 6 + 1 / 2, 0, 1)
Tensor hardsigmoid(const Tensor &input);
// x * hardsigmoid(x)
Tensor hardswish(const Tensor &input);
Tensor sigmoid(const Tensor &input);
Tensor tanh(const Tensor &input);
// log(sigmoid(x)), finite for any finite x.
Tensor logsigmoid(const Tensor &input);

// ---- along a dim --------------------------------------------------------------------------------
// Splits input in halves a, b along dim and returns a * sigmoid(b).
Tensor glu(const Tensor &input, int64_t dim = -1);
// dtype, when given, converts the input first (as torch's dtype argument).
Tensor softmax(const Tensor &input, int64_t dim, std::optional<DType> dtype = std::nullopt);
Tensor log_softmax(const Tensor &input, int64_t dim, std::optional<DType> dtype = std::nullopt);
// softmax(-x)
Tensor softmin(const Tensor &input, int64_t dim, std::optional<DType> dtype = std::nullopt);

} // namespace ember::nn::functional
