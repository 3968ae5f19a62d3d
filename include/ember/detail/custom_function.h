// The machinery behind autograd::Function<T>::apply (included at the end of ember/autograd.h).
#pragma once

#include <algorithm>
#include <type_traits>
#include <utility>

namespace ember::autograd {

// Connects a node to its inputs (edges) and outputs (grad_fn); defined in src/autograd/record.cpp.
void connect(Node &node, const std::shared_ptr<Node> &node_ptr, TensorListRef inputs,
             TensorListRef outputs);
bool needs_grad(const TensorList &inputs);

template <typename T> class CustomFunctionNode : public Node {
public:
  TensorList apply(TensorList &&grad_outputs) override;
  std::string name() const override { return "CustomFunctionBackward"; }
  void release_variables() override;
  AutogradContext ctx;
};

struct CustomFunctionAccess {
  static void prepare(AutogradContext &ctx, const std::shared_ptr<Node> &node,
                      std::vector<bool> needs_input_grad) {
    ctx.node_ = node;
    ctx.needs_input_grad_ = std::move(needs_input_grad);
  }
  // Saves ctx's tensors once the outputs are known (so saved outputs are recognized as such).
  static void save(AutogradContext &ctx, const TensorList &outputs);
  static const std::vector<const TensorImpl *> &non_differentiable(const AutogradContext &ctx) {
    return ctx.non_differentiable_;
  }
  static void release(AutogradContext &ctx) { ctx.saved_.clear(); }
};

template <typename T> TensorList CustomFunctionNode<T>::apply(TensorList &&grad_outputs) {
  return T::backward(&ctx, std::move(grad_outputs));
}

template <typename T> void CustomFunctionNode<T>::release_variables() {
  CustomFunctionAccess::release(ctx);
}

namespace detail {
inline void collect_tensor_args(TensorList &) {}
template <typename First, typename... Rest>
void collect_tensor_args(TensorList &out, First &&first, Rest &&...rest) {
  if constexpr (std::is_same_v<std::decay_t<First>, Tensor>)
    out.push_back(first);
  collect_tensor_args(out, std::forward<Rest>(rest)...);
}
} // namespace detail

template <typename T> template <typename... Args> auto Function<T>::apply(Args &&...args) {
  TensorList inputs;
  detail::collect_tensor_args(inputs, args...);
  auto node = std::make_shared<CustomFunctionNode<T>>();
  std::vector<bool> needs_input_grad;
  for (const Tensor &input : inputs)
    needs_input_grad.push_back(input.defined() && input.requires_grad());
  CustomFunctionAccess::prepare(node->ctx, node, needs_input_grad);
  bool recording = needs_grad(inputs);

  using Result = decltype(T::forward(&node->ctx, std::forward<Args>(args)...));
  Result result = [&] {
    NoGradGuard no_grad;
    return T::forward(&node->ctx, std::forward<Args>(args)...);
  }();
  TensorList outputs;
  if constexpr (std::is_same_v<Result, Tensor>)
    outputs = {result};
  else
    outputs = result;

  if (recording) {
    connect(*node, node, inputs, outputs);
    const auto &excluded = CustomFunctionAccess::non_differentiable(node->ctx);
    for (Tensor &output : outputs)
      if (std::find(excluded.begin(), excluded.end(), output.impl()) != excluded.end())
        output.detach_();
    CustomFunctionAccess::save(node->ctx, outputs);
  }
  return result;
}

} // namespace ember::autograd
