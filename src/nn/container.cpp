// Sequential, ModuleList and ModuleDict.
#include "ember/nn/container.h"

namespace ember::nn {

void SequentialImpl::append(std::shared_ptr<Module> module,
                            std::function<Tensor(const Tensor &)> forward) {
  register_module(std::to_string(forwards_.size()), std::move(module));
  forwards_.push_back(std::move(forward));
}

Tensor SequentialImpl::forward(const Tensor &input) {
  Tensor output = input;
  for (const auto &step : forwards_)
    output = step(output);
  return output;
}

std::shared_ptr<Module> SequentialImpl::operator[](size_t index) const {
  EMBER_CHECK_T(IndexError, index < forwards_.size(), "Sequential: index ", index,
                " is out of range for a Sequential of ", forwards_.size(), " modules");
  return children_.values()[index];
}

std::shared_ptr<Module> ModuleListImpl::operator[](size_t index) const {
  EMBER_CHECK_T(IndexError, index < items_.size(), "ModuleList: index ", index,
                " is out of range for a list of ", items_.size(), " modules");
  return items_[index];
}

} // namespace ember::nn
