// AccumulateGrad: the node at a leaf tensor that adds incoming gradients into leaf.grad.
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
