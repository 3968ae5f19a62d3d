// ember._C._nn: the C++ nn functional ops (ember::nn::functional) that ember.nn.functional and
// the Python layers call, with torch.nn.functional's argument names and defaults.
#include "casters.h"

#include "ember/nn/functional.h"

namespace ember::python {

namespace {

// Padding given as ints or as "same"/"valid".
template <typename Conv, typename ConvMode>
Tensor conv(Conv conv_numeric, ConvMode conv_mode, const Tensor &input, const Tensor &weight,
            const std::optional<Tensor> &bias, const Dims &stride, py::handle padding,
            const Dims &dilation, int64_t groups) {
  if (py::isinstance<py::str>(padding))
    return conv_mode(input, weight, or_undefined(bias), stride,
                     F::PaddingMode(padding.cast<std::string>()), dilation, groups);
  return conv_numeric(input, weight, or_undefined(bias), stride, padding.cast<Dims>(), dilation,
                      groups);
}

void bind_activations(py::module_ &nn) {
  nn.def("relu", &F::relu, py::arg("input"));
  nn.def("relu6", &F::relu6, py::arg("input"));
  nn.def("leaky_relu", &F::leaky_relu, py::arg("input"), py::arg("negative_slope") = 0.01);
  nn.def("elu", &F::elu, py::arg("input"), py::arg("alpha") = 1.0);
  nn.def("selu", &F::selu, py::arg("input"));
  nn.def("celu", &F::celu, py::arg("input"), py::arg("alpha") = 1.0);
  nn.def("gelu", &F::gelu, py::arg("input"), py::kw_only(), py::arg("approximate") = "none");
  nn.def("silu", &F::silu, py::arg("input"));
  nn.def("mish", &F::mish, py::arg("input"));
  nn.def("softplus", &F::softplus, py::arg("input"), py::arg("beta") = 1.0,
         py::arg("threshold") = 20.0);
  nn.def("softsign", &F::softsign, py::arg("input"));
  nn.def("hardtanh", &F::hardtanh, py::arg("input"), py::arg("min_val") = -1.0,
         py::arg("max_val") = 1.0);
  nn.def("hardsigmoid", &F::hardsigmoid, py::arg("input"));
  nn.def("hardswish", &F::hardswish, py::arg("input"));
  nn.def("logsigmoid", &F::logsigmoid, py::arg("input"));
  nn.def("glu", &F::glu, py::arg("input"), py::arg("dim") = -1);
  nn.def("softmax", &F::softmax, py::arg("input"), py::arg("dim"), py::arg("dtype") = py::none());
  nn.def("log_softmax", &F::log_softmax, py::arg("input"), py::arg("dim"),
         py::arg("dtype") = py::none());
  nn.def("softmin", &F::softmin, py::arg("input"), py::arg("dim"), py::arg("dtype") = py::none());
}

void bind_layers(py::module_ &nn) {
  nn.def(
      "linear",
      [](const Tensor &input, const Tensor &weight, const std::optional<Tensor> &bias) {
        return F::linear(input, weight, or_undefined(bias));
      },
      py::arg("input"), py::arg("weight"), py::arg("bias") = py::none());
  nn.def(
      "bilinear",
      [](const Tensor &a, const Tensor &b, const Tensor &weight,
         const std::optional<Tensor> &bias) {
        return F::bilinear(a, b, weight, or_undefined(bias));
      },
      py::arg("input1"), py::arg("input2"), py::arg("weight"), py::arg("bias") = py::none());
  nn.def("dropout", &F::dropout, py::arg("input"), py::arg("p") = 0.5, py::arg("training") = true);
  nn.def("dropout2d", &F::dropout2d, py::arg("input"), py::arg("p") = 0.5,
         py::arg("training") = true);
  nn.def("embedding", &F::embedding, py::arg("input"), py::arg("weight"),
         py::arg("padding_idx") = py::none(), py::arg("max_norm") = py::none(),
         py::arg("norm_type") = 2.0);
  nn.def(
      "scaled_dot_product_attention",
      [](const Tensor &q, const Tensor &k, const Tensor &v, const std::optional<Tensor> &mask,
         double dropout_p, bool is_causal, std::optional<double> scale) {
        return F::scaled_dot_product_attention(q, k, v, or_undefined(mask), dropout_p, is_causal,
                                               scale);
      },
      py::arg("query"), py::arg("key"), py::arg("value"), py::arg("attn_mask") = py::none(),
      py::arg("dropout_p") = 0.0, py::arg("is_causal") = false, py::kw_only(),
      py::arg("scale") = py::none());
  nn.def("one_hot", &ember::one_hot, py::arg("tensor"), py::arg("num_classes") = -1);
  nn.def(
      "pad",
      [](const Tensor &input, const Dims &pad, const Scalar &value) {
        return ember::pad(input, pad, value);
      },
      py::arg("input"), py::arg("pad"), py::arg("value") = 0);
}

void bind_losses(py::module_ &nn) {
  nn.def("mse_loss", &F::mse_loss, py::arg("input"), py::arg("target"),
         py::arg("reduction") = "mean");
  nn.def("l1_loss", &F::l1_loss, py::arg("input"), py::arg("target"),
         py::arg("reduction") = "mean");
  nn.def("smooth_l1_loss", &F::smooth_l1_loss, py::arg("input"), py::arg("target"),
         py::arg("reduction") = "mean", py::arg("beta") = 1.0);
  nn.def("huber_loss", &F::huber_loss, py::arg("input"), py::arg("target"),
         py::arg("reduction") = "mean", py::arg("delta") = 1.0);
  nn.def(
      "cross_entropy",
      [](const Tensor &input, const Tensor &target, const std::optional<Tensor> &weight,
         int64_t ignore_index, const std::string &reduction, double label_smoothing) {
        return F::cross_entropy(input, target, or_undefined(weight), ignore_index, reduction,
                                label_smoothing);
      },
      py::arg("input"), py::arg("target"), py::arg("weight") = py::none(),
      py::arg("ignore_index") = -100, py::arg("reduction") = "mean",
      py::arg("label_smoothing") = 0.0);
  nn.def(
      "nll_loss",
      [](const Tensor &input, const Tensor &target, const std::optional<Tensor> &weight,
         int64_t ignore_index, const std::string &reduction) {
        return F::nll_loss(input, target, or_undefined(weight), ignore_index, reduction);
      },
      py::arg("input"), py::arg("target"), py::arg("weight") = py::none(),
      py::arg("ignore_index") = -100, py::arg("reduction") = "mean");
  nn.def(
      "binary_cross_entropy",
      [](const Tensor &input, const Tensor &target, const std::optional<Tensor> &weight,
         const std::string &reduction) {
        return F::binary_cross_entropy(input, target, or_undefined(weight), reduction);
      },
      py::arg("input"), py::arg("target"), py::arg("weight") = py::none(),
      py::arg("reduction") = "mean");
  nn.def(
      "binary_cross_entropy_with_logits",
      [](const Tensor &input, const Tensor &target, const std::optional<Tensor> &weight,
         const std::string &reduction, const std::optional<Tensor> &pos_weight) {
        return F::binary_cross_entropy_with_logits(input, target, or_undefined(weight), reduction,
                                                   or_undefined(pos_weight));
      },
      py::arg("input"), py::arg("target"), py::arg("weight") = py::none(),
      py::arg("reduction") = "mean", py::arg("pos_weight") = py::none());
  nn.def("kl_div", &F::kl_div, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean",
         py::arg("log_target") = false);
}

void bind_norms(py::module_ &nn) {
  nn.def(
      "batch_norm",
      [](const Tensor &input, const std::optional<Tensor> &running_mean,
         const std::optional<Tensor> &running_var, const std::optional<Tensor> &weight,
         const std::optional<Tensor> &bias, bool training, double momentum, double eps) {
        return F::batch_norm(input, or_undefined(running_mean), or_undefined(running_var),
                             or_undefined(weight), or_undefined(bias), training, momentum, eps);
      },
      py::arg("input"), py::arg("running_mean"), py::arg("running_var"),
      py::arg("weight") = py::none(), py::arg("bias") = py::none(), py::arg("training") = false,
      py::arg("momentum") = 0.1, py::arg("eps") = 1e-5);
  nn.def(
      "layer_norm",
      [](const Tensor &input, const Dims &shape, const std::optional<Tensor> &weight,
         const std::optional<Tensor> &bias, double eps) {
        return F::layer_norm(input, shape, or_undefined(weight), or_undefined(bias), eps);
      },
      py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = py::none(),
      py::arg("bias") = py::none(), py::arg("eps") = 1e-5);
  nn.def(
      "group_norm",
      [](const Tensor &input, int64_t groups, const std::optional<Tensor> &weight,
         const std::optional<Tensor> &bias, double eps) {
        return F::group_norm(input, groups, or_undefined(weight), or_undefined(bias), eps);
      },
      py::arg("input"), py::arg("num_groups"), py::arg("weight") = py::none(),
      py::arg("bias") = py::none(), py::arg("eps") = 1e-5);
}

void bind_convolutions(py::module_ &nn) {
  using ConvNumeric = Tensor (*)(const Tensor &, const Tensor &, const Tensor &, IntArrayRef,
                                 IntArrayRef, IntArrayRef, int64_t);
  using ConvMode = Tensor (*)(const Tensor &, const Tensor &, const Tensor &, IntArrayRef,
                              F::PaddingMode, IntArrayRef, int64_t);
  auto def_conv = [&](const char *name, ConvNumeric numeric, ConvMode mode) {
    nn.def(
        name,
        [numeric, mode](const Tensor &input, const Tensor &weight,
                        const std::optional<Tensor> &bias, const Dims &stride, py::handle padding,
                        const Dims &dilation, int64_t groups) {
          return conv(numeric, mode, input, weight, bias, stride, padding, dilation, groups);
        },
        py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1,
        py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("groups") = 1);
  };
  def_conv("conv1d", &F::conv1d, &F::conv1d);
  def_conv("conv2d", &F::conv2d, &F::conv2d);
  def_conv("conv3d", &F::conv3d, &F::conv3d);
  nn.def(
      "conv_transpose2d",
      [](const Tensor &input, const Tensor &weight, const std::optional<Tensor> &bias,
         const Dims &stride, const Dims &padding, const Dims &output_padding, int64_t groups,
         const Dims &dilation) {
        return F::conv_transpose2d(input, weight, or_undefined(bias), stride, padding,
                                   output_padding, groups, dilation);
      },
      py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1,
      py::arg("padding") = 0, py::arg("output_padding") = 0, py::arg("groups") = 1,
      py::arg("dilation") = 1);
  nn.def(
      "max_pool2d",
      [](const Tensor &input, const Dims &kernel, std::optional<Dims> stride, const Dims &padding,
         const Dims &dilation, bool ceil_mode, bool return_indices) -> py::object {
        const Dims s = stride.value_or(Dims{});
        if (return_indices)
          return py::cast(
              F::max_pool2d_with_indices(input, kernel, s, padding, dilation, ceil_mode));
        return py::cast(F::max_pool2d(input, kernel, s, padding, dilation, ceil_mode));
      },
      py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(),
      py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("ceil_mode") = false,
      py::arg("return_indices") = false);
  nn.def(
      "avg_pool2d",
      [](const Tensor &input, const Dims &kernel, std::optional<Dims> stride, const Dims &padding,
         bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
        return F::avg_pool2d(input, kernel, stride.value_or(Dims{}), padding, ceil_mode,
                             count_include_pad, divisor_override);
      },
      py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(),
      py::arg("padding") = 0, py::arg("ceil_mode") = false, py::arg("count_include_pad") = true,
      py::arg("divisor_override") = py::none());
  nn.def(
      "adaptive_avg_pool2d",
      [](const Tensor &input, const Dims &size) { return F::adaptive_avg_pool2d(input, size); },
      py::arg("input"), py::arg("output_size"));
  nn.def(
      "adaptive_max_pool2d",
      [](const Tensor &input, const Dims &size) { return F::adaptive_max_pool2d(input, size); },
      py::arg("input"), py::arg("output_size"));
  nn.def("pixel_shuffle", &F::pixel_shuffle, py::arg("input"), py::arg("upscale_factor"));
  nn.def("pixel_unshuffle", &F::pixel_unshuffle, py::arg("input"), py::arg("downscale_factor"));
  nn.def(
      "interpolate",
      [](const Tensor &input, std::optional<Dims> size, std::optional<std::vector<double>> scale,
         const std::string &mode, std::optional<bool> align_corners) {
        return F::interpolate(input, size ? std::optional<Shape>(size->values) : std::nullopt,
                              scale, mode, align_corners);
      },
      py::arg("input"), py::arg("size") = py::none(), py::arg("scale_factor") = py::none(),
      py::arg("mode") = "nearest", py::arg("align_corners") = py::none());
}

} // namespace

void bind_nn(py::module_ &m) {
  py::module_ nn = m.def_submodule("_nn", "C++ nn functional ops");
  bind_activations(nn);
  bind_layers(nn);
  bind_losses(nn);
  bind_norms(nn);
  bind_convolutions(nn);
  bind_nn_sequence(nn);
}

} // namespace ember::python
