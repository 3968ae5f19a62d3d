// interpolate (nearest, nearest-exact, linear, bilinear, trilinear) and pixel_shuffle /
// pixel_unshuffle. All are compositions of differentiable ops: interpolation is separable, one
// spatial dim at a time, and along one dim it is an index_select (nearest) or a weighted sum of
// two index_selects (linear); pixel shuffles are reshapes and a permute. Gradients of every order
// follow from those ops. Source coordinates follow torch's rules (ATen's UpSample.h) exactly.
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "ember/nn/functional/conv.h"

namespace ember::nn::functional {
namespace {

// Nearest source index of every output position along a dim, as torch computes it: in float,
// from 1 / scale_factor when one was given, else from in / out. torch 1.13 copies equal sizes
// and halves indices for doubled sizes, whatever the scale, but only for 2-D and 3-D inputs.
Tensor nearest_indices(int64_t in, int64_t out, std::optional<double> scale, bool exact,
                       bool shortcuts) {
  Tensor index = empty({out}, dtype(kInt64));
  int64_t *p = index.data_ptr<int64_t>();
  const float ratio = scale && *scale > 0 ? static_cast<float>(1.0 / *scale)
                                          : static_cast<float>(in) / static_cast<float>(out);
  const float shift = exact ? 0.5f : 0.0f;
  for (int64_t o = 0; o < out; ++o) {
    if (shortcuts && out == in)
      p[o] = o;
    else if (shortcuts && out == 2 * in)
      p[o] = o / 2;
    else
      p[o] = std::min(static_cast<int64_t>(std::floor((static_cast<float>(o) + shift) * ratio)),
                      in - 1);
  }
  return index;
}

// values laid along dim of a tensor with ndim dims, for broadcasting against it.
Tensor along_dim(const Tensor &values, int64_t dim, int64_t ndim) {
  Shape sizes(ndim, 1);
  sizes[dim] = values.numel();
  return values.view(sizes);
}

// Linear interpolation along dim: each output mixes its two neighbouring inputs.
Tensor linear_along(const Tensor &x, int64_t dim, int64_t out, std::optional<double> scale,
                    bool align_corners) {
  const int64_t in = x.size(dim);
  Tensor lower = empty({out}, dtype(kInt64)), upper = empty({out}, dtype(kInt64));
  Tensor lower_weight = empty({out}, x.options()), upper_weight = empty({out}, x.options());
  dispatch_floating(x.dtype(), "interpolate", [&](auto tag) {
    using T = decltype(tag);
    T ratio;
    if (align_corners)
      ratio = out > 1 ? static_cast<T>(in - 1) / static_cast<T>(out - 1) : T(0);
    else
      ratio = scale && *scale > 0 ? static_cast<T>(1.0 / *scale)
                                  : static_cast<T>(in) / static_cast<T>(out);
    for (int64_t o = 0; o < out; ++o) {
      // Without align_corners, pixel centres map onto pixel centres; clamp at the left edge.
      const T source = align_corners
                           ? ratio * static_cast<T>(o)
                           : std::max(ratio * (static_cast<T>(o) + T(0.5)) - T(0.5), T(0));
      const int64_t i0 = std::min(static_cast<int64_t>(source), in - 1);
      const T fraction = std::min(source - static_cast<T>(i0), T(1));
      lower.data_ptr<int64_t>()[o] = i0;
      upper.data_ptr<int64_t>()[o] = i0 + (i0 < in - 1 ? 1 : 0);
      lower_weight.data_ptr<T>()[o] = T(1) - fraction;
      upper_weight.data_ptr<T>()[o] = fraction;
    }
  });
  return x.index_select(dim, lower) * along_dim(lower_weight, dim, x.dim()) +
         x.index_select(dim, upper) * along_dim(upper_weight, dim, x.dim());
}

// The number of spatial dims a mode works on, or 0 for any (nearest).
int64_t mode_dims(const std::string &mode) {
  if (mode == "linear")
    return 1;
  if (mode == "bilinear")
    return 2;
  if (mode == "trilinear")
    return 3;
  EMBER_CHECK(mode == "nearest" || mode == "nearest-exact", "interpolate: mode '", mode,
              "' is not supported; expected nearest, nearest-exact, linear, bilinear or trilinear");
  return 0;
}

} // namespace

Tensor interpolate(const Tensor &input, std::optional<Shape> size,
                   std::optional<std::vector<double>> scale_factor, std::string_view mode_arg,
                   std::optional<bool> align_corners, std::optional<bool> recompute_scale_factor) {
  const std::string mode(mode_arg);
  const int64_t linear_dims = mode_dims(mode);
  EMBER_CHECK(input.dim() >= 3 && input.dim() <= 5,
              "interpolate: expected 3-D, 4-D or 5-D input (N, C, *spatial), got input of shape ",
              input.sizes());
  const int64_t dims = input.dim() - 2;
  const Shape spatial(input.sizes().begin() + 2, input.sizes().end());
  EMBER_CHECK(linear_dims == 0 || linear_dims == dims, "interpolate: got ", input.dim(),
              "-D input, but ", mode, " mode needs ", linear_dims + 2, "-D input");
  EMBER_CHECK(linear_dims != 0 || !align_corners.has_value(),
              "interpolate: align_corners can only be set with the modes linear, bilinear and "
              "trilinear");
  EMBER_CHECK(size.has_value() != scale_factor.has_value(), "interpolate: ",
              size ? "only one of size or scale_factor should be given"
                   : "either size or scale_factor should be given");
  EMBER_CHECK(!(size && recompute_scale_factor.value_or(false)),
              "interpolate: recompute_scale_factor is not meaningful with an explicit size");

  Shape out_size(dims);
  std::vector<std::optional<double>> scales(dims);
  if (size) {
    EMBER_CHECK(size->size() == 1 || static_cast<int64_t>(size->size()) == dims,
                "interpolate: expected size with 1 or ", dims,
                " values for input with spatial sizes ", spatial, ", got ", *size);
    for (int64_t d = 0; d < dims; ++d)
      out_size[d] = size->size() == 1 ? (*size)[0] : (*size)[d];
  } else {
    EMBER_CHECK(scale_factor->size() == 1 || static_cast<int64_t>(scale_factor->size()) == dims,
                "interpolate: expected scale_factor with 1 or ", dims,
                " values for input with spatial sizes ", spatial, ", got ", scale_factor->size());
    for (int64_t d = 0; d < dims; ++d) {
      const double factor = scale_factor->size() == 1 ? (*scale_factor)[0] : (*scale_factor)[d];
      out_size[d] = static_cast<int64_t>(std::floor(static_cast<double>(spatial[d]) * factor));
      if (!recompute_scale_factor.value_or(false))
        scales[d] = factor;
    }
  }
  for (int64_t d = 0; d < dims; ++d)
    EMBER_CHECK(out_size[d] > 0 && spatial[d] > 0,
                "interpolate: expected input and output sizes greater than 0, got input of shape ",
                input.sizes(), " and output size ", out_size);

  // The last dim first, as torch's bilinear kernel weights along W inside the H weights.
  Tensor out = input;
  for (int64_t d = dims - 1; d >= 0; --d) {
    const int64_t dim = d + 2;
    if (linear_dims == 0) {
      const bool shortcuts = mode == "nearest" && dims >= 2;
      out = out.index_select(dim, nearest_indices(spatial[d], out_size[d], scales[d],
                                                  mode == "nearest-exact", shortcuts));
    } else if (out_size[d] != spatial[d]) { // torch copies equal sizes, whatever the scale
      out = linear_along(out, dim, out_size[d], scales[d], align_corners.value_or(false));
    }
  }
  return out;
}

Tensor pixel_shuffle(const Tensor &input, int64_t upscale_factor) {
  const int64_t r = upscale_factor;
  EMBER_CHECK(input.dim() >= 3,
              "pixel_shuffle: expected input with at least 3 dims, got input of shape ",
              input.sizes());
  EMBER_CHECK(r > 0, "pixel_shuffle: expected a positive upscale_factor, got ", r);
  const int64_t channels = input.size(-3), height = input.size(-2), width = input.size(-1);
  EMBER_CHECK(channels % (r * r) == 0, "pixel_shuffle: expected input's channel dim (", channels,
              ") to be divisible by upscale_factor squared (", r * r, "), got input of shape ",
              input.sizes());
  const Shape batch(input.sizes().begin(), input.sizes().end() - 3);
  const int64_t b = static_cast<int64_t>(batch.size());
  Shape split = batch, dims, out = batch;
  split.insert(split.end(), {channels / (r * r), r, r, height, width});
  for (int64_t d = 0; d < b; ++d)
    dims.push_back(d);
  // (C, r1, r2, H, W) -> (C, H, r1, W, r2)
  dims.insert(dims.end(), {b, b + 3, b + 1, b + 4, b + 2});
  out.insert(out.end(), {channels / (r * r), height * r, width * r});
  return input.reshape(split).permute(dims).reshape(out);
}

Tensor pixel_unshuffle(const Tensor &input, int64_t downscale_factor) {
  const int64_t r = downscale_factor;
  EMBER_CHECK(input.dim() >= 3,
              "pixel_unshuffle: expected input with at least 3 dims, got input of shape ",
              input.sizes());
  EMBER_CHECK(r > 0, "pixel_unshuffle: expected a positive downscale_factor, got ", r);
  const int64_t channels = input.size(-3), height = input.size(-2), width = input.size(-1);
  EMBER_CHECK(height % r == 0 && width % r == 0, "pixel_unshuffle: expected height and width (",
              height, ", ", width, ") divisible by downscale_factor (", r, "), got input of shape ",
              input.sizes());
  const Shape batch(input.sizes().begin(), input.sizes().end() - 3);
  const int64_t b = static_cast<int64_t>(batch.size());
  Shape split = batch, dims, out = batch;
  split.insert(split.end(), {channels, height / r, r, width / r, r});
  for (int64_t d = 0; d < b; ++d)
    dims.push_back(d);
  // (C, H, r1, W, r2) -> (C, r1, r2, H, W)
  dims.insert(dims.end(), {b, b + 2, b + 4, b + 1, b + 3});
  out.insert(out.end(), {channels * r * r, height / r, width / r});
  return input.reshape(split).permute(dims).reshape(out);
}

} // namespace ember::nn::functional
