// Reverse-mode automatic differentiation: graph nodes, grad mode, backward and grad, custom
// Functions, anomaly mode and gradient checking.
#pragma once

#include <any>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ember/detail/saved_tensor.h"
#include "ember/tensor.h"

namespace ember {
namespace autograd {

// Where a gradient goes: input number input_nr of node fn.
struct Edge {
  std::shared_ptr<Node> fn;
  uint32_t input_nr = 0;
  bool valid() const { return fn != nullptr; }
};

// Shape and dtype of a tensor on one side of a node, kept so that gradients can be checked,
// reduced from a broadcast shape (sum_to) and materialized as zeros when missing.
struct TensorMeta {
  Shape sizes;
  DType dtype = kFloat32;
};

// A step of the recorded graph: given the gradients of its forward outputs, apply() returns the
// gradients of its forward inputs, in the order of next_edges.
class Node : public std::enable_shared_from_this<Node> {
public:
  Node();
  virtual ~Node() = default;
  virtual TensorList apply(TensorList &&grad_outputs) = 0;
  virtual std::string name() const = 0;
  // Drops saved tensors after a backward that did not retain the graph.
  virtual void release_variables() {}

  std::vector<Edge> next_edges;
  std::vector<TensorMeta> input_meta;  // one per next edge: the forward input's shape and dtype
  std::vector<TensorMeta> output_meta; // one per forward output
  // Creation order: the engine runs later nodes first when both are ready.
  uint64_t sequence_nr;
  // Hooks on the gradient of one forward output (registered through Tensor::register_hook).
  std::map<uint32_t, std::vector<std::pair<size_t, std::function<Tensor(const Tensor &)>>>>
      output_hooks;
  // Non-leaf tensors that asked for retain_grad(), by output number.
  std::map<uint32_t, std::weak_ptr<TensorImpl>> retained_outputs;
};

// Per-tensor autograd state, allocated only for tensors that meet autograd.
struct AutogradMeta {
  bool requires_grad = false;
  Tensor grad;
  std::shared_ptr<Node> grad_fn;
  uint32_t output_nr = 0;
  // The leaf's gradient accumulator, shared by all graphs that use the leaf.
  std::weak_ptr<Node> grad_accumulator;
  std::vector<std::pair<size_t, std::function<Tensor(const Tensor &)>>> leaf_hooks;
  bool retains_grad = false;
};

// ---- grad mode (thread-local) ------------------------------------------------------------------
bool is_grad_enabled();
void set_grad_enabled(bool enabled);

} // namespace autograd

// Disables recording in its scope: ember::NoGradGuard no_grad;
class NoGradGuard {
public:
  NoGradGuard() : previous_(autograd::is_grad_enabled()) { autograd::set_grad_enabled(false); }
  ~NoGradGuard() { autograd::set_grad_enabled(previous_); }
  NoGradGuard(const NoGradGuard &) = delete;
  NoGradGuard &operator=(const NoGradGuard &) = delete;

private:
  bool previous_;
};

// Enables (or sets) grad mode in its scope, e.g. inside a NoGradGuard.
class AutoGradMode {
public:
  explicit AutoGradMode(bool enabled) : previous_(autograd::is_grad_enabled()) {
    autograd::set_grad_enabled(enabled);
  }
  ~AutoGradMode() { autograd::set_grad_enabled(previous_); }
  AutoGradMode(const AutoGradMode &) = delete;
  AutoGradMode &operator=(const AutoGradMode &) = delete;

private:
  bool previous_;
};

class EnableGradGuard : public AutoGradMode {
public:
  EnableGradGuard() : AutoGradMode(true) {}
};

namespace autograd {

// Computes gradients of outputs with respect to the leaves and accumulates them into .grad.
// grad_outputs may be empty (or hold undefined tensors) for one-element outputs.
void backward(const TensorList &outputs, const TensorList &grad_outputs = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
              const TensorList &inputs = {});

// Returns the gradients of outputs with respect to inputs without touching .grad.
// An input the outputs do not depend on is an error unless allow_unused, where it gets an
// undefined tensor.
TensorList grad(const TensorList &outputs, const TensorList &inputs,
                const TensorList &grad_outputs = {}, std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false, bool allow_unused = false);

// ---- anomaly mode -------------------------------------------------------------------------------
// When on, backward checks every gradient a node produces and names the node that made NaN or inf.
bool is_anomaly_enabled();
void set_detect_anomaly(bool enabled);

class DetectAnomalyGuard {
public:
  DetectAnomalyGuard() : previous_(is_anomaly_enabled()) { set_detect_anomaly(true); }
  ~DetectAnomalyGuard() { set_detect_anomaly(previous_); }
  DetectAnomalyGuard(const DetectAnomalyGuard &) = delete;
  DetectAnomalyGuard &operator=(const DetectAnomalyGuard &) = delete;

private:
  bool previous_;
};

// ---- custom functions ---------------------------------------------------------------------------
// What a custom Function's forward may stash for its backward.
class AutogradContext {
public:
  // Tensors needed by backward; inputs and outputs alike are guarded by their version counter.
  void save_for_backward(TensorList tensors) { to_save_ = std::move(tensors); }
  TensorList get_saved_variables() const;
  // Outputs that get no gradient (indices, masks).
  void mark_non_differentiable(const TensorList &outputs);
  // Whether the gradient of forward input number i is needed.
  bool needs_input_grad(size_t i) const { return i < needs_input_grad_.size() && needs_input_grad_[i]; }
  // Free-form values for backward (sizes, flags): ctx->saved_data["dim"] = int64_t{1}.
  std::map<std::string, std::any> saved_data;

private:
  friend struct CustomFunctionAccess;
  TensorList to_save_;
  std::vector<SavedTensor> saved_;
  std::weak_ptr<Node> node_;
  std::vector<bool> needs_input_grad_;
  std::vector<const TensorImpl *> non_differentiable_;
};

// Runs forward without recording, then records one node whose backward is T::backward.
// T has a static forward(AutogradContext*, args...) returning a Tensor or TensorList, and a static
// TensorList backward(AutogradContext*, TensorList grad_outputs) returning one gradient per Tensor
// argument of forward, as in libtorch:
//   struct Square : ember::autograd::Function<Square> { ... };   Tensor y = Square::apply(x);
template <typename T> struct Function {
  template <typename... Args> static auto apply(Args &&...args);
};

// ---- gradient checking ----------------------------------------------------------------------------
struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
};

// Compares the analytical Jacobian of fn (from backward) with central finite differences, for
// every input that requires grad. Inputs should be float64. Throws ember::Error describing the
// first mismatch (output, input, element, both values); returns true otherwise.
bool gradcheck(const std::function<TensorList(const TensorList &)> &fn, const TensorList &inputs,
               GradcheckOptions options = {});
// The same for second derivatives: checks the gradient of the backward pass itself
// (with random grad_outputs) by finite differences.
bool gradgradcheck(const std::function<TensorList(const TensorList &)> &fn,
                   const TensorList &inputs, GradcheckOptions options = {});

} // namespace autograd
} // namespace ember

#include "ember/detail/custom_function.h"
