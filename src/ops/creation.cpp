// Creation ops: empty, zeros, ones, full, the *_like forms, arange, linspace, eye, from_blob,
// scalar_tensor and tensors from initializer lists.
#include <cmath>
#include <cstring>

#include "ember/ops.h"
#include "ember/tensor_literal.h"

namespace ember {

namespace {
void check_sizes(IntArrayRef sizes, const char *op) {
  for (int64_t size : sizes)
    EMBER_CHECK(size >= 0, op, ": trying to create tensor with negative dimension ", size, ": ",
                sizes);
}

Tensor finish(Tensor tensor, const TensorOptions &options) {
  if (options.requires_grad_)
    tensor.requires_grad_(true);
  return tensor;
}
} // namespace

Tensor empty(IntArrayRef sizes, const TensorOptions &options) {
  check_sizes(sizes, "empty");
  DType dtype = options.dtype_or_default();
  auto storage = std::make_shared<Storage>(shape_numel(sizes) * element_size(dtype), options.device_);
  auto impl = std::make_shared<TensorImpl>(std::move(storage), sizes.vec(),
                                           contiguous_strides(sizes), 0, dtype);
  return finish(Tensor(std::move(impl)), options);
}

Tensor zeros(IntArrayRef sizes, const TensorOptions &options) {
  Tensor result = empty(sizes, options.requires_grad(false));
  std::memset(result.data_ptr(), 0, result.nbytes()); // all-zero bits are zero in every dtype
  return finish(result, options);
}

Tensor ones(IntArrayRef sizes, const TensorOptions &options) {
  return full(sizes, 1, options.dtype(options.dtype_or_default()));
}

Tensor full(IntArrayRef sizes, const Scalar &value, const TensorOptions &options) {
  TensorOptions resolved = options;
  if (!options.dtype_)
    resolved = options.dtype(value.natural_dtype());
  Tensor result = empty(sizes, resolved.requires_grad(false));
  result.fill_(value);
  return finish(result, resolved);
}

static TensorOptions like(const Tensor &other, const TensorOptions &options) {
  TensorOptions resolved = options;
  if (!options.dtype_)
    resolved.dtype_ = other.dtype();
  return resolved;
}

Tensor empty_like(const Tensor &other, const TensorOptions &options) {
  return empty(other.sizes(), like(other, options));
}
Tensor zeros_like(const Tensor &other, const TensorOptions &options) {
  return zeros(other.sizes(), like(other, options));
}
Tensor ones_like(const Tensor &other, const TensorOptions &options) {
  return ones(other.sizes(), like(other, options));
}
Tensor full_like(const Tensor &other, const Scalar &value, const TensorOptions &options) {
  return full(other.sizes(), value, like(other, options));
}

Tensor arange(const Scalar &end, const TensorOptions &options) {
  return arange(0, end, 1, options);
}

Tensor arange(const Scalar &start, const Scalar &end, const Scalar &step,
              const TensorOptions &options) {
  bool integral = !start.is_floating_point() && !end.is_floating_point() && !step.is_floating_point();
  DType dtype = options.dtype_.value_or(integral ? kInt64 : default_dtype());
  double first = start.to_double(), last = end.to_double(), delta = step.to_double();
  EMBER_CHECK(delta != 0, "arange: step must be nonzero");
  EMBER_CHECK(std::isfinite(first) && std::isfinite(last), "arange: unsupported range: ", start,
              " -> ", end);
  EMBER_CHECK((delta > 0 && last >= first) || (delta < 0 && last <= first),
              "arange: upper bound and larger bound inconsistent with step sign (start ", start,
              ", end ", end, ", step ", step, ")");
  int64_t count = integral ? (end.to_long() - start.to_long() + step.to_long() +
                              (step.to_long() > 0 ? -1 : 1)) / step.to_long()
                           : static_cast<int64_t>(std::ceil((last - first) / delta));
  Tensor result = empty({count}, options.dtype(dtype).requires_grad(false));
  dispatch_arith(dtype, "arange", [&](auto tag) {
    using T = decltype(tag);
    T *out = result.data_ptr<T>();
    if (integral) {
      for (int64_t i = 0; i < count; ++i)
        out[i] = static_cast<T>(start.to_long() + i * step.to_long());
    } else {
      for (int64_t i = 0; i < count; ++i)
        out[i] = static_cast<T>(first + static_cast<double>(i) * delta);
    }
  });
  return finish(result, options);
}

Tensor linspace(const Scalar &start, const Scalar &end, int64_t steps, const TensorOptions &options) {
  EMBER_CHECK(steps >= 0, "linspace: number of steps must be non-negative, got ", steps);
  DType dtype = options.dtype_or_default();
  Tensor result = empty({steps}, options.dtype(dtype).requires_grad(false));
  double first = start.to_double(), last = end.to_double();
  double delta = steps > 1 ? (last - first) / static_cast<double>(steps - 1) : 0.0;
  dispatch_arith(dtype, "linspace", [&](auto tag) {
    using T = decltype(tag);
    T *out = result.data_ptr<T>();
    // Count from both ends, as torch does, so that the last value is exactly `end`.
    for (int64_t i = 0; i < steps; ++i)
      out[i] = static_cast<T>(i < steps / 2 ? first + delta * static_cast<double>(i)
                                            : last - delta * static_cast<double>(steps - 1 - i));
  });
  return finish(result, options);
}

Tensor eye(int64_t n, std::optional<int64_t> m, const TensorOptions &options) {
  int64_t columns = m.value_or(n);
  EMBER_CHECK(n >= 0 && columns >= 0, "eye: n and m must be non-negative, got ", n, " and ",
              columns);
  Tensor result = zeros({n, columns}, options.requires_grad(false));
  result.diagonal().fill_(1);
  return finish(result, options);
}

Tensor from_blob(void *data, IntArrayRef sizes, const TensorOptions &options) {
  return from_blob(data, sizes, contiguous_strides(sizes), nullptr, options);
}

Tensor from_blob(void *data, IntArrayRef sizes, IntArrayRef strides,
                 std::function<void(void *)> deleter, const TensorOptions &options) {
  check_sizes(sizes, "from_blob");
  EMBER_CHECK(sizes.size() == strides.size(), "from_blob: got ", sizes.size(), " sizes but ",
              strides.size(), " strides");
  DType dtype = options.dtype_or_default();
  int64_t extent = shape_numel(sizes) == 0 ? 0 : 1;
  for (size_t i = 0; i < sizes.size() && extent; ++i)
    extent += (sizes[i] - 1) * strides[i];
  auto storage = std::make_shared<Storage>(data, extent * element_size(dtype), std::move(deleter),
                                           options.device_);
  auto impl = std::make_shared<TensorImpl>(std::move(storage), sizes.vec(), strides.vec(), 0, dtype);
  return finish(Tensor(std::move(impl)), options);
}

Tensor scalar_tensor(const Scalar &value, const TensorOptions &options) {
  return full({}, value, options);
}

namespace detail {
Tensor tensor_from_literal(const TensorLiteral &literal, const TensorOptions &options) {
  DType natural = literal.all_bool ? kBool : literal.all_integral ? kInt64 : default_dtype();
  DType dtype = options.dtype_.value_or(natural);
  Tensor values = empty(literal.sizes, ember::dtype(kFloat64));
  std::copy(literal.values.begin(), literal.values.end(), values.data_ptr<double>());
  Tensor result = values.to(dtype);
  return finish(result, options);
}
} // namespace detail

} // namespace ember
