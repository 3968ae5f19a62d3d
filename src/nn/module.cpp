// nn::Module: registration, traversal, modes, state dicts and printing.
#include "ember/nn/module.h"

#include <sstream>

#include "ember/autograd.h"
#include "ember/ops.h"

namespace ember::nn {

Module::Module(std::string type_name) : type_name_(std::move(type_name)) {}

static void check_name(const std::string &name, const char *what) {
  EMBER_CHECK(!name.empty(), what, " name must not be empty");
  EMBER_CHECK(name.find('.') == std::string::npos, what, " name can't contain \".\", got \"", name,
              "\"");
}

Tensor &Module::register_parameter(std::string name, Tensor tensor, bool requires_grad) {
  check_name(name, "register_parameter: parameter");
  if (tensor.defined()) {
    // A parameter is a leaf of its own, even when built from other tensors.
    tensor = tensor.detach();
    tensor.requires_grad_(requires_grad);
  }
  return parameters_.set(name, std::move(tensor));
}

Tensor &Module::register_buffer(std::string name, Tensor tensor) {
  check_name(name, "register_buffer: buffer");
  return buffers_.set(name, std::move(tensor));
}

void Module::add_child(std::string name, std::shared_ptr<Module> module) {
  check_name(name, "register_module: submodule");
  EMBER_CHECK(module != nullptr, "register_module: submodule '", name, "' is empty");
  EMBER_CHECK(!children_.contains(name), "register_module: submodule '", name,
              "' already exists in ", type_name_);
  children_.insert(std::move(name), std::move(module));
}

void Module::replace_module(const std::string &name, std::shared_ptr<Module> module) {
  EMBER_CHECK(children_.contains(name), "replace_module: no submodule named '", name, "' in ",
              type_name_);
  children_.set(name, std::move(module));
}

void Module::collect(const std::string &prefix, bool recurse, bool want_parameters,
                     OrderedDict<Tensor> &out) const {
  for (const auto &[name, tensor] : want_parameters ? parameters_ : buffers_)
    if (tensor.defined())
      out.set(prefix + name, tensor);
  if (recurse)
    for (const auto &[name, child] : children_)
      child->collect(prefix + name + ".", true, want_parameters, out);
}

OrderedDict<Tensor> Module::named_parameters(bool recurse) const {
  OrderedDict<Tensor> result;
  collect("", recurse, true, result);
  return result;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  return named_parameters(recurse).values();
}

OrderedDict<Tensor> Module::named_buffers(bool recurse) const {
  OrderedDict<Tensor> result;
  collect("", recurse, false, result);
  return result;
}

std::vector<Tensor> Module::buffers(bool recurse) const { return named_buffers(recurse).values(); }

std::vector<std::shared_ptr<Module>> Module::children() const { return children_.values(); }

OrderedDict<std::shared_ptr<Module>> Module::named_modules(const std::string &prefix,
                                                           bool include_self) {
  OrderedDict<std::shared_ptr<Module>> result;
  if (include_self)
    result.set(prefix, shared_from_this());
  for (const auto &[name, child] : children_) {
    std::string child_prefix = prefix.empty() ? name : prefix + "." + name;
    for (const auto &[key, module] : child->named_modules(child_prefix, true))
      result.set(key, module);
  }
  return result;
}

std::vector<std::shared_ptr<Module>> Module::modules(bool include_self) {
  return named_modules("", include_self).values();
}

void Module::train(bool on) {
  training_ = on;
  for (const auto &[name, child] : children_)
    child->train(on);
}

void Module::zero_grad(bool set_to_none) {
  for (Tensor parameter : parameters()) {
    Tensor &grad = parameter.mutable_grad();
    if (!grad.defined())
      continue;
    if (set_to_none) {
      grad = Tensor();
    } else {
      grad = grad.detach();
      grad.zero_();
    }
  }
}

void Module::apply(const std::function<void(Module &)> &fn) {
  fn(*this);
  for (const auto &[name, child] : children_)
    child->apply(fn);
}

// Converts a tensor's data in place: the handle (and so every reference to the parameter,
// such as an optimizer's) keeps pointing at the converted tensor.
static void convert_in_place(Tensor &tensor, DType dtype) {
  if (!tensor.defined() || !tensor.is_floating_point() || tensor.dtype() == dtype)
    return;
  NoGradGuard no_grad;
  tensor.set_data(tensor.to(dtype));
  if (Tensor &grad = tensor.mutable_grad(); grad.defined())
    grad = grad.to(dtype);
}

void Module::to(DType dtype) {
  EMBER_CHECK(is_floating_point(dtype), "Module.to: only floating point dtypes are accepted, got ",
              dtype);
  for (auto &[name, tensor] : parameters_) {
    bool requires_grad = tensor.defined() && tensor.requires_grad();
    convert_in_place(tensor, dtype);
    if (tensor.defined())
      tensor.requires_grad_(requires_grad);
  }
  for (auto &[name, tensor] : buffers_)
    convert_in_place(tensor, dtype);
  for (const auto &[name, child] : children_)
    child->to(dtype);
}

void Module::to(Device device) {
  EMBER_CHECK(device.is_cpu(), "Module.to: device ", device, " has no backend in this build");
}

// torch's order: a module's parameters, then its buffers, then each child's entries.
OrderedDict<Tensor> Module::state_dict() const {
  OrderedDict<Tensor> state;
  collect("", false, true, state);
  collect("", false, false, state);
  for (const auto &[name, child] : children_)
    for (const auto &[key, tensor] : child->state_dict())
      state.set(name + "." + key, tensor);
  return state;
}

LoadStateDictResult Module::load_state_dict(const OrderedDict<Tensor> &state, bool strict) {
  OrderedDict<Tensor> own = state_dict();
  LoadStateDictResult result;
  std::vector<std::string> mismatched;
  for (const auto &[key, tensor] : own) {
    const Tensor *incoming = state.find(key);
    if (incoming == nullptr) {
      result.missing_keys.push_back(key);
    } else if (incoming->sizes() != tensor.sizes()) {
      std::ostringstream line;
      line << "size mismatch for " << key << ": copying a param with shape "
           << IntArrayRef(incoming->sizes()) << " from checkpoint, the shape in current model is "
           << IntArrayRef(tensor.sizes()) << ".";
      mismatched.push_back(line.str());
    }
  }
  for (const auto &[key, tensor] : state)
    if (!own.contains(key))
      result.unexpected_keys.push_back(key);

  auto join = [](const std::vector<std::string> &keys) {
    std::string text;
    for (const auto &key : keys)
      text += (text.empty() ? "\"" : ", \"") + key + "\"";
    return text;
  };
  std::string report;
  if (strict && !result.missing_keys.empty())
    report += "\n\tMissing key(s) in state_dict: " + join(result.missing_keys) + ".";
  if (strict && !result.unexpected_keys.empty())
    report += "\n\tUnexpected key(s) in state_dict: " + join(result.unexpected_keys) + ".";
  for (const auto &line : mismatched)
    report += "\n\t" + line;
  EMBER_CHECK(report.empty(), "Error(s) in loading state_dict for ", type_name_, ":", report);

  NoGradGuard no_grad;
  for (auto &[key, tensor] : own)
    if (const Tensor *incoming = state.find(key))
      Tensor(tensor).copy_(*incoming);
  return result;
}

void Module::pretty_print(std::ostream &out) const { out << type_name_ << "()"; }

static void print_tree(std::ostream &out, const Module &module, int indent) {
  auto children = module.named_children();
  if (children.empty()) {
    module.pretty_print(out);
    return;
  }
  out << module.name() << "(\n";
  for (const auto &[name, child] : children) {
    out << std::string(indent + 2, ' ') << '(' << name << "): ";
    print_tree(out, *child, indent + 2);
    out << '\n';
  }
  out << std::string(indent, ' ') << ')';
}

std::ostream &operator<<(std::ostream &out, const Module &module) {
  print_tree(out, module, 0);
  return out;
}

} // namespace ember::nn
