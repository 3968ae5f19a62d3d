// Checks and expansion of the per-dim arguments (kernel_size, stride, padding, ...) that the
// convolution and pooling ops share.
#pragma once

#include "ember/error.h"
#include "ember/shape.h"

namespace ember::nn {

// A per-dim argument given as one value for every dim or one value per dim.
inline Shape per_dim(IntArrayRef values, int64_t dims, const char *op, const char *name) {
  EMBER_CHECK(values.size() == 1 || static_cast<int64_t>(values.size()) == dims, op, ": expected ",
              name, " to have 1 or ", dims, " values, got ", values.vec());
  return values.size() == 1 ? Shape(dims, values[0]) : values.vec();
}

// Every value at least min (0: non-negative, 1: positive).
inline void check_min(const Shape &values, int64_t min, const char *op, const char *name) {
  for (int64_t v : values)
    EMBER_CHECK(v >= min, op, ": expected ", name, " to be ",
                min == 0 ? "non-negative" : "positive", ", got ", values);
}

} // namespace ember::nn
