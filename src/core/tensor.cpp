// TensorImpl and the Tensor methods that concern the handle itself: metadata, item, autograd
// properties. Op methods live with their op family under src/ops/.
#include "ember/tensor.h"

#include <cstring>

#include "ember/autograd.h"
#include "ember/ops.h"

namespace ember {

TensorImpl::TensorImpl(std::shared_ptr<Storage> storage, Shape sizes, Shape strides,
                       int64_t offset, DType dtype)
    : storage_(std::move(storage)), sizes_(std::move(sizes)), strides_(std::move(strides)),
      offset_(offset), dtype_(dtype) {
  refresh_derived();
}

TensorImpl::~TensorImpl() = default;

void TensorImpl::set_geometry(Shape sizes, Shape strides, int64_t offset) {
  sizes_ = std::move(sizes);
  strides_ = std::move(strides);
  offset_ = offset;
  refresh_derived();
}

void TensorImpl::refresh_derived() {
  numel_ = shape_numel(sizes_);
  is_contiguous_ = true;
  int64_t expected = 1;
  for (size_t i = sizes_.size(); i-- > 0;) {
    if (sizes_[i] == 1)
      continue;
    if (strides_[i] != expected) {
      is_contiguous_ = numel_ == 0;
      break;
    }
    expected *= sizes_[i];
  }
}

void TensorImpl::set_storage(std::shared_ptr<Storage> storage, DType dtype) {
  storage_ = std::move(storage);
  dtype_ = dtype;
}

autograd::AutogradMeta &TensorImpl::ensure_autograd_meta() {
  if (!autograd_)
    autograd_ = std::make_unique<autograd::AutogradMeta>();
  return *autograd_;
}

int64_t Tensor::size(int64_t dim) const {
  return sizes()[wrap_dim(dim, this->dim(), "size")];
}

int64_t Tensor::stride(int64_t dim) const {
  return strides()[wrap_dim(dim, this->dim(), "stride")];
}

Scalar Tensor::item() const {
  EMBER_CHECK(numel() == 1, "item: a Tensor with ", numel(),
              " elements cannot be converted to Scalar (shape ", sizes(), ")");
  return dispatch_all(dtype(), "item", [&](auto tag) -> Scalar {
    using T = decltype(tag);
    return Scalar(*static_cast<const T *>(data_ptr()));
  });
}

bool Tensor::requires_grad() const {
  auto *meta = checked()->autograd_meta();
  return meta != nullptr && (meta->requires_grad || meta->grad_fn != nullptr);
}

Tensor &Tensor::requires_grad_(bool requires_grad) {
  auto *meta = checked()->autograd_meta();
  if (meta && meta->grad_fn) {
    EMBER_CHECK(requires_grad, "requires_grad_: you can only change requires_grad flags of leaf "
                               "variables. If you want to use a computed variable in a subgraph "
                               "that doesn't require differentiation use var_no_grad = var.detach().");
    return *this;
  }
  EMBER_CHECK(!requires_grad || ember::is_floating_point(dtype()),
              "requires_grad_: only tensors of floating point dtype can require gradients, got ",
              dtype());
  if (requires_grad || meta)
    impl()->ensure_autograd_meta().requires_grad = requires_grad;
  return *this;
}

namespace {
const Tensor &undefined_tensor() {
  static const Tensor undefined;
  return undefined;
}
const std::shared_ptr<autograd::Node> &null_node() {
  static const std::shared_ptr<autograd::Node> none;
  return none;
}
} // namespace

const Tensor &Tensor::grad() const {
  auto *meta = checked()->autograd_meta();
  return meta ? meta->grad : undefined_tensor();
}

Tensor &Tensor::mutable_grad() { return checked()->ensure_autograd_meta().grad; }

const std::shared_ptr<autograd::Node> &Tensor::grad_fn() const {
  auto *meta = checked()->autograd_meta();
  return meta ? meta->grad_fn : null_node();
}

bool Tensor::is_leaf() const { return grad_fn() == nullptr; }

uint32_t Tensor::output_nr() const {
  auto *meta = checked()->autograd_meta();
  return meta ? meta->output_nr : 0;
}

Tensor Tensor::detach() const {
  auto alias = std::make_shared<TensorImpl>(checked()->storage(), sizes(), strides(),
                                            storage_offset(), dtype());
  return Tensor(std::move(alias));
}

Tensor &Tensor::detach_() {
  if (auto *meta = checked()->autograd_meta()) {
    meta->grad_fn = nullptr;
    meta->requires_grad = false;
    meta->output_nr = 0;
  }
  return *this;
}

void Tensor::set_data(const Tensor &new_data) const {
  EMBER_CHECK(new_data.defined(), "set_data: new data is undefined");
  checked()->set_storage(new_data.impl()->storage(), new_data.dtype());
  impl()->set_geometry(new_data.sizes(), new_data.strides(), new_data.storage_offset());
}

Tensor &Tensor::resize_(IntArrayRef sizes) {
  TensorImpl *self = checked();
  EMBER_CHECK(!requires_grad(), "resize_: cannot resize a tensor that requires grad");
  for (int64_t size : sizes)
    EMBER_CHECK(size >= 0, "resize_: negative size in ", sizes);
  const int64_t item = static_cast<int64_t>(ember::element_size(dtype()));
  const int64_t needed = (self->storage_offset() + shape_numel(sizes)) * item;
  if (needed > static_cast<int64_t>(self->storage()->nbytes())) {
    auto grown = std::make_shared<Storage>(static_cast<size_t>(needed), self->device());
    std::memcpy(grown->data(), self->storage()->data(), self->storage()->nbytes());
    grown->continue_version_of(*self->storage());
    self->set_storage(std::move(grown), dtype());
  }
  self->set_geometry(sizes.vec(), contiguous_strides(sizes), self->storage_offset());
  self->storage()->bump_version();
  return *this;
}

std::string Tensor::toString() const {
  std::ostringstream out;
  out << *this;
  return out.str();
}

} // namespace ember
