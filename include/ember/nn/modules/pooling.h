// Pooling layers (torch.nn.MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d,
// AdaptiveMaxPool1d/2d) over nn::functional's pooling. Implemented in src/nn/modules/pooling.cpp.
#pragma once

#include <optional>
#include <tuple>

#include "ember/nn/module.h"
#include "ember/nn/modules/options.h"

namespace ember::nn {

template <size_t D> struct MaxPoolOptions {
  // stride defaults to kernel_size, as torch's stride=None.
  MaxPoolOptions(ExpandingArray<D> kernel_size) : kernel_size_(kernel_size), stride_(kernel_size) {}
  EMBER_ARG(ExpandingArray<D>, kernel_size);
  EMBER_ARG(ExpandingArray<D>, stride);
  EMBER_ARG(ExpandingArray<D>, padding) = 0;
  EMBER_ARG(ExpandingArray<D>, dilation) = 1;
  EMBER_ARG(bool, ceil_mode) = false;
};
using MaxPool1dOptions = MaxPoolOptions<1>;
using MaxPool2dOptions = MaxPoolOptions<2>;

template <size_t D> class MaxPoolNdImpl : public Module {
public:
  MaxPoolNdImpl(std::string name, const MaxPoolOptions<D> &options);
  Tensor forward(const Tensor &input);
  // The output and the flat index (within each input plane) of every maximum.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor &input);
  void pretty_print(std::ostream &out) const override;
  MaxPoolOptions<D> options;
};

class MaxPool1dImpl : public MaxPoolNdImpl<1> {
public:
  explicit MaxPool1dImpl(const MaxPool1dOptions &options) : MaxPoolNdImpl("MaxPool1d", options) {}
  explicit MaxPool1dImpl(ExpandingArray<1> size) : MaxPool1dImpl(MaxPool1dOptions(size)) {}
};
EMBER_MODULE(MaxPool1d);

class MaxPool2dImpl : public MaxPoolNdImpl<2> {
public:
  explicit MaxPool2dImpl(const MaxPool2dOptions &options) : MaxPoolNdImpl("MaxPool2d", options) {}
  explicit MaxPool2dImpl(ExpandingArray<2> size) : MaxPool2dImpl(MaxPool2dOptions(size)) {}
};
EMBER_MODULE(MaxPool2d);

template <size_t D> struct AvgPoolOptions {
  AvgPoolOptions(ExpandingArray<D> kernel_size) : kernel_size_(kernel_size), stride_(kernel_size) {}
  EMBER_ARG(ExpandingArray<D>, kernel_size);
  EMBER_ARG(ExpandingArray<D>, stride);
  EMBER_ARG(ExpandingArray<D>, padding) = 0;
  EMBER_ARG(bool, ceil_mode) = false;
  EMBER_ARG(bool, count_include_pad) = true;
  // Divides by this instead of the window size (AvgPool2d only, as in torch).
  EMBER_ARG(std::optional<int64_t>, divisor_override);
};
using AvgPool1dOptions = AvgPoolOptions<1>;
using AvgPool2dOptions = AvgPoolOptions<2>;

template <size_t D> class AvgPoolNdImpl : public Module {
public:
  AvgPoolNdImpl(std::string name, const AvgPoolOptions<D> &options);
  Tensor forward(const Tensor &input);
  void pretty_print(std::ostream &out) const override;
  AvgPoolOptions<D> options;
};

class AvgPool1dImpl : public AvgPoolNdImpl<1> {
public:
  explicit AvgPool1dImpl(const AvgPool1dOptions &options) : AvgPoolNdImpl("AvgPool1d", options) {}
  explicit AvgPool1dImpl(ExpandingArray<1> size) : AvgPool1dImpl(AvgPool1dOptions(size)) {}
};
EMBER_MODULE(AvgPool1d);

class AvgPool2dImpl : public AvgPoolNdImpl<2> {
public:
  explicit AvgPool2dImpl(const AvgPool2dOptions &options) : AvgPoolNdImpl("AvgPool2d", options) {}
  explicit AvgPool2dImpl(ExpandingArray<2> size) : AvgPool2dImpl(AvgPool2dOptions(size)) {}
};
EMBER_MODULE(AvgPool2d);

template <size_t D> struct AdaptivePoolOptions {
  AdaptivePoolOptions(ExpandingArray<D> output_size) : output_size_(output_size) {}
  EMBER_ARG(ExpandingArray<D>, output_size);
};
using AdaptiveAvgPool1dOptions = AdaptivePoolOptions<1>;
using AdaptiveAvgPool2dOptions = AdaptivePoolOptions<2>;
using AdaptiveMaxPool1dOptions = AdaptivePoolOptions<1>;
using AdaptiveMaxPool2dOptions = AdaptivePoolOptions<2>;

// Average (max = false) or max pooling to a fixed output size.
template <size_t D, bool max> class AdaptivePoolNdImpl : public Module {
public:
  AdaptivePoolNdImpl(std::string name, const AdaptivePoolOptions<D> &options);
  Tensor forward(const Tensor &input);
  void pretty_print(std::ostream &out) const override;
  AdaptivePoolOptions<D> options;
};

class AdaptiveAvgPool1dImpl : public AdaptivePoolNdImpl<1, false> {
public:
  explicit AdaptiveAvgPool1dImpl(const AdaptiveAvgPool1dOptions &options)
      : AdaptivePoolNdImpl("AdaptiveAvgPool1d", options) {}
  explicit AdaptiveAvgPool1dImpl(ExpandingArray<1> size)
      : AdaptiveAvgPool1dImpl(AdaptiveAvgPool1dOptions(size)) {}
};
EMBER_MODULE(AdaptiveAvgPool1d);

class AdaptiveAvgPool2dImpl : public AdaptivePoolNdImpl<2, false> {
public:
  explicit AdaptiveAvgPool2dImpl(const AdaptiveAvgPool2dOptions &options)
      : AdaptivePoolNdImpl("AdaptiveAvgPool2d", options) {}
  explicit AdaptiveAvgPool2dImpl(ExpandingArray<2> size)
      : AdaptiveAvgPool2dImpl(AdaptiveAvgPool2dOptions(size)) {}
};
EMBER_MODULE(AdaptiveAvgPool2d);

class AdaptiveMaxPool1dImpl : public AdaptivePoolNdImpl<1, true> {
public:
  explicit AdaptiveMaxPool1dImpl(const AdaptiveMaxPool1dOptions &options)
      : AdaptivePoolNdImpl("AdaptiveMaxPool1d", options) {}
  explicit AdaptiveMaxPool1dImpl(ExpandingArray<1> size)
      : AdaptiveMaxPool1dImpl(AdaptiveMaxPool1dOptions(size)) {}
};
EMBER_MODULE(AdaptiveMaxPool1d);

class AdaptiveMaxPool2dImpl : public AdaptivePoolNdImpl<2, true> {
public:
  explicit AdaptiveMaxPool2dImpl(const AdaptiveMaxPool2dOptions &options)
      : AdaptivePoolNdImpl("AdaptiveMaxPool2d", options) {}
  explicit AdaptiveMaxPool2dImpl(ExpandingArray<2> size)
      : AdaptiveMaxPool2dImpl(AdaptiveMaxPool2dOptions(size)) {}
};
EMBER_MODULE(AdaptiveMaxPool2d);

extern template class MaxPoolNdImpl<1>;
extern template class MaxPoolNdImpl<2>;
extern template class AvgPoolNdImpl<1>;
extern template class AvgPoolNdImpl<2>;
extern template class AdaptivePoolNdImpl<1, false>;
extern template class AdaptivePoolNdImpl<2, false>;
extern template class AdaptivePoolNdImpl<1, true>;
extern template class AdaptivePoolNdImpl<2, true>;

} // namespace ember::nn
