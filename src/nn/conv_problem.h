// The sizes of one grouped 3-D convolution, shared by the im2col kernels (conv.cpp) and the
// oneDNN ones (conv_dnnl.cpp).
#pragma once

#include "ember/shape.h"
#include "nn/im2col.h"

namespace ember::nn {

// Image side (batch, image_channels, *image), columns side (batch, column_channels, *columns),
// weight (column_channels, image_channels / groups, *kernel).
struct ConvProblem {
  ConvGeometry geometry;
  int64_t batch, image_channels, column_channels, groups;

  int64_t group_out() const { return column_channels / groups; } // GEMM rows per group
  int64_t group_rows() const { return image_channels / groups * geometry.kernel_volume(); }
  int64_t positions() const { return geometry.columns_volume(); }
  int64_t image_numel() const { return image_channels * geometry.image_volume(); }
  int64_t columns_numel() const { return column_channels * positions(); }
  int64_t weight_numel() const { return column_channels * group_rows(); }
  // The im2col buffer of one sample; a pointwise conv reads the image directly.
  int64_t buffer_numel() const {
    return geometry.is_pointwise() ? 0 : groups * group_rows() * positions();
  }
  Shape image_shape() const {
    return {batch, image_channels, geometry.image[0], geometry.image[1], geometry.image[2]};
  }
  Shape columns_shape() const {
    return {batch, column_channels, geometry.columns[0], geometry.columns[1], geometry.columns[2]};
  }
  Shape weight_shape() const {
    return {column_channels, image_channels / groups, geometry.kernel[0], geometry.kernel[1],
            geometry.kernel[2]};
  }
};

} // namespace ember::nn
