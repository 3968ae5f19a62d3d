// Copies and conversions: copy_, contiguous, clone, to(dtype), fill_, zero_.
// One strided kernel converts between any two dtypes; equal dtypes with both sides contiguous
// are a memcpy.
#include <algorithm>
#include <cstring>

#include "autograd/record.h"
#include "backend/cpu/loops.h"
#include "ember/ops.h"

namespace ember {

namespace {

template <typename To, typename From> To convert(From value) {
  if constexpr (std::is_same_v<From, Half> || std::is_same_v<From, BFloat16>)
    return convert<To>(static_cast<float>(value));
  else if constexpr (std::is_same_v<To, bool>)
    return value != From(0);
  else if constexpr (std::is_same_v<To, Half> || std::is_same_v<To, BFloat16>)
    return To(static_cast<float>(value));
  else
    return static_cast<To>(value);
}

// Writes src (broadcast to dst's shape, any dtype) into dst. No autograd.
void copy_kernel(const Tensor &dst, const Tensor &src) {
  if (dst.dtype() == src.dtype() && dst.is_contiguous() && src.is_contiguous() &&
      dst.sizes() == src.sizes()) {
    char *out = static_cast<char *>(dst.data_ptr());
    const char *in = static_cast<const char *>(src.data_ptr());
    const size_t item = dst.element_size();
    cpu::parallel_for(0, dst.numel(), cpu::kGrainSize * 8, [&](int64_t begin, int64_t end) {
      std::memcpy(out + begin * item, in + begin * item, (end - begin) * item);
    });
    return;
  }
  auto geometry = cpu::make_geometry<2>({&dst, &src}, dst.sizes());
  dispatch_all(dst.dtype(), "copy_", [&](auto dst_tag) {
    using To = decltype(dst_tag);
    dispatch_all(src.dtype(), "copy_", [&](auto src_tag) {
      using From = decltype(src_tag);
      cpu::for_each_run(geometry, cpu::kGrainSize,
                        [](std::array<char *, 2> p, std::array<int64_t, 2> s, int64_t n) {
                          for (int64_t i = 0; i < n; ++i)
                            *reinterpret_cast<To *>(p[0] + i * s[0]) =
                                convert<To>(*reinterpret_cast<const From *>(p[1] + i * s[1]));
                        });
    });
  });
}

// A new contiguous tensor with self's values converted to dtype; records ToCopyBackward.
Tensor copy_to_new(const Tensor &self, DType dtype, const char *name) {
  Tensor result = empty(self.sizes(), ember::dtype(dtype).device(self.device()));
  copy_kernel(result, self);
  if (is_floating_point(dtype) && autograd::needs_grad(self)) {
    DType source_dtype = self.dtype();
    autograd::record(name, {self}, {result}, {},
                     [source_dtype](const autograd::BackwardContext &, const TensorList &grads) {
                       return TensorList{grads[0].to(source_dtype)};
                     });
  }
  return result;
}

} // namespace

Tensor &Tensor::copy_(const Tensor &src) {
  EMBER_CHECK(src.defined(), "copy_: source tensor is undefined");
  EMBER_CHECK(broadcast_shapes(sizes(), src.sizes(), "copy_") == sizes(), "copy_: source of shape ",
              src.sizes(), " cannot be broadcast to destination of shape ", sizes());
  if (autograd::needs_grad(*this, src)) {
    const Tensor source = src;
    const Shape target_sizes = sizes();
    const DType target_dtype = dtype();
    return autograd::apply_inplace(*this, "copy_", [&](const Tensor &) {
      return copy_to_new(source.expand(target_sizes), target_dtype, "CopyBackwards");
    });
  }
  if (impl()->storage() == src.impl()->storage() && !is_same(src)) {
    // Overlapping memory: go through a temporary so no element is read after it is written.
    copy_kernel(*this, src.clone());
  } else {
    copy_kernel(*this, src);
  }
  impl()->storage()->bump_version();
  return *this;
}

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

Tensor Tensor::clone() const { return copy_to_new(*this, dtype(), "CloneBackward"); }

Tensor clone(const Tensor &self) { return self.clone(); }

Tensor Tensor::to(DType dtype, bool copy) const {
  if (dtype == this->dtype() && !copy)
    return *this;
  return copy_to_new(*this, dtype, "ToCopyBackward");
}

Tensor Tensor::to(Device device, bool copy) const {
  EMBER_CHECK(device.is_cpu(), "to: device ", device, " has no backend in this build");
  return copy ? clone() : *this;
}

Tensor Tensor::to(const TensorOptions &options, bool copy) const {
  Tensor moved = to(options.device_, false);
  return moved.to(options.dtype_.value_or(dtype()), copy && moved.is_same(*this));
}

Tensor &Tensor::fill_(const Scalar &value) {
  if (autograd::needs_grad(*this)) {
    return autograd::apply_inplace(*this, "fill_",
                                   [&](const Tensor &old) { return old * 0 + value; });
  }
  dispatch_all(dtype(), "fill_", [&](auto tag) {
    using T = decltype(tag);
    const T filler = value.to<T>();
    Tensor self = *this;
    auto geometry = cpu::make_geometry<1>({&self}, sizes());
    cpu::for_each_run(geometry, cpu::kGrainSize,
                      [filler](std::array<char *, 1> p, std::array<int64_t, 1> s, int64_t n) {
                        if (s[0] == static_cast<int64_t>(sizeof(T))) { // contiguous: vectorized
                          std::fill_n(reinterpret_cast<T *>(p[0]), n, filler);
                          return;
                        }
                        for (int64_t i = 0; i < n; ++i)
                          *reinterpret_cast<T *>(p[0] + i * s[0]) = filler;
                      });
  });
  impl()->storage()->bump_version();
  return *this;
}

Tensor &Tensor::zero_() { return fill_(0); }

} // namespace ember
