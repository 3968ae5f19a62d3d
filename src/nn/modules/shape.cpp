// Flatten and Unflatten.
#include "ember/nn/modules/shape.h"

#include <numeric>

#include "ember/ops.h"

namespace ember::nn {

Tensor FlattenImpl::forward(const Tensor &input) {
  return flatten(input, options.start_dim(), options.end_dim());
}

void FlattenImpl::pretty_print(std::ostream &out) const {
  out << "Flatten(start_dim=" << options.start_dim() << ", end_dim=" << options.end_dim() << ")";
}

Tensor UnflattenImpl::forward(const Tensor &input) {
  const int64_t rank = input.dim();
  const int64_t dim = options.dim() < 0 ? options.dim() + rank : options.dim();
  EMBER_CHECK(dim >= 0 && dim < rank, "Unflatten: dim ", options.dim(),
              " is out of range for input of shape ", input.sizes());
  const Shape &sizes = options.sizes();
  const int64_t known =
      std::accumulate(sizes.begin(), sizes.end(), int64_t{1},
                      [](int64_t acc, int64_t s) { return s == -1 ? acc : acc * s; });
  const bool inferred = std::count(sizes.begin(), sizes.end(), -1) == 1;
  EMBER_CHECK(inferred ? known > 0 && input.size(dim) % known == 0 : known == input.size(dim),
              "Unflatten: sizes ", sizes, " do not multiply to the size ", input.size(dim),
              " of dim ", dim, " of input of shape ", input.sizes());
  Shape shape(input.sizes().begin(), input.sizes().begin() + dim);
  shape.insert(shape.end(), sizes.begin(), sizes.end());
  shape.insert(shape.end(), input.sizes().begin() + dim + 1, input.sizes().end());
  return input.reshape(shape);
}

void UnflattenImpl::pretty_print(std::ostream &out) const {
  out << "Unflatten(dim=" << options.dim() << ", unflattened_size=" << repr::tuple(options.sizes())
      << ")";
}

} // namespace ember::nn
