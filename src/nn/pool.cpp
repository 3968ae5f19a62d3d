// Max, average and adaptive pooling over one or two spatial dims.
//
// Every pooling op is described by a plan: per spatial dim, the window of input positions each
// output position reads (padding clipped away) and, for averages, its divisor. Sliding and
// adaptive pooling differ only in how they build the plan, and 1-D pooling is 2-D pooling with
// a unit height, so three kernels serve them all: max (values and flat in-plane indices),
// average, and the adjoint of average. Backward formulas are themselves recorded primitives:
// average and its adjoint differentiate into each other, and max pooling's gradient scatters by
// index, whose own gradient gathers by index. Loops run in parallel over planes (N * C).
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "autograd/record.h"
#include "backend/cpu/parallel.h"
#include "ember/autograd.h"
#include "ember/nn/functional/conv.h"
#include "nn/arguments.h"

namespace ember::nn::functional {
namespace {

// Input positions begin, begin + step, ... below end; all inside the input.
struct Window {
  int64_t begin, end, step;
  bool empty() const { return begin >= end; }
};

struct PoolDim {
  int64_t input = 1;
  std::vector<Window> windows{{0, 1, 1}}; // one per output position
  std::vector<int64_t> divisors{1};       // for averages, one per output position
  int64_t output() const { return static_cast<int64_t>(windows.size()); }

  // Windows of `kernel` consecutive positions, window o starting at o * stride: sliding pooling
  // without padding, dilation or clipped windows, which the fast max kernel takes.
  struct Uniform {
    int64_t kernel, stride;
  };
  std::optional<Uniform> uniform() const {
    const int64_t kernel = windows[0].end - windows[0].begin;
    const int64_t stride = windows.size() > 1 ? windows[1].begin - windows[0].begin : 1;
    for (int64_t o = 0; o < output(); ++o) {
      const Window &w = windows[o];
      if (w.step != 1 || w.begin != o * stride || w.end - w.begin != kernel)
        return std::nullopt;
    }
    return Uniform{kernel, stride};
  }
};

struct PoolPlan {
  PoolDim rows, cols; // H and W; rows is a unit dim for 1-D pooling
  std::optional<int64_t> divisor_override;
  int64_t input_plane() const { return rows.input * cols.input; }
  int64_t output_plane() const { return rows.output() * cols.output(); }
  int64_t divisor(int64_t oh, int64_t ow) const {
    return divisor_override ? *divisor_override : rows.divisors[oh] * cols.divisors[ow];
  }
};
using PlanPtr = std::shared_ptr<const PoolPlan>;

// torch's pooling output size; with ceil_mode the last window must start inside the input or
// its left padding.
int64_t sliding_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding,
                            int64_t dilation, bool ceil_mode) {
  const int64_t span =
      in + 2 * padding - dilation * (kernel - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  if (span < 0)
    return 0;
  int64_t out = span / stride + 1;
  if (ceil_mode && (out - 1) * stride >= in + padding)
    --out;
  return out;
}

PoolDim max_dim(int64_t in, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation,
                bool ceil_mode) {
  PoolDim dim{in, {}, {}};
  const int64_t out = sliding_output_size(in, kernel, stride, padding, dilation, ceil_mode);
  for (int64_t o = 0; o < out; ++o) {
    int64_t begin = o * stride - padding;
    const int64_t end = std::min(begin + dilation * (kernel - 1) + 1, in);
    while (begin < 0)
      begin += dilation;
    dim.windows.push_back({begin, end, dilation});
  }
  return dim;
}

PoolDim avg_dim(int64_t in, int64_t kernel, int64_t stride, int64_t padding, bool ceil_mode,
                bool count_include_pad) {
  PoolDim dim{in, {}, {}};
  const int64_t out = sliding_output_size(in, kernel, stride, padding, 1, ceil_mode);
  for (int64_t o = 0; o < out; ++o) {
    const int64_t begin = o * stride - padding;
    const int64_t end = std::min(begin + kernel, in + padding);
    const int64_t inside_begin = std::max<int64_t>(begin, 0), inside_end = std::min(end, in);
    dim.windows.push_back({inside_begin, inside_end, 1});
    dim.divisors.push_back(count_include_pad ? end - begin : inside_end - inside_begin);
  }
  return dim;
}

// Output o averages input positions [floor(o * in / out), ceil((o + 1) * in / out)).
PoolDim adaptive_dim(int64_t in, int64_t out) {
  PoolDim dim{in, {}, {}};
  for (int64_t o = 0; o < out; ++o) {
    const int64_t begin = o * in / out, end = ((o + 1) * in + out - 1) / out;
    dim.windows.push_back({begin, end, 1});
    dim.divisors.push_back(end - begin);
  }
  return dim;
}

// Planes per parallel chunk: enough work to be worth a thread.
int64_t plane_grain(const PoolPlan &plan) {
  return std::max<int64_t>(1, cpu::kGrainSize / std::max<int64_t>(1, plan.output_plane() * 4));
}

// Calls fn(oh, ow, flat_output, window_rows, window_cols) for every output of a plane.
template <typename Fn> void for_each_output(const PoolPlan &plan, const Fn &fn) {
  int64_t o = 0;
  for (int64_t oh = 0; oh < plan.rows.output(); ++oh)
    for (int64_t ow = 0; ow < plan.cols.output(); ++ow, ++o)
      fn(oh, ow, o, plan.rows.windows[oh], plan.cols.windows[ow]);
}

// ---- index scatter and gather (max pooling's backward) -----------------------------------------

Tensor gather_planes(const Tensor &src, const Tensor &index, int64_t plane);

// out (out_sizes, zeros) with out[p, index[p, j]] += src[p, j], planes of plane elements.
Tensor scatter_planes(const Tensor &src, const Tensor &index, const Shape &out_sizes,
                      int64_t plane) {
  Tensor out = zeros(out_sizes, src.options());
  {
    NoGradGuard no_grad;
    const Tensor s = src.contiguous(), i = index.contiguous();
    const int64_t planes = out.numel() / plane, taps = i.numel() / std::max<int64_t>(planes, 1);
    dispatch_floating(src.dtype(), "max_pool", [&](auto tag) {
      using T = decltype(tag);
      const T *ps = s.data_ptr<T>();
      const int64_t *pi = i.data_ptr<int64_t>();
      T *po = out.data_ptr<T>();
      cpu::parallel_for(0, planes,
                        std::max<int64_t>(1, cpu::kGrainSize / std::max<int64_t>(1, taps)),
                        [&](int64_t begin, int64_t end) {
                          for (int64_t p = begin; p < end; ++p)
                            for (int64_t j = p * taps; j < (p + 1) * taps; ++j)
                              po[p * plane + pi[j]] += ps[j];
                        });
    });
  }
  if (autograd::needs_grad(src))
    autograd::record("MaxPoolBackward", {src}, {out}, {index},
                     [plane](const autograd::BackwardContext &ctx, const TensorList &grads) {
                       return TensorList{gather_planes(grads[0], ctx.saved[0], plane)};
                     });
  return out;
}

// out (index's shape) with out[p, j] = src[p, index[p, j]].
Tensor gather_planes(const Tensor &src, const Tensor &index, int64_t plane) {
  Tensor out = empty(index.sizes(), src.options());
  {
    NoGradGuard no_grad;
    const Tensor s = src.contiguous(), i = index.contiguous();
    const int64_t planes = s.numel() / plane, taps = i.numel() / std::max<int64_t>(planes, 1);
    dispatch_floating(src.dtype(), "max_pool", [&](auto tag) {
      using T = decltype(tag);
      const T *ps = s.data_ptr<T>();
      const int64_t *pi = i.data_ptr<int64_t>();
      T *po = out.data_ptr<T>();
      cpu::parallel_for(0, planes,
                        std::max<int64_t>(1, cpu::kGrainSize / std::max<int64_t>(1, taps)),
                        [&](int64_t begin, int64_t end) {
                          for (int64_t p = begin; p < end; ++p)
                            for (int64_t j = p * taps; j < (p + 1) * taps; ++j)
                              po[j] = ps[p * plane + pi[j]];
                        });
    });
  }
  if (autograd::needs_grad(src)) {
    const Shape src_sizes = src.sizes();
    autograd::record(
        "MaxPoolDoubleBackward", {src}, {out}, {index},
        [plane, src_sizes](const autograd::BackwardContext &ctx, const TensorList &grads) {
          return TensorList{scatter_planes(grads[0], ctx.saved[0], src_sizes, plane)};
        });
  }
  return out;
}

// ---- the pooling primitives ---------------------------------------------------------------------

// Max pooling of one plane with uniform windows: tap by tap in the generic order (rows, then
// columns, so ties and NaNs resolve as there), each tap one branch-free pass over an output
// row, which the compiler vectorizes.
template <typename T>
void max_pool_uniform_plane(const T *in, int64_t width, PoolDim::Uniform rows,
                            PoolDim::Uniform cols, int64_t out_h, int64_t out_w, T *value,
                            int64_t *index) {
  for (int64_t oh = 0; oh < out_h; ++oh) {
    T *__restrict best = value + oh * out_w;
    int64_t *__restrict best_index = index + oh * out_w;
    for (int64_t dh = 0; dh < rows.kernel; ++dh) {
      const int64_t h = oh * rows.stride + dh;
      const T *__restrict row = in + h * width;
      for (int64_t dw = 0; dw < cols.kernel; ++dw) {
        if (dh == 0 && dw == 0) {
          for (int64_t ow = 0; ow < out_w; ++ow) {
            best[ow] = row[ow * cols.stride];
            best_index[ow] = h * width + ow * cols.stride;
          }
          continue;
        }
        for (int64_t ow = 0; ow < out_w; ++ow) {
          const int64_t w = ow * cols.stride + dw;
          const T v = row[w];
          const bool take = v > best[ow] || v != v; // NaN wins
          best[ow] = take ? v : best[ow];
          best_index[ow] = take ? h * width + w : best_index[ow];
        }
      }
    }
  }
}

// Values and flat in-plane indices of the maximum of every window; NaN wins, as in torch.
std::tuple<Tensor, Tensor> max_pool(const char *op, const Tensor &input, const PlanPtr &plan,
                                    const Shape &out_sizes) {
  Tensor values = empty(out_sizes, input.options());
  Tensor indices = empty(out_sizes, dtype(kInt64));
  {
    NoGradGuard no_grad;
    const Tensor x = input.contiguous();
    const int64_t planes = x.numel() / plan->input_plane();
    const int64_t width = plan->cols.input;
    dispatch_floating(input.dtype(), op, [&](auto tag) {
      using T = decltype(tag);
      const T *px = x.data_ptr<T>();
      T *pv = values.data_ptr<T>();
      int64_t *pi = indices.data_ptr<int64_t>();
      const auto uniform_rows = plan->rows.uniform(), uniform_cols = plan->cols.uniform();
      cpu::parallel_for(0, planes, plane_grain(*plan), [&](int64_t begin, int64_t end) {
        if (uniform_rows && uniform_cols) {
          for (int64_t p = begin; p < end; ++p)
            max_pool_uniform_plane(px + p * plan->input_plane(), width, *uniform_rows,
                                   *uniform_cols, plan->rows.output(), plan->cols.output(),
                                   pv + p * plan->output_plane(), pi + p * plan->output_plane());
          return;
        }
        for (int64_t p = begin; p < end; ++p) {
          const T *in = px + p * plan->input_plane();
          T *value = pv + p * plan->output_plane();
          int64_t *index = pi + p * plan->output_plane();
          for_each_output(*plan,
                          [&](int64_t, int64_t, int64_t o, const Window &rows, const Window &cols) {
                            T best = -std::numeric_limits<T>::infinity();
                            int64_t best_index = rows.begin * width + cols.begin;
                            for (int64_t h = rows.begin; h < rows.end; h += rows.step)
                              for (int64_t w = cols.begin; w < cols.end; w += cols.step) {
                                const T v = in[h * width + w];
                                if (v > best || std::isnan(v)) {
                                  best = v;
                                  best_index = h * width + w;
                                }
                              }
                            value[o] = best;
                            index[o] = best_index;
                          });
        }
      });
    });
  }
  if (autograd::needs_grad(input)) {
    const Shape input_sizes = input.sizes();
    const int64_t plane = plan->input_plane();
    autograd::record(
        "MaxPoolWithIndicesBackward", {input}, {values}, {indices},
        [input_sizes, plane](const autograd::BackwardContext &ctx, const TensorList &grads) {
          return TensorList{scatter_planes(grads[0], ctx.saved[0], input_sizes, plane)};
        });
  }
  return {values, indices};
}

Tensor avg_pool_adjoint(const char *op, const Tensor &grad, const PlanPtr &plan,
                        const Shape &input_sizes);

// The mean of every window, divided by the plan's divisor.
Tensor avg_pool(const char *op, const Tensor &input, const PlanPtr &plan, const Shape &out_sizes) {
  Tensor out = empty(out_sizes, input.options());
  {
    NoGradGuard no_grad;
    const Tensor x = input.contiguous();
    const int64_t planes = x.numel() / plan->input_plane();
    const int64_t width = plan->cols.input;
    dispatch_floating(input.dtype(), op, [&](auto tag) {
      using T = decltype(tag);
      const T *px = x.data_ptr<T>();
      T *po = out.data_ptr<T>();
      cpu::parallel_for(0, planes, plane_grain(*plan), [&](int64_t begin, int64_t end) {
        for (int64_t p = begin; p < end; ++p) {
          const T *in = px + p * plan->input_plane();
          T *mean = po + p * plan->output_plane();
          for_each_output(*plan, [&](int64_t oh, int64_t ow, int64_t o, const Window &rows,
                                     const Window &cols) {
            T sum = 0;
            for (int64_t h = rows.begin; h < rows.end; ++h)
              for (int64_t w = cols.begin; w < cols.end; ++w)
                sum += in[h * width + w];
            // A window entirely in the padding averages nothing: 0, as in torch.
            mean[o] = rows.empty() || cols.empty() ? T(0) : sum / T(plan->divisor(oh, ow));
          });
        }
      });
    });
  }
  if (autograd::needs_grad(input)) {
    const Shape input_sizes = input.sizes();
    autograd::record(
        "AvgPoolBackward", {input}, {out}, {},
        [op, plan, input_sizes](const autograd::BackwardContext &, const TensorList &grads) {
          return TensorList{avg_pool_adjoint(op, grads[0], plan, input_sizes)};
        });
  }
  return out;
}

// Spreads every output's gradient evenly (by its divisor) over its window.
Tensor avg_pool_adjoint(const char *op, const Tensor &grad, const PlanPtr &plan,
                        const Shape &input_sizes) {
  Tensor out = zeros(input_sizes, grad.options());
  {
    NoGradGuard no_grad;
    const Tensor g = grad.contiguous();
    const int64_t planes = out.numel() / plan->input_plane();
    const int64_t width = plan->cols.input;
    dispatch_floating(grad.dtype(), op, [&](auto tag) {
      using T = decltype(tag);
      const T *pg = g.data_ptr<T>();
      T *po = out.data_ptr<T>();
      cpu::parallel_for(0, planes, plane_grain(*plan), [&](int64_t begin, int64_t end) {
        for (int64_t p = begin; p < end; ++p) {
          const T *grad_out = pg + p * plan->output_plane();
          T *grad_in = po + p * plan->input_plane();
          for_each_output(*plan, [&](int64_t oh, int64_t ow, int64_t o, const Window &rows,
                                     const Window &cols) {
            if (rows.empty() || cols.empty())
              return;
            const T share = grad_out[o] / T(plan->divisor(oh, ow));
            for (int64_t h = rows.begin; h < rows.end; ++h)
              for (int64_t w = cols.begin; w < cols.end; ++w)
                grad_in[h * width + w] += share;
          });
        }
      });
    });
  }
  if (autograd::needs_grad(grad)) {
    const Shape out_sizes = grad.sizes();
    autograd::record(
        "AvgPoolBackwardBackward", {grad}, {out}, {},
        [op, plan, out_sizes](const autograd::BackwardContext &, const TensorList &grads) {
          return TensorList{avg_pool(op, grads[0], plan, out_sizes)};
        });
  }
  return out;
}

// ---- argument handling ----------------------------------------------------------------------

// Checks a pooling input over dims spatial dims: (C, *spatial) or (N, C, *spatial), and every
// dim but the batch dim non-empty.
void check_pool_input(const char *op, const Tensor &input, int64_t dims) {
  EMBER_CHECK(input.dim() == dims + 1 || input.dim() == dims + 2, op, ": expected ", dims + 1,
              "-D (unbatched) or ", dims + 2, "-D (batched) input, got input of shape ",
              input.sizes());
  for (int64_t d = input.dim() - dims - 1; d < input.dim(); ++d)
    EMBER_CHECK(input.size(d) > 0, op,
                ": expected input with non-zero sizes except for the batch dim, got input of "
                "shape ",
                input.sizes());
}

// The plan's dim for spatial dim d of a pooling over dims dims (rows stay a unit dim in 1-D).
template <typename MakeDim>
std::shared_ptr<PoolPlan> make_plan(int64_t dims, const MakeDim &make_dim) {
  auto plan = std::make_shared<PoolPlan>();
  if (dims == 2)
    plan->rows = make_dim(0);
  plan->cols = make_dim(dims - 1);
  return plan;
}

// The input's shape with its pooled dims replaced by the plan's output sizes.
Shape pooled_shape(const Tensor &input, int64_t dims, const PoolPlan &plan) {
  Shape sizes = input.sizes();
  if (dims == 2)
    sizes[sizes.size() - 2] = plan.rows.output();
  sizes.back() = plan.cols.output();
  return sizes;
}

void check_not_empty(const char *op, const Tensor &input, const PoolPlan &plan) {
  EMBER_CHECK(plan.output_plane() > 0, op, ": output size would be empty (input of shape ",
              input.sizes(), ", output size ", Shape{plan.rows.output(), plan.cols.output()}, ")");
}

struct SlidingArgs {
  Shape kernel, stride, padding, dilation;
};

SlidingArgs sliding_args(const char *op, int64_t dims, IntArrayRef kernel_size, IntArrayRef stride,
                         IntArrayRef padding, IntArrayRef dilation) {
  SlidingArgs args{per_dim(kernel_size, dims, op, "kernel_size"),
                   {},
                   per_dim(padding, dims, op, "padding"),
                   per_dim(dilation, dims, op, "dilation")};
  args.stride = stride.empty() ? args.kernel : per_dim(stride, dims, op, "stride");
  check_min(args.kernel, 1, op, "kernel_size");
  check_min(args.stride, 1, op, "stride");
  check_min(args.padding, 0, op, "padding");
  check_min(args.dilation, 1, op, "dilation");
  for (int64_t d = 0; d < dims; ++d)
    EMBER_CHECK(args.padding[d] <= (args.dilation[d] * (args.kernel[d] - 1) + 1) / 2, op,
                ": expected padding to be at most half of the effective kernel size, got padding ",
                args.padding, ", kernel_size ", args.kernel, ", dilation ", args.dilation);
  return args;
}

std::tuple<Tensor, Tensor> max_pool_nd(const char *op, int64_t dims, const Tensor &input,
                                       IntArrayRef kernel_size, IntArrayRef stride,
                                       IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  check_pool_input(op, input, dims);
  const SlidingArgs args = sliding_args(op, dims, kernel_size, stride, padding, dilation);
  const int64_t first = input.dim() - dims;
  const PlanPtr plan = make_plan(dims, [&](int64_t d) {
    return max_dim(input.size(first + d), args.kernel[d], args.stride[d], args.padding[d],
                   args.dilation[d], ceil_mode);
  });
  check_not_empty(op, input, *plan);
  // Possible only with dilation: taps that straddle the whole input. torch returns -inf and an
  // index outside the plane there; refuse instead.
  for (const PoolDim *dim : {&plan->rows, &plan->cols})
    for (const Window &window : dim->windows)
      EMBER_CHECK(!window.empty(), op, ": a pooling window holds no input element (input of shape ",
                  input.sizes(), ", kernel_size ", args.kernel, ", padding ", args.padding,
                  ", dilation ", args.dilation, ")");
  return max_pool(op, input, plan, pooled_shape(input, dims, *plan));
}

Tensor avg_pool_nd(const char *op, int64_t dims, const Tensor &input, IntArrayRef kernel_size,
                   IntArrayRef stride, IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                   std::optional<int64_t> divisor_override) {
  check_pool_input(op, input, dims);
  const SlidingArgs args = sliding_args(op, dims, kernel_size, stride, padding, 1);
  EMBER_CHECK(!divisor_override || *divisor_override != 0, op,
              ": expected divisor_override to be non-zero");
  const int64_t first = input.dim() - dims;
  auto plan = make_plan(dims, [&](int64_t d) {
    return avg_dim(input.size(first + d), args.kernel[d], args.stride[d], args.padding[d],
                   ceil_mode, count_include_pad);
  });
  plan->divisor_override = divisor_override;
  check_not_empty(op, input, *plan);
  return avg_pool(op, input, plan, pooled_shape(input, dims, *plan));
}

PlanPtr adaptive_plan(const char *op, int64_t dims, const Tensor &input, IntArrayRef output_size) {
  check_pool_input(op, input, dims);
  const Shape out = per_dim(output_size, dims, op, "output_size");
  check_min(out, 0, op, "output_size");
  const int64_t first = input.dim() - dims;
  return make_plan(dims, [&](int64_t d) { return adaptive_dim(input.size(first + d), out[d]); });
}

std::tuple<Tensor, Tensor> adaptive_max_pool_nd(const char *op, int64_t dims, const Tensor &input,
                                                IntArrayRef output_size) {
  const PlanPtr plan = adaptive_plan(op, dims, input, output_size);
  return max_pool(op, input, plan, pooled_shape(input, dims, *plan));
}

Tensor adaptive_avg_pool_nd(const char *op, int64_t dims, const Tensor &input,
                            IntArrayRef output_size) {
  const PlanPtr plan = adaptive_plan(op, dims, input, output_size);
  return avg_pool(op, input, plan, pooled_shape(input, dims, *plan));
}

} // namespace

// ---- public API ---------------------------------------------------------------------------------

std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor &input, IntArrayRef kernel_size,
                                                   IntArrayRef stride, IntArrayRef padding,
                                                   IntArrayRef dilation, bool ceil_mode) {
  return max_pool_nd("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode);
}
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor &input, IntArrayRef kernel_size,
                                                   IntArrayRef stride, IntArrayRef padding,
                                                   IntArrayRef dilation, bool ceil_mode) {
  return max_pool_nd("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode);
}
Tensor max_pool1d(const Tensor &input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(
      max_pool_nd("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode));
}
Tensor max_pool2d(const Tensor &input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(
      max_pool_nd("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode));
}

Tensor avg_pool1d(const Tensor &input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, bool ceil_mode, bool count_include_pad) {
  return avg_pool_nd("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, std::nullopt);
}
Tensor avg_pool2d(const Tensor &input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  return avg_pool_nd("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override);
}

Tensor adaptive_avg_pool1d(const Tensor &input, IntArrayRef output_size) {
  return adaptive_avg_pool_nd("adaptive_avg_pool1d", 1, input, output_size);
}
Tensor adaptive_avg_pool2d(const Tensor &input, IntArrayRef output_size) {
  return adaptive_avg_pool_nd("adaptive_avg_pool2d", 2, input, output_size);
}
std::tuple<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor &input,
                                                            IntArrayRef output_size) {
  return adaptive_max_pool_nd("adaptive_max_pool1d", 1, input, output_size);
}
std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor &input,
                                                            IntArrayRef output_size) {
  return adaptive_max_pool_nd("adaptive_max_pool2d", 2, input, output_size);
}
Tensor adaptive_max_pool1d(const Tensor &input, IntArrayRef output_size) {
  return std::get<0>(adaptive_max_pool1d_with_indices(input, output_size));
}
Tensor adaptive_max_pool2d(const Tensor &input, IntArrayRef output_size) {
  return std::get<0>(adaptive_max_pool2d_with_indices(input, output_size));
}

} // namespace ember::nn::functional
