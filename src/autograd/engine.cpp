// The backward engine: walks the graph from the outputs in dependency order, runs each node's
// backward once all gradients for it have arrived, reduces broadcast gradients to the input's
// shape (the one place broadcasting is undone), and accumulates into leaves or captures the
// gradients asked for by autograd::grad.
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "autograd/accumulate_grad.h"
#include "autograd/record.h"
#include "ember/ops.h"

namespace ember::autograd {

AccumulateGrad::AccumulateGrad(Tensor variable) : variable(std::move(variable)) {}

static Tensor run_hooks(
    const std::vector<std::pair<size_t, std::function<Tensor(const Tensor &)>>> &hooks,
    Tensor grad) {
  for (const auto &[handle, hook] : hooks) {
    Tensor replaced = hook(grad);
    if (replaced.defined())
      grad = std::move(replaced);
  }
  return grad;
}

// Adds grad into slot (a leaf's or a retained tensor's .grad), the way torch does: the first
// gradient is stored as is when nothing else can see it, later ones are added in place, or out
// of place when the graph of the gradient itself is being recorded (create_graph).
static void accumulate_into(Tensor &slot, const Tensor &grad) {
  if (!slot.defined()) {
    bool sole_owner = grad.use_count() == 1 && grad.impl()->storage().use_count() == 1 &&
                      grad.is_contiguous() && !grad.impl()->is_view();
    if (is_grad_enabled())
      slot = grad;
    else
      slot = sole_owner ? grad.detach() : grad.detach().clone();
  } else if (is_grad_enabled()) {
    slot = slot + grad;
  } else {
    slot.add_(grad);
  }
}

TensorList AccumulateGrad::apply(TensorList &&grad_outputs) {
  Tensor grad = std::move(grad_outputs[0]);
  if (!grad.defined())
    return {};
  auto &meta = variable.impl()->ensure_autograd_meta();
  grad = run_hooks(meta.leaf_hooks, std::move(grad));
  accumulate_into(meta.grad, grad);
  return {};
}

namespace {

// Gradients arriving at one node, one slot per forward output.
using InputBuffer = TensorList;

void add_to_buffer(InputBuffer &buffer, size_t slot, Tensor grad) {
  if (!buffer[slot].defined())
    buffer[slot] = std::move(grad);
  else
    buffer[slot] = buffer[slot] + grad;
}

// Brings a gradient produced for input `index` of node to the input's shape and dtype.
Tensor validate_gradient(const Node &node, size_t index, Tensor grad) {
  const TensorMeta &meta = node.input_meta[index];
  if (grad.sizes() != meta.sizes) {
    Shape broadcast = grad.sizes();
    bool reducible = broadcast.size() >= meta.sizes.size();
    for (size_t i = 0; reducible && i < meta.sizes.size(); ++i) {
      int64_t size = meta.sizes[meta.sizes.size() - 1 - i];
      reducible = size == 1 || size == broadcast[broadcast.size() - 1 - i];
    }
    EMBER_CHECK(reducible, "Function ", node.name(), " returned an invalid gradient at index ",
                index, " - got ", grad.sizes(), " but expected shape compatible with ",
                meta.sizes);
    grad = sum_to(grad, meta.sizes);
  }
  if (grad.dtype() != meta.dtype)
    grad = grad.to(meta.dtype);
  return grad;
}

void check_anomaly(const Node &node, const TensorList &grads) {
  for (size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined() || !grads[i].is_floating_point())
      continue;
    NoGradGuard no_grad;
    EMBER_CHECK(!isnan(grads[i]).any().item<bool>(), "Function '", node.name(),
                "' returned nan values in its ", i, "th output.");
    EMBER_CHECK(isfinite(grads[i]).all().item<bool>(), "Function '", node.name(),
                "' returned inf values in its ", i, "th output.");
  }
}

struct LaterFirst {
  bool operator()(const Node *a, const Node *b) const { return a->sequence_nr < b->sequence_nr; }
};

class GraphTask {
public:
  GraphTask(bool keep_graph, bool accumulate) : keep_graph_(keep_graph), accumulate_(accumulate) {}

  // Marks node.input_nr's gradient for capture into captured[index].
  void capture(const Edge &edge, size_t index) {
    captures_[edge.fn.get()].emplace_back(edge.input_nr, index);
  }

  TensorList run(const std::vector<Edge> &roots, TensorList root_grads, size_t num_captures) {
    captured_.assign(num_captures, Tensor());
    count_dependencies(roots);
    if (!captures_.empty())
      mark_needed(roots);
    std::unordered_set<Node *> started;
    for (size_t i = 0; i < roots.size(); ++i) {
      deliver(roots[i], std::move(root_grads[i]));
      Node *root = roots[i].fn.get();
      if (root && dependencies_[root] == 0 && started.insert(root).second)
        ready_.push(root);
    }
    while (!ready_.empty()) {
      Node *node = ready_.top();
      ready_.pop();
      execute(*node);
    }
    return std::move(captured_);
  }

private:
  void count_dependencies(const std::vector<Edge> &roots) {
    std::vector<Node *> stack;
    for (const Edge &root : roots)
      if (root.valid() && seen_.insert(root.fn.get()).second)
        stack.push_back(root.fn.get());
    while (!stack.empty()) {
      Node *node = stack.back();
      stack.pop_back();
      for (const Edge &edge : node->next_edges) {
        if (!edge.valid())
          continue;
        ++dependencies_[edge.fn.get()];
        if (seen_.insert(edge.fn.get()).second)
          stack.push_back(edge.fn.get());
      }
    }
  }

  // With captures, only nodes on a path to a captured gradient run (autograd::grad semantics).
  void mark_needed(const std::vector<Edge> &roots) {
    std::unordered_map<Node *, bool> memo;
    std::function<bool(Node *)> visit = [&](Node *node) -> bool {
      if (auto found = memo.find(node); found != memo.end())
        return found->second;
      memo[node] = false; // graphs are acyclic; this only guards repeated visits
      bool needed = accumulate_ && captures_.count(node) && dynamic_cast<AccumulateGrad *>(node);
      for (const Edge &edge : node->next_edges)
        if (edge.valid()) {
          bool child_needed = visit(edge.fn.get());
          needed = needed || child_needed || captures_.count(edge.fn.get());
        }
      memo[node] = needed;
      if (needed)
        needed_.insert(node);
      return needed;
    };
    for (const Edge &root : roots)
      if (root.valid())
        visit(root.fn.get());
    filter_by_need_ = true;
  }

  void deliver(const Edge &edge, Tensor grad) {
    if (!edge.valid())
      return;
    Node *target = edge.fn.get();
    auto &buffer = buffers_[target];
    if (buffer.empty())
      buffer.resize(std::max<size_t>(target->output_meta.size(), edge.input_nr + 1));
    if (grad.defined())
      add_to_buffer(buffer, edge.input_nr, std::move(grad));
  }

  void release_to_children(Node &node) {
    for (const Edge &edge : node.next_edges)
      if (edge.valid() && --dependencies_[edge.fn.get()] == 0)
        ready_.push(edge.fn.get());
  }

  void execute(Node &node) {
    TensorList grads = std::move(buffers_[&node]);
    buffers_.erase(&node);
    grads.resize(std::max(grads.size(), node.output_meta.size()));

    for (auto &[output, hooks] : node.output_hooks)
      if (output < grads.size() && grads[output].defined())
        grads[output] = run_hooks(hooks, std::move(grads[output]));
    for (auto &[output, weak_tensor] : node.retained_outputs)
      if (auto tensor = weak_tensor.lock(); tensor && output < grads.size() && grads[output].defined()) {
        auto &slot = tensor->ensure_autograd_meta().grad;
        accumulate_into(slot, grads[output]);
      }
    if (auto found = captures_.find(&node); found != captures_.end())
      for (auto [slot, index] : found->second)
        if (slot < grads.size() && grads[slot].defined())
          captured_[index] = captured_[index].defined() ? captured_[index] + grads[slot] : grads[slot];

    bool run_node = !filter_by_need_ || needed_.count(&node);
    bool any_grad = false;
    for (const Tensor &grad : grads)
      any_grad = any_grad || grad.defined();
    if (run_node && any_grad) {
      for (size_t i = 0; i < grads.size(); ++i)
        if (!grads[i].defined() && i < node.output_meta.size())
          grads[i] = zeros(node.output_meta[i].sizes, dtype(node.output_meta[i].dtype));
      TensorList input_grads = node.apply(std::move(grads));
      if (!dynamic_cast<AccumulateGrad *>(&node)) {
        EMBER_CHECK(input_grads.size() == node.next_edges.size(), "Function ", node.name(),
                    " returned an incorrect number of gradients (expected ",
                    node.next_edges.size(), ", got ", input_grads.size(), ")");
        if (is_anomaly_enabled())
          check_anomaly(node, input_grads);
        for (size_t i = 0; i < input_grads.size(); ++i) {
          const Edge &edge = node.next_edges[i];
          if (!edge.valid() || !input_grads[i].defined())
            continue;
          deliver(edge, validate_gradient(node, i, std::move(input_grads[i])));
        }
      }
      if (!keep_graph_)
        node.release_variables();
    }
    release_to_children(node);
  }

  bool keep_graph_;
  bool accumulate_;
  bool filter_by_need_ = false;
  std::unordered_set<Node *> seen_;
  std::unordered_set<Node *> needed_;
  std::unordered_map<Node *, int64_t> dependencies_;
  std::unordered_map<Node *, InputBuffer> buffers_;
  std::unordered_map<Node *, std::vector<std::pair<uint32_t, size_t>>> captures_;
  std::priority_queue<Node *, std::vector<Node *>, LaterFirst> ready_;
  TensorList captured_;
};

// Checks the roots and builds their initial gradients (ones for one-element outputs).
TensorList root_gradients(const TensorList &outputs, const TensorList &grad_outputs,
                          const char *op) {
  EMBER_CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(), op, ": got ",
              outputs.size(), " outputs but ", grad_outputs.size(), " gradients");
  TensorList grads;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor &output = outputs[i];
    EMBER_CHECK(output.defined(), op, ": output ", i, " is undefined");
    EMBER_CHECK(output.requires_grad(), op, ": element ", i,
                " of tensors does not require grad and does not have a grad_fn");
    Tensor grad = grad_outputs.empty() ? Tensor() : grad_outputs[i];
    if (!grad.defined()) {
      EMBER_CHECK(output.numel() == 1, op,
                  ": grad can be implicitly created only for scalar outputs (output ", i,
                  " has shape ", output.sizes(), ")");
      grad = ones_like(output);
    } else {
      EMBER_CHECK(grad.sizes() == output.sizes(), op, ": mismatch in shape: grad_output[", i,
                  "] has a shape of ", grad.sizes(), " and output[", i, "] has a shape of ",
                  output.sizes());
    }
    grads.push_back(std::move(grad));
  }
  return grads;
}

TensorList run_backward(const TensorList &outputs, const TensorList &grad_outputs,
                        bool keep_graph, bool create_graph, const TensorList &inputs,
                        bool accumulate, const char *op) {
  TensorList grads = root_gradients(outputs, grad_outputs, op);
  std::vector<Edge> roots;
  for (const Tensor &output : outputs)
    roots.push_back(gradient_edge(output));
  GraphTask task(keep_graph, accumulate);
  for (size_t i = 0; i < inputs.size(); ++i) {
    EMBER_CHECK(inputs[i].defined() && inputs[i].requires_grad(), op, ": input ", i,
                " does not require grad");
    task.capture(gradient_edge(inputs[i]), i);
  }
  AutoGradMode grad_mode(create_graph);
  return task.run(roots, std::move(grads), inputs.size());
}

} // namespace

void backward(const TensorList &outputs, const TensorList &grad_outputs,
              std::optional<bool> retain_graph, bool create_graph, const TensorList &inputs) {
  bool keep_graph = retain_graph.value_or(create_graph);
  TensorList captured =
      run_backward(outputs, grad_outputs, keep_graph, create_graph, inputs, true, "backward");
  // Leaves among inputs were accumulated by their AccumulateGrad; non-leaves get .grad here.
  AutoGradMode grad_mode(create_graph);
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!inputs[i].is_leaf() && captured[i].defined())
      accumulate_into(inputs[i].impl()->ensure_autograd_meta().grad, captured[i]);
}

TensorList grad(const TensorList &outputs, const TensorList &inputs,
                const TensorList &grad_outputs, std::optional<bool> retain_graph,
                bool create_graph, bool allow_unused) {
  EMBER_CHECK(!inputs.empty(), "grad: requires at least one input");
  bool keep_graph = retain_graph.value_or(create_graph);
  TensorList captured =
      run_backward(outputs, grad_outputs, keep_graph, create_graph, inputs, false, "grad");
  for (size_t i = 0; i < captured.size(); ++i)
    EMBER_CHECK(allow_unused || captured[i].defined(), "grad: one of the differentiated Tensors "
                "(input ", i, ", shape ", inputs[i].sizes(), ") appears to not have been used in "
                "the graph. Set allow_unused=true if this is the desired behavior.");
  return captured;
}

} // namespace ember::autograd

namespace ember {

void Tensor::backward(const Tensor &gradient, std::optional<bool> retain_graph, bool create_graph,
                      const TensorList &inputs) const {
  autograd::backward({*this}, {gradient}, retain_graph, create_graph, inputs);
}

} // namespace ember
