// Activation functions (ember::nn::functional): pointwise activations, glu and the softmax family.
//
// The activations that dominate training time are fused primitives: leaky_relu, elu (with selu
// and celu), gelu and silu each have one vectorized forward kernel and one derivative kernel, and
// softmax / log_softmax have row kernels (dim innermost) and column kernels (dim strided), parallel
// over rows or column blocks. The other activations are composites of ember ops.
//
// A fused primitive computes its gradient with its kernel. While the graph of a gradient is being
// recorded (create_graph turns grad mode on inside backward), it builds the same formula from
// differentiable ops instead, so higher-order gradients work.
#include "ember/nn/functional/activation.h"

#include <cmath>
#include <functional>
#include <limits>
#include <type_traits>
#include <utility>

#include "autograd/record.h"
#include "backend/cpu/elementwise_kernels.h"

namespace ember::nn::functional {
namespace {

using autograd::BackwardContext;

// sqrt(2 / pi) and the cubic coefficient of gelu's tanh approximation, as in torch.
constexpr double kGeluBeta = M_SQRT2 * M_2_SQRTPI * 0.5;
constexpr double kGeluKappa = 0.044715;
// 1 / sqrt(2 pi), the normal density at 0.
constexpr double kInvSqrt2Pi = M_2_SQRTPI * M_SQRT1_2 * 0.5;

#if EMBER_HAVE_VECTOR_MATH
template <typename V> using element_of = std::remove_cvref_t<decltype(std::declval<V>()[0])>;
#endif

// ---- pointwise functors: a scalar form, and a SIMD form where it needs vector math ----------

struct LeakyRelu {
  double slope;
  template <typename T> T operator()(T x) const { return x > 0 ? x : x * static_cast<T>(slope); }
};
struct LeakyReluGrad {
  double slope;
  template <typename T> T operator()(T x, T g) const {
    return x > 0 ? g : g * static_cast<T>(slope);
  }
};

// torch's elu family: scale * x for x > 0, alpha * scale * (exp(input_scale * x) - 1) otherwise.
struct EluParams {
  double alpha, scale, input_scale;
};
struct Elu {
  EluParams p;
  template <typename T> T operator()(T x) const {
    return x > 0
               ? x * static_cast<T>(p.scale)
               : std::expm1(x * static_cast<T>(p.input_scale)) * static_cast<T>(p.alpha * p.scale);
  }
#if EMBER_HAVE_VECTOR_MATH
  template <typename V> V vec(V x) const {
    using E = element_of<V>;
    V negative =
        cpu::sleef::expm1(x * static_cast<E>(p.input_scale)) * static_cast<E>(p.alpha * p.scale);
    return x > E(0) ? x * static_cast<E>(p.scale) : negative;
  }
#endif
};
struct EluGrad {
  EluParams p;
  template <typename T> T operator()(T x, T g) const {
    return x > 0 ? g * static_cast<T>(p.scale)
                 : g * static_cast<T>(p.alpha * p.scale * p.input_scale) *
                       std::exp(x * static_cast<T>(p.input_scale));
  }
#if EMBER_HAVE_VECTOR_MATH
  template <typename V> V vec(V x, V g) const {
    using E = element_of<V>;
    V negative = g * static_cast<E>(p.alpha * p.scale * p.input_scale) *
                 cpu::sleef::exp(x * static_cast<E>(p.input_scale));
    return x > E(0) ? g * static_cast<E>(p.scale) : negative;
  }
#endif
};

struct Gelu {
  bool tanh_approximation;
  template <typename T> T operator()(T x) const {
    if (tanh_approximation)
      return T(0.5) * x * (T(1) + std::tanh(T(kGeluBeta) * (x + T(kGeluKappa) * x * x * x)));
    return T(0.5) * x * (T(1) + std::erf(x * T(M_SQRT1_2)));
  }
#if EMBER_HAVE_VECTOR_MATH
  template <typename V> V vec(V x) const {
    using E = element_of<V>;
    if (tanh_approximation)
      return E(0.5) * x * (E(1) + cpu::sleef::tanh(E(kGeluBeta) * (x + E(kGeluKappa) * x * x * x)));
    return E(0.5) * x * (E(1) + cpu::sleef::erf(x * E(M_SQRT1_2)));
  }
#endif
};
struct GeluGrad {
  bool tanh_approximation;
  template <typename T> T operator()(T x, T g) const {
    if (tanh_approximation) {
      T t = std::tanh(T(kGeluBeta) * (x + T(kGeluKappa) * x * x * x));
      T inner_derivative = T(kGeluBeta) * (T(1) + T(3 * kGeluKappa) * x * x);
      return g * (T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * inner_derivative);
    }
    T cdf = T(0.5) * (T(1) + std::erf(x * T(M_SQRT1_2)));
    return g * (cdf + x * T(kInvSqrt2Pi) * std::exp(T(-0.5) * x * x));
  }
#if EMBER_HAVE_VECTOR_MATH
  template <typename V> V vec(V x, V g) const {
    using E = element_of<V>;
    if (tanh_approximation) {
      V t = cpu::sleef::tanh(E(kGeluBeta) * (x + E(kGeluKappa) * x * x * x));
      V inner_derivative = E(kGeluBeta) * (E(1) + E(3 * kGeluKappa) * x * x);
      return g * (E(0.5) * (E(1) + t) + E(0.5) * x * (E(1) - t * t) * inner_derivative);
    }
    V cdf = E(0.5) * (E(1) + cpu::sleef::erf(x * E(M_SQRT1_2)));
    return g * (cdf + x * E(kInvSqrt2Pi) * cpu::sleef::exp(E(-0.5) * x * x));
  }
#endif
};

struct Silu {
  template <typename T> T operator()(T x) const { return x / (T(1) + std::exp(-x)); }
#if EMBER_HAVE_VECTOR_MATH
  template <typename V> V vec(V x) const {
    using E = element_of<V>;
    return x / (E(1) + cpu::sleef::exp(-x));
  }
#endif
};
struct SiluGrad {
  template <typename T> T operator()(T x, T g) const {
    T s = T(1) / (T(1) + std::exp(-x));
    return g * s * (T(1) + x * (T(1) - s));
  }
#if EMBER_HAVE_VECTOR_MATH
  template <typename V> V vec(V x, V g) const {
    using E = element_of<V>;
    V s = E(1) / (E(1) + cpu::sleef::exp(-x));
    return g * s * (E(1) + x * (E(1) - s));
  }
#endif
};

// ---- fused pointwise primitives ---------------------------------------------------------------

template <typename Op> Tensor map_unary(const char *name, const Op &op, const Tensor &x) {
  Tensor out = empty(x.sizes(), dtype(x.dtype()));
  dispatch_floating(x.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    cpu::map<T, T>(op, out, x);
  });
  return out;
}

template <typename Op>
Tensor map_binary(const char *name, const Op &op, const Tensor &x, const Tensor &y) {
  Tensor out = empty(x.sizes(), dtype(x.dtype()));
  dispatch_floating(x.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    cpu::map<T, T, T>(op, out, x, y.to(x.dtype()));
  });
  return out;
}

// The gradient formula in differentiable ops: (input, grad_output) -> grad_input.
using DifferentiableGrad = std::function<Tensor(const Tensor &, const Tensor &)>;

// out = forward(input), recording a node whose gradient is derivative(input, grad) by kernel, or
// differentiable(input, grad) while a gradient graph is being recorded.
template <typename Forward, typename Derivative>
Tensor fused_pointwise(const char *name, const char *node, const Tensor &input,
                       const Forward &forward, const Derivative &derivative,
                       DifferentiableGrad differentiable) {
  Tensor out = map_unary(name, forward, input);
  if (autograd::needs_grad(input))
    autograd::record(node, {input}, {out}, {input},
                     [name, derivative, differentiable](const BackwardContext &ctx,
                                                        const TensorList &grads) -> TensorList {
                       const Tensor &x = ctx.saved[0];
                       if (autograd::is_grad_enabled())
                         return {differentiable(x, grads[0])};
                       return {map_binary(name, derivative, x, grads[0])};
                     });
  return out;
}

Tensor elu_family(const char *name, const Tensor &input, EluParams p) {
  return fused_pointwise(name, "EluBackward", input, Elu{p}, EluGrad{p},
                         [p](const Tensor &x, const Tensor &g) {
                           // exp sees only the negative part, so the unused branch stays finite.
                           Tensor negative = g * (p.alpha * p.scale * p.input_scale) *
                                             exp(clamp_max(x, 0) * p.input_scale);
                           return where(x > 0, g * p.scale, negative);
                         });
}

// ---- softmax kernels --------------------------------------------------------------------------

// A contiguous tensor seen as [outer, size, inner] around the softmax dim.
struct DimLayout {
  int64_t outer = 1, size = 1, inner = 1;
};

DimLayout layout_around(const Shape &sizes, int64_t dim) {
  DimLayout layout;
  for (int64_t d = 0; d < static_cast<int64_t>(sizes.size()); ++d) {
    if (d < dim)
      layout.outer *= sizes[d];
    else if (d == dim)
      layout.size = sizes[d];
    else
      layout.inner *= sizes[d];
  }
  return layout;
}

// out[i] = exp(x[i] - shift[i]) over n elements; shift_step 0 uses shift[0] for all.
template <typename T>
void exp_shifted(const T *x, const T *shift, int64_t shift_step, T *out, int64_t n) {
  int64_t i = 0;
#if EMBER_HAVE_VECTOR_MATH
  using V = cpu::Vec<T>;
  constexpr int64_t width = sizeof(V) / sizeof(T);
  const V broadcast = V{} + shift[0];
  for (; i + width <= n; i += width) {
    V v, s = broadcast;
    std::memcpy(&v, x + i, sizeof(V));
    if (shift_step)
      std::memcpy(&s, shift + i, sizeof(V));
    V e = cpu::sleef::exp(v - s);
    std::memcpy(out + i, &e, sizeof(V));
  }
#endif
  for (; i < n; ++i)
    out[i] = std::exp(x[i] - shift[i * shift_step]);
}

template <typename T> T sum_of(const T *x, int64_t n) {
  T sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < n; ++i)
    sum += x[i];
  return sum;
}

// Rows per parallel chunk so that a chunk holds about kGrainSize elements.
int64_t rows_grain(int64_t row_size) {
  return std::max<int64_t>(1, cpu::kGrainSize / std::max<int64_t>(row_size, 1));
}

// Elements of inner handled together by the column kernels (stack buffers of this size).
constexpr int64_t kColumnBlock = 256;

// Calls fn(x_offset, width) for every block of up to kColumnBlock adjacent columns of every outer
// slice, in parallel; x_offset is the element offset of the block's first element.
template <typename Fn> void for_each_column_block(const DimLayout &layout, const Fn &fn) {
  const int64_t blocks = (layout.inner + kColumnBlock - 1) / kColumnBlock;
  const int64_t grain = rows_grain(layout.size * kColumnBlock);
  cpu::parallel_for(0, layout.outer * blocks, grain, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t outer = task / blocks, first = (task % blocks) * kColumnBlock;
      fn(outer * layout.size * layout.inner + first, std::min(kColumnBlock, layout.inner - first));
    }
  });
}

template <typename T, bool Log> void softmax_rows(const T *in, T *out, const DimLayout &layout) {
  const int64_t n = layout.size;
  cpu::parallel_for(0, layout.outer, rows_grain(n), [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const T *x = in + row * n;
      T *y = out + row * n;
      // NaN never wins the max; it still reaches the sum through exp and makes the row NaN.
      T max = -std::numeric_limits<T>::infinity();
#pragma omp simd reduction(max : max)
      for (int64_t i = 0; i < n; ++i)
        max = x[i] > max ? x[i] : max;
      exp_shifted(x, &max, 0, y, n);
      const T sum = sum_of(y, n);
      if constexpr (Log) {
        // (x - max) - log(sum) rather than x - (max + log(sum)): the rounding of a large max
        // plus a small log would cost float32 all digits below max's precision.
        const T log_sum = std::log(sum);
#pragma omp simd
        for (int64_t i = 0; i < n; ++i)
          y[i] = (x[i] - max) - log_sum;
      } else {
        const T scale = T(1) / sum;
#pragma omp simd
        for (int64_t i = 0; i < n; ++i)
          y[i] *= scale;
      }
    }
  });
}

template <typename T, bool Log> void softmax_columns(const T *in, T *out, const DimLayout &layout) {
  const int64_t stride = layout.inner;
  for_each_column_block(layout, [&](int64_t offset, int64_t width) {
    T max[kColumnBlock], sum[kColumnBlock];
    std::fill_n(max, width, -std::numeric_limits<T>::infinity());
    std::fill_n(sum, width, T(0));
    for (int64_t c = 0; c < layout.size; ++c) {
      const T *x = in + offset + c * stride;
#pragma omp simd
      for (int64_t j = 0; j < width; ++j)
        max[j] = x[j] > max[j] ? x[j] : max[j];
    }
    for (int64_t c = 0; c < layout.size; ++c) {
      T *y = out + offset + c * stride;
      exp_shifted(in + offset + c * stride, max, 1, y, width);
#pragma omp simd
      for (int64_t j = 0; j < width; ++j)
        sum[j] += y[j];
    }
    if constexpr (Log)
      for (int64_t j = 0; j < width; ++j)
        sum[j] = std::log(sum[j]); // now the log of the shifted normalizer
    else
      for (int64_t j = 0; j < width; ++j)
        sum[j] = T(1) / sum[j]; // now the scale
    for (int64_t c = 0; c < layout.size; ++c) {
      const T *x = in + offset + c * stride;
      T *y = out + offset + c * stride;
#pragma omp simd
      for (int64_t j = 0; j < width; ++j)
        y[j] = Log ? (x[j] - max[j]) - sum[j] : y[j] * sum[j];
    }
  });
}

// softmax: grad_in = y * (g - sum(g * y)); log_softmax: grad_in = g - exp(y) * sum(g).
template <typename T, bool Log>
void softmax_backward_rows(const T *g, const T *y, T *grad_in, const DimLayout &layout) {
  const int64_t n = layout.size;
  cpu::parallel_for(0, layout.outer, rows_grain(n), [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const T *gr = g + row * n, *yr = y + row * n;
      T *out = grad_in + row * n;
      T total = 0;
      if constexpr (Log) {
        total = sum_of(gr, n);
        const T zero = 0;
        exp_shifted(yr, &zero, 0, out, n);
#pragma omp simd
        for (int64_t i = 0; i < n; ++i)
          out[i] = gr[i] - out[i] * total;
      } else {
#pragma omp simd reduction(+ : total)
        for (int64_t i = 0; i < n; ++i)
          total += gr[i] * yr[i];
#pragma omp simd
        for (int64_t i = 0; i < n; ++i)
          out[i] = yr[i] * (gr[i] - total);
      }
    }
  });
}

template <typename T, bool Log>
void softmax_backward_columns(const T *g, const T *y, T *grad_in, const DimLayout &layout) {
  const int64_t stride = layout.inner;
  for_each_column_block(layout, [&](int64_t offset, int64_t width) {
    T total[kColumnBlock];
    std::fill_n(total, width, T(0));
    for (int64_t c = 0; c < layout.size; ++c) {
      const T *gc = g + offset + c * stride, *yc = y + offset + c * stride;
#pragma omp simd
      for (int64_t j = 0; j < width; ++j)
        total[j] += Log ? gc[j] : gc[j] * yc[j];
    }
    const T zero = 0;
    for (int64_t c = 0; c < layout.size; ++c) {
      const T *gc = g + offset + c * stride, *yc = y + offset + c * stride;
      T *out = grad_in + offset + c * stride;
      if constexpr (Log) {
        exp_shifted(yc, &zero, 0, out, width);
#pragma omp simd
        for (int64_t j = 0; j < width; ++j)
          out[j] = gc[j] - out[j] * total[j];
      } else {
#pragma omp simd
        for (int64_t j = 0; j < width; ++j)
          out[j] = yc[j] * (gc[j] - total[j]);
      }
    }
  });
}

Tensor softmax_backward_kernel(const Tensor &grad, const Tensor &output, int64_t dim, bool log) {
  Tensor g = grad.to(output.dtype()).contiguous();
  Tensor grad_in = empty(output.sizes(), dtype(output.dtype()));
  const DimLayout layout = layout_around(output.sizes(), dim);
  dispatch_floating(output.dtype(), log ? "log_softmax" : "softmax", [&](auto tag) {
    using T = decltype(tag);
    const T *gp = g.data_ptr<T>(), *yp = output.data_ptr<T>();
    T *out = grad_in.data_ptr<T>();
    if (layout.inner == 1)
      log ? softmax_backward_rows<T, true>(gp, yp, out, layout)
          : softmax_backward_rows<T, false>(gp, yp, out, layout);
    else
      log ? softmax_backward_columns<T, true>(gp, yp, out, layout)
          : softmax_backward_columns<T, false>(gp, yp, out, layout);
  });
  return grad_in;
}

// softmax or log_softmax of input along dim; the output is contiguous.
Tensor softmax_op(const Tensor &self, int64_t dim, std::optional<DType> dtype_arg, bool log) {
  const char *name = log ? "log_softmax" : "softmax";
  Tensor input = dtype_arg ? self.to(*dtype_arg) : self;
  const int64_t d = wrap_dim(dim, input.dim(), name);
  Tensor x = input.contiguous();
  Tensor out = empty(x.sizes(), dtype(x.dtype()));
  const DimLayout layout = layout_around(x.sizes(), d);
  dispatch_floating(x.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    if (x.numel() == 0)
      return;
    const T *in = x.data_ptr<T>();
    T *y = out.data_ptr<T>();
    if (layout.inner == 1)
      log ? softmax_rows<T, true>(in, y, layout) : softmax_rows<T, false>(in, y, layout);
    else
      log ? softmax_columns<T, true>(in, y, layout) : softmax_columns<T, false>(in, y, layout);
  });
  if (autograd::needs_grad(input))
    autograd::record(log ? "LogSoftmaxBackward" : "SoftmaxBackward", {input}, {out}, {out},
                     [d, log](const BackwardContext &ctx, const TensorList &grads) -> TensorList {
                       const Tensor &y = ctx.saved[0], &g = grads[0];
                       if (!autograd::is_grad_enabled())
                         return {softmax_backward_kernel(g, y, d, log)};
                       if (log)
                         return {g - exp(y) * g.sum(d, true)};
                       return {y * (g - (g * y).sum(d, true))};
                     });
  return out;
}

} // namespace

// ---- pointwise activations ----------------------------------------------------------------------

Tensor relu(const Tensor &input) { return ember::relu(input); }

Tensor relu6(const Tensor &input) { return hardtanh(input, 0.0, 6.0); }

Tensor leaky_relu(const Tensor &input, double negative_slope) {
  return fused_pointwise("leaky_relu", "LeakyReluBackward", input, LeakyRelu{negative_slope},
                         LeakyReluGrad{negative_slope},
                         [negative_slope](const Tensor &x, const Tensor &g) {
                           return where(x > 0, g, g * negative_slope);
                         });
}

Tensor elu(const Tensor &input, double alpha) {
  return elu_family("elu", input, {alpha, 1.0, 1.0});
}

Tensor selu(const Tensor &input) {
  // The fixed point constants of Klambauer et al., 2017, as in torch.
  constexpr double alpha = 1.6732632423543772848170429916717;
  constexpr double scale = 1.0507009873554804934193349852946;
  return elu_family("selu", input, {alpha, scale, 1.0});
}

Tensor celu(const Tensor &input, double alpha) {
  EMBER_CHECK(alpha != 0, "celu: alpha must not be 0");
  return elu_family("celu", input, {alpha, 1.0, 1.0 / alpha});
}

Tensor gelu(const Tensor &input, const std::string &approximate) {
  EMBER_CHECK(approximate == "none" || approximate == "tanh",
              "gelu: approximate must be 'none' or 'tanh', got '", approximate, "'");
  const bool use_tanh = approximate == "tanh";
  return fused_pointwise("gelu", "GeluBackward", input, Gelu{use_tanh}, GeluGrad{use_tanh},
                         [use_tanh](const Tensor &x, const Tensor &g) {
                           if (use_tanh) {
                             Tensor t = ember::tanh((x + x * x * x * kGeluKappa) * kGeluBeta);
                             Tensor inner_derivative = (x * x * (3 * kGeluKappa) + 1) * kGeluBeta;
                             return g * ((t + 1) * 0.5 + x * 0.5 * (1 - t * t) * inner_derivative);
                           }
                           Tensor cdf = (erf(x * M_SQRT1_2) + 1) * 0.5;
                           return g * (cdf + x * exp(x * x * -0.5) * kInvSqrt2Pi);
                         });
}

Tensor silu(const Tensor &input) {
  return fused_pointwise("silu", "SiluBackward", input, Silu{}, SiluGrad{},
                         [](const Tensor &x, const Tensor &g) {
                           Tensor s = ember::sigmoid(x);
                           return g * s * (x * (1 - s) + 1);
                         });
}

Tensor mish(const Tensor &input) { return input * ember::tanh(softplus(input)); }

Tensor softplus(const Tensor &input, double beta, double threshold) {
  Tensor scaled = input * beta;
  // Above the threshold softplus equals x to within rounding. Clamping what exp sees keeps the
  // unused branch finite, so its zero gradient does not become 0 * inf = NaN.
  Tensor smooth = log1p(exp(clamp_max(scaled, threshold))) / beta;
  return where(scaled > threshold, input, smooth);
}

Tensor softsign(const Tensor &input) { return input / (abs(input) + 1); }

Tensor hardtanh(const Tensor &input, double min_val, double max_val) {
  EMBER_CHECK(min_val <= max_val, "hardtanh: min_val (", min_val,
              ") cannot be greater than max_val (", max_val, ")");
  return clamp(input, min_val, max_val);
}

Tensor hardsigmoid(const Tensor &input) { return clamp(input / 6 + 0.5, 0, 1); }

Tensor hardswish(const Tensor &input) { return input * hardsigmoid(input); }

Tensor sigmoid(const Tensor &input) { return ember::sigmoid(input); }

Tensor tanh(const Tensor &input) { return ember::tanh(input); }

// log(sigmoid(x)) = -softplus(-x), whose threshold keeps it finite for very negative x.
Tensor logsigmoid(const Tensor &input) { return -softplus(-input); }

// ---- along a dim --------------------------------------------------------------------------------

Tensor glu(const Tensor &input, int64_t dim) {
  EMBER_CHECK(input.dim() > 0, "glu: does not support scalars because halving size must be even");
  const int64_t d = wrap_dim(dim, input.dim(), "glu");
  const int64_t size = input.size(d);
  EMBER_CHECK(size % 2 == 0, "glu: halving dimension must be even, but dimension ", d, " is size ",
              size);
  return input.narrow(d, 0, size / 2) * ember::sigmoid(input.narrow(d, size / 2, size / 2));
}

Tensor softmax(const Tensor &input, int64_t dim, std::optional<DType> dtype) {
  return softmax_op(input, dim, dtype, false);
}

Tensor log_softmax(const Tensor &input, int64_t dim, std::optional<DType> dtype) {
  return softmax_op(input, dim, dtype, true);
}

Tensor softmin(const Tensor &input, int64_t dim, std::optional<DType> dtype) {
  return softmax_op(-(dtype ? input.to(*dtype) : input), dim, std::nullopt, false);
}

} // namespace ember::nn::functional
