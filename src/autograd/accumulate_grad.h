// AccumulateGrad: the node at a leaf tensor that adds incoming gradients into leaf.grad.
// It keeps no input or output metadata: it is created for every graph that uses a leaf, and the
// node delivering a gradient here has already brought it to the leaf's shape and dtype.
#pragma once

#include "ember/autograd.h"

namespace ember::autograd {

class AccumulateGrad : public Node {
public:
  explicit AccumulateGrad(Tensor variable);
  TensorList apply(TensorList &&grad_outputs) override;
  std::string name() const override { return "AccumulateGrad"; }

  Tensor variable;
};

} // namespace ember::autograd
