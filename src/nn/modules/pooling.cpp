// The pooling layers: rank checks naming the layer, forward over nn::functional, torch's repr.
#include "ember/nn/modules/pooling.h"

#include "ember/nn/functional/conv.h"

namespace ember::nn {
namespace {

template <size_t D> void check_pool_input(const std::string &layer, const Tensor &input) {
  constexpr int64_t rank = static_cast<int64_t>(D);
  EMBER_CHECK(input.dim() == rank + 1 || input.dim() == rank + 2, layer, ": expected a ", rank + 1,
              "-D (unbatched) or ", rank + 2, "-D (batched) input, got input of shape ",
              input.sizes());
}

} // namespace

template <size_t D>
MaxPoolNdImpl<D>::MaxPoolNdImpl(std::string name, const MaxPoolOptions<D> &options)
    : Module(std::move(name)), options(options) {}

template <size_t D> Tensor MaxPoolNdImpl<D>::forward(const Tensor &input) {
  check_pool_input<D>(name(), input);
  const auto &o = options;
  if constexpr (D == 1)
    return functional::max_pool1d(input, o.kernel_size(), o.stride(), o.padding(), o.dilation(),
                                  o.ceil_mode());
  else
    return functional::max_pool2d(input, o.kernel_size(), o.stride(), o.padding(), o.dilation(),
                                  o.ceil_mode());
}

template <size_t D>
std::tuple<Tensor, Tensor> MaxPoolNdImpl<D>::forward_with_indices(const Tensor &input) {
  check_pool_input<D>(name(), input);
  const auto &o = options;
  if constexpr (D == 1)
    return functional::max_pool1d_with_indices(input, o.kernel_size(), o.stride(), o.padding(),
                                               o.dilation(), o.ceil_mode());
  else
    return functional::max_pool2d_with_indices(input, o.kernel_size(), o.stride(), o.padding(),
                                               o.dilation(), o.ceil_mode());
}

template <size_t D> void MaxPoolNdImpl<D>::pretty_print(std::ostream &out) const {
  out << name() << "(kernel_size=" << repr::as_given(options.kernel_size())
      << ", stride=" << repr::as_given(options.stride())
      << ", padding=" << repr::as_given(options.padding())
      << ", dilation=" << repr::as_given(options.dilation())
      << ", ceil_mode=" << repr::boolean(options.ceil_mode()) << ")";
}

template <size_t D>
AvgPoolNdImpl<D>::AvgPoolNdImpl(std::string name, const AvgPoolOptions<D> &options)
    : Module(std::move(name)), options(options) {
  EMBER_CHECK(D == 2 || !options.divisor_override(), this->name(),
              ": divisor_override is only supported by AvgPool2d");
  EMBER_CHECK(!options.divisor_override() || *options.divisor_override() != 0, this->name(),
              ": divisor_override must not be zero");
}

template <size_t D> Tensor AvgPoolNdImpl<D>::forward(const Tensor &input) {
  check_pool_input<D>(name(), input);
  const auto &o = options;
  if constexpr (D == 1)
    return functional::avg_pool1d(input, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(),
                                  o.count_include_pad());
  else
    return functional::avg_pool2d(input, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(),
                                  o.count_include_pad(), o.divisor_override());
}

// torch's AvgPool1d stores its sizes as tuples; AvgPool2d keeps them as given.
template <size_t D> void AvgPoolNdImpl<D>::pretty_print(std::ostream &out) const {
  auto show = [](const ExpandingArray<D> &values) {
    return D == 1 ? repr::tuple(values) : repr::as_given(values);
  };
  out << name() << "(kernel_size=" << show(options.kernel_size())
      << ", stride=" << show(options.stride()) << ", padding=" << show(options.padding()) << ")";
}

template <size_t D, bool max>
AdaptivePoolNdImpl<D, max>::AdaptivePoolNdImpl(std::string name,
                                               const AdaptivePoolOptions<D> &options)
    : Module(std::move(name)), options(options) {}

template <size_t D, bool max> Tensor AdaptivePoolNdImpl<D, max>::forward(const Tensor &input) {
  check_pool_input<D>(name(), input);
  const IntArrayRef size = options.output_size();
  if constexpr (D == 1)
    return max ? functional::adaptive_max_pool1d(input, size)
               : functional::adaptive_avg_pool1d(input, size);
  else
    return max ? functional::adaptive_max_pool2d(input, size)
               : functional::adaptive_avg_pool2d(input, size);
}

template <size_t D, bool max>
void AdaptivePoolNdImpl<D, max>::pretty_print(std::ostream &out) const {
  out << name() << "(output_size=" << repr::as_given(options.output_size()) << ")";
}

template class MaxPoolNdImpl<1>;
template class MaxPoolNdImpl<2>;
template class AvgPoolNdImpl<1>;
template class AvgPoolNdImpl<2>;
template class AdaptivePoolNdImpl<1, false>;
template class AdaptivePoolNdImpl<2, false>;
template class AdaptivePoolNdImpl<1, true>;
template class AdaptivePoolNdImpl<2, true>;

} // namespace ember::nn
