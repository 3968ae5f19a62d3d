// im2col / col2im over three spatial dims, shared by convolution and unfold/fold. Every op here
// works in 3-D: a 2-D problem has depth 1 and a 1-D one height 1 too, so one kernel serves all.
// The columns of an image (C, D, H, W) form a (C * kD * kH * kW, oD * oH * oW) matrix whose
// row (c, kd, kh, kw) holds, for every output position, the input element that kernel tap sees
// (zero in the padding).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

namespace ember::nn {

using Dims3 = std::array<int64_t, 3>;

// The spatial geometry of a convolution: the image side (the conv's input) and the columns side
// (its output), related by kernel, stride, padding and dilation.
struct ConvGeometry {
  Dims3 image{1, 1, 1};
  Dims3 columns{1, 1, 1};
  Dims3 kernel{1, 1, 1};
  Dims3 stride{1, 1, 1};
  Dims3 padding{0, 0, 0};
  Dims3 dilation{1, 1, 1};

  int64_t image_volume() const { return image[0] * image[1] * image[2]; }
  int64_t columns_volume() const { return columns[0] * columns[1] * columns[2]; }
  int64_t kernel_volume() const { return kernel[0] * kernel[1] * kernel[2]; }
  // A 1x1 kernel with unit stride and no padding: the columns are the image itself.
  bool is_pointwise() const {
    for (int d = 0; d < 3; ++d)
      if (kernel[d] != 1 || stride[d] != 1 || padding[d] != 0)
        return false;
    return true;
  }
};

// The output size along one dim: floor((in + 2 pad - dilation (k - 1) - 1) / stride) + 1.
inline int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding,
                                int64_t dilation) {
  return (in + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
}

namespace detail {

inline int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// Output positions o in [0, out) whose input position o * stride + offset lies in [0, in).
struct ValidRange {
  int64_t begin, end;
};
inline ValidRange valid_range(int64_t out, int64_t stride, int64_t offset, int64_t in) {
  const int64_t begin = std::clamp<int64_t>(ceil_div(-offset, stride), 0, out);
  const int64_t end = std::clamp<int64_t>(ceil_div(in - offset, stride), begin, out);
  return {begin, end};
}

// Walks every (column row, output row) pair: calls fn(column_run, image_row, range, offset_w)
// where column_run points at oW columns of one output row, image_row at the input row the
// kernel tap reads (nullptr when the tap falls in vertical padding), range is the valid
// output-column range and offset_w the input column of output column 0.
template <typename T, typename ImagePtr, typename Fn>
void for_each_column_run(ImagePtr image, int64_t channels, const ConvGeometry &g, T *columns,
                         const Fn &fn) {
  const auto [D, H, W] = g.image;
  const auto [oD, oH, oW] = g.columns;
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t kd = 0; kd < g.kernel[0]; ++kd)
      for (int64_t kh = 0; kh < g.kernel[1]; ++kh)
        for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
          const int64_t offset_w = kw * g.dilation[2] - g.padding[2];
          const ValidRange range = valid_range(oW, g.stride[2], offset_w, W);
          for (int64_t od = 0; od < oD; ++od) {
            const int64_t id = od * g.stride[0] + kd * g.dilation[0] - g.padding[0];
            for (int64_t oh = 0; oh < oH; ++oh) {
              const int64_t ih = oh * g.stride[1] + kh * g.dilation[1] - g.padding[1];
              const bool inside = id >= 0 && id < D && ih >= 0 && ih < H;
              fn(columns, inside ? image + ((c * D + id) * H + ih) * W : nullptr, range, offset_w);
              columns += oW;
            }
          }
        }
}

} // namespace detail

// Writes the columns of image (channels, D, H, W) into columns (see the file comment).
template <typename T>
void im2col(const T *image, int64_t channels, const ConvGeometry &g, T *columns) {
  const int64_t oW = g.columns[2], stride_w = g.stride[2];
  detail::for_each_column_run(
      image, channels, g, columns,
      [&](T *out, const T *row, detail::ValidRange range, int64_t offset_w) {
        if (row == nullptr) {
          std::fill(out, out + oW, T(0));
          return;
        }
        // Runs are short (one output row), so plain loops beat memcpy/memset calls.
        const int64_t count = range.end - range.begin;
        T *__restrict dst = out + range.begin;
        const T *__restrict src = row + range.begin * stride_w + offset_w;
        std::fill(out, dst, T(0));
        if (stride_w == 1)
          for (int64_t i = 0; i < count; ++i)
            dst[i] = src[i];
        else
          for (int64_t i = 0; i < count; ++i)
            dst[i] = src[i * stride_w];
        std::fill(dst + count, out + oW, T(0));
      });
}

// Adds every column entry into the image element it was taken from (the adjoint of im2col).
// image must be initialized (usually zeroed) by the caller.
template <typename T>
void col2im(const T *columns, int64_t channels, const ConvGeometry &g, T *image) {
  const int64_t stride_w = g.stride[2];
  detail::for_each_column_run(image, channels, g, columns,
                              [&](const T *in, T *row, detail::ValidRange range, int64_t offset_w) {
                                if (row == nullptr)
                                  return;
                                const int64_t count = range.end - range.begin;
                                T *__restrict dst = row + range.begin * stride_w + offset_w;
                                const T *__restrict src = in + range.begin;
                                if (stride_w == 1)
                                  for (int64_t i = 0; i < count; ++i)
                                    dst[i] += src[i];
                                else
                                  for (int64_t i = 0; i < count; ++i)
                                    dst[i * stride_w] += src[i];
                              });
}

} // namespace ember::nn
