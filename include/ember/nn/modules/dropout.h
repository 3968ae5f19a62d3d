// Dropout and Dropout2d (torch.nn's): random zeroing in training mode, identity in eval mode.
// Implemented in src/nn/modules/dropout.cpp.
#pragma once

#include "ember/nn/module.h"
#include "ember/nn/modules/options.h"

namespace ember::nn {

struct DropoutOptions {
  DropoutOptions(double p = 0.5) : p_(p) {}
  EMBER_ARG(double, p);
};

// Zeroes each element with probability p and scales the rest by 1 / (1 - p).
class DropoutImpl : public Module {
public:
  explicit DropoutImpl(const DropoutOptions &options = {});
  Tensor forward(const Tensor &input);
  void pretty_print(std::ostream &out) const override;
  DropoutOptions options;
};
EMBER_MODULE(Dropout);

// Zeroes whole channels of [N, C, H, W] (or [N, C, L]) inputs.
class Dropout2dImpl : public Module {
public:
  explicit Dropout2dImpl(const DropoutOptions &options = {});
  Tensor forward(const Tensor &input);
  void pretty_print(std::ostream &out) const override;
  DropoutOptions options;
};
EMBER_MODULE(Dropout2d);

} // namespace ember::nn
