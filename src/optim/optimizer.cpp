// The optimizer base: parameter groups, the step loop over parameters with gradients, zero_grad,
// state_dict / load_state_dict, and the by-name access to options (StateFields).
#include "ember/optim/optimizer.h"

#include <algorithm>
#include <set>

#include "ember/autograd.h"
#include "ember/ops.h"

namespace ember::optim {

// ---- StateFields
// ---------------------------------------------------------------------------------

namespace {

template <typename T> const T &value_as(const StateValue &value, const std::string &name) {
  const T *typed = std::get_if<T>(&value);
  EMBER_CHECK(typed != nullptr, "load_state_dict: entry '", name, "' has the wrong type");
  return *typed;
}

// Numbers may arrive as int64 or double (a JSON reader cannot tell 1.0 from 1).
double number_of(const StateValue &value, const std::string &name) {
  if (const int64_t *integer = std::get_if<int64_t>(&value))
    return static_cast<double>(*integer);
  return value_as<double>(value, name);
}

} // namespace

const StateValue *StateFields::find(const std::string &name) const {
  auto it = in_->find(name);
  return it == in_->end() ? nullptr : &it->second;
}

void StateFields::operator()(const std::string &name, bool &field) {
  if (out_)
    (*out_)[name] = field;
  else if (const StateValue *value = find(name))
    field = value_as<bool>(*value, name);
}

void StateFields::operator()(const std::string &name, int64_t &field) {
  if (out_)
    (*out_)[name] = field;
  else if (const StateValue *value = find(name))
    field = static_cast<int64_t>(number_of(*value, name));
}

void StateFields::operator()(const std::string &name, double &field) {
  if (out_)
    (*out_)[name] = field;
  else if (const StateValue *value = find(name))
    field = number_of(*value, name);
}

void StateFields::operator()(const std::string &name, std::string &field) {
  if (out_)
    (*out_)[name] = field;
  else if (const StateValue *value = find(name))
    field = value_as<std::string>(*value, name);
}

void StateFields::operator()(const std::string &name, std::vector<double> &field) {
  if (out_)
    (*out_)[name] = field;
  else if (const StateValue *value = find(name))
    field = value_as<std::vector<double>>(*value, name);
}

void StateFields::operator()(const std::string &name, std::tuple<double, double> &field) {
  if (out_) {
    (*out_)[name] = std::vector<double>{std::get<0>(field), std::get<1>(field)};
  } else if (const StateValue *value = find(name)) {
    const auto &pair = value_as<std::vector<double>>(*value, name);
    EMBER_CHECK(pair.size() == 2, "load_state_dict: entry '", name, "' must hold 2 numbers, got ",
                pair.size());
    field = {pair[0], pair[1]};
  }
}

void StateFields::operator()(const std::string &name, std::optional<int64_t> &field) {
  if (out_) {
    if (field)
      (*out_)[name] = *field;
  } else if (const StateValue *value = find(name)) {
    field = static_cast<int64_t>(number_of(*value, name));
  }
}

void StateFields::operator()(const std::string &name, std::optional<std::string> &field) {
  if (out_) {
    (*out_)[name] = field.value_or("");
  } else if (const StateValue *value = find(name)) {
    const auto &text = value_as<std::string>(*value, name);
    field = text.empty() ? std::nullopt : std::optional<std::string>(text);
  }
}

// ---- OptimizerOptions
// ------------------------------------------------------------------------------

StateDict OptimizerOptions::to_dict() const {
  StateDict values;
  StateFields writer = StateFields::writer(values);
  // fields() is not const because the same list also loads; a copy keeps this object untouched.
  clone()->fields(writer);
  return values;
}

void OptimizerOptions::from_dict(const StateDict &values) {
  StateFields reader = StateFields::reader(values);
  fields(reader);
}

bool OptimizerOptions::has(const std::string &name) const { return to_dict().contains(name); }

StateValue OptimizerOptions::get(const std::string &name) const {
  StateDict values = to_dict();
  auto it = values.find(name);
  EMBER_CHECK(it != values.end(), "optimizer options have no option named '", name, "'");
  return it->second;
}

void OptimizerOptions::set(const std::string &name, const StateValue &value) {
  EMBER_CHECK(has(name), "optimizer options have no option named '", name, "'");
  from_dict({{name, value}});
}

// ---- ParamGroup
// ------------------------------------------------------------------------------------

ParamGroup::ParamGroup(const ParamGroup &other)
    : initial_lr(other.initial_lr), params_(other.params_),
      options_(other.options_ ? other.options_->clone() : nullptr) {}

ParamGroup &ParamGroup::operator=(const ParamGroup &other) {
  if (this != &other) {
    params_ = other.params_;
    options_ = other.options_ ? other.options_->clone() : nullptr;
    initial_lr = other.initial_lr;
  }
  return *this;
}

OptimizerOptions &ParamGroup::options() {
  EMBER_CHECK(options_ != nullptr, "ParamGroup: the group has no options yet");
  return *options_;
}

const OptimizerOptions &ParamGroup::options() const {
  EMBER_CHECK(options_ != nullptr, "ParamGroup: the group has no options yet");
  return *options_;
}

// ---- Optimizer
// -------------------------------------------------------------------------------------

Optimizer::Optimizer(std::vector<ParamGroup> param_groups,
                     std::unique_ptr<OptimizerOptions> defaults)
    : defaults_(std::move(defaults)) {
  const bool any_param =
      std::any_of(param_groups.begin(), param_groups.end(),
                  [](const ParamGroup &group) { return !group.params().empty(); });
  EMBER_CHECK(any_param, "optimizer got an empty parameter list");
  for (ParamGroup &group : param_groups)
    add_param_group(std::move(group));
}

void Optimizer::add_param_group(ParamGroup param_group) {
  for (const Tensor &param : param_group.params()) {
    EMBER_CHECK(param.defined(), "optimizer can only optimize defined tensors");
    EMBER_CHECK(param.is_leaf(), "optimizer can't optimize a non-leaf Tensor");
  }
  std::set<const TensorImpl *> seen;
  for (const Tensor &param : param_group.params())
    EMBER_CHECK(seen.insert(param.impl()).second,
                "optimizer parameter group contains the same parameter twice");
  for (const ParamGroup &group : param_groups_)
    for (const Tensor &param : group.params())
      EMBER_CHECK(!seen.contains(param.impl()),
                  "some parameters appear in more than one parameter group");
  if (!param_group.has_options())
    param_group.set_options(defaults_->clone());
  param_groups_.push_back(std::move(param_group));
}

Tensor Optimizer::step(LossClosure closure) {
  Tensor loss;
  if (closure) {
    EnableGradGuard grad_mode;
    loss = closure();
  }
  NoGradGuard no_grad;
  for (ParamGroup &group : param_groups_)
    for (const Tensor &param : group.params())
      if (param.grad().defined())
        update(param, param.grad(), state_[param.impl()], group.options());
  return loss;
}

void Optimizer::zero_grad(bool set_to_none) {
  for (ParamGroup &group : param_groups_) {
    for (Tensor &param : group.params()) {
      if (!param.grad().defined())
        continue;
      if (set_to_none)
        param.mutable_grad() = Tensor();
      else
        param.mutable_grad().detach_().zero_();
    }
  }
}

OptimizerState Optimizer::state_dict() const {
  OptimizerState result;
  int64_t position = 0;
  for (const ParamGroup &group : param_groups_) {
    ParamGroupState saved;
    saved.options = group.options().to_dict();
    if (group.initial_lr)
      saved.options["initial_lr"] = *group.initial_lr;
    for (const Tensor &param : group.params()) {
      auto it = state_.find(param.impl());
      if (it != state_.end())
        result.state[position] = it->second;
      saved.params.push_back(position++);
    }
    result.param_groups.push_back(std::move(saved));
  }
  return result;
}

void Optimizer::load_state_dict(const OptimizerState &state_dict) {
  EMBER_CHECK(state_dict.param_groups.size() == param_groups_.size(),
              "load_state_dict: loaded state dict has ", state_dict.param_groups.size(),
              " parameter groups but the optimizer has ", param_groups_.size());
  for (size_t i = 0; i < param_groups_.size(); ++i)
    EMBER_CHECK(state_dict.param_groups[i].params.size() == param_groups_[i].params().size(),
                "load_state_dict: loaded parameter group ", i, " has ",
                state_dict.param_groups[i].params.size(), " parameters but the optimizer's has ",
                param_groups_[i].params().size());
  std::unordered_map<const TensorImpl *, StateDict> new_state;
  for (size_t i = 0; i < param_groups_.size(); ++i) {
    const ParamGroupState &saved = state_dict.param_groups[i];
    ParamGroup &group = param_groups_[i];
    group.options().from_dict(saved.options);
    auto initial_lr = saved.options.find("initial_lr");
    group.initial_lr = initial_lr == saved.options.end()
                           ? std::nullopt
                           : std::optional<double>(number_of(initial_lr->second, "initial_lr"));
    for (size_t k = 0; k < saved.params.size(); ++k) {
      auto it = state_dict.state.find(saved.params[k]);
      if (it == state_dict.state.end())
        continue;
      const Tensor &param = group.params()[k];
      StateDict copy = it->second;
      // Copies, so that the source optimizer and this one do not share buffers. Floating state
      // follows the parameter's dtype, as torch casts it.
      for (auto &[name, value] : copy) {
        if (Tensor *tensor = std::get_if<Tensor>(&value)) {
          Tensor source = tensor->is_floating_point() && tensor->sizes() == param.sizes()
                              ? tensor->to(param.dtype())
                              : *tensor;
          *tensor = source.clone().contiguous();
        }
      }
      new_state[param.impl()] = std::move(copy);
    }
  }
  state_ = std::move(new_state);
}

} // namespace ember::optim
