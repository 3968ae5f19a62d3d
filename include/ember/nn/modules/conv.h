// Convolution layers (torch.nn.Conv1d/2d/3d, ConvTranspose1d/2d/3d) over nn::functional's
// convolutions. Conv padding is sizes or "same"/"valid"; padding_mode is "zeros", "reflect",
// "replicate" or "circular". Implemented in src/nn/modules/conv.cpp.
#pragma once

#include <concepts>
#include <optional>
#include <string>

#include "ember/nn/module.h"
#include "ember/nn/modules/options.h"

namespace ember::nn {

// Conv padding: D sizes (or one for every dim), or the name "same" or "valid".
template <size_t D> class ConvPadding {
public:
  // A template, so that a literal 0 is a size rather than a null const char *.
  template <std::integral T> ConvPadding(T value) : sizes_(static_cast<int64_t>(value)) {}
  ConvPadding(std::initializer_list<int64_t> values) : sizes_(values) {}
  ConvPadding(const ExpandingArray<D> &sizes) : sizes_(sizes) {}
  ConvPadding(const char *name) : ConvPadding(std::string(name)) {}
  ConvPadding(std::string name) : sizes_(0), name_(std::move(name)) {
    EMBER_CHECK(name_ == "same" || name_ == "valid", "Invalid padding string '", name_,
                "', should be one of {'valid', 'same'}");
  }
  bool is_named() const { return !name_.empty(); }
  const std::string &name() const { return name_; }
  // The sizes when not named.
  const ExpandingArray<D> &sizes() const { return sizes_; }

private:
  ExpandingArray<D> sizes_;
  std::string name_;
};

template <size_t D> struct ConvOptions {
  ConvOptions(int64_t in_channels, int64_t out_channels, ExpandingArray<D> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  EMBER_ARG(int64_t, in_channels);
  EMBER_ARG(int64_t, out_channels);
  EMBER_ARG(ExpandingArray<D>, kernel_size);
  EMBER_ARG(ExpandingArray<D>, stride) = 1;
  EMBER_ARG(ConvPadding<D>, padding) = 0;
  EMBER_ARG(ExpandingArray<D>, dilation) = 1;
  EMBER_ARG(int64_t, groups) = 1;
  EMBER_ARG(bool, bias) = true;
  // "zeros", "reflect", "replicate" or "circular".
  EMBER_ARG(std::string, padding_mode) = "zeros";
};
using Conv1dOptions = ConvOptions<1>;
using Conv2dOptions = ConvOptions<2>;
using Conv3dOptions = ConvOptions<3>;

// A D-dimensional convolution: weight [out_channels, in_channels / groups, *kernel_size].
template <size_t D> class ConvNdImpl : public Module {
public:
  ConvNdImpl(std::string name, const ConvOptions<D> &options);
  // input [N, in_channels, *spatial] or unbatched [in_channels, *spatial].
  Tensor forward(const Tensor &input);
  // torch's initialization: kaiming_uniform_(a=sqrt(5)), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  void reset_parameters();
  void pretty_print(std::ostream &out) const override;

  ConvOptions<D> options;
  Tensor weight, bias;
};

class Conv1dImpl : public ConvNdImpl<1> {
public:
  explicit Conv1dImpl(const Conv1dOptions &options) : ConvNdImpl("Conv1d", options) {}
  Conv1dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<1> kernel_size)
      : Conv1dImpl(Conv1dOptions(in_channels, out_channels, kernel_size)) {}
};
EMBER_MODULE(Conv1d);

class Conv2dImpl : public ConvNdImpl<2> {
public:
  explicit Conv2dImpl(const Conv2dOptions &options) : ConvNdImpl("Conv2d", options) {}
  Conv2dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<2> kernel_size)
      : Conv2dImpl(Conv2dOptions(in_channels, out_channels, kernel_size)) {}
};
EMBER_MODULE(Conv2d);

class Conv3dImpl : public ConvNdImpl<3> {
public:
  explicit Conv3dImpl(const Conv3dOptions &options) : ConvNdImpl("Conv3d", options) {}
  Conv3dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<3> kernel_size)
      : Conv3dImpl(Conv3dOptions(in_channels, out_channels, kernel_size)) {}
};
EMBER_MODULE(Conv3d);

template <size_t D> struct ConvTransposeOptions {
  ConvTransposeOptions(int64_t in_channels, int64_t out_channels, ExpandingArray<D> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  EMBER_ARG(int64_t, in_channels);
  EMBER_ARG(int64_t, out_channels);
  EMBER_ARG(ExpandingArray<D>, kernel_size);
  EMBER_ARG(ExpandingArray<D>, stride) = 1;
  EMBER_ARG(ExpandingArray<D>, padding) = 0;
  EMBER_ARG(ExpandingArray<D>, output_padding) = 0;
  EMBER_ARG(int64_t, groups) = 1;
  EMBER_ARG(bool, bias) = true;
  EMBER_ARG(ExpandingArray<D>, dilation) = 1;
  // Only "zeros", as in torch.
  EMBER_ARG(std::string, padding_mode) = "zeros";
};
using ConvTranspose1dOptions = ConvTransposeOptions<1>;
using ConvTranspose2dOptions = ConvTransposeOptions<2>;
using ConvTranspose3dOptions = ConvTransposeOptions<3>;

// A D-dimensional transposed convolution: weight [in_channels, out_channels / groups, *kernel].
template <size_t D> class ConvTransposeNdImpl : public Module {
public:
  ConvTransposeNdImpl(std::string name, const ConvTransposeOptions<D> &options);
  // output_size (the spatial sizes, optionally with the leading N, C) picks the output_padding
  // that resolves the ambiguity of strided transposed convolutions, as torch's.
  Tensor forward(const Tensor &input, const std::optional<Shape> &output_size = std::nullopt);
  void reset_parameters();
  void pretty_print(std::ostream &out) const override;

  ConvTransposeOptions<D> options;
  Tensor weight, bias;
};

class ConvTranspose1dImpl : public ConvTransposeNdImpl<1> {
public:
  explicit ConvTranspose1dImpl(const ConvTranspose1dOptions &options)
      : ConvTransposeNdImpl("ConvTranspose1d", options) {}
  ConvTranspose1dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<1> kernel_size)
      : ConvTranspose1dImpl(ConvTranspose1dOptions(in_channels, out_channels, kernel_size)) {}
};
EMBER_MODULE(ConvTranspose1d);

class ConvTranspose2dImpl : public ConvTransposeNdImpl<2> {
public:
  explicit ConvTranspose2dImpl(const ConvTranspose2dOptions &options)
      : ConvTransposeNdImpl("ConvTranspose2d", options) {}
  ConvTranspose2dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<2> kernel_size)
      : ConvTranspose2dImpl(ConvTranspose2dOptions(in_channels, out_channels, kernel_size)) {}
};
EMBER_MODULE(ConvTranspose2d);

class ConvTranspose3dImpl : public ConvTransposeNdImpl<3> {
public:
  explicit ConvTranspose3dImpl(const ConvTranspose3dOptions &options)
      : ConvTransposeNdImpl("ConvTranspose3d", options) {}
  ConvTranspose3dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<3> kernel_size)
      : ConvTranspose3dImpl(ConvTranspose3dOptions(in_channels, out_channels, kernel_size)) {}
};
EMBER_MODULE(ConvTranspose3d);

extern template class ConvNdImpl<1>;
extern template class ConvNdImpl<2>;
extern template class ConvNdImpl<3>;
extern template class ConvTransposeNdImpl<1>;
extern template class ConvTransposeNdImpl<2>;
extern template class ConvTransposeNdImpl<3>;

} // namespace ember::nn
