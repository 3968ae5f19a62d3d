// SavedTensor: version-checked tensors kept for backward.
#include "ember/detail/saved_tensor.h"

#include "ember/autograd.h"

namespace ember::autograd {

SavedTensor::SavedTensor(const Tensor &tensor, bool is_output) : is_output_(is_output) {
  if (!tensor.defined()) {
    was_undefined_ = true;
    return;
  }
  saved_version_ = tensor._version();
  if (is_output) {
    // Keeping the output itself would make the node own itself through output->grad_fn.
    data_ = tensor.detach();
    output_nr_ = tensor.output_nr();
    output_requires_grad_ = tensor.requires_grad();
  } else {
    data_ = tensor;
  }
}

Tensor SavedTensor::unpack(const std::shared_ptr<Node> &node) const {
  if (!data_.defined()) {
    if (was_undefined_)
      return Tensor();
    throw Error(::ember::detail::concat(
        node->name(), ": trying to backward through the graph a second time (or directly access "
                      "saved tensors after they have already been freed). Saved intermediate "
                      "values of the graph are freed when you call backward() or autograd::grad(). "
                      "Specify retain_graph=true if you need to backward through the graph a "
                      "second time."));
  }
  uint32_t version = data_._version();
  EMBER_CHECK(version == saved_version_,
              "one of the variables needed for gradient computation has been modified by an "
              "inplace operation: [",
              node->name(), "] needs a tensor of shape ", data_.sizes(), " that is at version ",
              version, "; expected version ", saved_version_,
              " instead. Hint: use .clone() before modifying it in place.");
  if (!is_output_ || !output_requires_grad_)
    return data_;
  Tensor output = data_.detach();
  auto &meta = output.impl()->ensure_autograd_meta();
  meta.grad_fn = node;
  meta.output_nr = output_nr_;
  return output;
}

} // namespace ember::autograd
