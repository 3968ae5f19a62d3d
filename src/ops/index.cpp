// Joining, splitting, indexing and reordering: cat, stack, split, chunk, unbind, gather, scatter,
// scatter_add, index_select, index_add, masked_select, nonzero, one_hot, tril, triu, repeat,
// flip, roll, pad. Kernels walk index tensors with the shared strided loops (a gathered tensor is
// viewed with stride 0 along the indexed dim, so the index value alone picks the element);
// dense copies go through memcpy. split, chunk and unbind return views; repeat and roll are
// compositions of differentiable ops, so their backward comes for free.
#include <algorithm>
#include <cstring>

#include "autograd/record.h"
#include "backend/cpu/loops.h"
#include "backend/cpu/parallel.h"
#include "ember/autograd.h"
#include "ember/ops.h"

namespace ember {
namespace {

// An alias of t's storage with the given geometry, unknown to autograd (for kernels only).
Tensor alias(const Tensor &t, Shape sizes, Shape strides, int64_t offset) {
  return Tensor(std::make_shared<TensorImpl>(t.impl()->storage(), std::move(sizes),
                                             std::move(strides), offset, t.dtype()));
}

// Size and stride along dim, treating a 0-d tensor as one element.
int64_t dim_size(const Tensor &t, int64_t dim) { return t.dim() == 0 ? 1 : t.size(dim); }
int64_t dim_stride(const Tensor &t, int64_t dim) { return t.dim() == 0 ? 0 : t.stride(dim); }

// Calls fn with an unsigned integer type as wide as an element of dtype: copies need no more.
template <typename Fn> void with_element_bits(DType dtype, Fn &&fn) {
  switch (element_size(dtype)) {
  case 1:
    return fn(uint8_t{});
  case 2:
    return fn(uint16_t{});
  case 4:
    return fn(uint32_t{});
  default:
    return fn(uint64_t{});
  }
}

// dst = src elementwise for tensors of one shape and dtype with any strides (negative included).
void strided_copy(const Tensor &dst, const Tensor &src) {
  auto geometry = cpu::make_geometry<2>({&dst, &src}, dst.sizes());
  with_element_bits(dst.dtype(), [&](auto tag) {
    using U = decltype(tag);
    constexpr int64_t item = sizeof(U);
    cpu::for_each_run(geometry, cpu::kGrainSize, [&](const auto &p, const auto &s, int64_t n) {
      if (s[0] == item && s[1] == item) {
        std::memcpy(p[0], p[1], n * item);
        return;
      }
      for (int64_t j = 0; j < n; ++j)
        *reinterpret_cast<U *>(p[0] + j * s[0]) = *reinterpret_cast<const U *>(p[1] + j * s[1]);
    });
  });
}

// A dense copy of t (same dtype), outside autograd.
Tensor contiguous_copy(const Tensor &t) {
  Tensor out = empty(t.sizes(), t.options());
  strided_copy(out, t);
  return out;
}

// memcpy split across threads when large.
void parallel_memcpy(char *dst, const char *src, int64_t bytes) {
  constexpr int64_t kGrainBytes = int64_t{1} << 20;
  cpu::parallel_for(0, bytes, kGrainBytes, [&](int64_t begin, int64_t end) {
    std::memcpy(dst + begin, src + begin, end - begin);
  });
}

[[noreturn]] void throw_out_of_bounds(const char *op, int64_t index, int64_t dim, int64_t size) {
  throw IndexError(detail::concat(op, ": index ", index, " is out of bounds for dimension ", dim,
                                  " with size ", size));
}

void check_int64_index(const Tensor &index, const char *op) {
  EMBER_CHECK(index.dtype() == kInt64, op, ": expected dtype int64 for index, but got ",
              index.dtype());
}

// A 1-D (or 0-d) int32/int64 index as a dense int64 tensor, every value checked against size.
Tensor checked_index_vector(const Tensor &index, const char *op, int64_t dim, int64_t size) {
  EMBER_CHECK_T(IndexError, index.dim() <= 1, op, ": index is supposed to be a vector, got shape ",
                IntArrayRef(index.sizes()));
  EMBER_CHECK(index.dtype() == kInt64 || index.dtype() == kInt32, op,
              ": expected dtype int32 or int64 for index, but got ", index.dtype());
  Tensor result = index.dtype() != kInt64 ? index.to(kInt64)
                  : index.is_contiguous() ? index
                                          : contiguous_copy(index);
  const int64_t *values = result.data_ptr<int64_t>();
  for (int64_t i = 0; i < result.numel(); ++i)
    if (values[i] < 0 || values[i] >= size)
      throw_out_of_bounds(op, values[i], dim, size);
  return result;
}

// Walks index (int64) together with a and b viewed in index's shape and calls
// op(a_element, b_element, index_value) for every element.
template <typename Op>
void for_each_index(const Tensor &a, const Tensor &b, const Tensor &index, int64_t grain,
                    const Op &op) {
  auto geometry = cpu::make_geometry<3>({&a, &b, &index}, index.sizes());
  cpu::for_each_run(geometry, grain, [&](const auto &p, const auto &s, int64_t n) {
    for (int64_t j = 0; j < n; ++j)
      op(p[0] + j * s[0], p[1] + j * s[1], *reinterpret_cast<const int64_t *>(p[2] + j * s[2]));
  });
}

// out[i] = self[i with i_dim replaced by index[i]], where index has out's shape.
void gather_kernel(const Tensor &out, const Tensor &self, int64_t dim, const Tensor &index,
                   const char *op) {
  const int64_t size = dim_size(self, dim);
  const int64_t step = dim_stride(self, dim) * static_cast<int64_t>(self.element_size());
  Shape strides = self.strides();
  if (self.dim() > 0)
    strides[dim] = 0;
  Tensor source = alias(self, out.sizes(), strides, self.storage_offset());
  with_element_bits(self.dtype(), [&](auto tag) {
    using U = decltype(tag);
    for_each_index(out, source, index, cpu::kGrainSize, [&](char *dst, const char *src, int64_t i) {
      if (i < 0 || i >= size)
        throw_out_of_bounds(op, i, dim, size);
      *reinterpret_cast<U *>(dst) = *reinterpret_cast<const U *>(src + i * step);
    });
  });
}

// Checks shared by gather and scatter: an int64 index of self's rank that fits inside self
// apart from dim (and inside src everywhere).
void check_gather_scatter(const Tensor &self, int64_t dim, const Tensor &index, const Tensor *src,
                          const char *op) {
  check_int64_index(index, op);
  EMBER_CHECK(index.dim() == self.dim(), op,
              ": index tensor must have the same number of dimensions as the input tensor (",
              index.dim(), " vs ", self.dim(), ")");
  for (int64_t d = 0; d < self.dim(); ++d) {
    EMBER_CHECK(d == dim || index.size(d) <= self.size(d), op,
                ": size does not match at dimension ", d, ": expected index ",
                IntArrayRef(index.sizes()), " to be smaller than self ", IntArrayRef(self.sizes()),
                " apart from dimension ", dim);
    EMBER_CHECK(src == nullptr || index.size(d) <= src->size(d), op,
                ": size does not match at dimension ", d, ": expected index ",
                IntArrayRef(index.sizes()), " to be smaller than src ", IntArrayRef(src->sizes()));
  }
  if (src) {
    EMBER_CHECK(src->dim() == self.dim(), op,
                ": src must have the same number of dimensions as self (", src->dim(), " vs ",
                self.dim(), ")");
    EMBER_CHECK(src->dtype() == self.dtype(), op,
                ": expected self and src to have the same dtype, ", "but got ", self.dtype(),
                " and ", src->dtype());
  }
}

enum class ScatterMode { Assign, Add };

// out[i with i_dim replaced by index[i]] = (or +=) src[i] (or value) for every index position,
// in place, for out of any strides. Runs on one thread: several positions may hit one element.
void scatter_into(const Tensor &out, int64_t dim, const Tensor &index, const Tensor *src,
                  const Scalar &value, ScatterMode mode, const char *op) {
  dim = wrap_dim(dim, out.dim(), op);
  check_gather_scatter(out, dim, index, src, op);
  if (index.numel() == 0)
    return;
  const int64_t size = dim_size(out, dim);
  const int64_t step = dim_stride(out, dim) * static_cast<int64_t>(out.element_size());
  Shape strides = out.strides();
  if (out.dim() > 0)
    strides[dim] = 0;
  Tensor target = alias(out, index.sizes(), strides, out.storage_offset());
  // src is read in index's shape (it may be larger).
  Tensor source = src ? alias(*src, index.sizes(), src->strides(), src->storage_offset()) : target;
  const int64_t serial = index.numel() + 1;
  dispatch_all(out.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T fill = value.to<T>();
    for_each_index(target, source, index, serial, [&](char *dst, const char *from, int64_t i) {
      if (i < 0 || i >= size)
        throw_out_of_bounds(op, i, dim, size);
      T &element = *reinterpret_cast<T *>(dst + i * step);
      const T update = src ? *reinterpret_cast<const T *>(from) : fill;
      if (mode == ScatterMode::Assign)
        element = update;
      else if constexpr (std::is_same_v<T, bool>)
        element = element || update;
      else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>)
        element = T(static_cast<float>(element) + static_cast<float>(update));
      else
        element = T(element + update);
    });
  });
}

// out.index_add_(dim, index, source, alpha) for a dense out; returns the checked int64 indices.
Tensor index_add_into(const Tensor &out, int64_t dim, const Tensor &index, const Tensor &source,
                      const Scalar &alpha) {
  const int64_t size = dim_size(out, dim);
  Tensor indices = checked_index_vector(index, "index_add", dim, size);
  const int64_t count = indices.numel();
  EMBER_CHECK(source.dtype() == out.dtype(), "index_add: self (", out.dtype(), ") and source (",
              source.dtype(), ") must have the same dtype");
  EMBER_CHECK(dim_size(source, dim) == count && (source.dim() == out.dim() || source.dim() == 0),
              "index_add: number of indices (", count, ") should be equal to source.size(dim) (",
              dim_size(source, dim), ") for dim ", dim);
  for (int64_t d = 0; d < source.dim(); ++d)
    EMBER_CHECK(d == dim || source.size(d) == out.size(d), "index_add: source shape ",
                IntArrayRef(source.sizes()), " does not match self shape ",
                IntArrayRef(out.sizes()), " apart from dimension ", dim);
  const Tensor src = source.is_contiguous() ? source : contiguous_copy(source);
  const int64_t outer = out.dim() ? shape_numel(IntArrayRef(out.sizes().data(), dim)) : 1;
  const int64_t inner = out.numel() / std::max<int64_t>(1, outer * size);
  const int64_t *idx = indices.data_ptr<int64_t>();
  dispatch_arith(out.dtype(), "index_add", [&](auto tag) {
    using T = decltype(tag);
    const T scale = alpha.to<T>();
    T *dst = out.data_ptr<T>();
    const T *from = src.data_ptr<T>();
    // Different outer indices touch different rows, so they may run in parallel.
    cpu::parallel_for(0, outer,
                      std::max<int64_t>(1, cpu::kGrainSize / std::max<int64_t>(1, count * inner)),
                      [&](int64_t begin, int64_t end) {
                        for (int64_t o = begin; o < end; ++o)
                          for (int64_t i = 0; i < count; ++i) {
                            T *row = dst + (o * size + idx[i]) * inner;
                            const T *add = from + (o * count + i) * inner;
                            for (int64_t j = 0; j < inner; ++j)
                              row[j] = T(row[j] + scale * add[j]);
                          }
                      });
  });
  return indices;
}

// A gradient in index's shape padded with zeros to src's shape (scatter's src may be larger).
Tensor pad_to(const Tensor &grad, const Shape &sizes) {
  if (grad.sizes() == sizes)
    return grad;
  Shape pads;
  for (int64_t d = grad.dim() - 1; d >= 0; --d)
    pads.insert(pads.end(), {0, sizes[d] - grad.size(d)});
  return pad(grad, pads);
}

// Records the backward shared by scatter (src and value) and scatter_add.
void record_scatter(const char *name, const Tensor &self, int64_t dim, const Tensor &index,
                    const Tensor *src, const Tensor &out, bool masks_self) {
  TensorList inputs{self};
  if (src)
    inputs.push_back(*src);
  if (!autograd::needs_grad(inputs))
    return;
  const Shape src_sizes = src ? src->sizes() : Shape{};
  autograd::record(
      name, inputs, {out}, {index},
      [dim, src_sizes, masks_self](const autograd::BackwardContext &ctx, const TensorList &grads) {
        const Tensor &grad = grads[0];
        const Tensor &index = ctx.saved[0];
        TensorList result(ctx.needs_input_grad.size());
        // Overwritten elements of self get no gradient.
        if (ctx.needs(0))
          result[0] = masks_self ? grad.scatter(dim, index, 0) : grad;
        if (result.size() > 1 && ctx.needs(1))
          result[1] = pad_to(grad.gather(dim, index), src_sizes);
        return result;
      });
}

// Sizes and offsets of the pieces split_with_sizes produces.
TensorList split_by_sizes(const Tensor &self, const Shape &sizes, int64_t dim) {
  TensorList pieces;
  int64_t start = 0;
  for (int64_t size : sizes) {
    pieces.push_back(self.narrow(dim, start, size));
    start += size;
  }
  return pieces;
}

} // namespace

// ---- joining and splitting ---------------------------------------------------------------------

Tensor cat(const TensorList &tensors, int64_t dim) {
  EMBER_CHECK(!tensors.empty(), "cat: expected a non-empty list of Tensors");
  // 1-D empty tensors are skipped whatever their shape, as torch does for legacy reasons.
  auto skipped = [](const Tensor &t) { return t.dim() == 1 && t.numel() == 0; };
  DType dtype = tensors[0].dtype();
  const Tensor *reference = nullptr;
  for (size_t i = 0; i < tensors.size(); ++i) {
    dtype = promote_types(dtype, tensors[i].dtype());
    EMBER_CHECK(tensors[i].dim() > 0, "cat: zero-dimensional tensor (at position ", i,
                ") cannot be concatenated");
    if (!reference && !skipped(tensors[i]))
      reference = &tensors[i];
  }
  if (!reference)
    return empty({0}, tensors[0].options().dtype(dtype));
  dim = wrap_dim(dim, reference->dim(), "cat");
  Shape out_sizes = reference->sizes();
  out_sizes[dim] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor &t = tensors[i];
    if (skipped(t))
      continue;
    EMBER_CHECK(t.dim() == reference->dim(),
                "cat: tensors must have same number of dimensions: got ", reference->dim(), " and ",
                t.dim());
    for (int64_t d = 0; d < t.dim(); ++d)
      EMBER_CHECK(d == dim || t.size(d) == reference->size(d),
                  "cat: sizes of tensors must match except in dimension ", dim, ". Expected size ",
                  reference->size(d), " but got size ", t.size(d), " for tensor number ", i,
                  " in the list.");
    out_sizes[dim] += t.size(dim);
  }
  Tensor out = empty(out_sizes, reference->options().dtype(dtype));
  const int64_t outer = shape_numel(IntArrayRef(out_sizes.data(), dim));
  const int64_t inner =
      shape_numel(IntArrayRef(out_sizes.data() + dim + 1, out_sizes.size() - dim - 1));
  const int64_t item = static_cast<int64_t>(out.element_size());
  std::vector<int64_t> offsets(tensors.size(), 0);
  {
    NoGradGuard no_grad;
    int64_t offset = 0;
    for (size_t i = 0; i < tensors.size(); ++i) {
      const Tensor &t = tensors[i];
      offsets[i] = offset;
      if (skipped(t) || t.numel() == 0)
        continue;
      const int64_t length = t.size(dim);
      if (t.dtype() != dtype) {
        out.narrow(dim, offset, length).copy_(t);
      } else if (!t.is_contiguous()) {
        strided_copy(out.narrow(dim, offset, length), t);
      } else if (outer == 1) {
        parallel_memcpy(static_cast<char *>(out.data_ptr()) + offset * inner * item,
                        static_cast<const char *>(t.data_ptr()), length * inner * item);
      } else {
        // One contiguous block per outer index, from the input's row to its slot in out's row.
        const int64_t block = length * inner * item;
        char *dst = static_cast<char *>(out.data_ptr()) + offset * inner * item;
        const char *src = static_cast<const char *>(t.data_ptr());
        const int64_t out_row = out_sizes[dim] * inner * item;
        cpu::parallel_for(0, outer, std::max<int64_t>(1, (int64_t{1} << 18) / block),
                          [&](int64_t begin, int64_t end) {
                            for (int64_t o = begin; o < end; ++o)
                              std::memcpy(dst + o * out_row, src + o * block, block);
                          });
      }
      offset += length;
    }
  }
  if (autograd::needs_grad(tensors)) {
    std::vector<autograd::TensorMeta> metas;
    for (const Tensor &t : tensors)
      metas.push_back({t.sizes(), t.dtype()});
    autograd::record(
        "CatBackward", tensors, {out}, {},
        [dim, offsets, metas](const autograd::BackwardContext &ctx, const TensorList &grads) {
          TensorList result(metas.size());
          for (size_t i = 0; i < metas.size(); ++i) {
            if (!ctx.needs(i))
              continue;
            const auto &meta = metas[i];
            if (meta.sizes.size() == 1 && meta.sizes[0] == 0) {
              result[i] = zeros({0}, grads[0].options().dtype(meta.dtype));
              continue;
            }
            Tensor piece = grads[0].narrow(dim, offsets[i], meta.sizes[dim]);
            result[i] = piece.dtype() == meta.dtype ? piece : piece.to(meta.dtype);
          }
          return result;
        });
  }
  return out;
}

Tensor stack(const TensorList &tensors, int64_t dim) {
  EMBER_CHECK(!tensors.empty(), "stack: expected a non-empty list of Tensors");
  for (size_t i = 1; i < tensors.size(); ++i)
    EMBER_CHECK(tensors[i].sizes() == tensors[0].sizes(),
                "stack: expects each tensor to be equal size, but got ",
                IntArrayRef(tensors[0].sizes()), " at entry 0 and ",
                IntArrayRef(tensors[i].sizes()), " at entry ", i);
  dim = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  TensorList expanded;
  for (const Tensor &t : tensors)
    expanded.push_back(t.unsqueeze(dim));
  return cat(expanded, dim);
}

TensorList split(const Tensor &self, int64_t split_size, int64_t dim) {
  EMBER_CHECK(self.dim() > 0, "split: expected at least a 1-dimensional tensor");
  dim = wrap_dim(dim, self.dim(), "split");
  const int64_t size = self.size(dim);
  EMBER_CHECK(split_size >= 0, "split: split_size must be non-negative, got ", split_size);
  EMBER_CHECK(split_size > 0 || size == 0,
              "split: split_size can only be 0 if dimension size is 0, but got dimension size of ",
              size);
  const int64_t count =
      split_size == 0 ? 1 : std::max<int64_t>(1, (size + split_size - 1) / split_size);
  Shape sizes(count, split_size);
  sizes.back() = size - split_size * (count - 1);
  return split_by_sizes(self, sizes, dim);
}

TensorList split(const Tensor &self, IntArrayRef split_sizes, int64_t dim) {
  EMBER_CHECK(self.dim() > 0, "split: expected at least a 1-dimensional tensor");
  dim = wrap_dim(dim, self.dim(), "split");
  const int64_t size = self.size(dim);
  int64_t total = 0;
  for (int64_t s : split_sizes) {
    EMBER_CHECK(s >= 0, "split_with_sizes: split sizes must be non-negative, got ", split_sizes);
    total += s;
  }
  EMBER_CHECK(total == size, "split_with_sizes: expects split_sizes to sum exactly to ", size,
              " (input tensor's size at dimension ", dim, "), but got split_sizes=", split_sizes);
  return split_by_sizes(self, split_sizes.vec(), dim);
}

TensorList chunk(const Tensor &self, int64_t chunks, int64_t dim) {
  EMBER_CHECK(self.dim() > 0, "chunk: expected at least a 1-dimensional tensor");
  EMBER_CHECK(chunks > 0, "chunk: expects `chunks` to be greater than 0, got: ", chunks);
  dim = wrap_dim(dim, self.dim(), "chunk");
  const int64_t size = self.size(dim);
  if (size == 0) // as torch: `chunks` empty pieces
    return split_by_sizes(self, Shape(chunks, 0), dim);
  return split(self, (size + chunks - 1) / chunks, dim);
}

TensorList unbind(const Tensor &self, int64_t dim) {
  EMBER_CHECK(self.dim() > 0, "unbind: dimension specified as ", dim,
              " but tensor has no dimensions");
  dim = wrap_dim(dim, self.dim(), "unbind");
  TensorList pieces;
  for (int64_t i = 0; i < self.size(dim); ++i)
    pieces.push_back(self.select(dim, i));
  return pieces;
}

// ---- gather and scatter
// ----------------------------------------------------------------------------

Tensor gather(const Tensor &self, int64_t dim, const Tensor &index) {
  dim = wrap_dim(dim, self.dim(), "gather");
  check_gather_scatter(self, dim, index, nullptr, "gather");
  Tensor out = empty(index.sizes(), self.options());
  gather_kernel(out, self, dim, index, "gather");
  if (autograd::needs_grad(self))
    autograd::record(
        "GatherBackward", {self}, {out}, {index},
        [dim, sizes = self.sizes()](const autograd::BackwardContext &ctx, const TensorList &grads) {
          return TensorList{
              zeros(sizes, grads[0].options()).scatter_add(dim, ctx.saved[0], grads[0])};
        });
  return out;
}

Tensor scatter(const Tensor &self, int64_t dim, const Tensor &index, const Tensor &src) {
  Tensor out = contiguous_copy(self);
  scatter_into(out, dim, index, &src, 0, ScatterMode::Assign, "scatter");
  record_scatter("ScatterBackward", self, wrap_dim(dim, self.dim(), "scatter"), index, &src, out,
                 true);
  return out;
}

Tensor scatter(const Tensor &self, int64_t dim, const Tensor &index, const Scalar &value) {
  Tensor out = contiguous_copy(self);
  scatter_into(out, dim, index, nullptr, value, ScatterMode::Assign, "scatter");
  record_scatter("ScatterBackward", self, wrap_dim(dim, self.dim(), "scatter"), index, nullptr, out,
                 true);
  return out;
}

Tensor scatter_add(const Tensor &self, int64_t dim, const Tensor &index, const Tensor &src) {
  Tensor out = contiguous_copy(self);
  scatter_into(out, dim, index, &src, 0, ScatterMode::Add, "scatter_add");
  record_scatter("ScatterAddBackward", self, wrap_dim(dim, self.dim(), "scatter_add"), index, &src,
                 out, false);
  return out;
}

// ---- index_select and index_add
// --------------------------------------------------------------------

Tensor index_select(const Tensor &self, int64_t dim, const Tensor &index) {
  dim = wrap_dim(dim, self.dim(), "index_select");
  const int64_t size = dim_size(self, dim);
  Tensor indices = checked_index_vector(index, "index_select", dim, size);
  const int64_t count = indices.numel();
  Shape out_sizes = self.sizes();
  if (self.dim() == 0)
    EMBER_CHECK_T(IndexError, count == 1,
                  "index_select: index to a 0-d tensor can have only 1 value, got ", count);
  else
    out_sizes[dim] = count;
  Tensor out = empty(out_sizes, self.options());
  if (out.numel() > 0 && self.is_contiguous()) {
    // Each index picks one contiguous block of `inner` elements per outer index.
    const int64_t outer = shape_numel(IntArrayRef(out_sizes.data(), self.dim() ? dim : 0));
    const int64_t block = out.numel() / std::max<int64_t>(1, outer * count) *
                          static_cast<int64_t>(self.element_size());
    const int64_t *idx = indices.data_ptr<int64_t>();
    const char *src = static_cast<const char *>(self.data_ptr());
    char *dst = static_cast<char *>(out.data_ptr());
    with_element_bits(self.dtype(), [&](auto tag) {
      using U = decltype(tag);
      cpu::parallel_for(0, outer * count, std::max<int64_t>(1, (int64_t{1} << 16) / block),
                        [&](int64_t begin, int64_t end) {
                          for (int64_t r = begin; r < end; ++r) {
                            const int64_t o = r / count, i = r % count;
                            const char *from = src + (o * size + idx[i]) * block;
                            if (block == sizeof(U))
                              *reinterpret_cast<U *>(dst + r * block) =
                                  *reinterpret_cast<const U *>(from);
                            else
                              std::memcpy(dst + r * block, from, block);
                          }
                        });
    });
  } else if (out.numel() > 0) {
    // Strided self: gather with the index broadcast along every other dim.
    Shape index_strides(out.dim(), 0);
    if (out.dim() > 0)
      index_strides[dim] = 1;
    gather_kernel(out, self, dim, alias(indices, out_sizes, index_strides, 0), "index_select");
  }
  if (autograd::needs_grad(self))
    autograd::record(
        "IndexSelectBackward", {self}, {out}, {indices},
        [dim, sizes = self.sizes()](const autograd::BackwardContext &ctx, const TensorList &grads) {
          return TensorList{
              zeros(sizes, grads[0].options()).index_add(dim, ctx.saved[0], grads[0])};
        });
  return out;
}

Tensor index_add(const Tensor &self, int64_t dim, const Tensor &index, const Tensor &source,
                 const Scalar &alpha) {
  dim = wrap_dim(dim, self.dim(), "index_add");
  Tensor out = contiguous_copy(self);
  Tensor indices = index_add_into(out, dim, index, source, alpha);
  if (autograd::needs_grad(self, source))
    autograd::record("IndexAddBackward", {self, source}, {out}, {indices},
                     [dim, alpha, source_sizes = source.sizes()](
                         const autograd::BackwardContext &ctx, const TensorList &grads) {
                       Tensor grad_source;
                       if (ctx.needs(1)) {
                         grad_source = grads[0].index_select(dim, ctx.saved[0]);
                         if (alpha.to_double() != 1)
                           grad_source = grad_source * alpha;
                         grad_source = grad_source.reshape(source_sizes);
                       }
                       return TensorList{ctx.needs(0) ? grads[0] : Tensor(), grad_source};
                     });
  return out;
}

// ---- masks
// ---------------------------------------------------------------------------------------

Tensor masked_select(const Tensor &self, const Tensor &mask) {
  EMBER_CHECK(mask.dtype() == kBool || mask.dtype() == kUInt8,
              "masked_select: expected a bool mask, but got ", mask.dtype());
  const Shape shape = broadcast_shapes(self.sizes(), mask.sizes(), "masked_select");
  Tensor positions;
  Tensor out;
  {
    NoGradGuard no_grad;
    Tensor dense_mask = contiguous_copy(mask.expand(shape));
    const uint8_t *m = static_cast<const uint8_t *>(dense_mask.data_ptr());
    const int64_t numel = dense_mask.numel();
    const int64_t count = std::count_if(m, m + numel, [](uint8_t v) { return v != 0; });
    positions = empty({count}, ember::dtype(kInt64));
    int64_t *p = positions.data_ptr<int64_t>();
    for (int64_t i = 0; i < numel; ++i)
      if (m[i])
        *p++ = i;
    Tensor flat = contiguous_copy(self.expand(shape)).view({-1});
    out = index_select(flat, 0, positions);
  }
  if (autograd::needs_grad(self))
    autograd::record("MaskedSelectBackward", {self}, {out}, {positions},
                     [shape](const autograd::BackwardContext &ctx, const TensorList &grads) {
                       // Gradient in the broadcast shape; the engine sums it down to self's.
                       Tensor flat = zeros({shape_numel(shape)}, grads[0].options());
                       return TensorList{flat.index_add(0, ctx.saved[0], grads[0]).view(shape)};
                     });
  return out;
}

Tensor nonzero(const Tensor &self) {
  Tensor dense = contiguous_copy(self);
  const int64_t numel = dense.numel(), ndim = dense.dim();
  std::vector<int64_t> hits;
  dispatch_all(self.dtype(), "nonzero", [&](auto tag) {
    using T = decltype(tag);
    const T *values = dense.data_ptr<T>();
    for (int64_t i = 0; i < numel; ++i) {
      bool nonzero; // NaN counts as nonzero, as in torch
      if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>)
        nonzero = static_cast<float>(values[i]) != 0.0f;
      else
        nonzero = values[i] != T(0);
      if (nonzero)
        hits.push_back(i);
    }
  });
  Tensor out = empty({static_cast<int64_t>(hits.size()), ndim}, ember::dtype(kInt64));
  int64_t *coords = out.data_ptr<int64_t>();
  for (int64_t flat : hits) {
    for (int64_t d = ndim - 1; d >= 0; --d) {
      coords[d] = flat % self.size(d);
      flat /= self.size(d);
    }
    coords += ndim;
  }
  return out;
}

Tensor one_hot(const Tensor &self, int64_t num_classes) {
  EMBER_CHECK(self.dtype() == kInt64, "one_hot: is only applicable to index tensors (int64), got ",
              self.dtype());
  Tensor indices = contiguous_copy(self);
  const int64_t *values = indices.data_ptr<int64_t>();
  const int64_t numel = indices.numel();
  if (num_classes == -1) {
    EMBER_CHECK(numel > 0, "one_hot: can not infer the number of classes from an empty tensor");
    num_classes = *std::max_element(values, values + numel) + 1;
  }
  EMBER_CHECK(num_classes >= 0, "one_hot: num_classes must be -1 or non-negative, got ",
              num_classes);
  Shape out_sizes = self.sizes();
  out_sizes.push_back(num_classes);
  Tensor out = zeros(out_sizes, ember::dtype(kInt64));
  int64_t *rows = out.data_ptr<int64_t>();
  for (int64_t i = 0; i < numel; ++i) {
    EMBER_CHECK(values[i] >= 0, "one_hot: class values must be non-negative, got ", values[i]);
    EMBER_CHECK(values[i] < num_classes, "one_hot: class values must be smaller than num_classes (",
                num_classes, "), got ", values[i]);
    rows[i * num_classes + values[i]] = 1;
  }
  return out;
}

// ---- triangles
// -------------------------------------------------------------------------------------

namespace {

// Keeps the lower (or upper) triangle of the last two dims relative to diagonal, zeroing the rest.
Tensor triangle(const Tensor &self, int64_t diagonal, bool lower, const char *op) {
  EMBER_CHECK(self.dim() >= 2, op, ": input tensor must have at least 2 dimensions, got shape ",
              IntArrayRef(self.sizes()));
  const Tensor src = self.is_contiguous() ? self : contiguous_copy(self);
  Tensor out = empty(self.sizes(), self.options());
  const int64_t rows = self.size(-2), cols = self.size(-1);
  const int64_t item = static_cast<int64_t>(self.element_size());
  const char *from = static_cast<const char *>(src.data_ptr());
  char *to = static_cast<char *>(out.data_ptr());
  // Zero is all-zero bytes in every dtype, so each row is a copied run and a zeroed run.
  cpu::parallel_for(0, self.numel() / std::max<int64_t>(1, cols),
                    std::max<int64_t>(1, cpu::kGrainSize / std::max<int64_t>(1, cols)),
                    [&](int64_t begin, int64_t end) {
                      for (int64_t r = begin; r < end; ++r) {
                        const int64_t i = r % rows;
                        const int64_t bound =
                            std::clamp<int64_t>(i + diagonal + (lower ? 1 : 0), 0, cols);
                        const int64_t keep_begin = lower ? 0 : bound;
                        const int64_t keep_end = lower ? bound : cols;
                        char *row = to + r * cols * item;
                        const char *source = from + r * cols * item;
                        std::memset(row, 0, cols * item);
                        std::memcpy(row + keep_begin * item, source + keep_begin * item,
                                    (keep_end - keep_begin) * item);
                      }
                    });
  if (autograd::needs_grad(self))
    autograd::record(lower ? "TrilBackward" : "TriuBackward", {self}, {out}, {},
                     [diagonal, lower](const autograd::BackwardContext &, const TensorList &grads) {
                       return TensorList{lower ? tril(grads[0], diagonal)
                                               : triu(grads[0], diagonal)};
                     });
  return out;
}

} // namespace

Tensor tril(const Tensor &self, int64_t diagonal) { return triangle(self, diagonal, true, "tril"); }
Tensor triu(const Tensor &self, int64_t diagonal) {
  return triangle(self, diagonal, false, "triu");
}

// ---- reordering and tiling
// -------------------------------------------------------------------------

Tensor repeat(const Tensor &self, IntArrayRef repeats) {
  const int64_t ndim = static_cast<int64_t>(repeats.size());
  EMBER_CHECK(ndim >= self.dim(), "repeat: number of dimensions of repeat dims (", ndim,
              ") can not be smaller than number of dimensions of tensor (", self.dim(), ")");
  // Tile through a broadcast view: self as [1, s0, 1, s1, ...] expanded to [r0, s0, r1, s1, ...]
  // and collapsed to [r0 * s0, r1 * s1, ...]. The expand's backward sums over the tiles.
  Shape interleaved, expanded, result;
  bool tiles = false;
  for (int64_t d = 0; d < ndim; ++d) {
    EMBER_CHECK(repeats[d] >= 0, "repeat: repeats can not be negative, got ", repeats);
    const int64_t offset = ndim - self.dim();
    const int64_t size = d < offset ? 1 : self.size(d - offset);
    interleaved.insert(interleaved.end(), {1, size});
    expanded.insert(expanded.end(), {repeats[d], size});
    result.push_back(repeats[d] * size);
    tiles = tiles || repeats[d] != 1;
  }
  Tensor out = self.reshape(interleaved).expand(expanded).reshape(result);
  // reshape made a copy iff something was tiled; torch's repeat always returns new memory.
  return tiles ? out : out.clone();
}

Tensor flip(const Tensor &self, IntArrayRef dims) {
  const std::vector<bool> flipped = dim_mask(dims, self.dim(), "flip");
  Shape strides = self.strides();
  int64_t offset = self.storage_offset();
  for (int64_t d = 0; d < self.dim(); ++d)
    if (!dims.empty() && flipped[d] && self.size(d) > 1) {
      offset += (self.size(d) - 1) * strides[d];
      strides[d] = -strides[d];
    }
  Tensor out = contiguous_copy(alias(self, self.sizes(), strides, offset));
  if (autograd::needs_grad(self))
    autograd::record(
        "FlipBackward", {self}, {out}, {},
        [dims = dims.vec()](const autograd::BackwardContext &, const TensorList &grads) {
          return TensorList{flip(grads[0], dims)};
        });
  return out;
}

Tensor roll(const Tensor &self, IntArrayRef shifts, IntArrayRef dims) {
  if (dims.empty()) {
    EMBER_CHECK(shifts.size() == 1,
                "roll: shifts and dimensions must align (shifts: ", shifts.size(), ", dims: 0)");
    return roll(self.flatten(), shifts, {0}).view(self.sizes());
  }
  EMBER_CHECK(shifts.size() == dims.size(),
              "roll: shifts and dimensions must align (shifts: ", shifts.size(),
              ", dims: ", dims.size(), ")");
  // Each rolled dim is the concatenation of its tail and its head; cat's backward rolls back.
  Tensor out = self;
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t dim = wrap_dim(dims[i], self.dim(), "roll");
    const int64_t size = out.size(dim);
    if (size == 0)
      continue;
    const int64_t shift = ((shifts[i] % size) + size) % size;
    out = cat({out.narrow(dim, size - shift, shift), out.narrow(dim, 0, size - shift)}, dim);
  }
  return out.is_same(self) ? self.clone() : out;
}

Tensor pad(const Tensor &self, IntArrayRef pad, const Scalar &value) {
  EMBER_CHECK(pad.size() % 2 == 0, "pad: padding length must be divisible by 2, got ", pad.size());
  EMBER_CHECK(static_cast<int64_t>(pad.size()) <= 2 * self.dim(), "pad: padding length too large (",
              pad.size(), " for a ", self.dim(), "-D tensor)");
  // pad[2k] and pad[2k + 1] are the (before, after) amounts of dim ndim - 1 - k.
  Shape out_sizes = self.sizes();
  for (size_t k = 0; k < pad.size() / 2; ++k) {
    const int64_t d = self.dim() - 1 - static_cast<int64_t>(k);
    out_sizes[d] = self.size(d) + pad[2 * k] + pad[2 * k + 1];
    EMBER_CHECK(out_sizes[d] >= 0, "pad: the input size ", self.size(d), ", plus negative padding ",
                pad[2 * k], " and ", pad[2 * k + 1],
                " resulted in a negative output size, which is invalid. Check dimension ", d,
                " of your input.");
  }
  Tensor out = full(out_sizes, value, self.options());
  {
    // Copy the part of self that survives cropping into its place inside out.
    NoGradGuard no_grad;
    Tensor source = self, target = out;
    for (size_t k = 0; k < pad.size() / 2; ++k) {
      const int64_t d = self.dim() - 1 - static_cast<int64_t>(k);
      const int64_t before = pad[2 * k], after = pad[2 * k + 1];
      const int64_t kept =
          self.size(d) + std::min<int64_t>(before, 0) + std::min<int64_t>(after, 0);
      if (kept <= 0) {
        source = Tensor();
        break;
      }
      source = source.narrow(d, std::max<int64_t>(-before, 0), kept);
      target = target.narrow(d, std::max<int64_t>(before, 0), kept);
    }
    if (source.defined() && source.numel() > 0)
      strided_copy(target, source);
  }
  if (autograd::needs_grad(self))
    autograd::record(
        "PadBackward", {self}, {out}, {},
        [pads = pad.vec()](const autograd::BackwardContext &, const TensorList &grads) {
          // Padding by the negated amounts crops the padding away (and re-pads what
          // was cropped with zeros).
          Shape negated(pads.size());
          std::transform(pads.begin(), pads.end(), negated.begin(), [](int64_t p) { return -p; });
          return TensorList{ember::pad(grads[0], negated)};
        });
  return out;
}

// ---- Tensor methods
// --------------------------------------------------------------------------------

TensorList Tensor::split(int64_t split_size, int64_t dim) const {
  return ember::split(*this, split_size, dim);
}
TensorList Tensor::split(IntArrayRef split_sizes, int64_t dim) const {
  return ember::split(*this, split_sizes, dim);
}
TensorList Tensor::chunk(int64_t chunks, int64_t dim) const {
  return ember::chunk(*this, chunks, dim);
}
TensorList Tensor::unbind(int64_t dim) const { return ember::unbind(*this, dim); }
Tensor Tensor::gather(int64_t dim, const Tensor &index) const {
  return ember::gather(*this, dim, index);
}
Tensor Tensor::scatter(int64_t dim, const Tensor &index, const Tensor &src) const {
  return ember::scatter(*this, dim, index, src);
}
Tensor Tensor::scatter(int64_t dim, const Tensor &index, const Scalar &value) const {
  return ember::scatter(*this, dim, index, value);
}
Tensor &Tensor::scatter_(int64_t dim, const Tensor &index, const Tensor &src) {
  if (autograd::needs_grad(*this, src))
    return autograd::apply_inplace(*this, "scatter_", [&](const Tensor &self) {
      return ember::scatter(self, dim, index, src);
    });
  scatter_into(*this, dim, index, &src, 0, ScatterMode::Assign, "scatter_");
  impl()->storage()->bump_version();
  return *this;
}
Tensor &Tensor::scatter_(int64_t dim, const Tensor &index, const Scalar &value) {
  if (autograd::needs_grad(*this))
    return autograd::apply_inplace(*this, "scatter_", [&](const Tensor &self) {
      return ember::scatter(self, dim, index, value);
    });
  scatter_into(*this, dim, index, nullptr, value, ScatterMode::Assign, "scatter_");
  impl()->storage()->bump_version();
  return *this;
}
Tensor Tensor::scatter_add(int64_t dim, const Tensor &index, const Tensor &src) const {
  return ember::scatter_add(*this, dim, index, src);
}
Tensor &Tensor::scatter_add_(int64_t dim, const Tensor &index, const Tensor &src) {
  if (autograd::needs_grad(*this, src))
    return autograd::apply_inplace(*this, "scatter_add_", [&](const Tensor &self) {
      return ember::scatter_add(self, dim, index, src);
    });
  scatter_into(*this, dim, index, &src, 0, ScatterMode::Add, "scatter_add_");
  impl()->storage()->bump_version();
  return *this;
}
Tensor Tensor::index_select(int64_t dim, const Tensor &index) const {
  return ember::index_select(*this, dim, index);
}
Tensor Tensor::index_add(int64_t dim, const Tensor &index, const Tensor &source,
                         const Scalar &alpha) const {
  return ember::index_add(*this, dim, index, source, alpha);
}
Tensor &Tensor::index_add_(int64_t dim, const Tensor &index, const Tensor &source,
                           const Scalar &alpha) {
  if (autograd::needs_grad(*this, source))
    return autograd::apply_inplace(*this, "index_add_", [&](const Tensor &self) {
      return ember::index_add(self, dim, index, source, alpha);
    });
  if (!is_contiguous())
    return copy_(ember::index_add(*this, dim, index, source, alpha));
  index_add_into(*this, wrap_dim(dim, this->dim(), "index_add_"), index, source, alpha);
  impl()->storage()->bump_version();
  return *this;
}
Tensor Tensor::masked_select(const Tensor &mask) const { return ember::masked_select(*this, mask); }
Tensor Tensor::nonzero() const { return ember::nonzero(*this); }
Tensor Tensor::tril(int64_t diagonal) const { return ember::tril(*this, diagonal); }
Tensor Tensor::triu(int64_t diagonal) const { return ember::triu(*this, diagonal); }
Tensor Tensor::repeat(IntArrayRef repeats) const { return ember::repeat(*this, repeats); }
Tensor Tensor::flip(IntArrayRef dims) const { return ember::flip(*this, dims); }
Tensor Tensor::roll(IntArrayRef shifts, IntArrayRef dims) const {
  return ember::roll(*this, shifts, dims);
}

} // namespace ember
