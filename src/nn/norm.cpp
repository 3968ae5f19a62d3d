// Normalization: batch_norm and layer_norm are fused primitives with their own backward kernels;
// group_norm, instance_norm and rms_norm are built from them and other ember ops.
//
// The fused kernels make two passes over cache-resident data per channel (batch_norm) or per row
// (layer_norm): the mean, then the centred sum of squares, which stays exact where a one-pass
// sum of squares would cancel. Work is split over channels or rows; inner loops run over
// contiguous memory and vectorize through `omp simd` reductions. The backward kernels serve the
// usual first-order backward; when the gradient's own graph is recorded (create_graph) the same
// formulas run as differentiable ember ops instead, so double backward comes for free.
#include "ember/nn/functional/norm.h"

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "autograd/record.h"
#include "backend/cpu/parallel.h"

namespace ember::nn::functional {
namespace {

using autograd::BackwardContext;

// Long sums are cut into blocks summed in T (vectorized) and added up in double, so the rounding
// error of a float sum stays that of a short one. The loops are spelled out over plain pointers:
// behind a generic term functor gcc vectorized them with gathers, several times slower.
constexpr int64_t kSumBlock = 1024;

template <typename T> double sum_of(const T *a, int64_t length) {
  double total = 0;
  for (int64_t start = 0; start < length; start += kSumBlock) {
    const int64_t stop = std::min(length, start + kSumBlock);
    T partial = 0;
#pragma omp simd reduction(+ : partial)
    for (int64_t i = start; i < stop; ++i)
      partial += a[i];
    total += partial;
  }
  return total;
}

// sum((a - centre)^2)
template <typename T> double centred_squares(const T *a, int64_t length, T centre) {
  double total = 0;
  for (int64_t start = 0; start < length; start += kSumBlock) {
    const int64_t stop = std::min(length, start + kSumBlock);
    T partial = 0;
#pragma omp simd reduction(+ : partial)
    for (int64_t i = start; i < stop; ++i)
      partial += (a[i] - centre) * (a[i] - centre);
    total += partial;
  }
  return total;
}

// {sum(g), sum(g * (x - centre))} with g = dy * w, or g = dy when w is null.
template <typename T>
std::pair<double, double> grad_sums(const T *x, const T *dy, const T *w, int64_t length, T centre) {
  double total = 0, total_centred = 0;
  for (int64_t start = 0; start < length; start += kSumBlock) {
    const int64_t stop = std::min(length, start + kSumBlock);
    T partial = 0, partial_centred = 0;
    if (w) {
#pragma omp simd reduction(+ : partial, partial_centred)
      for (int64_t i = start; i < stop; ++i) {
        partial += dy[i] * w[i];
        partial_centred += dy[i] * w[i] * (x[i] - centre);
      }
    } else {
#pragma omp simd reduction(+ : partial, partial_centred)
      for (int64_t i = start; i < stop; ++i) {
        partial += dy[i];
        partial_centred += dy[i] * (x[i] - centre);
      }
    }
    total += partial;
    total_centred += partial_centred;
  }
  return {total, total_centred};
}

// Items per thread chunk so that a chunk holds about cpu::kGrainSize elements.
int64_t grain_for(int64_t elements_per_item) {
  return std::max<int64_t>(1, cpu::kGrainSize / std::max<int64_t>(1, elements_per_item));
}

std::vector<double> to_doubles(const Tensor &t) {
  Tensor d = t.to(kFloat64).contiguous();
  return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

Tensor from_doubles(const std::vector<double> &values, DType dtype) {
  Tensor t = empty({static_cast<int64_t>(values.size())}, ember::dtype(kFloat64));
  std::copy(values.begin(), values.end(), t.data_ptr<double>());
  return t.to(dtype);
}

// Shape [1, C, 1, ...] (ndim dims) that broadcasts per-channel values against [N, C, *].
Shape channel_shape(int64_t ndim, int64_t channels) {
  Shape shape(ndim, 1);
  shape[1] = channels;
  return shape;
}

// The backward of y = (x - mean) * invstd * w + b in ember ops, for create_graph. With
// recompute_stats the statistics are recomputed from x over stat_dims (so that they, too, are
// differentiated); otherwise mean and invstd are constants (batch_norm in evaluation mode).
// weight is already shaped to broadcast against x; param_dims are the dims its gradient sums.
TensorList normalize_backward_composite(const Tensor &x, const Tensor &weight, const Tensor &grad,
                                        Tensor mean, Tensor invstd, const Shape &stat_dims,
                                        const Shape &param_dims, bool recompute_stats, double eps,
                                        const std::vector<bool> &needs) {
  if (recompute_stats) {
    mean = x.mean(stat_dims, true);
    invstd = rsqrt(x.var(stat_dims, 0, true) + eps);
  }
  Tensor xhat = (x - mean) * invstd;
  auto sum_params = [&](const Tensor &t) { return param_dims.empty() ? t : t.sum(param_dims); };
  Tensor grad_input, grad_weight, grad_bias;
  if (needs[0]) {
    Tensor g = weight.defined() ? grad * weight : grad;
    grad_input =
        recompute_stats
            ? invstd * (g - g.mean(stat_dims, true) - xhat * (g * xhat).mean(stat_dims, true))
            : g * invstd;
  }
  if (needs[1])
    grad_weight = sum_params(grad * xhat);
  if (needs[2])
    grad_bias = sum_params(grad);
  return {grad_input, grad_weight, grad_bias};
}

// ---- batch_norm kernels ---------------------------------------------------------------------
// The input is viewed as contiguous [batch, channels, spatial]. With spatial > 1 every (n, c) is
// a contiguous run and channels are split over threads; with spatial == 1 ([N, C] input) the
// channels of a row are contiguous, so the inner loops run across channels instead.

struct ChannelLayout {
  int64_t batch, channels, spatial;
  int64_t per_channel() const { return batch * spatial; }
};

ChannelLayout channel_layout(const Tensor &input) {
  const int64_t channels = input.size(1);
  const int64_t spatial = shape_numel(IntArrayRef(input.sizes().data() + 2, input.dim() - 2));
  return {input.size(0), channels, spatial};
}

template <typename T>
void channel_moments(const T *x, const ChannelLayout &g, double *mean, double *var) {
  const double count = static_cast<double>(g.per_channel());
  if (g.spatial == 1) {
    cpu::parallel_for(0, g.channels, grain_for(g.batch), [&](int64_t begin, int64_t end) {
      std::fill(mean + begin, mean + end, 0.0);
      std::fill(var + begin, var + end, 0.0);
      for (int64_t n = 0; n < g.batch; ++n) {
        const T *row = x + n * g.channels;
#pragma omp simd
        for (int64_t c = begin; c < end; ++c)
          mean[c] += row[c];
      }
      for (int64_t c = begin; c < end; ++c)
        mean[c] /= count;
      for (int64_t n = 0; n < g.batch; ++n) {
        const T *row = x + n * g.channels;
#pragma omp simd
        for (int64_t c = begin; c < end; ++c) {
          const double d = row[c] - mean[c];
          var[c] += d * d;
        }
      }
      for (int64_t c = begin; c < end; ++c)
        var[c] /= count;
    });
    return;
  }
  cpu::parallel_for(0, g.channels, grain_for(g.per_channel()), [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      double sum = 0;
      for (int64_t n = 0; n < g.batch; ++n)
        sum += sum_of(x + (n * g.channels + c) * g.spatial, g.spatial);
      const T centre = static_cast<T>(sum / count);
      double squares = 0;
      for (int64_t n = 0; n < g.batch; ++n)
        squares += centred_squares(x + (n * g.channels + c) * g.spatial, g.spatial, centre);
      mean[c] = centre;
      var[c] = squares / count;
    }
  });
}

// sum_grad[c] = sum(dy), sum_grad_centred[c] = sum(dy * (x - mean[c])) over each channel.
template <typename T>
void channel_grad_sums(const T *x, const T *dy, const ChannelLayout &g, const double *mean,
                       double *sum_grad, double *sum_grad_centred) {
  if (g.spatial == 1) {
    cpu::parallel_for(0, g.channels, grain_for(g.batch), [&](int64_t begin, int64_t end) {
      std::fill(sum_grad + begin, sum_grad + end, 0.0);
      std::fill(sum_grad_centred + begin, sum_grad_centred + end, 0.0);
      for (int64_t n = 0; n < g.batch; ++n) {
        const T *x_row = x + n * g.channels;
        const T *dy_row = dy + n * g.channels;
#pragma omp simd
        for (int64_t c = begin; c < end; ++c) {
          sum_grad[c] += dy_row[c];
          sum_grad_centred[c] += dy_row[c] * (x_row[c] - mean[c]);
        }
      }
    });
    return;
  }
  cpu::parallel_for(0, g.channels, grain_for(g.per_channel()), [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      const T centre = static_cast<T>(mean[c]);
      double total = 0, total_centred = 0;
      for (int64_t n = 0; n < g.batch; ++n) {
        const int64_t at = (n * g.channels + c) * g.spatial;
        auto [a, b] = grad_sums<T>(x + at, dy + at, nullptr, g.spatial, centre);
        total += a;
        total_centred += b;
      }
      sum_grad[c] = total;
      sum_grad_centred[c] = total_centred;
    }
  });
}

// out = a * scale_a[c] + b * scale_b[c] + shift[c]; b may be null.
template <typename T>
void channel_affine(T *out, const T *a, const T *scale_a, const T *b, const T *scale_b,
                    const T *shift, const ChannelLayout &g) {
  if (g.spatial == 1) {
    cpu::parallel_for(0, g.batch, grain_for(g.channels), [&](int64_t begin, int64_t end) {
      for (int64_t n = begin; n < end; ++n) {
        const int64_t at = n * g.channels;
        if (b) {
#pragma omp simd
          for (int64_t c = 0; c < g.channels; ++c)
            out[at + c] = a[at + c] * scale_a[c] + b[at + c] * scale_b[c] + shift[c];
        } else {
#pragma omp simd
          for (int64_t c = 0; c < g.channels; ++c)
            out[at + c] = a[at + c] * scale_a[c] + shift[c];
        }
      }
    });
    return;
  }
  cpu::parallel_for(0, g.batch * g.channels, grain_for(g.spatial), [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t c = row % g.channels, at = row * g.spatial;
      const T sa = scale_a[c], sh = shift[c];
      T *o = out + at;
      const T *a_run = a + at;
      if (b) {
        const T sb = scale_b[c];
        const T *b_run = b + at;
#pragma omp simd
        for (int64_t i = 0; i < g.spatial; ++i)
          o[i] = a_run[i] * sa + b_run[i] * sb + sh;
      } else {
#pragma omp simd
        for (int64_t i = 0; i < g.spatial; ++i)
          o[i] = a_run[i] * sa + sh;
      }
    }
  });
}

template <typename T> std::vector<T> cast_all(const std::vector<double> &values) {
  return std::vector<T>(values.begin(), values.end());
}

// First-order batch_norm backward with the fused kernels. mean and invstd are the statistics
// the forward normalized with (float64, [C]).
TensorList batch_norm_backward_fused(const Tensor &input, const Tensor &weight, const Tensor &mean,
                                     const Tensor &invstd, const Tensor &grad, bool training,
                                     const std::vector<bool> &needs) {
  const Tensor x = input.contiguous(), dy = grad.contiguous();
  const ChannelLayout g = channel_layout(x);
  const std::vector<double> m = to_doubles(mean), is = to_doubles(invstd);
  const std::vector<double> w =
      weight.defined() ? to_doubles(weight) : std::vector<double>(g.channels, 1.0);
  std::vector<double> sum_grad(g.channels), sum_centred(g.channels);
  TensorList grads(3);
  dispatch_floating(x.dtype(), "batch_norm_backward", [&](auto tag) {
    using T = decltype(tag);
    const T *xp = x.data_ptr<T>(), *dyp = dy.data_ptr<T>();
    if (training || needs[1] || needs[2])
      channel_grad_sums<T>(xp, dyp, g, m.data(), sum_grad.data(), sum_centred.data());
    if (needs[0]) {
      // dx = (dy - mean(dy) - xhat * mean(dy * xhat)) * invstd * w is affine in dy and x per
      // channel, so one sweep computes it.
      const double count = static_cast<double>(g.per_channel());
      std::vector<double> scale_dy(g.channels), scale_x(g.channels, 0.0), shift(g.channels, 0.0);
      for (int64_t c = 0; c < g.channels; ++c) {
        scale_dy[c] = is[c] * w[c];
        if (training) {
          scale_x[c] = -scale_dy[c] * is[c] * is[c] * sum_centred[c] / count;
          shift[c] = -scale_dy[c] * sum_grad[c] / count - scale_x[c] * m[c];
        }
      }
      Tensor dx = empty(x.sizes(), x.options());
      const auto sdy = cast_all<T>(scale_dy), sx = cast_all<T>(scale_x), sh = cast_all<T>(shift);
      channel_affine<T>(dx.data_ptr<T>(), dyp, sdy.data(), training ? xp : nullptr, sx.data(),
                        sh.data(), g);
      grads[0] = dx;
    }
  });
  if (needs[1]) {
    std::vector<double> grad_weight(g.channels);
    for (int64_t c = 0; c < g.channels; ++c)
      grad_weight[c] = sum_centred[c] * is[c];
    grads[1] = from_doubles(grad_weight, weight.dtype());
  }
  if (needs[2])
    grads[2] = from_doubles(sum_grad, x.dtype());
  return grads;
}

void check_channel_param(const Tensor &param, const char *name, const Tensor &input) {
  EMBER_CHECK(!param.defined() || param.numel() == input.size(1), "batch_norm: expected ", name,
              " of size ", input.size(1), " (channels of input ", input.sizes(), "), got ",
              param.defined() ? param.numel() : 0);
}

// torch.finfo(dtype).eps, rms_norm's default eps.
double machine_epsilon(DType dtype) {
  switch (dtype) {
  case kFloat64:
    return std::numeric_limits<double>::epsilon();
  case kFloat16:
    return 0.0009765625; // 2^-10
  case kBFloat16:
    return 0.0078125; // 2^-7
  default:
    return std::numeric_limits<float>::epsilon();
  }
}

// ---- layer_norm kernels ---------------------------------------------------------------------
// The input is viewed as contiguous [rows, cols]; rows are split over threads.

template <typename T>
void layer_norm_rows(const T *x, const T *w, const T *b, T *out, T *mean, T *rstd, int64_t rows,
                     int64_t cols, double eps) {
  cpu::parallel_for(0, rows, grain_for(cols), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const T *row = x + r * cols;
      const T centre = static_cast<T>(sum_of(row, cols) / static_cast<double>(cols));
      const double squares = centred_squares(row, cols, centre);
      const T scale = static_cast<T>(1.0 / std::sqrt(squares / static_cast<double>(cols) + eps));
      mean[r] = centre;
      rstd[r] = scale;
      T *o = out + r * cols;
#pragma omp simd
      for (int64_t i = 0; i < cols; ++i)
        o[i] = (row[i] - centre) * scale * w[i] + b[i];
    }
  });
}

TensorList layer_norm_backward_fused(const Tensor &input, const Tensor &weight, const Tensor &mean,
                                     const Tensor &rstd, const Tensor &grad, int64_t cols,
                                     const std::vector<bool> &needs) {
  const Tensor x = input.contiguous(), dy = grad.contiguous();
  const int64_t rows = cols == 0 ? 0 : x.numel() / cols;
  TensorList grads(3);
  dispatch_floating(x.dtype(), "layer_norm_backward", [&](auto tag) {
    using T = decltype(tag);
    const T *xp = x.data_ptr<T>(), *dyp = dy.data_ptr<T>();
    const T *mp = mean.data_ptr<T>(), *rp = rstd.data_ptr<T>();
    const std::vector<T> ones(weight.defined() ? 0 : cols, T(1));
    const Tensor w = weight.defined() ? weight.to(x.dtype()).contiguous() : Tensor();
    const T *wp = w.defined() ? w.data_ptr<T>() : ones.data();
    T *dx = nullptr;
    if (needs[0]) {
      grads[0] = empty(x.sizes(), x.options());
      dx = grads[0].data_ptr<T>();
    }
    // Per-chunk partial sums over rows for the weight and bias gradients, added up after.
    const bool param_grads = needs[1] || needs[2];
    const int64_t chunks = std::max<int64_t>(
        1, std::min<int64_t>(omp_get_max_threads(), rows * cols / cpu::kGrainSize));
    std::vector<T> partial_weight(param_grads ? chunks * cols : 0, T(0));
    std::vector<T> partial_bias(param_grads ? chunks * cols : 0, T(0));
    cpu::parallel_for(0, chunks, 1, [&](int64_t chunk_begin, int64_t chunk_end) {
      for (int64_t chunk = chunk_begin; chunk < chunk_end; ++chunk) {
        T *pw = param_grads ? partial_weight.data() + chunk * cols : nullptr;
        T *pb = param_grads ? partial_bias.data() + chunk * cols : nullptr;
        for (int64_t r = rows * chunk / chunks; r < rows * (chunk + 1) / chunks; ++r) {
          const T *xr = xp + r * cols, *dyr = dyp + r * cols;
          const T centre = mp[r], scale = rp[r];
          if (param_grads) {
#pragma omp simd
            for (int64_t i = 0; i < cols; ++i) {
              pw[i] += dyr[i] * (xr[i] - centre) * scale;
              pb[i] += dyr[i];
            }
          }
          if (!dx)
            continue;
          // dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * w.
          auto [sum_g, sum_g_centred] = grad_sums(xr, dyr, wp, cols, centre);
          const T mean_g = static_cast<T>(sum_g / static_cast<double>(cols));
          const T mean_g_xhat = static_cast<T>(sum_g_centred * scale / static_cast<double>(cols));
          T *dxr = dx + r * cols;
#pragma omp simd
          for (int64_t i = 0; i < cols; ++i)
            dxr[i] = scale * (dyr[i] * wp[i] - mean_g - (xr[i] - centre) * scale * mean_g_xhat);
        }
      }
    });
    if (param_grads) {
      for (int64_t chunk = 1; chunk < chunks; ++chunk)
        for (int64_t i = 0; i < cols; ++i) {
          partial_weight[i] += partial_weight[chunk * cols + i];
          partial_bias[i] += partial_bias[chunk * cols + i];
        }
      const Shape param_shape = weight.defined() ? weight.sizes() : Shape{cols};
      auto first_row = [&](const std::vector<T> &partials) {
        Tensor t = empty(param_shape, x.options());
        std::copy(partials.begin(), partials.begin() + cols, t.data_ptr<T>());
        return t;
      };
      if (needs[1])
        grads[1] = first_row(partial_weight);
      if (needs[2])
        grads[2] = first_row(partial_bias);
    }
  });
  return grads;
}

} // namespace

// ---- batch_norm -------------------------------------------------------------------------------

Tensor batch_norm(const Tensor &input, const Tensor &running_mean, const Tensor &running_var,
                  const Tensor &weight, const Tensor &bias, bool training, double momentum,
                  double eps) {
  EMBER_CHECK(input.dim() >= 2,
              "batch_norm: expected input of shape [N, C, *] (2 or more dims), got ",
              input.sizes());
  check_channel_param(running_mean, "running_mean", input);
  check_channel_param(running_var, "running_var", input);
  check_channel_param(weight, "weight", input);
  check_channel_param(bias, "bias", input);
  EMBER_CHECK(running_mean.defined() == running_var.defined(),
              "batch_norm: running_mean and running_var must be given together");
  EMBER_CHECK(training || running_mean.defined(),
              "batch_norm: running_mean and running_var must be defined in evaluation mode");
  const ChannelLayout g = channel_layout(input);
  EMBER_CHECK(
      !training || g.per_channel() > 1,
      "batch_norm: expected more than 1 value per channel when training, got input of size ",
      input.sizes());

  Tensor out = empty(input.sizes(), input.options());
  std::vector<double> mean(g.channels), var(g.channels), invstd(g.channels);
  {
    NoGradGuard no_grad;
    const Tensor x = input.contiguous();
    if (training) {
      dispatch_floating(x.dtype(), "batch_norm", [&](auto tag) {
        using T = decltype(tag);
        channel_moments<T>(x.data_ptr<T>(), g, mean.data(), var.data());
      });
    } else {
      mean = to_doubles(running_mean);
      var = to_doubles(running_var);
    }
    const std::vector<double> w =
        weight.defined() ? to_doubles(weight) : std::vector<double>(g.channels, 1.0);
    const std::vector<double> b =
        bias.defined() ? to_doubles(bias) : std::vector<double>(g.channels, 0.0);
    std::vector<double> scale(g.channels), shift(g.channels);
    for (int64_t c = 0; c < g.channels; ++c) {
      invstd[c] = 1.0 / std::sqrt(var[c] + eps);
      scale[c] = invstd[c] * w[c];
      shift[c] = b[c] - mean[c] * scale[c];
    }
    dispatch_floating(x.dtype(), "batch_norm", [&](auto tag) {
      using T = decltype(tag);
      const auto scale_t = cast_all<T>(scale), shift_t = cast_all<T>(shift);
      channel_affine<T>(out.data_ptr<T>(), x.data_ptr<T>(), scale_t.data(), nullptr, nullptr,
                        shift_t.data(), g);
    });
    if (training && running_mean.defined()) {
      // As torch: the running variance takes the unbiased batch variance.
      const double count = static_cast<double>(g.per_channel());
      std::vector<double> new_mean(g.channels), new_var(g.channels);
      const std::vector<double> old_mean = to_doubles(running_mean);
      const std::vector<double> old_var = to_doubles(running_var);
      for (int64_t c = 0; c < g.channels; ++c) {
        new_mean[c] = momentum * mean[c] + (1 - momentum) * old_mean[c];
        new_var[c] = momentum * var[c] * count / (count - 1) + (1 - momentum) * old_var[c];
      }
      const_cast<Tensor &>(running_mean).copy_(from_doubles(new_mean, running_mean.dtype()));
      const_cast<Tensor &>(running_var).copy_(from_doubles(new_var, running_var.dtype()));
    }
  }
  if (autograd::needs_grad(input, weight, bias)) {
    const Tensor mean_t = from_doubles(mean, kFloat64), invstd_t = from_doubles(invstd, kFloat64);
    autograd::record(
        "NativeBatchNormBackward", {input, weight, bias}, {out}, {input, weight, mean_t, invstd_t},
        [training, eps](const BackwardContext &ctx, const TensorList &grads) -> TensorList {
          const Tensor &x = ctx.saved[0], &w = ctx.saved[1];
          if (!autograd::is_grad_enabled())
            return batch_norm_backward_fused(x, w, ctx.saved[2], ctx.saved[3], grads[0], training,
                                             ctx.needs_input_grad);
          const Shape bshape = channel_shape(x.dim(), x.size(1));
          Shape dims{0};
          for (int64_t d = 2; d < x.dim(); ++d)
            dims.push_back(d);
          return normalize_backward_composite(x, w.defined() ? w.view(bshape) : w, grads[0],
                                              ctx.saved[2].to(x.dtype()).view(bshape),
                                              ctx.saved[3].to(x.dtype()).view(bshape), dims, dims,
                                              training, eps, ctx.needs_input_grad);
        });
  }
  return out;
}

// ---- layer_norm -------------------------------------------------------------------------------

Tensor layer_norm(const Tensor &input, IntArrayRef normalized_shape, const Tensor &weight,
                  const Tensor &bias, double eps) {
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  const int64_t lead = input.dim() - k;
  bool matches = k >= 1 && lead >= 0;
  for (int64_t d = 0; matches && d < k; ++d)
    matches = input.size(lead + d) == normalized_shape[d];
  EMBER_CHECK(matches, "layer_norm: normalized_shape ", normalized_shape,
              " does not match the last dims of input ", input.sizes());
  for (const Tensor *param : {&weight, &bias})
    EMBER_CHECK(!param->defined() || param->sizes() == normalized_shape.vec(),
                "layer_norm: expected ", param == &weight ? "weight" : "bias", " of shape ",
                normalized_shape, ", got ", param->sizes());
  const int64_t cols = shape_numel(normalized_shape);
  const int64_t rows = cols == 0 ? 0 : input.numel() / cols;
  Tensor out = empty(input.sizes(), input.options());
  Tensor mean = empty({rows}, input.options()), rstd = empty({rows}, input.options());
  {
    NoGradGuard no_grad;
    const Tensor x = input.contiguous();
    const Tensor w =
        weight.defined() ? weight.to(x.dtype()).contiguous() : ones({cols}, x.options());
    const Tensor b = bias.defined() ? bias.to(x.dtype()).contiguous() : zeros({cols}, x.options());
    dispatch_floating(x.dtype(), "layer_norm", [&](auto tag) {
      using T = decltype(tag);
      layer_norm_rows<T>(x.data_ptr<T>(), w.data_ptr<T>(), b.data_ptr<T>(), out.data_ptr<T>(),
                         mean.data_ptr<T>(), rstd.data_ptr<T>(), rows, cols, eps);
    });
  }
  if (autograd::needs_grad(input, weight, bias)) {
    autograd::record(
        "NativeLayerNormBackward", {input, weight, bias}, {out}, {input, weight, mean, rstd},
        [cols, k, eps](const BackwardContext &ctx, const TensorList &grads) -> TensorList {
          const Tensor &x = ctx.saved[0], &w = ctx.saved[1];
          if (!autograd::is_grad_enabled())
            return layer_norm_backward_fused(x, w, ctx.saved[2], ctx.saved[3], grads[0], cols,
                                             ctx.needs_input_grad);
          Shape stat_dims, param_dims;
          for (int64_t d = 0; d < x.dim(); ++d)
            (d < x.dim() - k ? param_dims : stat_dims).push_back(d);
          return normalize_backward_composite(x, w, grads[0], Tensor(), Tensor(), stat_dims,
                                              param_dims, true, eps, ctx.needs_input_grad);
        });
  }
  return out;
}

// ---- composites -------------------------------------------------------------------------------

Tensor group_norm(const Tensor &input, int64_t num_groups, const Tensor &weight, const Tensor &bias,
                  double eps) {
  EMBER_CHECK(input.dim() >= 2, "group_norm: expected input of shape [N, C, *], got ",
              input.sizes());
  const int64_t channels = input.size(1);
  EMBER_CHECK(num_groups > 0 && channels % num_groups == 0,
              "group_norm: expected the number of channels of input ", input.sizes(),
              " to be divisible by num_groups, got num_groups=", num_groups);
  for (const Tensor *param : {&weight, &bias})
    EMBER_CHECK(!param->defined() || (param->dim() == 1 && param->size(0) == channels),
                "group_norm: expected ", param == &weight ? "weight" : "bias", " of shape [",
                channels, "], got ", param->sizes());
  const Tensor grouped = input.reshape({input.size(0), num_groups, -1});
  Tensor out = layer_norm(grouped, {grouped.size(2)}, {}, {}, eps).reshape(input.sizes());
  const Shape bshape = channel_shape(input.dim(), channels);
  if (weight.defined())
    out = out * weight.view(bshape);
  if (bias.defined())
    out = out + bias.view(bshape);
  return out;
}

// As torch: the batch is folded into the channels ([1, N * C, *]) and batch_norm does the work.
Tensor instance_norm(const Tensor &input, const Tensor &running_mean, const Tensor &running_var,
                     const Tensor &weight, const Tensor &bias, bool use_input_stats,
                     double momentum, double eps) {
  EMBER_CHECK(input.dim() >= 3,
              "instance_norm: expected input of shape [N, C, *] with spatial dims, got ",
              input.sizes());
  const int64_t batch = input.size(0), channels = input.size(1);
  Shape folded_shape = input.sizes();
  folded_shape[0] = 1;
  folded_shape[1] = batch * channels;
  const Tensor folded = input.reshape(folded_shape);
  auto per_sample = [&](const Tensor &t) { return t.defined() ? t.repeat({batch}) : t; };
  Tensor folded_mean, folded_var;
  if (running_mean.defined() || running_var.defined()) {
    NoGradGuard no_grad;
    folded_mean = per_sample(running_mean);
    folded_var = per_sample(running_var);
  }
  Tensor out = batch_norm(folded, folded_mean, folded_var, per_sample(weight), per_sample(bias),
                          use_input_stats, momentum, eps);
  if (use_input_stats) {
    NoGradGuard no_grad;
    if (running_mean.defined())
      const_cast<Tensor &>(running_mean).copy_(folded_mean.view({batch, channels}).mean(0));
    if (running_var.defined())
      const_cast<Tensor &>(running_var).copy_(folded_var.view({batch, channels}).mean(0));
  }
  return out.view(input.sizes());
}

Tensor rms_norm(const Tensor &input, IntArrayRef normalized_shape, const Tensor &weight,
                std::optional<double> eps) {
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  const int64_t lead = input.dim() - k;
  bool matches = k >= 1 && lead >= 0;
  for (int64_t d = 0; matches && d < k; ++d)
    matches = input.size(lead + d) == normalized_shape[d];
  EMBER_CHECK(matches, "rms_norm: normalized_shape ", normalized_shape,
              " does not match the last dims of input ", input.sizes());
  EMBER_CHECK(!weight.defined() || weight.sizes() == normalized_shape.vec(),
              "rms_norm: expected weight of shape ", normalized_shape, ", got ", weight.sizes());
  const double epsilon = eps.value_or(machine_epsilon(input.dtype()));
  Shape dims;
  for (int64_t d = lead; d < input.dim(); ++d)
    dims.push_back(d);
  Tensor out = input * rsqrt(input.square().mean(dims, true) + epsilon);
  return weight.defined() ? out * weight : out;
}

} // namespace ember::nn::functional
