// Every activation of torch.nn as a module, over nn::functional's activation functions.
// Options follow torch's names and defaults. Implemented in src/nn/modules/activation.cpp.
#pragma once

#include <string>

#include "ember/nn/functional/activation.h"
#include "ember/nn/module.h"
#include "ember/nn/modules/options.h"

namespace ember::nn {

// An activation without options: ReLUImpl runs functional::relu and prints "ReLU()".
#define EMBER_PLAIN_ACTIVATION(Name, function)                                                     \
  class Name##Impl : public Module {                                                               \
  public:                                                                                          \
    Name##Impl() : Module(#Name) {}                                                                \
    Tensor forward(const Tensor &input) { return functional::function(input); }                    \
  };                                                                                               \
  EMBER_MODULE(Name)

EMBER_PLAIN_ACTIVATION(ReLU, relu);
EMBER_PLAIN_ACTIVATION(ReLU6, relu6);
EMBER_PLAIN_ACTIVATION(SELU, selu);
EMBER_PLAIN_ACTIVATION(SiLU, silu);
EMBER_PLAIN_ACTIVATION(Mish, mish);
EMBER_PLAIN_ACTIVATION(Softsign, softsign);
EMBER_PLAIN_ACTIVATION(Hardsigmoid, hardsigmoid);
EMBER_PLAIN_ACTIVATION(Hardswish, hardswish);
EMBER_PLAIN_ACTIVATION(Sigmoid, sigmoid);
EMBER_PLAIN_ACTIVATION(Tanh, tanh);
EMBER_PLAIN_ACTIVATION(LogSigmoid, logsigmoid);

#undef EMBER_PLAIN_ACTIVATION

struct LeakyReLUOptions {
  EMBER_ARG(double, negative_slope) = 0.01;
};
class LeakyReLUImpl : public Module {
public:
  explicit LeakyReLUImpl(const LeakyReLUOptions &options = {});
  Tensor forward(const Tensor &input);
  void pretty_print(std::ostream &out) const override;
  LeakyReLUOptions options;
};
EMBER_MODULE(LeakyReLU);

struct ELUOptions {
  EMBER_ARG(double, alpha) = 1.0;
};
class ELUImpl : public Module {
public:
  explicit ELUImpl(const ELUOptions &options = {});
  Tensor forward(const Tensor &input);
  void pretty_print(std::ostream &out) const override;
  ELUOptions options;
};
EMBER_MODULE(ELU);

struct CELUOptions {
  EMBER_ARG(double, alpha) = 1.0;
};
class CELUImpl : public Module {
public:
  explicit CELUImpl(const CELUOptions &options = {});
  Tensor forward(const Tensor &input);
  void pretty_print(std::ostream &out) const override;
  CELUOptions options;
};
EMBER_MODULE(CELU);

struct GELUOptions {
  // "none" (exact, with erf) or "tanh".
  EMBER_ARG(std::string, approximate) = "none";
};
class GELUImpl : public Module {
public:
  explicit GELUImpl(const GELUOptions &options = {});
  Tensor forward(const Tensor &input);
  void pretty_print(std::ostream &out) const override;
  GELUOptions options;
};
EMBER_MODULE(GELU);

struct SoftplusOptions {
  EMBER_ARG(double, beta) = 1.0;
  EMBER_ARG(double, threshold) = 20.0;
};
class SoftplusImpl : public Module {
public:
  explicit SoftplusImpl(const SoftplusOptions &options = {});
  Tensor forward(const Tensor &input);
  void pretty_print(std::ostream &out) const override;
  SoftplusOptions options;
};
EMBER_MODULE(Softplus);

struct HardtanhOptions {
  EMBER_ARG(double, min_val) = -1.0;
  EMBER_ARG(double, max_val) = 1.0;
};
class HardtanhImpl : public Module {
public:
  explicit HardtanhImpl(const HardtanhOptions &options = {});
  Tensor forward(const Tensor &input);
  void pretty_print(std::ostream &out) const override;
  HardtanhOptions options;
};
EMBER_MODULE(Hardtanh);

struct GLUOptions {
  EMBER_ARG(int64_t, dim) = -1;
};
class GLUImpl : public Module {
public:
  explicit GLUImpl(const GLUOptions &options = {});
  Tensor forward(const Tensor &input);
  void pretty_print(std::ostream &out) const override;
  GLUOptions options;
};
EMBER_MODULE(GLU);

// Softmax, LogSoftmax and Softmin take the dim to normalize over (required, as in libtorch).
struct SoftmaxOptions {
  SoftmaxOptions(int64_t dim) : dim_(dim) {}
  EMBER_ARG(int64_t, dim);
};
using LogSoftmaxOptions = SoftmaxOptions;
using SoftminOptions = SoftmaxOptions;

class SoftmaxImpl : public Module {
public:
  explicit SoftmaxImpl(const SoftmaxOptions &options);
  Tensor forward(const Tensor &input);
  void pretty_print(std::ostream &out) const override;
  SoftmaxOptions options;
};
EMBER_MODULE(Softmax);

class LogSoftmaxImpl : public Module {
public:
  explicit LogSoftmaxImpl(const LogSoftmaxOptions &options);
  Tensor forward(const Tensor &input);
  void pretty_print(std::ostream &out) const override;
  LogSoftmaxOptions options;
};
EMBER_MODULE(LogSoftmax);

class SoftminImpl : public Module {
public:
  explicit SoftminImpl(const SoftminOptions &options);
  Tensor forward(const Tensor &input);
  void pretty_print(std::ostream &out) const override;
  SoftminOptions options;
};
EMBER_MODULE(Softmin);

} // namespace ember::nn
