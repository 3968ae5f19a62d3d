// nn::Module: the base of every layer, holding parameters, buffers and submodules by name, as
// torch.nn.Module and libtorch's torch::nn::Module. Layers are used through ModuleHolder
// handles (ember::nn::Linear wraps a shared_ptr<LinearImpl>), exactly as in libtorch.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "ember/ordered_dict.h"
#include "ember/tensor.h"

namespace ember::nn {

// What load_state_dict found when strict is false (with strict, any of it is an Error).
struct LoadStateDictResult {
  std::vector<std::string> missing_keys;
  std::vector<std::string> unexpected_keys;
};

class Module : public std::enable_shared_from_this<Module> {
public:
  // type_name is what printing shows: "Linear", "Sequential", ...
  explicit Module(std::string type_name = "Module");
  virtual ~Module() = default;
  Module(const Module &) = delete;
  Module &operator=(const Module &) = delete;

  const std::string &name() const { return type_name_; }

  // ---- registration -------------------------------------------------------------------------
  // Registers tensor as parameter `name` (a leaf that requires grad unless told otherwise).
  Tensor &register_parameter(std::string name, Tensor tensor, bool requires_grad = true);
  // Registers a buffer: state that is saved and moved with the module but not trained.
  Tensor &register_buffer(std::string name, Tensor tensor);
  template <typename M> std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module) {
    add_child(std::move(name), module);
    return module;
  }
  template <typename Holder>
    requires requires(Holder h) { h.ptr(); }
  Holder register_module(std::string name, Holder holder) {
    add_child(std::move(name), holder.ptr());
    return holder;
  }
  // Replaces a registered submodule (e.g. to swap a layer of a trained model).
  void replace_module(const std::string &name, std::shared_ptr<Module> module);

  // ---- traversal (dotted names for nested modules: "encoder.0.weight") ---------------------------
  std::vector<Tensor> parameters(bool recurse = true) const;
  OrderedDict<Tensor> named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  OrderedDict<Tensor> named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  OrderedDict<std::shared_ptr<Module>> named_children() const { return children_; }
  // This module first, then every descendant (depth first).
  std::vector<std::shared_ptr<Module>> modules(bool include_self = true);
  OrderedDict<std::shared_ptr<Module>> named_modules(const std::string &prefix = "",
                                                     bool include_self = true);

  // ---- modes and bulk operations ------------------------------------------------------------------
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void zero_grad(bool set_to_none = true);
  // Calls fn on this module and every descendant.
  void apply(const std::function<void(Module &)> &fn);
  // Converts floating parameters and buffers to dtype in place (the Tensor handles stay valid).
  virtual void to(DType dtype);
  virtual void to(Device device);

  // ---- state -----------------------------------------------------------------------------------------
  // Parameters and buffers by dotted name, sharing memory with the module.
  OrderedDict<Tensor> state_dict() const;
  // Copies values into the module's tensors. Shape mismatches are always an Error listing every
  // mismatched key; missing and unexpected keys are an Error when strict, reported otherwise.
  LoadStateDictResult load_state_dict(const OrderedDict<Tensor> &state, bool strict = true);

  // ---- printing ---------------------------------------------------------------------------------------
  // One line describing this module's own configuration: "Linear(in_features=4, ...)".
  virtual void pretty_print(std::ostream &out) const;

protected:
  OrderedDict<Tensor> parameters_;
  OrderedDict<Tensor> buffers_;
  OrderedDict<std::shared_ptr<Module>> children_;
  bool training_ = true;

private:
  void add_child(std::string name, std::shared_ptr<Module> module);
  void collect(const std::string &prefix, bool recurse, bool want_parameters,
               OrderedDict<Tensor> &out) const;
  std::string type_name_;
};

// Prints the module tree as torch does.
std::ostream &operator<<(std::ostream &out, const Module &module);

// A shared handle to a module implementation: nn::Linear holds a shared_ptr<LinearImpl> and
// forwards calls: linear(x) runs linear->forward(x).
template <typename Impl> class ModuleHolder {
public:
  using ImplType = Impl;

  // Constructs the module from the implementation's constructor arguments.
  template <typename... Args>
    requires(std::is_constructible_v<Impl, Args...> &&
             !(sizeof...(Args) == 1 &&
               (std::is_same_v<std::decay_t<Args>, ModuleHolder> || ...)))
  explicit(sizeof...(Args) == 1) ModuleHolder(Args &&...args)
      : impl_(std::make_shared<Impl>(std::forward<Args>(args)...)) {}
  ModuleHolder(std::nullptr_t) {}
  ModuleHolder(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

  Impl *operator->() const { return checked(); }
  Impl &operator*() const { return *checked(); }
  const std::shared_ptr<Impl> &ptr() const { return impl_; }
  Impl *get() const { return impl_.get(); }
  bool is_empty() const { return impl_ == nullptr; }

  template <typename... Args> decltype(auto) operator()(Args &&...args) const {
    return checked()->forward(std::forward<Args>(args)...);
  }

private:
  Impl *checked() const {
    EMBER_CHECK(impl_ != nullptr, "accessing an empty module holder");
    return impl_.get();
  }
  std::shared_ptr<Impl> impl_;
};

template <typename Impl> std::ostream &operator<<(std::ostream &out, const ModuleHolder<Impl> &m) {
  return out << *m;
}

} // namespace ember::nn

// Declares the holder `Name` for `NameImpl`, as libtorch's TORCH_MODULE.
#define EMBER_MODULE(Name)                                                                         \
  class Name : public ::ember::nn::ModuleHolder<Name##Impl> {                                      \
  public:                                                                                          \
    using ::ember::nn::ModuleHolder<Name##Impl>::ModuleHolder;                                     \
  }
