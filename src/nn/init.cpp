// nn::init: the same distributions and bounds as torch.nn.init.
#include "ember/nn/init.h"

#include <algorithm>
#include <cmath>

#include "ember/autograd.h"
#include "ember/ops.h"
#include "ember/random.h"

namespace ember::nn::init {

double calculate_gain(const std::string &nonlinearity, std::optional<double> param) {
  if (nonlinearity == "linear" || nonlinearity == "conv1d" || nonlinearity == "conv2d" ||
      nonlinearity == "conv3d" || nonlinearity == "conv_transpose1d" ||
      nonlinearity == "conv_transpose2d" || nonlinearity == "conv_transpose3d" ||
      nonlinearity == "sigmoid")
    return 1.0;
  if (nonlinearity == "tanh")
    return 5.0 / 3.0;
  if (nonlinearity == "relu")
    return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") {
    double slope = param.value_or(0.01);
    return std::sqrt(2.0 / (1 + slope * slope));
  }
  if (nonlinearity == "selu")
    return 3.0 / 4.0;
  throw Error("calculate_gain: unsupported nonlinearity " + nonlinearity);
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor &tensor) {
  EMBER_CHECK(tensor.dim() >= 2, "calculate_fan_in_and_fan_out: fan in and fan out can not be "
              "computed for tensor with fewer than 2 dimensions (shape ", tensor.sizes(), ")");
  int64_t receptive_field = 1;
  for (int64_t d = 2; d < tensor.dim(); ++d)
    receptive_field *= tensor.size(d);
  return {tensor.size(1) * receptive_field, tensor.size(0) * receptive_field};
}

static int64_t fan(const Tensor &tensor, const std::string &mode) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  EMBER_CHECK(mode == "fan_in" || mode == "fan_out", "kaiming init: mode ", mode,
              " not supported, please use one of fan_in, fan_out");
  return mode == "fan_in" ? fan_in : fan_out;
}

Tensor uniform_(Tensor tensor, double a, double b) {
  NoGradGuard no_grad;
  return tensor.uniform_(a, b);
}

Tensor normal_(Tensor tensor, double mean, double std) {
  NoGradGuard no_grad;
  return tensor.normal_(mean, std);
}

// Inverse error function (Giles, "Approximating the erfinv function", 2010), refined by two
// Newton steps to double precision.
static double erfinv(double y) {
  double w = -std::log((1.0 - y) * (1.0 + y)), x;
  if (w < 5.0) {
    w -= 2.5;
    x = 2.81022636e-08;
    for (double c : {3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                     -0.00125372503, -0.00417768164, 0.246640727, 1.50140941})
      x = c + x * w;
  } else {
    w = std::sqrt(w) - 3.0;
    x = -0.000200214257;
    for (double c : {0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                     -0.0076224613, 0.00943887047, 1.00167406, 2.83297682})
      x = c + x * w;
  }
  x *= y;
  for (int step = 0; step < 2; ++step)
    x -= (std::erf(x) - y) / (2.0 / std::sqrt(M_PI) * std::exp(-x * x));
  return x;
}

Tensor trunc_normal_(Tensor tensor, double mean, double std, double a, double b) {
  NoGradGuard no_grad;
  // Inverse-CDF sampling of the normal restricted to [a, b], as torch does.
  auto normal_cdf = [](double x) { return (1 + std::erf(x / std::sqrt(2.0))) / 2; };
  double low = normal_cdf((a - mean) / std), high = normal_cdf((b - mean) / std);
  Tensor samples = empty(tensor.sizes(), dtype(kFloat64)).uniform_(2 * low - 1, 2 * high - 1);
  double *data = samples.data_ptr<double>();
  for (int64_t i = 0; i < samples.numel(); ++i)
    data[i] = std::clamp(mean + std * std::sqrt(2.0) * erfinv(data[i]), a, b);
  tensor.copy_(samples);
  return tensor;
}

Tensor constant_(Tensor tensor, const Scalar &value) {
  NoGradGuard no_grad;
  return tensor.fill_(value);
}

Tensor ones_(Tensor tensor) { return constant_(tensor, 1); }
Tensor zeros_(Tensor tensor) { return constant_(tensor, 0); }

Tensor eye_(Tensor tensor) {
  EMBER_CHECK(tensor.dim() == 2, "eye_: only tensors with 2 dimensions are supported, got shape ",
              tensor.sizes());
  NoGradGuard no_grad;
  tensor.zero_();
  tensor.diagonal().fill_(1);
  return tensor;
}

Tensor xavier_uniform_(Tensor tensor, double gain) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  double bound = gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  return uniform_(tensor, -bound, bound);
}

Tensor xavier_normal_(Tensor tensor, double gain) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  return normal_(tensor, 0, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)));
}

Tensor kaiming_uniform_(Tensor tensor, double a, const std::string &mode,
                        const std::string &nonlinearity) {
  double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan(tensor, mode)));
  double bound = std::sqrt(3.0) * std;
  return uniform_(tensor, -bound, bound);
}

Tensor kaiming_normal_(Tensor tensor, double a, const std::string &mode,
                       const std::string &nonlinearity) {
  double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan(tensor, mode)));
  return normal_(tensor, 0, std);
}

Tensor orthogonal_(Tensor tensor, double gain) {
  EMBER_CHECK(tensor.dim() >= 2, "orthogonal_: only tensors with 2 or more dimensions are "
              "supported, got shape ", tensor.sizes());
  NoGradGuard no_grad;
  const int64_t rows = tensor.size(0), columns = tensor.numel() / rows;
  // Orthonormalize the rows (or columns, whichever are fewer) of a normal matrix by modified
  // Gram-Schmidt, which is what QR computes, with the sign convention making it unique.
  const bool transpose = rows < columns;
  const int64_t count = transpose ? rows : columns, length = transpose ? columns : rows;
  Tensor basis = randn({count, length}, dtype(kFloat64)).contiguous();
  double *v = basis.data_ptr<double>();
  for (int64_t i = 0; i < count; ++i) {
    double *vi = v + i * length;
    for (int64_t j = 0; j < i; ++j) {
      const double *vj = v + j * length;
      double projection = 0;
      for (int64_t k = 0; k < length; ++k)
        projection += vi[k] * vj[k];
      for (int64_t k = 0; k < length; ++k)
        vi[k] -= projection * vj[k];
    }
    double norm = 0;
    for (int64_t k = 0; k < length; ++k)
      norm += vi[k] * vi[k];
    norm = std::sqrt(norm);
    EMBER_CHECK(norm > 0, "orthogonal_: degenerate random matrix, try again");
    for (int64_t k = 0; k < length; ++k)
      vi[k] /= norm;
  }
  Tensor q = transpose ? basis : basis.t();
  tensor.copy_(q.mul(gain).reshape(tensor.sizes()));
  return tensor;
}

} // namespace ember::nn::init
