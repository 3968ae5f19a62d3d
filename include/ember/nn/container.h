// Containers of modules: Sequential, ModuleList, ModuleDict (as torch.nn's).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ember/nn/module.h"

namespace ember::nn {

// Wraps a function as a module, so it can stand in a Sequential: Functional(ember::relu).
class FunctionalImpl : public Module {
public:
  explicit FunctionalImpl(std::function<Tensor(const Tensor &)> fn)
      : Module("Functional"), fn_(std::move(fn)) {}
  Tensor forward(const Tensor &input) { return fn_(input); }

private:
  std::function<Tensor(const Tensor &)> fn_;
};
EMBER_MODULE(Functional);

// Runs its modules in order, each on the previous one's output.
class SequentialImpl : public Module {
public:
  SequentialImpl() : Module("Sequential") {}
  template <typename... Modules>
    requires(sizeof...(Modules) > 0)
  explicit SequentialImpl(Modules &&...modules) : Module("Sequential") {
    (push_back(std::forward<Modules>(modules)), ...);
  }

  // Appends a module holder (Linear(...)), a shared_ptr to a module, or a plain function.
  template <typename Holder>
    requires requires(Holder h, const Tensor &x) {
      h.ptr();
      { h.ptr()->forward(x) } -> std::convertible_to<Tensor>;
    }
  void push_back(Holder holder) {
    append(holder.ptr(), [impl = holder.ptr().get()](const Tensor &x) { return impl->forward(x); });
  }
  template <typename M>
    requires std::derived_from<M, Module>
  void push_back(std::shared_ptr<M> module) {
    append(module, [impl = module.get()](const Tensor &x) { return impl->forward(x); });
  }
  void push_back(std::function<Tensor(const Tensor &)> fn) { push_back(Functional(std::move(fn))); }

  Tensor forward(const Tensor &input);
  size_t size() const { return forwards_.size(); }
  std::shared_ptr<Module> operator[](size_t index) const;

private:
  void append(std::shared_ptr<Module> module, std::function<Tensor(const Tensor &)> forward);
  std::vector<std::function<Tensor(const Tensor &)>> forwards_;
};
EMBER_MODULE(Sequential);

// Holds submodules in a list, registered as "0", "1", ...; has no forward of its own.
class ModuleListImpl : public Module {
public:
  ModuleListImpl() : Module("ModuleList") {}
  template <typename M> void push_back(std::shared_ptr<M> module) {
    items_.push_back(register_module(std::to_string(items_.size()), std::move(module)));
  }
  template <typename Holder>
    requires requires(Holder h) { h.ptr(); }
  void push_back(Holder holder) {
    push_back(holder.ptr());
  }
  size_t size() const { return items_.size(); }
  std::shared_ptr<Module> operator[](size_t index) const;
  // The module at index as its implementation type: list->at<LinearImpl>(0).
  template <typename M> std::shared_ptr<M> at(size_t index) const {
    auto typed = std::dynamic_pointer_cast<M>((*this)[index]);
    EMBER_CHECK(typed != nullptr, "ModuleList: module ", index, " is a ", (*this)[index]->name(),
                ", not the requested type");
    return typed;
  }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

private:
  std::vector<std::shared_ptr<Module>> items_;
};
EMBER_MODULE(ModuleList);

// Holds submodules by name; has no forward of its own.
class ModuleDictImpl : public Module {
public:
  ModuleDictImpl() : Module("ModuleDict") {}
  template <typename M> void insert(const std::string &key, std::shared_ptr<M> module) {
    register_module(key, std::move(module));
  }
  template <typename Holder>
    requires requires(Holder h) { h.ptr(); }
  void insert(const std::string &key, Holder holder) {
    register_module(key, holder.ptr());
  }
  bool contains(const std::string &key) const { return children_.contains(key); }
  std::shared_ptr<Module> operator[](const std::string &key) const { return children_.at(key); }
  size_t size() const { return children_.size(); }
  std::vector<std::string> keys() const { return children_.keys(); }
};
EMBER_MODULE(ModuleDict);

} // namespace ember::nn
