// Modules that only reshape: Identity, Flatten, Unflatten (torch.nn's). Implemented in
// src/nn/modules/shape.cpp.
#pragma once

#include "ember/nn/module.h"
#include "ember/nn/modules/options.h"

namespace ember::nn {

// Returns its input unchanged.
class IdentityImpl : public Module {
public:
  IdentityImpl() : Module("Identity") {}
  Tensor forward(const Tensor &input) { return input; }
};
EMBER_MODULE(Identity);

struct FlattenOptions {
  EMBER_ARG(int64_t, start_dim) = 1;
  EMBER_ARG(int64_t, end_dim) = -1;
};

// Flattens dims start_dim..end_dim into one (by default all but the batch dim).
class FlattenImpl : public Module {
public:
  explicit FlattenImpl(const FlattenOptions &options = {}) : Module("Flatten"), options(options) {}
  Tensor forward(const Tensor &input);
  void pretty_print(std::ostream &out) const override;
  FlattenOptions options;
};
EMBER_MODULE(Flatten);

struct UnflattenOptions {
  UnflattenOptions(int64_t dim, Shape sizes) : dim_(dim), sizes_(std::move(sizes)) {}
  EMBER_ARG(int64_t, dim);
  // The sizes dim is split into; one of them may be -1.
  EMBER_ARG(Shape, sizes);
};

// Splits dim into sizes: Unflatten(1, {2, 3}) turns [N, 6] into [N, 2, 3].
class UnflattenImpl : public Module {
public:
  explicit UnflattenImpl(const UnflattenOptions &options) : Module("Unflatten"), options(options) {}
  UnflattenImpl(int64_t dim, Shape sizes)
      : UnflattenImpl(UnflattenOptions(dim, std::move(sizes))) {}
  Tensor forward(const Tensor &input);
  void pretty_print(std::ostream &out) const override;
  UnflattenOptions options;
};
EMBER_MODULE(Unflatten);

} // namespace ember::nn
