// Linear and Bilinear layers (torch.nn.Linear, torch.nn.Bilinear). Implemented in
// src/nn/modules/linear.cpp.
#pragma once

#include "ember/nn/module.h"
#include "ember/nn/modules/options.h"

namespace ember::nn {

struct LinearOptions {
  LinearOptions(int64_t in_features, int64_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  EMBER_ARG(int64_t, in_features);
  EMBER_ARG(int64_t, out_features);
  EMBER_ARG(bool, bias) = true;
};

// y = x weight^T + bias over input [*, in_features]. weight [out_features, in_features].
class LinearImpl : public Module {
public:
  explicit LinearImpl(const LinearOptions &options);
  LinearImpl(int64_t in_features, int64_t out_features)
      : LinearImpl(LinearOptions(in_features, out_features)) {}
  Tensor forward(const Tensor &input);
  // torch's initialization: kaiming_uniform_(a=sqrt(5)) for weight, U(-1/sqrt(fan_in),
  // 1/sqrt(fan_in)) for bias.
  void reset_parameters();
  void pretty_print(std::ostream &out) const override;

  LinearOptions options;
  Tensor weight, bias;

protected:
  // For subclasses that print under another name.
  LinearImpl(std::string name, const LinearOptions &options);
};
EMBER_MODULE(Linear);

struct BilinearOptions {
  BilinearOptions(int64_t in1_features, int64_t in2_features, int64_t out_features)
      : in1_features_(in1_features), in2_features_(in2_features), out_features_(out_features) {}
  EMBER_ARG(int64_t, in1_features);
  EMBER_ARG(int64_t, in2_features);
  EMBER_ARG(int64_t, out_features);
  EMBER_ARG(bool, bias) = true;
};

// y = x1^T weight x2 + bias. weight [out_features, in1_features, in2_features].
class BilinearImpl : public Module {
public:
  explicit BilinearImpl(const BilinearOptions &options);
  BilinearImpl(int64_t in1_features, int64_t in2_features, int64_t out_features)
      : BilinearImpl(BilinearOptions(in1_features, in2_features, out_features)) {}
  Tensor forward(const Tensor &input1, const Tensor &input2);
  // weight and bias from U(-1/sqrt(in1_features), 1/sqrt(in1_features)), as torch.
  void reset_parameters();
  void pretty_print(std::ostream &out) const override;

  BilinearOptions options;
  Tensor weight, bias;
};
EMBER_MODULE(Bilinear);

// Initializes a Linear/Conv-style weight [out, in, *kernel] and bias as torch does: kaiming
// uniform with a = sqrt(5) (that is U(-1/sqrt(fan_in), 1/sqrt(fan_in))), the bias from the same
// bound. Shared by Linear, the convolutions and MultiheadAttention's projections.
void reset_linear_parameters(Tensor &weight, Tensor &bias);

} // namespace ember::nn
