// The convolution layers: parameter shapes and checks, torch's initialization, the non-zero
// padding modes (reflect, replicate, circular) as an index gather before the convolution, and
// torch's repr.
#include "ember/nn/modules/conv.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "ember/nn/functional/conv.h"
#include "ember/nn/modules/linear.h"

namespace ember::nn {
namespace {

// Checks a [N, C, *spatial] or [C, *spatial] input's rank and channel count against the layer.
template <size_t D>
void check_conv_input(const std::string &layer, const Tensor &input, int64_t in_channels) {
  constexpr int64_t rank = static_cast<int64_t>(D);
  EMBER_CHECK(input.dim() == rank + 1 || input.dim() == rank + 2, layer, ": expected a ", rank + 1,
              "-D (unbatched) or ", rank + 2, "-D (batched) input, got input of shape ",
              input.sizes());
  const int64_t channels = input.size(input.dim() == rank + 2 ? 1 : 0);
  EMBER_CHECK(channels == in_channels, layer, ": expected input with ", in_channels,
              " channels (in_channels), got ", channels, " channels in input of shape ",
              input.sizes());
}

void check_channels(const std::string &layer, int64_t in_channels, int64_t out_channels,
                    int64_t groups) {
  EMBER_CHECK(groups > 0, layer, ": groups must be a positive integer, got ", groups);
  EMBER_CHECK(in_channels > 0 && in_channels % groups == 0, layer, ": in_channels ", in_channels,
              " must be divisible by groups ", groups);
  EMBER_CHECK(out_channels > 0 && out_channels % groups == 0, layer, ": out_channels ",
              out_channels, " must be divisible by groups ", groups);
}

// The convolution of rank D, with padding given as sizes or by name.
template <size_t D, typename Padding>
Tensor convolve(const Tensor &input, const Tensor &weight, const Tensor &bias, IntArrayRef stride,
                Padding padding, IntArrayRef dilation, int64_t groups) {
  if constexpr (D == 1)
    return functional::conv1d(input, weight, bias, stride, padding, dilation, groups);
  else if constexpr (D == 2)
    return functional::conv2d(input, weight, bias, stride, padding, dilation, groups);
  else
    return functional::conv3d(input, weight, bias, stride, padding, dilation, groups);
}

// Source positions for the padded positions -before .. size + after - 1 of one dim.
Tensor padding_indices(int64_t size, int64_t before, int64_t after, const std::string &mode) {
  Tensor indices = empty({size + before + after}, dtype(kInt64));
  int64_t *out = indices.data_ptr<int64_t>();
  for (int64_t j = -before; j < size + after; ++j) {
    int64_t source = j;
    if (mode == "reflect")
      source = (size - 1) - std::abs((size - 1) - std::abs(j));
    else if (mode == "replicate")
      source = std::clamp<int64_t>(j, 0, size - 1);
    else // circular
      source = ((j % size) + size) % size;
    *out++ = source;
  }
  return indices;
}

// Pads the last D dims of input by (before, after) pairs with a non-constant mode. A gather with
// index_select per dim, so the gradient comes from index_select's backward.
Tensor pad_with_mode(const std::string &layer, Tensor input,
                     const std::vector<std::pair<int64_t, int64_t>> &pads,
                     const std::string &mode) {
  const int64_t first = input.dim() - static_cast<int64_t>(pads.size());
  for (size_t d = 0; d < pads.size(); ++d) {
    const int64_t dim = first + static_cast<int64_t>(d), size = input.size(dim);
    const auto [before, after] = pads[d];
    const int64_t limit = mode == "reflect" ? size - 1 : mode == "circular" ? size : INT64_MAX;
    EMBER_CHECK(size > 0 && before <= limit && after <= limit, layer, ": padding (", before, ", ",
                after, ") is too large for ", mode, " padding of a dim of size ", size,
                " in input of shape ", input.sizes());
    if (before > 0 || after > 0)
      input = input.index_select(dim, padding_indices(size, before, after, mode));
  }
  return input;
}

// torch's repr of a convolution: "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), ...)".
struct ConvRepr {
  std::string layer;
  int64_t in_channels, out_channels;
  IntArrayRef kernel_size, stride, dilation, output_padding;
  std::string padding; // empty when all zeros
  int64_t groups;
  bool bias;
  std::string padding_mode;
};

void print_conv(std::ostream &out, const ConvRepr &conv) {
  auto all = [](IntArrayRef values, int64_t value) {
    return std::all_of(values.begin(), values.end(), [&](int64_t v) { return v == value; });
  };
  out << conv.layer << "(" << conv.in_channels << ", " << conv.out_channels
      << ", kernel_size=" << repr::tuple(conv.kernel_size)
      << ", stride=" << repr::tuple(conv.stride);
  if (!conv.padding.empty())
    out << ", padding=" << conv.padding;
  if (!all(conv.dilation, 1))
    out << ", dilation=" << repr::tuple(conv.dilation);
  if (!all(conv.output_padding, 0))
    out << ", output_padding=" << repr::tuple(conv.output_padding);
  if (conv.groups != 1)
    out << ", groups=" << conv.groups;
  if (!conv.bias)
    out << ", bias=false";
  if (conv.padding_mode != "zeros")
    out << ", padding_mode=" << conv.padding_mode;
  out << ")";
}

Shape kernel_shape(int64_t first, int64_t second, IntArrayRef kernel_size) {
  Shape shape{first, second};
  shape.insert(shape.end(), kernel_size.begin(), kernel_size.end());
  return shape;
}

} // namespace

template <size_t D>
ConvNdImpl<D>::ConvNdImpl(std::string name, const ConvOptions<D> &options)
    : Module(std::move(name)), options(options) {
  check_channels(this->name(), options.in_channels(), options.out_channels(), options.groups());
  const std::string &mode = options.padding_mode();
  EMBER_CHECK(mode == "zeros" || mode == "reflect" || mode == "replicate" || mode == "circular",
              this->name(), ": padding_mode must be one of 'zeros', 'reflect', 'replicate' or ",
              "'circular', got '", mode, "'");
  const ConvPadding<D> &padding = options.padding();
  EMBER_CHECK(!(padding.is_named() && padding.name() == "same" &&
                std::any_of(options.stride().begin(), options.stride().end(),
                            [](int64_t s) { return s != 1; })),
              this->name(), ": padding='same' is not supported for strided convolutions");
  weight = register_parameter(
      "weight",
      ember::empty(kernel_shape(options.out_channels(), options.in_channels() / options.groups(),
                                options.kernel_size())));
  if (options.bias())
    bias = register_parameter("bias", empty({options.out_channels()}));
  reset_parameters();
}

template <size_t D> void ConvNdImpl<D>::reset_parameters() {
  reset_linear_parameters(weight, bias);
}

template <size_t D> Tensor ConvNdImpl<D>::forward(const Tensor &input) {
  check_conv_input<D>(name(), input, options.in_channels());
  const ConvPadding<D> &padding = options.padding();
  if (options.padding_mode() == "zeros") {
    if (padding.is_named())
      return convolve<D>(input, weight, bias, options.stride(),
                         functional::PaddingMode(padding.name()), options.dilation(),
                         options.groups());
    return convolve<D>(input, weight, bias, options.stride(), IntArrayRef(padding.sizes()),
                       options.dilation(), options.groups());
  }
  // Other modes pad explicitly, then convolve without padding (as torch).
  std::vector<std::pair<int64_t, int64_t>> pads;
  for (size_t d = 0; d < D; ++d) {
    if (!padding.is_named()) {
      pads.emplace_back(padding.sizes()[d], padding.sizes()[d]);
    } else if (padding.name() == "same") {
      const int64_t total = options.dilation()[d] * (options.kernel_size()[d] - 1);
      pads.emplace_back(total / 2, total - total / 2);
    } else {
      pads.emplace_back(0, 0);
    }
  }
  return convolve<D>(pad_with_mode(name(), input, pads, options.padding_mode()), weight, bias,
                     options.stride(), IntArrayRef(0), options.dilation(), options.groups());
}

template <size_t D> void ConvNdImpl<D>::pretty_print(std::ostream &out) const {
  const ConvPadding<D> &padding = options.padding();
  std::string padding_text;
  if (padding.is_named())
    padding_text = padding.name();
  else if (std::any_of(padding.sizes().begin(), padding.sizes().end(),
                       [](int64_t p) { return p != 0; }))
    padding_text = repr::tuple(padding.sizes());
  print_conv(out, {name(), options.in_channels(), options.out_channels(), options.kernel_size(),
                   options.stride(), options.dilation(), IntArrayRef(0), padding_text,
                   options.groups(), options.bias(), options.padding_mode()});
}

template <size_t D>
ConvTransposeNdImpl<D>::ConvTransposeNdImpl(std::string name,
                                            const ConvTransposeOptions<D> &options)
    : Module(std::move(name)), options(options) {
  check_channels(this->name(), options.in_channels(), options.out_channels(), options.groups());
  EMBER_CHECK(options.padding_mode() == "zeros", "Only \"zeros\" padding mode is supported for ",
              this->name());
  weight = register_parameter(
      "weight",
      ember::empty(kernel_shape(options.in_channels(), options.out_channels() / options.groups(),
                                options.kernel_size())));
  if (options.bias())
    bias = register_parameter("bias", empty({options.out_channels()}));
  reset_parameters();
}

template <size_t D> void ConvTransposeNdImpl<D>::reset_parameters() {
  reset_linear_parameters(weight, bias);
}

template <size_t D>
Tensor ConvTransposeNdImpl<D>::forward(const Tensor &input,
                                       const std::optional<Shape> &output_size) {
  check_conv_input<D>(name(), input, options.in_channels());
  Shape output_padding(options.output_padding().begin(), options.output_padding().end());
  if (output_size) {
    EMBER_CHECK(output_size->size() == D || output_size->size() == D + 2 ||
                    (output_size->size() == D + 1 && input.dim() == static_cast<int64_t>(D + 1)),
                name(), ": output_size must have ", D, " or ", D + 2, " elements, got ",
                *output_size);
    const size_t skip = output_size->size() - D;
    for (size_t d = 0; d < D; ++d) {
      const int64_t in =
          input.size(input.dim() - static_cast<int64_t>(D) + static_cast<int64_t>(d));
      const int64_t smallest = (in - 1) * options.stride()[d] - 2 * options.padding()[d] +
                               options.dilation()[d] * (options.kernel_size()[d] - 1) + 1;
      const int64_t wanted = (*output_size)[skip + d];
      EMBER_CHECK(wanted >= smallest && wanted < smallest + options.stride()[d], name(),
                  ": requested an output size of ", *output_size, ", but valid sizes of dim ", d,
                  " range from ", smallest, " to ", smallest + options.stride()[d] - 1,
                  " (for an input of shape ", input.sizes(), ")");
      output_padding[d] = wanted - smallest;
    }
  }
  if constexpr (D == 1)
    return functional::conv_transpose1d(input, weight, bias, options.stride(), options.padding(),
                                        output_padding, options.groups(), options.dilation());
  else if constexpr (D == 2)
    return functional::conv_transpose2d(input, weight, bias, options.stride(), options.padding(),
                                        output_padding, options.groups(), options.dilation());
  else
    return functional::conv_transpose3d(input, weight, bias, options.stride(), options.padding(),
                                        output_padding, options.groups(), options.dilation());
}

template <size_t D> void ConvTransposeNdImpl<D>::pretty_print(std::ostream &out) const {
  const auto &padding = options.padding();
  const bool padded = std::any_of(padding.begin(), padding.end(), [](int64_t p) { return p != 0; });
  print_conv(out, {name(), options.in_channels(), options.out_channels(), options.kernel_size(),
                   options.stride(), options.dilation(), options.output_padding(),
                   padded ? repr::tuple(padding) : "", options.groups(), options.bias(),
                   options.padding_mode()});
}

template class ConvNdImpl<1>;
template class ConvNdImpl<2>;
template class ConvNdImpl<3>;
template class ConvTransposeNdImpl<1>;
template class ConvTransposeNdImpl<2>;
template class ConvTransposeNdImpl<3>;

} // namespace ember::nn
