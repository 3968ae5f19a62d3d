// View ops: tensors that share their input's storage with new sizes, strides and offset.
// Each records a backward that maps the view's gradient back to the input's shape; views whose
// backward is another view (reshape, permute, expand) use it directly, the others scatter the
// gradient into zeros through the same view (view_scatter), which is itself differentiable.
#include <algorithm>
#include <numeric>

#include "autograd/record.h"
#include "backend/cpu/loops.h"
#include "ember/ops.h"

namespace ember {

namespace {

using autograd::BackwardContext;
using ViewFn = std::function<Tensor(const Tensor &)>;

// An alias of self's storage with a new geometry.
Tensor alias(const Tensor &self, Shape sizes, Shape strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>(self.impl()->storage(), std::move(sizes),
                                           std::move(strides), offset, self.dtype());
  impl->view_base = self.impl()->is_view() ? self.impl()->view_base : self.impl_ptr();
  return Tensor(std::move(impl));
}

// Adds (accumulate) or writes each element of src into the matching element of view(dst).
// Overlapping views (unfold, as_strided) must accumulate, and run on one thread.
void scatter_through_view(const Tensor &dst, const Tensor &src, const ViewFn &view, bool accumulate) {
  NoGradGuard no_grad;
  Tensor target = view(dst);
  if (!accumulate) {
    target.copy_(src);
    return;
  }
  Tensor source = src.to(target.dtype());
  auto geometry = cpu::make_geometry<2>({&target, &source}, target.sizes());
  dispatch_arith(target.dtype(), "view backward", [&](auto tag) {
    using T = decltype(tag);
    cpu::for_each_run(geometry, std::numeric_limits<int64_t>::max(),
                      [](std::array<char *, 2> p, std::array<int64_t, 2> s, int64_t n) {
                        for (int64_t i = 0; i < n; ++i)
                          *reinterpret_cast<T *>(p[0] + i * s[0]) +=
                              *reinterpret_cast<const T *>(p[1] + i * s[1]);
                      });
  });
}

// zeros(base_sizes) with grad placed through view; differentiable (its backward is view).
Tensor view_scatter(const Tensor &grad, const Shape &base_sizes, ViewFn view, bool accumulate) {
  Tensor result = zeros(base_sizes, dtype(grad.dtype()));
  scatter_through_view(result, grad, view, accumulate);
  if (autograd::needs_grad(grad)) {
    autograd::record("ViewScatterBackward", {grad}, {result}, {},
                     [view](const BackwardContext &, const TensorList &grads) {
                       return TensorList{view(grads[0])};
                     });
  }
  return result;
}

// Records a view whose backward scatters the gradient back through view_fn. The function types
// are template parameters so that nothing is copied into a std::function unless autograd
// records: views are the cheapest ops, and that copy was a good part of their cost.
template <typename View>
Tensor record_view(const Tensor &self, Tensor view, const char *name, View view_fn,
                   bool overlapping = false) {
  if (autograd::needs_grad(self)) {
    autograd::record(name, {self}, {view}, {},
                     [base_sizes = self.sizes(), view_fn = ViewFn(std::move(view_fn)),
                      overlapping](const BackwardContext &, const TensorList &grads) {
                       return TensorList{view_scatter(grads[0], base_sizes, view_fn, overlapping)};
                     });
  }
  return view;
}

// Records a view whose backward is a plain function of the gradient.
template <typename Backward>
Tensor record_view(const Tensor &self, Tensor view, const char *name, Backward backward_fn,
                   std::true_type /*direct*/) {
  if (autograd::needs_grad(self)) {
    autograd::record(name, {self}, {view}, {},
                     [backward_fn = std::move(backward_fn)](const BackwardContext &,
                                                            const TensorList &grads) {
                       return TensorList{backward_fn(grads[0])};
                     });
  }
  return view;
}

// Resolves one -1 in sizes against numel.
Shape infer_size(IntArrayRef sizes, int64_t numel, const char *op) {
  Shape result = sizes.vec();
  int64_t known = 1;
  std::optional<size_t> inferred;
  for (size_t i = 0; i < result.size(); ++i) {
    if (result[i] == -1) {
      EMBER_CHECK(!inferred, op, ": only one dimension can be inferred in shape ", sizes);
      inferred = i;
    } else {
      EMBER_CHECK(result[i] >= 0, op, ": invalid shape dimension ", result[i], " in ", sizes);
      known *= result[i];
    }
  }
  if (inferred) {
    EMBER_CHECK(known != 0 && numel % known == 0, op, ": shape ", sizes,
                " is invalid for input of size ", numel);
    result[*inferred] = numel / known;
  } else {
    EMBER_CHECK(known == numel, op, ": shape ", sizes, " is invalid for input of size ", numel);
  }
  return result;
}

// Strides for viewing a tensor of (sizes, strides) as new_sizes without copying, if possible:
// each group of old dims that merges into or splits from new dims must be contiguous in itself.
std::optional<Shape> view_strides(IntArrayRef sizes, IntArrayRef strides, IntArrayRef new_sizes) {
  Shape result(new_sizes.size());
  if (shape_numel(sizes) == 0 || sizes.empty())
    return contiguous_strides(new_sizes);
  int64_t view_d = static_cast<int64_t>(new_sizes.size()) - 1;
  int64_t chunk_base_stride = strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    tensor_numel *= sizes[d];
    // A chunk ends where the next outer dim is not laid out right after this one.
    if (d == 0 || (sizes[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_sizes[view_d] == 1)) {
        result[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_sizes[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel)
        return std::nullopt;
      if (d > 0) {
        chunk_base_stride = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1)
    return std::nullopt;
  return result;
}

} // namespace

Tensor Tensor::view(IntArrayRef sizes) const {
  Shape new_sizes = infer_size(sizes, numel(), "view");
  auto strides = view_strides(this->sizes(), this->strides(), new_sizes);
  EMBER_CHECK(strides.has_value(), "view: view size ", IntArrayRef(new_sizes),
              " is not compatible with input tensor's size ", this->sizes(), " and stride ",
              this->strides(),
              " (at least one dimension spans across two contiguous subspaces). Use "
              ".reshape(...) instead.");
  return record_view(*this, alias(*this, new_sizes, *strides, storage_offset()), "ViewBackward",
                     [old_sizes = this->sizes()](const Tensor &g) { return g.reshape(old_sizes); },
                     std::true_type{});
}

Tensor Tensor::view_as(const Tensor &other) const { return view(other.sizes()); }

Tensor Tensor::reshape(IntArrayRef sizes) const {
  Shape new_sizes = infer_size(sizes, numel(), "reshape");
  if (view_strides(this->sizes(), this->strides(), new_sizes))
    return view(new_sizes);
  return clone().view(new_sizes);
}

Tensor reshape(const Tensor &self, IntArrayRef sizes) { return self.reshape(sizes); }
Tensor Tensor::reshape_as(const Tensor &other) const { return reshape(other.sizes()); }

Tensor Tensor::permute(IntArrayRef dims) const {
  const int64_t ndim = dim();
  EMBER_CHECK(static_cast<int64_t>(dims.size()) == ndim, "permute: number of dims don't match in "
              "permute (got ", dims.size(), " dims for a tensor of shape ", sizes(), ")");
  Shape new_sizes(ndim), new_strides(ndim), inverse(ndim, -1);
  for (int64_t i = 0; i < ndim; ++i) {
    int64_t d = wrap_dim(dims[i], ndim, "permute");
    EMBER_CHECK(inverse[d] < 0, "permute: repeated dim ", d, " in ", dims);
    new_sizes[i] = sizes()[d];
    new_strides[i] = strides()[d];
    inverse[d] = i;
  }
  return record_view(
      *this, alias(*this, std::move(new_sizes), std::move(new_strides), storage_offset()),
      "PermuteBackward",
      [inverse = std::move(inverse)](const Tensor &g) { return g.permute(inverse); },
      std::true_type{});
}

Tensor permute(const Tensor &self, IntArrayRef dims) { return self.permute(dims); }

Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const {
  const int64_t ndim = dim();
  if (ndim == 0)
    return view(Shape{});
  dim0 = wrap_dim(dim0, ndim, "transpose");
  dim1 = wrap_dim(dim1, ndim, "transpose");
  Shape new_sizes = sizes(), new_strides = strides();
  std::swap(new_sizes[dim0], new_sizes[dim1]);
  std::swap(new_strides[dim0], new_strides[dim1]);
  return record_view(
      *this, alias(*this, std::move(new_sizes), std::move(new_strides), storage_offset()),
      "TransposeBackward", [dim0, dim1](const Tensor &g) { return g.transpose(dim0, dim1); },
      std::true_type{});
}

Tensor transpose(const Tensor &self, int64_t dim0, int64_t dim1) {
  return self.transpose(dim0, dim1);
}

Tensor Tensor::t() const {
  EMBER_CHECK(dim() <= 2, "t: expects a tensor with <= 2 dimensions, but self is ", dim(), "D");
  return dim() < 2 ? view(sizes()) : transpose(0, 1);
}

Tensor Tensor::mT() const {
  EMBER_CHECK(dim() >= 2, "mT: tensor.mT is only supported on matrices or batches of matrices. "
              "Got ", dim(), "-D tensor.");
  return transpose(-2, -1);
}

Tensor Tensor::movedim(int64_t source, int64_t destination) const {
  const int64_t ndim = dim();
  source = wrap_dim(source, ndim, "movedim");
  destination = wrap_dim(destination, ndim, "movedim");
  Shape order;
  for (int64_t d = 0; d < ndim; ++d)
    if (d != source)
      order.push_back(d);
  order.insert(order.begin() + destination, source);
  return permute(order);
}

Tensor movedim(const Tensor &self, int64_t source, int64_t destination) {
  return self.movedim(source, destination);
}

Tensor Tensor::expand(IntArrayRef sizes) const {
  const int64_t ndim = dim();
  const int64_t new_ndim = static_cast<int64_t>(sizes.size());
  EMBER_CHECK(new_ndim >= ndim, "expand: the number of sizes provided (", new_ndim,
              ") must be greater or equal to the number of dimensions in the tensor (", ndim, ")");
  Shape new_sizes(new_ndim), new_strides(new_ndim);
  for (int64_t i = new_ndim - 1; i >= 0; --i) {
    int64_t d = i - (new_ndim - ndim);
    int64_t size = d >= 0 ? this->sizes()[d] : 1;
    int64_t target = sizes[i];
    if (target == -1) {
      EMBER_CHECK(d >= 0, "expand: -1 is not allowed in a leading, non-existing dimension ", i);
      target = size;
    }
    EMBER_CHECK(size == target || size == 1, "expand: the expanded size of the tensor (", target,
                ") must match the existing size (", size, ") at non-singleton dimension ", i,
                ".  Target sizes: ", sizes, ".  Tensor sizes: ", this->sizes());
    new_sizes[i] = target;
    new_strides[i] = (d >= 0 && size == target) ? this->strides()[d] : 0;
  }
  if (new_sizes == this->sizes())
    return *this;
  Shape old_sizes = this->sizes();
  return record_view(*this, alias(*this, new_sizes, new_strides, storage_offset()),
                     "ExpandBackward", [old_sizes](const Tensor &g) { return sum_to(g, old_sizes); },
                     std::true_type{});
}

Tensor Tensor::expand_as(const Tensor &other) const { return expand(other.sizes()); }

Tensor broadcast_to(const Tensor &self, IntArrayRef sizes) { return self.expand(sizes); }

TensorList broadcast_tensors(const TensorList &tensors) {
  Shape shape;
  for (const Tensor &t : tensors)
    shape = broadcast_shapes(shape, t.sizes(), "broadcast_tensors");
  TensorList result;
  for (const Tensor &t : tensors)
    result.push_back(t.expand(shape));
  return result;
}

Tensor Tensor::squeeze() const {
  Shape new_sizes;
  for (int64_t size : sizes())
    if (size != 1)
      new_sizes.push_back(size);
  return view(new_sizes);
}

Tensor Tensor::squeeze(int64_t dim) const {
  dim = wrap_dim(dim, this->dim(), "squeeze");
  if (this->dim() == 0 || sizes()[dim] != 1)
    return view(sizes());
  Shape new_sizes = sizes();
  new_sizes.erase(new_sizes.begin() + dim);
  return view(new_sizes);
}

Tensor squeeze(const Tensor &self) { return self.squeeze(); }
Tensor squeeze(const Tensor &self, int64_t dim) { return self.squeeze(dim); }

Tensor Tensor::unsqueeze(int64_t dim) const {
  dim = wrap_dim(dim, this->dim() + 1, "unsqueeze");
  Shape new_sizes = sizes(), new_strides = strides();
  int64_t stride = dim < this->dim() ? new_sizes[dim] * new_strides[dim] : 1;
  new_sizes.insert(new_sizes.begin() + dim, 1);
  new_strides.insert(new_strides.begin() + dim, stride);
  return record_view(*this, alias(*this, new_sizes, new_strides, storage_offset()),
                     "UnsqueezeBackward", [dim](const Tensor &g) { return g.squeeze(dim); },
                     std::true_type{});
}

Tensor unsqueeze(const Tensor &self, int64_t dim) { return self.unsqueeze(dim); }

Tensor Tensor::slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end,
                     int64_t step) const {
  EMBER_CHECK(this->dim() > 0, "slice: cannot slice a 0-d tensor");
  dim = wrap_dim(dim, this->dim(), "slice");
  EMBER_CHECK(step > 0, "slice: step must be positive, got ", step);
  const int64_t size = sizes()[dim];
  auto clamp_index = [size](int64_t index) {
    if (index < 0)
      index += size;
    return std::clamp<int64_t>(index, 0, size);
  };
  int64_t first = clamp_index(start.value_or(0));
  int64_t last = std::max(first, clamp_index(end.value_or(size)));
  Shape new_sizes = sizes(), new_strides = strides();
  new_sizes[dim] = (last - first + step - 1) / step;
  new_strides[dim] *= step;
  Tensor view = alias(*this, new_sizes, new_strides, storage_offset() + first * strides()[dim]);
  return record_view(*this, view, "SliceBackward", [dim, first, last, step](const Tensor &t) {
    return t.slice(dim, first, last, step);
  });
}

Tensor Tensor::select(int64_t dim, int64_t index) const {
  EMBER_CHECK_T(IndexError, this->dim() > 0, "select: invalid for a 0-d tensor");
  dim = wrap_dim(dim, this->dim(), "select");
  const int64_t size = sizes()[dim];
  EMBER_CHECK_T(IndexError, index >= -size && index < size, "select: index ", index,
                " is out of bounds for dimension ", dim, " with size ", size);
  if (index < 0)
    index += size;
  Shape new_sizes = sizes(), new_strides = strides();
  new_sizes.erase(new_sizes.begin() + dim);
  new_strides.erase(new_strides.begin() + dim);
  Tensor view = alias(*this, new_sizes, new_strides, storage_offset() + index * strides()[dim]);
  return record_view(*this, view, "SelectBackward",
                     [dim, index](const Tensor &t) { return t.select(dim, index); });
}

Tensor select(const Tensor &self, int64_t dim, int64_t index) { return self.select(dim, index); }

Tensor Tensor::narrow(int64_t dim, int64_t start, int64_t length) const {
  EMBER_CHECK(this->dim() > 0, "narrow: cannot be applied to a 0-dim tensor");
  dim = wrap_dim(dim, this->dim(), "narrow");
  const int64_t size = sizes()[dim];
  if (start < 0)
    start += size;
  EMBER_CHECK_T(IndexError, start >= 0 && start <= size, "narrow: start (", start,
                ") is out of range for dimension ", dim, " of size ", size);
  EMBER_CHECK(length >= 0 && start + length <= size, "narrow: start (", start, ") + length (",
              length, ") exceeds dimension size (", size, ")");
  return slice(dim, start, start + length, 1);
}

Tensor narrow(const Tensor &self, int64_t dim, int64_t start, int64_t length) {
  return self.narrow(dim, start, length);
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  if (dim() == 0)
    return reshape({1});
  start_dim = wrap_dim(start_dim, dim(), "flatten");
  end_dim = wrap_dim(end_dim, dim(), "flatten");
  EMBER_CHECK(start_dim <= end_dim, "flatten: start_dim (", start_dim,
              ") cannot come after end_dim (", end_dim, ")");
  Shape new_sizes(sizes().begin(), sizes().begin() + start_dim);
  int64_t merged = 1;
  for (int64_t d = start_dim; d <= end_dim; ++d)
    merged *= sizes()[d];
  new_sizes.push_back(merged);
  new_sizes.insert(new_sizes.end(), sizes().begin() + end_dim + 1, sizes().end());
  return reshape(new_sizes);
}

Tensor flatten(const Tensor &self, int64_t start_dim, int64_t end_dim) {
  return self.flatten(start_dim, end_dim);
}

Tensor Tensor::unflatten(int64_t dim, IntArrayRef sizes) const {
  dim = wrap_dim(dim, this->dim(), "unflatten");
  EMBER_CHECK(!sizes.empty(), "unflatten: sizes must be non-empty");
  Shape inner = infer_size(sizes, this->sizes()[dim], "unflatten");
  Shape new_sizes(this->sizes().begin(), this->sizes().begin() + dim);
  new_sizes.insert(new_sizes.end(), inner.begin(), inner.end());
  new_sizes.insert(new_sizes.end(), this->sizes().begin() + dim + 1, this->sizes().end());
  return view(new_sizes);
}

Tensor Tensor::diagonal(int64_t offset, int64_t dim1, int64_t dim2) const {
  EMBER_CHECK(dim() >= 2, "diagonal: expected a tensor with at least 2 dimensions, got ", dim());
  dim1 = wrap_dim(dim1, dim(), "diagonal");
  dim2 = wrap_dim(dim2, dim(), "diagonal");
  EMBER_CHECK(dim1 != dim2, "diagonal: dimensions cannot be identical ", dim1, ", ", dim2);
  int64_t length = offset >= 0 ? std::min(sizes()[dim1], sizes()[dim2] - offset)
                               : std::min(sizes()[dim1] + offset, sizes()[dim2]);
  length = std::max<int64_t>(length, 0);
  int64_t start = storage_offset();
  if (length > 0)
    start += offset >= 0 ? offset * strides()[dim2] : -offset * strides()[dim1];
  Shape new_sizes, new_strides;
  for (int64_t d = 0; d < dim(); ++d)
    if (d != dim1 && d != dim2) {
      new_sizes.push_back(sizes()[d]);
      new_strides.push_back(strides()[d]);
    }
  new_sizes.push_back(length);
  new_strides.push_back(strides()[dim1] + strides()[dim2]);
  return record_view(*this, alias(*this, new_sizes, new_strides, start), "DiagonalBackward",
                     [offset, dim1, dim2](const Tensor &t) { return t.diagonal(offset, dim1, dim2); });
}

Tensor diagonal(const Tensor &self, int64_t offset, int64_t dim1, int64_t dim2) {
  return self.diagonal(offset, dim1, dim2);
}

Tensor Tensor::as_strided(IntArrayRef sizes, IntArrayRef strides,
                          std::optional<int64_t> storage_offset) const {
  EMBER_CHECK(sizes.size() == strides.size(), "as_strided: got ", sizes.size(), " sizes but ",
              strides.size(), " strides");
  int64_t offset = storage_offset.value_or(this->storage_offset());
  int64_t last = offset;
  for (size_t i = 0; i < sizes.size(); ++i) {
    EMBER_CHECK(sizes[i] >= 0 && strides[i] >= 0, "as_strided: negative size or stride in sizes ",
                sizes, " strides ", strides);
    if (sizes[i] == 0)
      last = -1;
    else if (last >= 0)
      last += (sizes[i] - 1) * strides[i];
  }
  int64_t capacity = static_cast<int64_t>(impl()->storage()->nbytes() / element_size());
  EMBER_CHECK(offset >= 0 && last < capacity, "as_strided: setting a storage of ", capacity,
              " elements out of bounds with sizes ", sizes, ", strides ", strides, " and offset ",
              offset);
  Tensor view = alias(*this, sizes.vec(), strides.vec(), offset);
  if (!autograd::needs_grad(*this))
    return view;
  // The geometry is relative to storage; the backward re-applies it to a dense copy of self.
  EMBER_CHECK(is_contiguous(), "as_strided: differentiating through as_strided needs a "
                               "contiguous input (call .contiguous() first)");
  Shape view_sizes = sizes.vec(), view_strides = strides.vec();
  int64_t relative = offset - this->storage_offset();
  return record_view(*this, view, "AsStridedBackward",
                     [view_sizes, view_strides, relative](const Tensor &t) {
                       return t.as_strided(view_sizes, view_strides, t.storage_offset() + relative);
                     },
                     /*overlapping=*/true);
}

Tensor as_strided(const Tensor &self, IntArrayRef sizes, IntArrayRef strides,
                  std::optional<int64_t> storage_offset) {
  return self.as_strided(sizes, strides, storage_offset);
}

Tensor Tensor::unfold(int64_t dim, int64_t size, int64_t step) const {
  int64_t ndim = this->dim();
  dim = wrap_dim(dim, ndim, "unfold");
  int64_t extent = ndim == 0 ? 1 : sizes()[dim];
  EMBER_CHECK(size >= 0 && size <= extent, "unfold: maximum size for tensor at dimension ", dim,
              " is ", extent, " but size is ", size);
  EMBER_CHECK(step > 0, "unfold: step is ", step, " but must be > 0");
  Shape new_sizes = sizes(), new_strides = strides();
  int64_t stride = ndim == 0 ? 1 : strides()[dim];
  if (ndim > 0) {
    new_sizes[dim] = (extent - size) / step + 1;
    new_strides[dim] = step * stride;
  }
  new_sizes.push_back(size);
  new_strides.push_back(stride);
  return record_view(*this, alias(*this, new_sizes, new_strides, storage_offset()),
                     "UnfoldBackward",
                     [dim, size, step](const Tensor &t) { return t.unfold(dim, size, step); },
                     /*overlapping=*/step < size);
}

} // namespace ember

namespace ember::autograd {

Tensor replace_view_region(const Tensor &base, const Tensor &src, const Shape &sizes,
                           const Shape &strides, int64_t relative_offset) {
  auto region_of = [sizes, strides, relative_offset](const Tensor &t) {
    return t.as_strided(sizes, strides, t.storage_offset() + relative_offset);
  };
  Tensor result;
  Tensor outside_region; // 1 outside the view's elements, 0 inside
  {
    NoGradGuard no_grad;
    result = base.clone();
    region_of(result).copy_(src);
    outside_region = ones_like(base);
    region_of(outside_region).fill_(0);
  }
  if (needs_grad(base, src)) {
    record("CopySlices", {base, src}, {result}, {outside_region},
           [region_of](const BackwardContext &ctx, const TensorList &grads) {
             Tensor grad = grads[0].contiguous();
             return TensorList{ctx.needs(0) ? grad * ctx.saved[0] : Tensor(),
                               ctx.needs(1) ? region_of(grad) : Tensor()};
           });
  }
  return result;
}

} // namespace ember::autograd
