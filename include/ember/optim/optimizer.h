// The optimizer base in libtorch's shape: parameter groups with per-group options, per-parameter
// state, step() with an optional loss closure, zero_grad, add_param_group, and state_dict /
// load_state_dict over a small serializable representation (OptimizerState).
//
// OptimizerState, the serialized form (torch's optimizer.state_dict()):
//   state         parameter position -> {name -> value}. A parameter's position counts over all
//                 groups in order, as torch's integer keys. Values are numbers ("step"), flags,
//                 strings, lists of numbers and tensors ("exp_avg", "momentum_buffer", ...).
//   param_groups  one per group: the positions of its parameters and its options by torch's names
//                 ("lr", "betas" as a list of two numbers, "momentum", ...), plus "initial_lr"
//                 once a scheduler has set it.
// A checkpoint writer can store every Tensor value under "state.<position>.<name>" in a
// safetensors file and everything else as JSON metadata; nothing else needs to be known.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "ember/tensor.h"

namespace ember::optim {

// (beta1, beta2) of the Adam family.
using Betas = std::tuple<double, double>;

// One serializable value of optimizer or scheduler state.
using StateValue = std::variant<bool, int64_t, double, std::string, std::vector<double>, Tensor>;
// Named values: an optimizer's per-parameter state, a group's options, a scheduler's state.
using StateDict = std::map<std::string, StateValue>;

struct ParamGroupState {
  std::vector<int64_t> params; // positions of the group's parameters
  StateDict options;
};

struct OptimizerState {
  std::map<int64_t, StateDict> state;
  std::vector<ParamGroupState> param_groups;
};

// Copies named fields between an object and a StateDict, so that one list of fields
// (an options class's or a scheduler's) serves saving, loading and lookup by name.
// When reading, names absent from the dict leave their field unchanged.
class StateFields {
public:
  static StateFields writer(StateDict &out) { return StateFields(&out, nullptr); }
  static StateFields reader(const StateDict &in) { return StateFields(nullptr, &in); }

  void operator()(const std::string &name, bool &field);
  void operator()(const std::string &name, int64_t &field);
  void operator()(const std::string &name, double &field);
  void operator()(const std::string &name, std::string &field);
  void operator()(const std::string &name, std::vector<double> &field);
  void operator()(const std::string &name, std::tuple<double, double> &field);
  // Absent from the dict when none.
  void operator()(const std::string &name, std::optional<int64_t> &field);
  // Stored as a string; the empty string means none.
  void operator()(const std::string &name, std::optional<std::string> &field);

private:
  StateFields(StateDict *out, const StateDict *in) : out_(out), in_(in) {}
  const StateValue *find(const std::string &name) const;
  StateDict *out_;
  const StateDict *in_;
};

// Declares an option with libtorch's accessors: options.lr(0.1) sets and returns the options
// (so setters chain), options.lr() reads, and the non-const options.lr() gives a reference.
#define EMBER_OPTIM_ARG(T, name)                                                                   \
public:                                                                                            \
  auto &name(const T &new_value) {                                                                 \
    name##_ = new_value;                                                                           \
    return *this;                                                                                  \
  }                                                                                                \
  const T &name() const noexcept { return name##_; }                                               \
  T &name() noexcept { return name##_; }                                                           \
                                                                                                   \
private:                                                                                           \
  T name##_

// The options of one parameter group. Each optimizer has its own class (SGDOptions, ...).
class OptimizerOptions {
public:
  virtual ~OptimizerOptions() = default;
  virtual std::unique_ptr<OptimizerOptions> clone() const = 0;
  virtual double get_lr() const = 0;
  virtual void set_lr(double lr) = 0;
  // Lists every option by torch's name; the basis of the by-name access below.
  virtual void fields(StateFields &fields) = 0;

  // Every option by name ("lr", "betas", ...), as in torch's param_group dict.
  StateDict to_dict() const;
  void from_dict(const StateDict &values);
  bool has(const std::string &name) const;
  StateValue get(const std::string &name) const;
  // Sets one option by name (schedulers cycle "momentum" or "betas" this way).
  void set(const std::string &name, const StateValue &value);
};

// clone/get_lr/set_lr for an options class with an lr() accessor.
template <typename Derived> class OptimizerCloneableOptions : public OptimizerOptions {
public:
  std::unique_ptr<OptimizerOptions> clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived &>(*this));
  }
  double get_lr() const override { return static_cast<const Derived &>(*this).lr(); }
  void set_lr(double lr) override { static_cast<Derived &>(*this).lr(lr); }
};

// A list of parameters with its own options. Without options it takes the optimizer's defaults.
class ParamGroup {
public:
  ParamGroup(std::vector<Tensor> params) : params_(std::move(params)) {}
  ParamGroup(std::vector<Tensor> params, std::unique_ptr<OptimizerOptions> options)
      : params_(std::move(params)), options_(std::move(options)) {}
  template <typename Options>
  requires std::is_base_of_v<OptimizerOptions, Options> ParamGroup(std::vector<Tensor> params,
                                                                   const Options &options)
      : params_(std::move(params)), options_(options.clone()) {}
  ParamGroup(const ParamGroup &other);
  ParamGroup &operator=(const ParamGroup &other);
  ParamGroup(ParamGroup &&) = default;
  ParamGroup &operator=(ParamGroup &&) = default;

  std::vector<Tensor> &params() { return params_; }
  const std::vector<Tensor> &params() const { return params_; }
  bool has_options() const { return options_ != nullptr; }
  OptimizerOptions &options();
  const OptimizerOptions &options() const;
  void set_options(std::unique_ptr<OptimizerOptions> options) { options_ = std::move(options); }
  // The lr a scheduler started from (torch's group['initial_lr']); set by the first scheduler.
  std::optional<double> initial_lr;

private:
  std::vector<Tensor> params_;
  std::unique_ptr<OptimizerOptions> options_;
};

class Optimizer {
public:
  // Re-evaluates the model and returns the loss; LBFGS needs it, the others accept it.
  using LossClosure = std::function<Tensor()>;

  Optimizer(std::vector<ParamGroup> param_groups, std::unique_ptr<OptimizerOptions> defaults);
  Optimizer(const Optimizer &) = delete;
  Optimizer &operator=(const Optimizer &) = delete;
  virtual ~Optimizer() = default;

  // One update of every parameter that has a gradient. Runs closure (with grad mode on) first
  // when given and returns its loss, or an undefined tensor.
  virtual Tensor step(LossClosure closure = nullptr);
  // Clears the gradients: drops them (set_to_none) or fills them with zeros.
  void zero_grad(bool set_to_none = true);
  // Adds a group; options it lacks come from the optimizer's defaults.
  void add_param_group(ParamGroup param_group);

  std::vector<ParamGroup> &param_groups() { return param_groups_; }
  const std::vector<ParamGroup> &param_groups() const { return param_groups_; }
  const OptimizerOptions &defaults() const { return *defaults_; }
  // The state of one parameter (created empty on first access).
  StateDict &state(const Tensor &param) { return state_[param.impl()]; }
  bool has_state(const Tensor &param) const { return state_.contains(param.impl()); }

  // The state tensors are shared, as in torch; load_state_dict copies them.
  OptimizerState state_dict() const;
  // Restores options and state saved from an optimizer with the same group sizes. State tensors
  // are copied and cast to their parameter's dtype.
  void load_state_dict(const OptimizerState &state_dict);

protected:
  // The update rule of one parameter with a gradient, under no-grad (see step()).
  virtual void update(const Tensor &param, const Tensor &grad, StateDict &state,
                      const OptimizerOptions &options) {}

private:
  std::vector<ParamGroup> param_groups_;
  std::unordered_map<const TensorImpl *, StateDict> state_;
  std::unique_ptr<OptimizerOptions> defaults_;
};

} // namespace ember::optim
