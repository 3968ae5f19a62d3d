// How ops record themselves in the graph: one call after the forward computation,
//   if (autograd::needs_grad(a, b))
//     autograd::record("MulBackward", {a, b}, {out}, {a, b},
//                      [](const BackwardContext &ctx, const TensorList &grads) -> TensorList {
//                        return {grads[0] * ctx.saved[1], grads[0] * ctx.saved[0]};
//                      });
// Backward formulas use differentiable ember ops, so they can themselves be differentiated.
// Gradients may be returned in a broadcast shape: the engine reduces them to the input's shape.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ember/autograd.h"
#include "ember/detail/saved_tensor.h"

namespace ember::autograd {

struct BackwardContext {
  TensorList saved;                   // the tensors passed as `saved`, unpacked and version-checked
  std::vector<bool> needs_input_grad; // per forward input: is its gradient wanted?
  bool needs(size_t input) const { return needs_input_grad[input]; }
};

// Given the gradients of the outputs (zeros for outputs that got none), returns one gradient per
// forward input; an undefined tensor where none is needed.
using BackwardFn = std::function<TensorList(const BackwardContext &, const TensorList &)>;

// The node that every built-in op records.
class FunctionNode : public Node {
public:
  FunctionNode(std::string name, BackwardFn backward) : name_(std::move(name)), backward_(std::move(backward)) {}
  TensorList apply(TensorList &&grad_outputs) override;
  std::string name() const override { return name_; }
  void release_variables() override;

  std::vector<SavedTensor> saved;

private:
  std::string name_;
  BackwardFn backward_;
  bool released_ = false;
};

inline bool requires_grad_any() { return false; }
template <typename... Rest> bool requires_grad_any(const Tensor &first, const Rest &...rest) {
  return (first.defined() && first.requires_grad()) || requires_grad_any(rest...);
}

// Whether an op on these inputs must be recorded: grad mode is on and some input requires grad.
template <typename... Tensors> bool needs_grad(const Tensors &...inputs) {
  return is_grad_enabled() && requires_grad_any(inputs...);
}
bool needs_grad(const TensorList &inputs);

// The edge a gradient for tensor must follow: its grad_fn, or its leaf accumulator.
Edge gradient_edge(const Tensor &tensor);

// Records one node named name whose backward is fn, making outputs non-leaf tensors that
// require grad. saved may contain inputs and outputs.
void record(std::string name, TensorListRef inputs, TensorListRef outputs, TensorListRef saved,
            BackwardFn fn);

// Connects a freshly created node to inputs and outputs (shared by record and custom Functions).
void connect(Node &node, const std::shared_ptr<Node> &node_ptr, TensorListRef inputs,
             TensorListRef outputs);

// base (contiguous) with the elements of its view (sizes, strides, offset relative to base's
// first element) replaced by src; differentiable in base and src. Defined in src/ops/view.cpp.
Tensor replace_view_region(const Tensor &base, const Tensor &src, const Shape &sizes,
                           const Shape &strides, int64_t relative_offset);

// Runs an in-place op with autograd: compute() returns the out-of-place result; it is written
// into self and self takes over the result's history (for a view, its base's history is
// rewritten too). Errors (naming op) on leaves that require grad and views of such leaves.
Tensor &apply_inplace(Tensor &self, const char *op,
                      const std::function<Tensor(const Tensor &self_value)> &compute);

} // namespace ember::autograd
