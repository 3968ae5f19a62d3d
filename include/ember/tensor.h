// Tensor: a strided view (sizes, strides, offset, dtype) of a Storage, with optional autograd
// metadata. Tensor is a cheap handle: copies share the same TensorImpl, as in libtorch.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ember/device.h"
#include "ember/dtype.h"
#include "ember/error.h"
#include "ember/scalar.h"
#include "ember/shape.h"
#include "ember/storage.h"

namespace ember {

class Tensor;
using TensorList = std::vector<Tensor>;

namespace autograd {
class Node;
struct AutogradMeta;
} // namespace autograd

// dtype, device and requires_grad for creation functions: ember::dtype(kFloat64).requires_grad(true).
struct TensorOptions {
  std::optional<DType> dtype_;
  Device device_;
  bool requires_grad_ = false;

  TensorOptions() = default;
  TensorOptions(DType dtype) : dtype_(dtype) {}
  TensorOptions(Device device) : device_(device) {}

  TensorOptions dtype(DType dtype) const {
    TensorOptions copy = *this;
    copy.dtype_ = dtype;
    return copy;
  }
  TensorOptions device(Device device) const {
    TensorOptions copy = *this;
    copy.device_ = device;
    return copy;
  }
  TensorOptions requires_grad(bool requires_grad = true) const {
    TensorOptions copy = *this;
    copy.requires_grad_ = requires_grad;
    return copy;
  }
  DType dtype_or_default() const { return dtype_.value_or(default_dtype()); }
};

inline TensorOptions dtype(DType dtype) { return TensorOptions().dtype(dtype); }
inline TensorOptions device(Device device) { return TensorOptions().device(device); }
inline TensorOptions requires_grad(bool requires_grad = true) {
  return TensorOptions().requires_grad(requires_grad);
}

// The state behind a Tensor handle. Kernels read it; users normally do not need it.
class TensorImpl {
public:
  TensorImpl(std::shared_ptr<Storage> storage, Shape sizes, Shape strides, int64_t offset,
             DType dtype);
  ~TensorImpl();

  const Shape &sizes() const { return sizes_; }
  const Shape &strides() const { return strides_; }
  int64_t storage_offset() const { return offset_; }
  DType dtype() const { return dtype_; }
  int64_t numel() const { return numel_; }
  int64_t dim() const { return static_cast<int64_t>(sizes_.size()); }
  bool is_contiguous() const { return is_contiguous_; }
  const std::shared_ptr<Storage> &storage() const { return storage_; }
  Device device() const { return storage_->device(); }
  // Address of element [0, ..., 0].
  void *data() const {
    return static_cast<char *>(storage_->data()) + offset_ * static_cast<int64_t>(element_size(dtype_));
  }

  // Replaces the geometry (used by in-place resizing ops such as squeeze_ and set_).
  void set_geometry(Shape sizes, Shape strides, int64_t offset);
  // Points this tensor at other memory of possibly another dtype (Tensor::set_data).
  void set_storage(std::shared_ptr<Storage> storage, DType dtype);

  autograd::AutogradMeta *autograd_meta() const { return autograd_.get(); }
  // Creates the autograd metadata on first use: tensors that never meet autograd carry none.
  autograd::AutogradMeta &ensure_autograd_meta();

  // A wrapped number is a 0-d tensor made from a C++ scalar argument; it takes part in type
  // promotion with the lowest priority, as in torch.
  bool is_wrapped_number = false;
  // For tensors made by view ops: the tensor (not itself a view) whose memory they share.
  // Autograd uses it to route an in-place change of the view into the base's history.
  std::shared_ptr<TensorImpl> view_base;
  bool is_view() const { return view_base != nullptr; }

private:
  void refresh_derived();

  std::shared_ptr<Storage> storage_;
  Shape sizes_;
  Shape strides_;
  int64_t offset_;
  DType dtype_;
  int64_t numel_ = 1;
  bool is_contiguous_ = true;
  std::unique_ptr<autograd::AutogradMeta> autograd_;
};

class Tensor {
public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- handle and metadata ------------------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  TensorImpl *impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl> &impl_ptr() const { return impl_; }
  bool is_same(const Tensor &other) const { return impl_ == other.impl_; }
  long use_count() const { return impl_.use_count(); }

  const Shape &sizes() const { return checked()->sizes(); }
  const Shape &shape() const { return sizes(); }
  int64_t size(int64_t dim) const;
  const Shape &strides() const { return checked()->strides(); }
  int64_t stride(int64_t dim) const;
  int64_t dim() const { return checked()->dim(); }
  int64_t ndimension() const { return dim(); }
  int64_t numel() const { return checked()->numel(); }
  DType dtype() const { return checked()->dtype(); }
  DType scalar_type() const { return dtype(); }
  Device device() const { return checked()->device(); }
  TensorOptions options() const { return TensorOptions(dtype()).device(device()); }
  int64_t storage_offset() const { return checked()->storage_offset(); }
  size_t element_size() const { return ember::element_size(dtype()); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * element_size(); }
  bool is_contiguous() const { return checked()->is_contiguous(); }
  bool is_floating_point() const { return ember::is_floating_point(dtype()); }
  void *data_ptr() const { return checked()->data(); }
  // Typed pointer to element [0, ...]; throws if T is not the tensor's element type.
  template <typename T> T *data_ptr() const {
    EMBER_CHECK(dtype() == dtype_v<T>, "data_ptr: tensor has dtype ", dtype(),
                " but the requested type is ", dtype_v<T>);
    return static_cast<T *>(data_ptr());
  }
  // The value of a one-element tensor.
  Scalar item() const;
  template <typename T> T item() const { return item().to<T>(); }
  // The version counter of the storage (bumped by in-place ops).
  uint32_t _version() const { return checked()->storage()->version(); }
  std::string toString() const;

  // ---- autograd --------------------------------------------------------------------------------
  bool requires_grad() const;
  Tensor &requires_grad_(bool requires_grad = true);
  // The gradient accumulated by backward, or an undefined tensor.
  const Tensor &grad() const;
  // Assignable gradient: t.mutable_grad() = ember::zeros_like(t).
  Tensor &mutable_grad();
  const std::shared_ptr<autograd::Node> &grad_fn() const;
  bool is_leaf() const;
  uint32_t output_nr() const;
  // Makes this non-leaf tensor keep its .grad after backward.
  void retain_grad() const;
  bool retains_grad() const;
  // Registers hook(grad) -> new grad (or an undefined tensor to keep grad), run when the
  // gradient for this tensor is computed. Returns a handle for remove_hook.
  size_t register_hook(std::function<Tensor(const Tensor &)> hook) const;
  void remove_hook(size_t handle) const;
  void backward(const Tensor &gradient = {}, std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false, const TensorList &inputs = {}) const;
  // A tensor sharing storage with this one, cut off from the graph.
  Tensor detach() const;
  Tensor &detach_();
  // Makes this tensor use new_data's memory, shape and dtype while keeping its identity and
  // autograd state (torch's `param.data = new_data`): handles held elsewhere see the change.
  void set_data(const Tensor &new_data) const;
  // Gives this tensor the contiguous shape sizes, keeping its dtype and identity (torch's
  // resize_): its memory grows when needed, keeping the values it had; new elements are
  // uninitialized. Tensors that require grad cannot be resized.
  Tensor &resize_(IntArrayRef sizes);

  // ---- conversion and copies (src/ops/copy.cpp) ----------------------------------------------
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor &copy_(const Tensor &src);
  Tensor to(DType dtype, bool copy = false) const;
  Tensor to(Device device, bool copy = false) const;
  Tensor to(const TensorOptions &options, bool copy = false) const;
  Tensor &fill_(const Scalar &value);
  Tensor &zero_();

  // ---- views (src/ops/view.cpp) ----------------------------------------------------------------
  Tensor view(IntArrayRef sizes) const;
  Tensor view_as(const Tensor &other) const;
  Tensor reshape(IntArrayRef sizes) const;
  Tensor reshape_as(const Tensor &other) const;
  Tensor permute(IntArrayRef dims) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor t() const;
  Tensor mT() const;
  Tensor movedim(int64_t source, int64_t destination) const;
  Tensor expand(IntArrayRef sizes) const;
  Tensor expand_as(const Tensor &other) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor slice(int64_t dim = 0, std::optional<int64_t> start = std::nullopt,
               std::optional<int64_t> end = std::nullopt, int64_t step = 1) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor operator[](int64_t index) const { return select(0, index); }
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor unflatten(int64_t dim, IntArrayRef sizes) const;
  Tensor diagonal(int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1) const;
  Tensor as_strided(IntArrayRef sizes, IntArrayRef strides,
                    std::optional<int64_t> storage_offset = std::nullopt) const;
  Tensor unfold(int64_t dim, int64_t size, int64_t step) const;

  // ---- elementwise (src/ops/elementwise.cpp) -------------------------------------------------
#define EMBER_UNARY_OP(name)                                                                       \
  Tensor name() const;                                                                             \
  Tensor &name##_();
#include "ember/unary_ops.def"
#undef EMBER_UNARY_OP
  Tensor isnan() const;
  Tensor isinf() const;
  Tensor isfinite() const;
  Tensor logical_not() const;

  Tensor add(const Tensor &other, const Scalar &alpha = 1) const;
  Tensor add(const Scalar &other, const Scalar &alpha = 1) const;
  Tensor &add_(const Tensor &other, const Scalar &alpha = 1);
  Tensor &add_(const Scalar &other, const Scalar &alpha = 1);
  Tensor sub(const Tensor &other, const Scalar &alpha = 1) const;
  Tensor sub(const Scalar &other, const Scalar &alpha = 1) const;
  Tensor &sub_(const Tensor &other, const Scalar &alpha = 1);
  Tensor &sub_(const Scalar &other, const Scalar &alpha = 1);
  // rounding_mode: none (true division), "trunc" or "floor".
  Tensor div(const Tensor &other, std::optional<std::string> rounding_mode = std::nullopt) const;
  Tensor div(const Scalar &other, std::optional<std::string> rounding_mode = std::nullopt) const;
  Tensor &div_(const Tensor &other, std::optional<std::string> rounding_mode = std::nullopt);
  Tensor &div_(const Scalar &other, std::optional<std::string> rounding_mode = std::nullopt);
#define EMBER_BINARY_OP(name)                                                                      \
  Tensor name(const Tensor &other) const;                                                          \
  Tensor name(const Scalar &other) const;                                                          \
  Tensor &name##_(const Tensor &other);                                                            \
  Tensor &name##_(const Scalar &other);
#include "ember/binary_ops.def"
#undef EMBER_BINARY_OP
  Tensor clamp(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt) const;
  Tensor clamp(const Tensor &min, const Tensor &max) const;
  Tensor &clamp_(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt);
  Tensor clamp_min(const Scalar &min) const;
  Tensor clamp_max(const Scalar &max) const;
  Tensor lerp(const Tensor &end, const Scalar &weight) const;
  Tensor lerp(const Tensor &end, const Tensor &weight) const;
  Tensor &lerp_(const Tensor &end, const Scalar &weight);
  Tensor where(const Tensor &condition, const Tensor &other) const;
  Tensor masked_fill(const Tensor &mask, const Scalar &value) const;
  Tensor masked_fill(const Tensor &mask, const Tensor &value) const;
  Tensor &masked_fill_(const Tensor &mask, const Scalar &value);

  // ---- reductions (src/ops/reduce.cpp) -------------------------------------------------------
  Tensor sum(std::optional<DType> dtype = std::nullopt) const;
  Tensor sum(IntArrayRef dims, bool keepdim = false, std::optional<DType> dtype = std::nullopt) const;
  Tensor mean(std::optional<DType> dtype = std::nullopt) const;
  Tensor mean(IntArrayRef dims, bool keepdim = false, std::optional<DType> dtype = std::nullopt) const;
  Tensor prod(std::optional<DType> dtype = std::nullopt) const;
  Tensor prod(int64_t dim, bool keepdim = false, std::optional<DType> dtype = std::nullopt) const;
  Tensor max() const;
  std::tuple<Tensor, Tensor> max(int64_t dim, bool keepdim = false) const;
  Tensor max(const Tensor &other) const;
  Tensor min() const;
  std::tuple<Tensor, Tensor> min(int64_t dim, bool keepdim = false) const;
  Tensor min(const Tensor &other) const;
  Tensor amax(IntArrayRef dims = {}, bool keepdim = false) const;
  Tensor amin(IntArrayRef dims = {}, bool keepdim = false) const;
  Tensor argmax(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor argmin(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor var(IntArrayRef dims = {}, std::optional<Scalar> correction = std::nullopt,
             bool keepdim = false) const;
  Tensor std(IntArrayRef dims = {}, std::optional<Scalar> correction = std::nullopt,
             bool keepdim = false) const;
  Tensor logsumexp(IntArrayRef dims, bool keepdim = false) const;
  Tensor norm(const Scalar &p = 2, IntArrayRef dims = {}, bool keepdim = false) const;
  Tensor all() const;
  Tensor all(int64_t dim, bool keepdim = false) const;
  Tensor any() const;
  Tensor any(int64_t dim, bool keepdim = false) const;
  Tensor cumsum(int64_t dim, std::optional<DType> dtype = std::nullopt) const;
  Tensor cumprod(int64_t dim, std::optional<DType> dtype = std::nullopt) const;

  // ---- linear algebra (src/ops/linalg.cpp) ---------------------------------------------------
  Tensor matmul(const Tensor &other) const;
  Tensor mm(const Tensor &other) const;
  Tensor bmm(const Tensor &other) const;
  Tensor mv(const Tensor &vec) const;
  Tensor dot(const Tensor &other) const;
  Tensor outer(const Tensor &other) const;
  Tensor addmm(const Tensor &mat1, const Tensor &mat2, const Scalar &beta = 1,
               const Scalar &alpha = 1) const;

  // ---- indexing, joining and reordering (src/ops/index.cpp, src/ops/sort.cpp) -----------------
  TensorList split(int64_t split_size, int64_t dim = 0) const;
  TensorList split(IntArrayRef split_sizes, int64_t dim = 0) const;
  TensorList chunk(int64_t chunks, int64_t dim = 0) const;
  TensorList unbind(int64_t dim = 0) const;
  Tensor gather(int64_t dim, const Tensor &index) const;
  Tensor scatter(int64_t dim, const Tensor &index, const Tensor &src) const;
  Tensor scatter(int64_t dim, const Tensor &index, const Scalar &value) const;
  Tensor &scatter_(int64_t dim, const Tensor &index, const Tensor &src);
  Tensor &scatter_(int64_t dim, const Tensor &index, const Scalar &value);
  Tensor scatter_add(int64_t dim, const Tensor &index, const Tensor &src) const;
  Tensor &scatter_add_(int64_t dim, const Tensor &index, const Tensor &src);
  Tensor index_select(int64_t dim, const Tensor &index) const;
  Tensor index_add(int64_t dim, const Tensor &index, const Tensor &source,
                   const Scalar &alpha = 1) const;
  Tensor &index_add_(int64_t dim, const Tensor &index, const Tensor &source,
                     const Scalar &alpha = 1);
  Tensor masked_select(const Tensor &mask) const;
  Tensor nonzero() const;
  std::tuple<Tensor, Tensor> sort(int64_t dim = -1, bool descending = false,
                                  bool stable = false) const;
  Tensor argsort(int64_t dim = -1, bool descending = false, bool stable = false) const;
  std::tuple<Tensor, Tensor> topk(int64_t k, int64_t dim = -1, bool largest = true,
                                  bool sorted = true) const;
  Tensor tril(int64_t diagonal = 0) const;
  Tensor triu(int64_t diagonal = 0) const;
  Tensor repeat(IntArrayRef repeats) const;
  Tensor flip(IntArrayRef dims) const;
  Tensor roll(IntArrayRef shifts, IntArrayRef dims = {}) const;

  // ---- random in-place fills (src/core/random.cpp) --------------------------------------------
  Tensor &uniform_(double from = 0, double to = 1);
  Tensor &normal_(double mean = 0, double std = 1);
  Tensor &bernoulli_(double p = 0.5);
  Tensor bernoulli() const;

private:
  TensorImpl *checked() const {
    EMBER_CHECK(impl_ != nullptr, "tensor is undefined (default-constructed Tensor)");
    return impl_.get();
  }
  std::shared_ptr<TensorImpl> impl_;
};

// A read-only view of tensors: a braced list {a, b} or a TensorList, without copying them into
// a vector (autograd records every op through these, where a vector per call showed in the
// cost of small ops). Like IntArrayRef it does not own its tensors: keep it to parameters.
class TensorListRef {
public:
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
  TensorListRef(std::initializer_list<Tensor> tensors)
      : data_(tensors.begin()), size_(tensors.size()) {}
#pragma GCC diagnostic pop
  TensorListRef(const TensorList &tensors) : data_(tensors.data()), size_(tensors.size()) {}

  const Tensor *begin() const { return data_; }
  const Tensor *end() const { return data_ + size_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Tensor &operator[](size_t i) const { return data_[i]; }

private:
  const Tensor *data_ = nullptr;
  size_t size_ = 0;
};

std::ostream &operator<<(std::ostream &out, const Tensor &tensor);

} // namespace ember
