// torch.nn.functional's convolution, pooling and resampling ops: conv1d/2d/3d, conv_transpose,
// unfold/fold, max/avg/adaptive pooling, interpolate and pixel_shuffle. Names, argument order,
// defaults and semantics follow torch; a list argument given one value applies to every spatial
// dim (conv2d(x, w, {}, 2) is stride 2 in both dims). Inputs may also be unbatched (no N dim).
// Implementations: src/nn/conv.cpp, src/nn/pool.cpp, src/nn/interpolate.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "ember/ops.h"

namespace ember::nn::functional {

// ---- convolution (src/nn/conv.cpp) ------------------------------------------------------------
// input (N, C_in, *spatial), weight (C_out, C_in / groups, *kernel), bias (C_out) or undefined.
Tensor conv1d(const Tensor &input, const Tensor &weight, const Tensor &bias = {},
              IntArrayRef stride = 1, IntArrayRef padding = 0, IntArrayRef dilation = 1,
              int64_t groups = 1);
Tensor conv2d(const Tensor &input, const Tensor &weight, const Tensor &bias = {},
              IntArrayRef stride = 1, IntArrayRef padding = 0, IntArrayRef dilation = 1,
              int64_t groups = 1);
Tensor conv3d(const Tensor &input, const Tensor &weight, const Tensor &bias = {},
              IntArrayRef stride = 1, IntArrayRef padding = 0, IntArrayRef dilation = 1,
              int64_t groups = 1);
// A conv padding given by name: "valid" (none) or "same" (output size = input size, stride 1).
// Its own type, not a string, so that a literal 0 for padding still means zero padding.
struct PaddingMode {
  template <size_t N> PaddingMode(const char (&name)[N]) : name(name) {}
  PaddingMode(std::string name) : name(std::move(name)) {}
  std::string name;
};
Tensor conv1d(const Tensor &input, const Tensor &weight, const Tensor &bias, IntArrayRef stride,
              PaddingMode padding, IntArrayRef dilation = 1, int64_t groups = 1);
Tensor conv2d(const Tensor &input, const Tensor &weight, const Tensor &bias, IntArrayRef stride,
              PaddingMode padding, IntArrayRef dilation = 1, int64_t groups = 1);
Tensor conv3d(const Tensor &input, const Tensor &weight, const Tensor &bias, IntArrayRef stride,
              PaddingMode padding, IntArrayRef dilation = 1, int64_t groups = 1);

// input (N, C_in, *spatial), weight (C_in, C_out / groups, *kernel). Note torch's argument
// order: groups comes before dilation.
Tensor conv_transpose1d(const Tensor &input, const Tensor &weight, const Tensor &bias = {},
                        IntArrayRef stride = 1, IntArrayRef padding = 0,
                        IntArrayRef output_padding = 0, int64_t groups = 1,
                        IntArrayRef dilation = 1);
Tensor conv_transpose2d(const Tensor &input, const Tensor &weight, const Tensor &bias = {},
                        IntArrayRef stride = 1, IntArrayRef padding = 0,
                        IntArrayRef output_padding = 0, int64_t groups = 1,
                        IntArrayRef dilation = 1);
Tensor conv_transpose3d(const Tensor &input, const Tensor &weight, const Tensor &bias = {},
                        IntArrayRef stride = 1, IntArrayRef padding = 0,
                        IntArrayRef output_padding = 0, int64_t groups = 1,
                        IntArrayRef dilation = 1);

// Sliding blocks of (N, C, H, W) as columns: (N, C * kH * kW, L) (im2col).
Tensor unfold(const Tensor &input, IntArrayRef kernel_size, IntArrayRef dilation = 1,
              IntArrayRef padding = 0, IntArrayRef stride = 1);
// The adjoint of unfold: sums columns (N, C * kH * kW, L) into (N, C, *output_size) (col2im).
Tensor fold(const Tensor &input, IntArrayRef output_size, IntArrayRef kernel_size,
            IntArrayRef dilation = 1, IntArrayRef padding = 0, IntArrayRef stride = 1);

// ---- pooling (src/nn/pool.cpp) ----------------------------------------------------------------
// An empty stride means stride = kernel_size. Indices are flat positions within each input
// plane (h * W + w), as torch's.
Tensor max_pool1d(const Tensor &input, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, IntArrayRef dilation = 1, bool ceil_mode = false);
Tensor max_pool2d(const Tensor &input, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, IntArrayRef dilation = 1, bool ceil_mode = false);
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor &input, IntArrayRef kernel_size,
                                                   IntArrayRef stride = {}, IntArrayRef padding = 0,
                                                   IntArrayRef dilation = 1,
                                                   bool ceil_mode = false);
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor &input, IntArrayRef kernel_size,
                                                   IntArrayRef stride = {}, IntArrayRef padding = 0,
                                                   IntArrayRef dilation = 1,
                                                   bool ceil_mode = false);

Tensor avg_pool1d(const Tensor &input, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, bool ceil_mode = false, bool count_include_pad = true);
Tensor avg_pool2d(const Tensor &input, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);

Tensor adaptive_avg_pool1d(const Tensor &input, IntArrayRef output_size);
Tensor adaptive_avg_pool2d(const Tensor &input, IntArrayRef output_size);
Tensor adaptive_max_pool1d(const Tensor &input, IntArrayRef output_size);
Tensor adaptive_max_pool2d(const Tensor &input, IntArrayRef output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor &input,
                                                            IntArrayRef output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor &input,
                                                            IntArrayRef output_size);

// ---- resampling (src/nn/interpolate.cpp) ------------------------------------------------------
// Resizes the spatial dims of (N, C, *spatial) to size, or to floor(input size * scale_factor).
// mode: "nearest" (1-3 spatial dims), "linear" (1), "bilinear" (2) or "trilinear" (3);
// align_corners only with the linear modes (default false). As in torch, a given scale_factor
// is used for the source coordinates unless recompute_scale_factor is true.
Tensor interpolate(const Tensor &input, std::optional<Shape> size = std::nullopt,
                   std::optional<std::vector<double>> scale_factor = std::nullopt,
                   std::string_view mode = "nearest",
                   std::optional<bool> align_corners = std::nullopt,
                   std::optional<bool> recompute_scale_factor = std::nullopt);

// (*, C * r * r, H, W) -> (*, C, H * r, W * r), and back.
Tensor pixel_shuffle(const Tensor &input, int64_t upscale_factor);
Tensor pixel_unshuffle(const Tensor &input, int64_t downscale_factor);

} // namespace ember::nn::functional
