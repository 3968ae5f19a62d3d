// Shapes, non-owning lists of integers, and the dimension arithmetic every op shares.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <vector>

namespace ember {

using Shape = std::vector<int64_t>;

// A read-only view of integers: accepts {1, 2, 3}, a Shape or a single integer.
// Like libtorch's IntArrayRef it does not own its data, so keep it to function parameters.
class IntArrayRef {
public:
  IntArrayRef() = default;
  IntArrayRef(const std::vector<int64_t> &values) : data_(values.data()), size_(values.size()) {}
  // The list lives until the end of the full expression, which outlasts the call it is
  // passed to: the reason IntArrayRef is for parameters only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
  IntArrayRef(std::initializer_list<int64_t> values)
      : data_(values.begin()), size_(values.size()) {}
#pragma GCC diagnostic pop
  IntArrayRef(const int64_t *data, size_t size) : data_(data), size_(size) {}
  // A single integer as a list of one, so that view(-1) and sum(1) read naturally.
  IntArrayRef(const int64_t &value) : data_(&value), size_(1) {}

  const int64_t *begin() const { return data_; }
  const int64_t *end() const { return data_ + size_; }
  const int64_t *data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int64_t operator[](size_t i) const { return data_[i]; }
  int64_t back() const { return data_[size_ - 1]; }
  Shape vec() const { return Shape(begin(), end()); }
  bool operator==(IntArrayRef other) const;

private:
  const int64_t *data_ = nullptr;
  size_t size_ = 0;
};

std::ostream &operator<<(std::ostream &out, IntArrayRef values);

// Product of the sizes (1 for a 0-d shape).
int64_t shape_numel(IntArrayRef sizes);

// Row-major strides of a dense tensor with these sizes.
Shape contiguous_strides(IntArrayRef sizes);

// Wraps a possibly negative dim into [0, ndim); op names the caller in the IndexError raised.
// A 0-d tensor accepts dims -1 and 0, as in torch.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char *op);

// The broadcast shape of a and b, or an Error that names op and both shapes.
Shape broadcast_shapes(IntArrayRef a, IntArrayRef b, const char *op);

// Dims to reduce as a bitmask over ndim dims; an empty list means all dims.
std::vector<bool> dim_mask(IntArrayRef dims, int64_t ndim, const char *op);

} // namespace ember
