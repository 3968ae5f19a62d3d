// Dropout and Dropout2d over nn::functional::dropout / dropout2d.
#include "ember/nn/modules/dropout.h"

#include "ember/nn/functional/layers.h"

namespace ember::nn {

static void check_probability(const char *layer, double p) {
  EMBER_CHECK(p >= 0 && p <= 1, layer, ": dropout probability has to be between 0 and 1, but got ",
              p);
}

// torch prints inplace=False: ember's dropout layers never work in place.
static void print_dropout(std::ostream &out, const char *layer, double p) {
  out << layer << "(p=" << repr::real(p) << ", inplace=false)";
}

DropoutImpl::DropoutImpl(const DropoutOptions &options) : Module("Dropout"), options(options) {
  check_probability("Dropout", options.p());
}

Tensor DropoutImpl::forward(const Tensor &input) {
  return functional::dropout(input, options.p(), is_training());
}

void DropoutImpl::pretty_print(std::ostream &out) const {
  print_dropout(out, "Dropout", options.p());
}

Dropout2dImpl::Dropout2dImpl(const DropoutOptions &options)
    : Module("Dropout2d"), options(options) {
  check_probability("Dropout2d", options.p());
}

Tensor Dropout2dImpl::forward(const Tensor &input) {
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4,
              "Dropout2d: expected a 3-D or 4-D input [N, C, (H,) W], got input of shape ",
              input.sizes());
  return functional::dropout2d(input, options.p(), is_training());
}

void Dropout2dImpl::pretty_print(std::ostream &out) const {
  print_dropout(out, "Dropout2d", options.p());
}

} // namespace ember::nn
