// Convolution passes through oneDNN, when ember is built with it (see conv_dnnl.cpp).
#pragma once

#include "nn/conv_problem.h"

namespace ember::nn {

// The three bilinear primitives of conv.cpp, in oneDNN's names.
enum class ConvPass {
  forward,          // (image, weight, bias or nullptr) -> columns
  backward_data,    // (columns, weight) -> image
  backward_weights, // (image, columns) -> weight
};

// Runs one pass on contiguous float32 operands laid out as conv.cpp's (N, C, D, H, W) tensors
// and (C_out, C_in / groups, kD, kH, kW) weights, overwriting out. Returns false, touching
// nothing, when ember is built without oneDNN or oneDNN has no kernel for the problem: the
// caller then runs its own.
bool dnnl_convolution(ConvPass pass, const ConvProblem &problem, const float *first,
                      const float *second, const float *bias, float *out);

// Both backward passes of a forward convolution with one reorder of the output gradient:
// (grad, weight) -> grad_image and (image, grad) -> grad_weight. Returns false, touching
// nothing, where dnnl_convolution would.
bool dnnl_convolution_backward(const ConvProblem &problem, const float *image, const float *weight,
                               const float *grad, float *grad_image, float *grad_weight);

} // namespace ember::nn
