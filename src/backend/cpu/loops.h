// Strided N-operand iteration shared by the CPU kernels. Operands are broadcast to one shape,
// dims of size 1 are dropped and neighbouring dims merged where every operand allows, and the
// remaining index space is walked as runs along the innermost dim, split across threads.
// A kernel sees only (pointers, byte strides, run length), so contiguous runs of any tensor,
// including most views, reach the same tight inner loop.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "backend/cpu/parallel.h"
#include "ember/tensor.h"

namespace ember::cpu {

// One integer per loop dim, held inline up to kInline dims and on the heap beyond. Every op
// builds a geometry, and for small tensors heap-allocated dim lists cost more than the kernel.
class DimArray {
public:
  static constexpr size_t kInline = 8;

  DimArray() = default;
  DimArray(size_t size, int64_t value) {
    for (size_t i = 0; i < size; ++i)
      push_back(value);
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int64_t *data() { return heap_.empty() ? inline_.data() : heap_.data(); }
  const int64_t *data() const { return heap_.empty() ? inline_.data() : heap_.data(); }
  int64_t &operator[](size_t i) { return data()[i]; }
  int64_t operator[](size_t i) const { return data()[i]; }
  int64_t &back() { return data()[size_ - 1]; }
  int64_t back() const { return data()[size_ - 1]; }

  void push_back(int64_t value) {
    if (heap_.empty() && size_ < kInline) {
      inline_[size_++] = value;
      return;
    }
    if (heap_.empty())
      heap_.assign(inline_.begin(), inline_.end());
    heap_.push_back(value);
    ++size_;
  }

private:
  std::array<int64_t, kInline> inline_{};
  std::vector<int64_t> heap_;
  size_t size_ = 0;
};

template <int N> struct LoopGeometry {
  DimArray sizes;                           // after merging; innermost dim last
  std::array<DimArray, N> byte_strides;     // per operand, per dim of sizes
  std::array<char *, N> data;               // address of element [0, ...] of each operand
  int64_t numel = 1;

  // Strides (bytes) of each operand along the innermost dim.
  std::array<int64_t, N> inner_strides() const {
    std::array<int64_t, N> strides{};
    if (!sizes.empty())
      for (int k = 0; k < N; ++k)
        strides[k] = byte_strides[k].back();
    return strides;
  }
};

// Geometry of operands broadcast to shape. Operand 0 is usually the output and must have
// exactly that shape; inputs may have fewer dims or size-1 dims (stride 0 there).
template <int N>
LoopGeometry<N> make_geometry(const std::array<const Tensor *, N> &operands, IntArrayRef shape) {
  const int64_t ndim = static_cast<int64_t>(shape.size());
  // Byte stride of operand k along dim d of shape: 0 where it is broadcast.
  auto stride = [&](int k, int64_t d) -> int64_t {
    const Tensor &t = *operands[k];
    const int64_t own = d - (ndim - t.dim());
    if (own < 0 || t.sizes()[own] == 1)
      return 0;
    return t.strides()[own] * static_cast<int64_t>(t.element_size());
  };
  LoopGeometry<N> geometry;
  for (int k = 0; k < N; ++k)
    geometry.data[k] = static_cast<char *>(operands[k]->data_ptr());
  for (int64_t d = 0; d < ndim; ++d) {
    geometry.numel *= shape[d];
    if (shape[d] == 1)
      continue;
    // Merge d into the previous kept dim when, for every operand, stepping the previous dim
    // equals stepping d across its whole size.
    bool mergeable = !geometry.sizes.empty();
    for (int k = 0; k < N && mergeable; ++k)
      mergeable = geometry.byte_strides[k].back() == stride(k, d) * shape[d];
    if (mergeable) {
      geometry.sizes.back() *= shape[d];
      for (int k = 0; k < N; ++k)
        geometry.byte_strides[k].back() = stride(k, d);
    } else {
      geometry.sizes.push_back(shape[d]);
      for (int k = 0; k < N; ++k)
        geometry.byte_strides[k].push_back(stride(k, d));
    }
  }
  return geometry;
}

// Calls run(pointers, inner_byte_strides, length) for every innermost run of the geometry.
// Runs are distributed over threads when numel >= grain_size; run must be thread-safe for
// disjoint outputs.
template <int N, typename Run>
void for_each_run(const LoopGeometry<N> &geometry, int64_t grain_size, const Run &run) {
  if (geometry.numel == 0)
    return;
  const auto inner = geometry.inner_strides();
  if (geometry.sizes.empty()) { // a single element
    std::array<char *, N> pointers = geometry.data;
    run(pointers, inner, int64_t{1});
    return;
  }
  const int64_t ndim = static_cast<int64_t>(geometry.sizes.size());
  const int64_t inner_size = geometry.sizes.back();
  parallel_for(0, geometry.numel, grain_size, [&](int64_t begin, int64_t end) {
    // Multi-index of element `begin` over the merged dims.
    DimArray index(ndim, 0);
    int64_t remainder = begin;
    for (int64_t d = ndim - 1; d >= 0; --d) {
      index[d] = remainder % geometry.sizes[d];
      remainder /= geometry.sizes[d];
    }
    std::array<char *, N> pointers;
    for (int k = 0; k < N; ++k) {
      pointers[k] = geometry.data[k];
      for (int64_t d = 0; d < ndim; ++d)
        pointers[k] += index[d] * geometry.byte_strides[k][d];
    }
    int64_t position = begin;
    while (position < end) {
      int64_t length = std::min(inner_size - index[ndim - 1], end - position);
      run(pointers, inner, length);
      position += length;
      // Step past the run: advance the innermost dim, carrying into outer dims.
      for (int k = 0; k < N; ++k)
        pointers[k] += length * inner[k];
      index[ndim - 1] += length;
      for (int64_t d = ndim - 1; d > 0 && index[d] == geometry.sizes[d]; --d) {
        for (int k = 0; k < N; ++k)
          pointers[k] += geometry.byte_strides[k][d - 1] - index[d] * geometry.byte_strides[k][d];
        index[d] = 0;
        ++index[d - 1];
      }
    }
  });
}

} // namespace ember::cpu
