// Recording the graph: FunctionNode, leaf accumulators, connecting nodes to tensors, in-place
// history rewriting, tensor hooks and custom-function bookkeeping.
#include "autograd/record.h"

#include <atomic>

#include "autograd/accumulate_grad.h"
#include "ember/ops.h"

namespace ember::autograd {

TensorList FunctionNode::apply(TensorList &&grad_outputs) {
  if (released_)
    throw Error(::ember::detail::concat(name_, ": trying to backward through the graph a second time. "
                                      "Saved intermediate values of the graph are freed when you "
                                      "call backward() or autograd::grad(); specify "
                                      "retain_graph=true to backward through it again."));
  BackwardContext context;
  auto self = shared_from_this();
  context.saved.reserve(saved.size());
  for (const SavedTensor &tensor : saved)
    context.saved.push_back(tensor.unpack(self));
  context.needs_input_grad.reserve(next_edges.size());
  for (const Edge &edge : next_edges)
    context.needs_input_grad.push_back(edge.valid());
  return backward_(context, grad_outputs);
}

void FunctionNode::release_variables() {
  if (saved.empty())
    return;
  saved.clear();
  released_ = true;
}

bool needs_grad(const TensorList &inputs) {
  if (!is_grad_enabled())
    return false;
  for (const Tensor &input : inputs)
    if (input.defined() && input.requires_grad())
      return true;
  return false;
}

static std::shared_ptr<Node> grad_accumulator(const Tensor &leaf) {
  auto &meta = leaf.impl()->ensure_autograd_meta();
  if (auto existing = meta.grad_accumulator.lock())
    return existing;
  auto accumulator = std::make_shared<AccumulateGrad>(leaf);
  meta.grad_accumulator = accumulator;
  return accumulator;
}

Edge gradient_edge(const Tensor &tensor) {
  if (!tensor.defined() || !tensor.requires_grad())
    return {};
  if (const auto &fn = tensor.grad_fn())
    return {fn, tensor.output_nr()};
  return {grad_accumulator(tensor), 0};
}

void connect(Node &node, const std::shared_ptr<Node> &node_ptr, TensorListRef inputs,
             TensorListRef outputs) {
  node.next_edges.reserve(inputs.size());
  node.input_meta.reserve(inputs.size());
  for (const Tensor &input : inputs) {
    node.next_edges.push_back(gradient_edge(input));
    node.input_meta.push_back(input.defined() ? TensorMeta{input.sizes(), input.dtype()}
                                              : TensorMeta{});
  }
  node.output_meta.reserve(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor &output = outputs[i];
    node.output_meta.push_back({output.sizes(), output.dtype()});
    auto &meta = output.impl()->ensure_autograd_meta();
    meta.grad_fn = node_ptr;
    meta.output_nr = static_cast<uint32_t>(i);
  }
}

void record(std::string name, TensorListRef inputs, TensorListRef outputs, TensorListRef saved,
            BackwardFn fn) {
  auto node = std::make_shared<FunctionNode>(std::move(name), std::move(fn));
  connect(*node, node, inputs, outputs);
  node->saved.reserve(saved.size());
  for (const Tensor &tensor : saved) {
    bool is_output = false;
    for (const Tensor &output : outputs)
      is_output = is_output || (tensor.defined() && tensor.is_same(output));
    node->saved.emplace_back(tensor, is_output);
  }
}

// An in-place op on a view changes its base too: the base's new value is its old value with the
// view's region replaced by the op's result, which is what its history becomes; the view's new
// history is the same view taken of the base's new history.
static Tensor &apply_inplace_on_view(Tensor &self, const char *op,
                                     const std::function<Tensor(const Tensor &)> &compute) {
  Tensor base(self.impl()->view_base);
  EMBER_CHECK(!(base.is_leaf() && base.requires_grad()), op,
              ": a view of a leaf Variable that requires grad is being used in an in-place "
              "operation.");
  EMBER_CHECK(base.is_contiguous(), op, ": in-place operation on a view of a non-contiguous tensor "
              "(shape ", base.sizes(), ", strides ", base.strides(), ") cannot be differentiated");
  const Shape sizes = self.sizes(), strides = self.strides();
  const int64_t offset = self.storage_offset();
  Tensor old_region = base.as_strided(sizes, strides, offset).clone();
  Tensor new_base = replace_view_region(base, compute(old_region), sizes, strides,
                                        offset - base.storage_offset());
  {
    NoGradGuard no_grad;
    base.copy_(new_base);
  }
  auto &base_meta = base.impl()->ensure_autograd_meta();
  base_meta.grad_fn = new_base.grad_fn();
  base_meta.output_nr = new_base.output_nr();
  Tensor new_view = base.as_strided(sizes, strides, offset);
  auto &view_meta = self.impl()->ensure_autograd_meta();
  view_meta.grad_fn = new_view.grad_fn();
  view_meta.output_nr = new_view.output_nr();
  return self;
}

Tensor &apply_inplace(Tensor &self, const char *op,
                      const std::function<Tensor(const Tensor &self_value)> &compute) {
  EMBER_CHECK(!(self.is_leaf() && self.requires_grad()), op,
              ": a leaf Variable that requires grad is being used in an in-place operation.");
  if (self.impl()->is_view())
    return apply_inplace_on_view(self, op, compute);
  // The op's backward may need self's old value: give it a copy, so overwriting self's memory
  // below cannot invalidate what the new node saved.
  Tensor old_value = self.clone();
  Tensor result = compute(old_value);
  {
    NoGradGuard no_grad;
    self.copy_(result);
  }
  auto &meta = self.impl()->ensure_autograd_meta();
  meta.grad_fn = result.grad_fn();
  meta.output_nr = result.output_nr();
  // The node's output is now self.
  return self;
}

// ---- tensor hooks ------------------------------------------------------------------------------
namespace {
std::atomic<size_t> next_hook_handle{1};
} // namespace

} // namespace ember::autograd

namespace ember {

size_t Tensor::register_hook(std::function<Tensor(const Tensor &)> hook) const {
  EMBER_CHECK(requires_grad(),
              "register_hook: cannot register a hook on a tensor that doesn't require gradient");
  size_t handle = autograd::next_hook_handle.fetch_add(1);
  if (const auto &fn = grad_fn())
    fn->output_hooks[output_nr()].emplace_back(handle, std::move(hook));
  else
    impl()->ensure_autograd_meta().leaf_hooks.emplace_back(handle, std::move(hook));
  return handle;
}

void Tensor::remove_hook(size_t handle) const {
  auto erase_from = [handle](auto &hooks) {
    std::erase_if(hooks, [handle](const auto &entry) { return entry.first == handle; });
  };
  if (auto *meta = impl()->autograd_meta())
    erase_from(meta->leaf_hooks);
  if (const auto &fn = grad_fn())
    for (auto &[output, hooks] : fn->output_hooks)
      erase_from(hooks);
}

void Tensor::retain_grad() const {
  EMBER_CHECK(requires_grad(),
              "retain_grad: can't retain_grad on a tensor that has requires_grad=False");
  if (is_leaf())
    return;
  grad_fn()->retained_outputs[output_nr()] = impl_ptr();
  impl()->ensure_autograd_meta().retains_grad = true;
}

bool Tensor::retains_grad() const {
  auto *meta = impl()->autograd_meta();
  return meta && meta->retains_grad;
}

} // namespace ember

namespace ember::autograd {

// ---- custom functions ----------------------------------------------------------------------------
void CustomFunctionAccess::save(AutogradContext &ctx, const TensorList &outputs) {
  for (const Tensor &tensor : ctx.to_save_) {
    bool is_output = false;
    for (const Tensor &output : outputs)
      is_output = is_output || (tensor.defined() && tensor.is_same(output));
    ctx.saved_.emplace_back(tensor, is_output);
  }
  ctx.to_save_.clear();
}

TensorList AutogradContext::get_saved_variables() const {
  if (!to_save_.empty()) // not recorded (no input required grad): hand back what was stashed
    return to_save_;
  auto node = node_.lock();
  TensorList tensors;
  for (const SavedTensor &saved : saved_)
    tensors.push_back(saved.unpack(node));
  return tensors;
}

void AutogradContext::mark_non_differentiable(const TensorList &outputs) {
  for (const Tensor &output : outputs)
    non_differentiable_.push_back(output.impl());
}

} // namespace ember::autograd
