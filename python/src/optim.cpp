// ember._C._optim: one optimizer step over Python param_groups (lists of dicts) and per-parameter
// state dicts, running the C++ optimizers' fused per-parameter update kernels, and L-BFGS's step
// (ember::optim::LBFGS) driving a Python closure.
#include "casters.h"

#include "ember/optim.h"

namespace ember::python {

namespace {

using optim::OptimizerOptions;
using optim::StateDict;
using optim::StateValue;

// Reaches an optimizer's protected per-parameter update.
template <typename Optimizer, typename Options> struct Exposed : Optimizer {
  // The base class insists on a parameter; this instance only lends its update rule.
  Exposed() : Optimizer(std::vector<Tensor>{zeros({1})}, Options(0.0)) {}
  void run(const Tensor &param, const Tensor &grad, StateDict &state,
           const OptimizerOptions &options) {
    this->update(param, grad, state, options);
  }
};

struct Rule {
  std::function<std::unique_ptr<OptimizerOptions>()> make_options;
  std::function<void(const Tensor &, const Tensor &, StateDict &, const OptimizerOptions &)> update;
};

template <typename Optimizer, typename Options> Rule rule() {
  auto instance = std::make_shared<Exposed<Optimizer, Options>>();
  return {[] { return std::make_unique<Options>(0.0); },
          [instance](const Tensor &p, const Tensor &g, StateDict &s, const OptimizerOptions &o) {
            instance->run(p, g, s, o);
          }};
}

const Rule &rule_for(const std::string &name) {
  static const std::map<std::string, Rule> rules = {
      {"SGD", rule<optim::SGD, optim::SGDOptions>()},
      {"Adam", rule<optim::Adam, optim::AdamOptions>()},
      {"AdamW", rule<optim::AdamW, optim::AdamWOptions>()},
      {"RMSprop", rule<optim::RMSprop, optim::RMSpropOptions>()},
      {"Adagrad", rule<optim::Adagrad, optim::AdagradOptions>()},
      {"Adadelta", rule<optim::Adadelta, optim::AdadeltaOptions>()},
      {"Adamax", rule<optim::Adamax, optim::AdamaxOptions>()},
      {"NAdam", rule<optim::NAdam, optim::NAdamOptions>()},
      {"RAdam", rule<optim::RAdam, optim::RAdamOptions>()},
  };
  auto it = rules.find(name);
  EMBER_CHECK(it != rules.end(), "optimizer step: no fused update for '", name, "'");
  return it->second;
}

StateValue to_state_value(py::handle value, const std::string &key) {
  if (PyBool_Check(value.ptr()))
    return value.cast<bool>();
  if (PyLong_Check(value.ptr()))
    return value.cast<int64_t>();
  if (PyFloat_Check(value.ptr()))
    return value.cast<double>();
  if (PyUnicode_Check(value.ptr()))
    return value.cast<std::string>();
  if (const Tensor *t = as_tensor(value))
    return *t;
  if (value.is_none())
    return std::string();
  if (PyTuple_Check(value.ptr()) || PyList_Check(value.ptr()))
    return value.cast<std::vector<double>>();
  throw py::type_error("optimizer: option or state '" + key + "' has an unsupported type " +
                       py::str(value.get_type()).cast<std::string>());
}

py::object from_state_value(const StateValue &value) {
  return std::visit([](const auto &v) -> py::object { return py::cast(v); }, value);
}

StateDict to_state_dict(const py::dict &values) {
  StateDict out;
  for (auto [key, value] : values) {
    std::string name = key.cast<std::string>();
    if (name != "params")
      out.emplace(name, to_state_value(value, name));
  }
  return out;
}

// A parameter's state as the C++ rules keep it (empty before its first step).
StateDict load_state(const py::dict &state, py::handle param) {
  return state.contains(param) ? to_state_dict(py::reinterpret_borrow<py::dict>(state[param]))
                               : StateDict();
}

// Writes values into the parameter's Python state dict, in place as torch updates its state.
void store_state(py::dict &state, py::handle param, const StateDict &values) {
  py::dict param_state =
      state.contains(param) ? py::reinterpret_borrow<py::dict>(state[param]) : py::dict();
  for (const auto &[key, value] : values)
    param_state[py::str(key)] = from_state_value(value);
  state[param] = param_state;
}

void step(const std::string &name, const py::list &param_groups, py::dict state) {
  const Rule &rule = rule_for(name);
  NoGradGuard no_grad;
  for (py::handle group_handle : param_groups) {
    py::dict group = py::reinterpret_borrow<py::dict>(group_handle);
    auto options = rule.make_options();
    options->from_dict(to_state_dict(group));
    for (py::handle param : group["params"]) {
      const Tensor &p = *as_tensor(param);
      const Tensor &grad = p.grad();
      if (!grad.defined())
        continue;
      StateDict values = load_state(state, param);
      rule.update(p, grad, values, *options);
      store_state(state, param, values);
    }
  }
}

// One LBFGS.step(closure) over the single Python group. The C++ optimizer is rebuilt from the
// group's options each call and resumes from the state torch keeps on the first parameter; that
// state goes back into the Python dict. Returns closure's first result, as torch does.
py::object lbfgs_step(const py::dict &group, py::dict state, const py::function &closure) {
  py::list param_objects = group["params"];
  std::vector<Tensor> params;
  for (py::handle param : param_objects)
    params.push_back(*as_tensor(param));
  optim::LBFGSOptions options;
  options.from_dict(to_state_dict(group));
  optim::LBFGS lbfgs(params, options);
  py::handle first = param_objects[0];
  lbfgs.state(params[0]) = load_state(state, first);
  py::object orig_loss;
  lbfgs.step([&] {
    py::object loss = closure();
    if (!orig_loss)
      orig_loss = loss;
    return to_tensor_operand(loss, "LBFGS closure");
  });
  store_state(state, first, lbfgs.state(params[0]));
  return orig_loss;
}

} // namespace

void bind_optim(py::module_ &m) {
  py::module_ optim = m.def_submodule("_optim", "fused optimizer updates");
  optim.def("step", &step, py::arg("name"), py::arg("param_groups"), py::arg("state"));
  optim.def("lbfgs_step", &lbfgs_step, py::arg("group"), py::arg("state"), py::arg("closure"));
}

} // namespace ember::python
