// nn::utils: gradient clipping and parameter vectors.
#include "ember/nn/utils.h"

#include <cmath>

#include "ember/autograd.h"
#include "ember/ops.h"

namespace ember::nn::utils {

double clip_grad_norm_(const std::vector<Tensor> &parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  NoGradGuard no_grad;
  TensorList grads;
  for (const Tensor &parameter : parameters)
    if (parameter.grad().defined())
      grads.push_back(parameter.grad());
  if (grads.empty())
    return 0.0;
  double total = 0.0;
  if (std::isinf(norm_type)) {
    for (const Tensor &grad : grads)
      total = std::max(total, grad.abs().max().item<double>());
  } else {
    for (const Tensor &grad : grads)
      total += std::pow(grad.norm(norm_type).item<double>(), norm_type);
    total = std::pow(total, 1.0 / norm_type);
  }
  EMBER_CHECK(!error_if_nonfinite || std::isfinite(total), "clip_grad_norm_: the total norm of "
              "order ", norm_type, " for gradients from `parameters` is non-finite, so it cannot "
              "be clipped. To disable this error and scale the gradients by the non-finite norm "
              "anyway, set `error_if_nonfinite=false`");
  // The same coefficient as torch: 1e-6 keeps it finite for zero gradients.
  double coefficient = max_norm / (total + 1e-6);
  if (coefficient < 1.0)
    for (Tensor grad : grads)
      grad.mul_(coefficient);
  return total;
}

void clip_grad_value_(const std::vector<Tensor> &parameters, double clip_value) {
  NoGradGuard no_grad;
  for (const Tensor &parameter : parameters)
    if (Tensor grad = parameter.grad(); grad.defined())
      grad.clamp_(-clip_value, clip_value);
}

Tensor parameters_to_vector(const std::vector<Tensor> &parameters) {
  TensorList flat;
  for (const Tensor &parameter : parameters)
    flat.push_back(parameter.reshape({-1}));
  return cat(flat);
}

void vector_to_parameters(const Tensor &vec, const std::vector<Tensor> &parameters) {
  EMBER_CHECK(vec.dim() == 1, "vector_to_parameters: expected a 1-d vector, got shape ",
              vec.sizes());
  int64_t total = 0;
  for (const Tensor &parameter : parameters)
    total += parameter.numel();
  EMBER_CHECK(total == vec.numel(), "vector_to_parameters: vector of ", vec.numel(),
              " elements does not match the ", total, " elements of the parameters");
  NoGradGuard no_grad;
  int64_t offset = 0;
  for (Tensor parameter : parameters) {
    parameter.copy_(vec.narrow(0, offset, parameter.numel()).view(parameter.sizes()));
    offset += parameter.numel();
  }
}

} // namespace ember::nn::utils
