// Dimension arithmetic shared by every op.
#include "ember/shape.h"

#include <algorithm>

#include "ember/error.h"

namespace ember {

bool IntArrayRef::operator==(IntArrayRef other) const {
  return std::equal(begin(), end(), other.begin(), other.end());
}

std::ostream &operator<<(std::ostream &out, IntArrayRef values) {
  out << '[';
  for (size_t i = 0; i < values.size(); ++i)
    out << (i ? ", " : "") << values[i];
  return out << ']';
}

std::ostream &operator<<(std::ostream &out, const Shape &values) {
  return out << IntArrayRef(values);
}

int64_t shape_numel(IntArrayRef sizes) {
  int64_t numel = 1;
  for (int64_t size : sizes)
    numel *= size;
  return numel;
}

Shape contiguous_strides(IntArrayRef sizes) {
  Shape strides(sizes.size());
  int64_t stride = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= std::max<int64_t>(sizes[i], 1);
  }
  return strides;
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char *op) {
  int64_t extent = std::max<int64_t>(ndim, 1);
  EMBER_CHECK_T(IndexError, dim >= -extent && dim < extent, op,
                ": dimension out of range (expected to be in range of [", -extent, ", ",
                extent - 1, "], but got ", dim, ")");
  return dim < 0 ? dim + extent : dim;
}

Shape broadcast_shapes(IntArrayRef a, IntArrayRef b, const char *op) {
  size_t ndim = std::max(a.size(), b.size());
  Shape result(ndim);
  for (size_t i = 0; i < ndim; ++i) {
    int64_t size_a = i < ndim - a.size() ? 1 : a[i - (ndim - a.size())];
    int64_t size_b = i < ndim - b.size() ? 1 : b[i - (ndim - b.size())];
    EMBER_CHECK(size_a == size_b || size_a == 1 || size_b == 1, op, ": shapes ", a, " and ", b,
                " cannot be broadcast (size ", size_a, " vs ", size_b, " at dimension ", i, ")");
    result[i] = size_a == 1 ? size_b : size_a;
  }
  return result;
}

std::vector<bool> dim_mask(IntArrayRef dims, int64_t ndim, const char *op) {
  std::vector<bool> mask(ndim, dims.empty());
  for (int64_t dim : dims) {
    int64_t wrapped = wrap_dim(dim, ndim, op);
    if (ndim == 0)
      continue;
    EMBER_CHECK(!mask[wrapped], op, ": dim ", wrapped, " appears multiple times in the list of dims");
    mask[wrapped] = true;
  }
  return mask;
}

} // namespace ember
