// SavedTensor: a tensor kept by a graph node for its backward, guarded by the version counter.
#pragma once

#include <memory>
#include <string>

#include "ember/tensor.h"

namespace ember::autograd {

class SavedTensor {
public:
  SavedTensor() = default;
  // is_output: the tensor is an output of the node that saves it. Such a tensor is kept without
  // its grad_fn (the node would own itself) and reattached to the node when unpacked.
  SavedTensor(const Tensor &tensor, bool is_output);

  // Returns the saved tensor, or throws if it was modified in place after being saved.
  // node is the saving node; op names it in the error.
  Tensor unpack(const std::shared_ptr<Node> &node) const;
  void reset() { data_ = Tensor(); }
  bool defined() const { return data_.defined() || was_undefined_; }

private:
  Tensor data_;
  uint32_t saved_version_ = 0;
  uint32_t output_nr_ = 0;
  bool is_output_ = false;
  bool output_requires_grad_ = false;
  bool was_undefined_ = false;
};

} // namespace ember::autograd
