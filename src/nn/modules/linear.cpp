// Linear and Bilinear: parameters, torch's default initialization, and forward over
// nn::functional::linear / bilinear with errors naming the layer.
#include "ember/nn/modules/linear.h"

#include <cmath>

#include "ember/nn/functional/layers.h"
#include "ember/nn/init.h"

namespace ember::nn {

void reset_linear_parameters(Tensor &weight, Tensor &bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const int64_t fan_in = init::calculate_fan_in_and_fan_out(weight).first;
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

LinearImpl::LinearImpl(const LinearOptions &options) : LinearImpl("Linear", options) {}

LinearImpl::LinearImpl(std::string name, const LinearOptions &options)
    : Module(std::move(name)), options(options) {
  EMBER_CHECK(options.in_features() >= 0 && options.out_features() >= 0, this->name(),
              ": in_features and out_features must be non-negative, got ", options.in_features(),
              " and ", options.out_features());
  weight = register_parameter("weight", empty({options.out_features(), options.in_features()}));
  if (options.bias())
    bias = register_parameter("bias", empty({options.out_features()}));
  reset_parameters();
}

void LinearImpl::reset_parameters() { reset_linear_parameters(weight, bias); }

Tensor LinearImpl::forward(const Tensor &input) {
  EMBER_CHECK(input.dim() >= 1 && input.size(-1) == options.in_features(), name(),
              ": expected input with last dimension ", options.in_features(),
              " (in_features), got input of shape ", input.sizes());
  return functional::linear(input, weight, bias);
}

void LinearImpl::pretty_print(std::ostream &out) const {
  out << name() << "(in_features=" << options.in_features()
      << ", out_features=" << options.out_features() << ", bias=" << repr::boolean(options.bias())
      << ")";
}

BilinearImpl::BilinearImpl(const BilinearOptions &options) : Module("Bilinear"), options(options) {
  weight = register_parameter(
      "weight", empty({options.out_features(), options.in1_features(), options.in2_features()}));
  if (options.bias())
    bias = register_parameter("bias", empty({options.out_features()}));
  reset_parameters();
}

void BilinearImpl::reset_parameters() {
  const double bound = 1.0 / std::sqrt(static_cast<double>(options.in1_features()));
  init::uniform_(weight, -bound, bound);
  if (bias.defined())
    init::uniform_(bias, -bound, bound);
}

Tensor BilinearImpl::forward(const Tensor &input1, const Tensor &input2) {
  EMBER_CHECK(input1.dim() >= 1 && input2.dim() >= 1 && input1.size(-1) == options.in1_features() &&
                  input2.size(-1) == options.in2_features(),
              "Bilinear: expected inputs with last dimensions ", options.in1_features(), " and ",
              options.in2_features(), ", got inputs of shape ", input1.sizes(), " and ",
              input2.sizes());
  return functional::bilinear(input1, input2, weight, bias);
}

void BilinearImpl::pretty_print(std::ostream &out) const {
  out << "Bilinear(in1_features=" << options.in1_features()
      << ", in2_features=" << options.in2_features() << ", out_features=" << options.out_features()
      << ", bias=" << repr::boolean(options.bias()) << ")";
}

} // namespace ember::nn
