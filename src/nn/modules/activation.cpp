// The activation modules with options: forward over nn::functional and torch's repr.
#include "ember/nn/modules/activation.h"

namespace ember::nn {

LeakyReLUImpl::LeakyReLUImpl(const LeakyReLUOptions &options)
    : Module("LeakyReLU"), options(options) {}
Tensor LeakyReLUImpl::forward(const Tensor &input) {
  return functional::leaky_relu(input, options.negative_slope());
}
void LeakyReLUImpl::pretty_print(std::ostream &out) const {
  out << "LeakyReLU(negative_slope=" << repr::real(options.negative_slope()) << ")";
}

ELUImpl::ELUImpl(const ELUOptions &options) : Module("ELU"), options(options) {}
Tensor ELUImpl::forward(const Tensor &input) { return functional::elu(input, options.alpha()); }
void ELUImpl::pretty_print(std::ostream &out) const {
  out << "ELU(alpha=" << repr::real(options.alpha()) << ")";
}

CELUImpl::CELUImpl(const CELUOptions &options) : Module("CELU"), options(options) {}
Tensor CELUImpl::forward(const Tensor &input) { return functional::celu(input, options.alpha()); }
void CELUImpl::pretty_print(std::ostream &out) const {
  out << "CELU(alpha=" << repr::real(options.alpha()) << ")";
}

GELUImpl::GELUImpl(const GELUOptions &options) : Module("GELU"), options(options) {
  EMBER_CHECK(options.approximate() == "none" || options.approximate() == "tanh",
              "GELU: approximate must be \"none\" or \"tanh\", got \"", options.approximate(),
              "\"");
}
Tensor GELUImpl::forward(const Tensor &input) {
  return functional::gelu(input, options.approximate());
}
void GELUImpl::pretty_print(std::ostream &out) const {
  out << "GELU(approximate='" << options.approximate() << "')";
}

SoftplusImpl::SoftplusImpl(const SoftplusOptions &options) : Module("Softplus"), options(options) {}
Tensor SoftplusImpl::forward(const Tensor &input) {
  return functional::softplus(input, options.beta(), options.threshold());
}
// torch's defaults are the integers 1 and 20, printed as such.
void SoftplusImpl::pretty_print(std::ostream &out) const {
  out << "Softplus(beta=" << repr::number(options.beta())
      << ", threshold=" << repr::number(options.threshold()) << ")";
}

HardtanhImpl::HardtanhImpl(const HardtanhOptions &options) : Module("Hardtanh"), options(options) {
  EMBER_CHECK(options.max_val() > options.min_val(), "Hardtanh: max_val ", options.max_val(),
              " must be greater than min_val ", options.min_val());
}
Tensor HardtanhImpl::forward(const Tensor &input) {
  return functional::hardtanh(input, options.min_val(), options.max_val());
}
void HardtanhImpl::pretty_print(std::ostream &out) const {
  out << "Hardtanh(min_val=" << repr::real(options.min_val())
      << ", max_val=" << repr::real(options.max_val()) << ")";
}

GLUImpl::GLUImpl(const GLUOptions &options) : Module("GLU"), options(options) {}
Tensor GLUImpl::forward(const Tensor &input) { return functional::glu(input, options.dim()); }
void GLUImpl::pretty_print(std::ostream &out) const { out << "GLU(dim=" << options.dim() << ")"; }

SoftmaxImpl::SoftmaxImpl(const SoftmaxOptions &options) : Module("Softmax"), options(options) {}
Tensor SoftmaxImpl::forward(const Tensor &input) {
  return functional::softmax(input, options.dim());
}
void SoftmaxImpl::pretty_print(std::ostream &out) const {
  out << "Softmax(dim=" << options.dim() << ")";
}

LogSoftmaxImpl::LogSoftmaxImpl(const LogSoftmaxOptions &options)
    : Module("LogSoftmax"), options(options) {}
Tensor LogSoftmaxImpl::forward(const Tensor &input) {
  return functional::log_softmax(input, options.dim());
}
void LogSoftmaxImpl::pretty_print(std::ostream &out) const {
  out << "LogSoftmax(dim=" << options.dim() << ")";
}

SoftminImpl::SoftminImpl(const SoftminOptions &options) : Module("Softmin"), options(options) {}
Tensor SoftminImpl::forward(const Tensor &input) {
  return functional::softmin(input, options.dim());
}
void SoftminImpl::pretty_print(std::ostream &out) const {
  out << "Softmin(dim=" << options.dim() << ")";
}

} // namespace ember::nn
