// torch.nn.utils: gradient clipping and flattening parameters into one vector.
#pragma once

#include <vector>

#include "ember/tensor.h"

namespace ember::nn::utils {

// Scales all gradients so their combined norm is at most max_norm; returns the norm before
// clipping. norm_type may be infinity. With error_if_nonfinite, a NaN/inf total norm is an Error.
double clip_grad_norm_(const std::vector<Tensor> &parameters, double max_norm,
                       double norm_type = 2.0, bool error_if_nonfinite = false);
// Clamps every gradient element into [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor> &parameters, double clip_value);
// All parameters flattened and concatenated into one 1-d tensor (a copy).
Tensor parameters_to_vector(const std::vector<Tensor> &parameters);
// Copies consecutive slices of vec into the parameters (the inverse of parameters_to_vector).
void vector_to_parameters(const Tensor &vec, const std::vector<Tensor> &parameters);

} // namespace ember::nn::utils
