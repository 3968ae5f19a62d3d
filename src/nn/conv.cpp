// Convolution (1-D to 3-D, grouped, strided, padded, dilated), transposed convolution and
// unfold/fold.
//
// Every convolution is a 3-D one here (unit leading dims for 1-D and 2-D) and reduces to three
// bilinear primitives over the same geometry, each the adjoint of the others in one argument:
//   convolution(image, weight)            image -> columns side (the forward conv)
//   convolution_transpose(columns, weight) columns -> image side (its input gradient; also
//                                          conv_transpose's forward)
//   convolution_weight(image, columns)     the weight gradient
// so the backward of each is made of the other two, and gradients of any order come for free.
// Kernels: float32 problems with 16+ channels per group on both sides run on oneDNN when ember
// is built with it (conv_dnnl.cpp: the library and kernels PyTorch uses, primitives cached per
// shape). Everything else (float64, which gradcheck uses, thin layers such as a 1-channel first
// layer, where oneDNN's layout reorders cost more than they save, builds without oneDNN) runs
// here: per sample, im2col into a reused buffer and one GEMM per group through OpenBLAS.
// Samples are split over threads (OpenBLAS stays single-threaded inside a parallel region, so
// the two do not fight); a lone sample runs alone with OpenBLAS threading each GEMM. The input
// gradient is computed only when asked for (the first layer's input is data).
#include <omp.h>

#include <algorithm>
#include <memory>

#include "autograd/record.h"
#include "backend/cpu/blas.h"
#include "backend/cpu/parallel.h"
#include "ember/autograd.h"
#include "ember/nn/functional/conv.h"
#include "nn/arguments.h"
#include "nn/conv_dnnl.h"
#include "nn/conv_problem.h"
#include "nn/im2col.h"

namespace ember::nn::functional {
namespace {

using cpu::gemm;
using ember::nn::ConvPass;
using ember::nn::ConvProblem;

// Below this many multiply-adds a convolution runs on the calling thread.
constexpr int64_t kMinParallelWork = int64_t{1} << 18;

// How many contiguous runs of samples to split the batch into, one per thread.
int64_t batch_slots(const ConvProblem &p) {
  const int64_t work = p.batch * p.columns_numel() * p.group_rows();
  if (omp_in_parallel() || work < kMinParallelWork)
    return 1;
  return std::clamp<int64_t>(omp_get_max_threads(), 1, std::max<int64_t>(p.batch, 1));
}

// Calls fn(slot, first_sample, end_sample) for every slot, each slot on its own thread.
template <typename Fn> void for_each_slot(int64_t batch, int64_t slots, const Fn &fn) {
  cpu::parallel_for(0, slots, 1, [&](int64_t begin, int64_t end) {
    for (int64_t s = begin; s < end; ++s)
      fn(s, s * batch / slots, (s + 1) * batch / slots);
  });
}

// The columns of one sample's image: the buffer filled by im2col, or the image itself.
template <typename T> const T *sample_columns(const ConvProblem &p, const T *image, T *buffer) {
  if (p.geometry.is_pointwise())
    return image;
  im2col(image, p.image_channels, p.geometry, buffer);
  return buffer;
}

// Sums (N, C, D, H, W) over all but the channel dim: the bias gradient. Threads split the
// channels and each sums its planes with 16 running partials (vectorized; the order is fixed,
// so results do not depend on the thread count), well ahead of the general reduction on these
// shapes. Its gradient broadcasts back.
Tensor bias_gradient(const Tensor &grad) {
  const int64_t batch = grad.size(0), channels = grad.size(1);
  const int64_t plane = grad.numel() / std::max<int64_t>(batch * channels, 1);
  Tensor out = empty({channels}, grad.options());
  {
    NoGradGuard no_grad;
    const Tensor y = grad.contiguous();
    dispatch_floating(y.dtype(), "conv bias gradient", [&](auto tag) {
      using T = decltype(tag);
      constexpr int64_t kLanes = 16;
      const T *py = y.data_ptr<T>();
      T *po = out.data_ptr<T>();
      cpu::parallel_for(0, channels,
                        std::max<int64_t>(1, cpu::kGrainSize / std::max<int64_t>(1, batch * plane)),
                        [&](int64_t begin, int64_t end) {
                          for (int64_t c = begin; c < end; ++c) {
                            T partial[kLanes] = {};
                            T tail = 0;
                            for (int64_t n = 0; n < batch; ++n) {
                              const T *x = py + (n * channels + c) * plane;
                              int64_t i = 0;
                              for (; i + kLanes <= plane; i += kLanes)
                                for (int64_t j = 0; j < kLanes; ++j)
                                  partial[j] += x[i + j];
                              for (; i < plane; ++i)
                                tail += x[i];
                            }
                            for (const T value : partial)
                              tail += value;
                            po[c] = tail;
                          }
                        });
    });
  }
  if (autograd::needs_grad(grad)) {
    const Shape shape = grad.sizes();
    autograd::record("ConvolutionBiasBackward", {grad}, {out}, {},
                     [shape](const autograd::BackwardContext &, const TensorList &grads) {
                       return TensorList{grads[0].view({1, -1, 1, 1, 1}).expand(shape)};
                     });
  }
  return out;
}

Tensor contiguous_or_undefined(const Tensor &t) { return t.defined() ? t.contiguous() : t; }

Tensor convolution_transpose(const ConvProblem &p, const Tensor &columns, const Tensor &weight,
                             const Tensor &bias);
Tensor convolution_weight(const ConvProblem &p, const Tensor &image, const Tensor &columns);
std::pair<Tensor, Tensor> convolution_backward(const ConvProblem &p, const Tensor &image,
                                               const Tensor &weight, const Tensor &grad);

// Runs a pass through oneDNN if it takes the problem (float32 only; see conv_dnnl.cpp).
bool run_dnnl(ConvPass pass, const ConvProblem &p, const Tensor &first, const Tensor &second,
              const Tensor &bias, Tensor &out) {
  return first.dtype() == kFloat32 && p.batch > 0 &&
         dnnl_convolution(pass, p, first.data_ptr<float>(), second.data_ptr<float>(),
                          bias.defined() ? bias.data_ptr<float>() : nullptr, out.data_ptr<float>());
}

// columns[n, g] = weight[g] @ im2col(image[n])[g] + bias, on contiguous operands.
void gemm_convolution(const ConvProblem &p, const Tensor &x, const Tensor &w, const Tensor &b,
                      Tensor &out) {
  const int64_t slots = batch_slots(p);
  Tensor buffers = empty({slots, p.buffer_numel()}, x.options());
  dispatch_floating(x.dtype(), "conv", [&](auto tag) {
    using T = decltype(tag);
    const T *px = x.data_ptr<T>(), *pw = w.data_ptr<T>();
    const T *pb = b.defined() ? b.data_ptr<T>() : nullptr;
    T *py = out.data_ptr<T>();
    const int64_t M = p.group_out(), K = p.group_rows(), L = p.positions();
    for_each_slot(p.batch, slots, [&](int64_t slot, int64_t begin, int64_t end) {
      T *buffer = buffers.data_ptr<T>() + slot * p.buffer_numel();
      for (int64_t n = begin; n < end; ++n) {
        const T *cols = sample_columns(p, px + n * p.image_numel(), buffer);
        T *y = py + n * p.columns_numel();
        if (pb)
          for (int64_t c = 0; c < p.column_channels; ++c)
            std::fill(y + c * L, y + (c + 1) * L, pb[c]);
        for (int64_t g = 0; g < p.groups; ++g)
          gemm<T>(false, false, M, L, K, pw + g * M * K, K, cols + g * K * L, L, pb ? T(1) : T(0),
                  y + g * M * L, L);
      }
    });
  });
}

Tensor convolution(const ConvProblem &p, const Tensor &image, const Tensor &weight,
                   const Tensor &bias) {
  Tensor out = empty(p.columns_shape(), image.options());
  {
    NoGradGuard no_grad;
    const Tensor x = image.contiguous(), w = weight.contiguous(), b = contiguous_or_undefined(bias);
    if (!run_dnnl(ConvPass::forward, p, x, w, b, out))
      gemm_convolution(p, x, w, b, out);
  }
  if (autograd::needs_grad(image, weight, bias))
    autograd::record("ConvolutionBackward", {image, weight, bias}, {out}, {image, weight},
                     [p](const autograd::BackwardContext &ctx, const TensorList &grads) {
                       const Tensor &grad = grads[0];
                       TensorList result(3);
                       if (ctx.needs(0) && ctx.needs(1)) {
                         std::tie(result[0], result[1]) =
                             convolution_backward(p, ctx.saved[0], ctx.saved[1], grad);
                       } else if (ctx.needs(0)) {
                         result[0] = convolution_transpose(p, grad, ctx.saved[1], {});
                       } else if (ctx.needs(1)) {
                         result[1] = convolution_weight(p, ctx.saved[0], grad);
                       }
                       if (ctx.needs(2))
                         result[2] = bias_gradient(grad);
                       return result;
                     });
  return out;
}

// image[n] = col2im(weight[g]^T @ columns[n, g]) + bias: the adjoint of convolution in image,
// on contiguous operands.
void gemm_convolution_transpose(const ConvProblem &p, const Tensor &y, const Tensor &w,
                                const Tensor &b, Tensor &out) {
  const int64_t slots = batch_slots(p);
  Tensor buffers = empty({slots, p.buffer_numel()}, y.options());
  dispatch_floating(y.dtype(), "conv_transpose", [&](auto tag) {
    using T = decltype(tag);
    const T *py = y.data_ptr<T>(), *pw = w.data_ptr<T>();
    const T *pb = b.defined() ? b.data_ptr<T>() : nullptr;
    T *px = out.data_ptr<T>();
    const int64_t M = p.group_out(), K = p.group_rows(), L = p.positions();
    const int64_t plane = p.geometry.image_volume();
    const bool pointwise = p.geometry.is_pointwise();
    for_each_slot(p.batch, slots, [&](int64_t slot, int64_t begin, int64_t end) {
      T *buffer = buffers.data_ptr<T>() + slot * p.buffer_numel();
      for (int64_t n = begin; n < end; ++n) {
        T *x = px + n * p.image_numel();
        T *cols = pointwise ? x : buffer;
        for (int64_t g = 0; g < p.groups; ++g)
          gemm<T>(true, false, K, L, M, pw + g * M * K, K, py + n * p.columns_numel() + g * M * L,
                  L, T(0), cols + g * K * L, L);
        if (!pointwise) {
          std::fill(x, x + p.image_numel(), T(0));
          col2im(cols, p.image_channels, p.geometry, x);
        }
        if (pb)
          for (int64_t c = 0; c < p.image_channels; ++c)
            for (T *e = x + c * plane; e != x + (c + 1) * plane; ++e)
              *e += pb[c];
      }
    });
  });
}

// Makes out = convolution_transpose(p, columns, weight, bias) differentiable.
void record_convolution_transpose(const ConvProblem &p, const Tensor &columns, const Tensor &weight,
                                  const Tensor &bias, const Tensor &out) {
  if (autograd::needs_grad(columns, weight, bias))
    autograd::record("ConvolutionTransposeBackward", {columns, weight, bias}, {out},
                     {columns, weight},
                     [p](const autograd::BackwardContext &ctx, const TensorList &grads) {
                       const Tensor &grad = grads[0];
                       TensorList result(3);
                       if (ctx.needs(0))
                         result[0] = convolution(p, grad, ctx.saved[1], {});
                       if (ctx.needs(1))
                         result[1] = convolution_weight(p, grad, ctx.saved[0]);
                       if (ctx.needs(2))
                         result[2] = bias_gradient(grad);
                       return result;
                     });
}

Tensor convolution_transpose(const ConvProblem &p, const Tensor &columns, const Tensor &weight,
                             const Tensor &bias) {
  Tensor out = empty(p.image_shape(), columns.options());
  {
    NoGradGuard no_grad;
    const Tensor y = columns.contiguous(), w = weight.contiguous(),
                 b = contiguous_or_undefined(bias);
    if (run_dnnl(ConvPass::backward_data, p, y, w, {}, out)) {
      if (b.defined())
        out.add_(b.view({1, -1, 1, 1, 1}));
    } else {
      gemm_convolution_transpose(p, y, w, b, out);
    }
  }
  record_convolution_transpose(p, columns, weight, bias, out);
  return out;
}

// weight[g] = sum over n of columns[n, g] @ im2col(image[n])[g]^T: the adjoint of convolution
// in weight, on contiguous operands, into a zeroed out. Each slot sums its samples into its
// own partial, then the partials are added.
void gemm_convolution_weight(const ConvProblem &p, const Tensor &x, const Tensor &y, Tensor &out) {
  const int64_t slots = batch_slots(p);
  Tensor buffers = empty({slots, p.buffer_numel()}, x.options());
  Tensor partials =
      slots == 1 ? out.view({1, p.weight_numel()}) : empty({slots, p.weight_numel()}, x.options());
  dispatch_floating(x.dtype(), "conv", [&](auto tag) {
    using T = decltype(tag);
    const T *px = x.data_ptr<T>(), *py = y.data_ptr<T>();
    const int64_t M = p.group_out(), K = p.group_rows(), L = p.positions();
    for_each_slot(p.batch, slots, [&](int64_t slot, int64_t begin, int64_t end) {
      T *buffer = buffers.data_ptr<T>() + slot * p.buffer_numel();
      T *partial = partials.data_ptr<T>() + slot * p.weight_numel();
      for (int64_t n = begin; n < end; ++n) {
        const T *cols = sample_columns(p, px + n * p.image_numel(), buffer);
        for (int64_t g = 0; g < p.groups; ++g)
          gemm<T>(false, true, M, K, L, py + n * p.columns_numel() + g * M * L, L, cols + g * K * L,
                  L, n == begin ? T(0) : T(1), partial + g * M * K, K);
      }
    });
    if (slots > 1) {
      T *pw = out.data_ptr<T>();
      const T *pp = partials.data_ptr<T>();
      for (int64_t s = 0; s < slots; ++s)
        for (int64_t i = 0; i < p.weight_numel(); ++i)
          pw[i] += pp[s * p.weight_numel() + i];
    }
  });
}

// Makes out = convolution_weight(p, image, columns) differentiable.
void record_convolution_weight(const ConvProblem &p, const Tensor &image, const Tensor &columns,
                               const Tensor &out) {
  if (autograd::needs_grad(image, columns))
    autograd::record("ConvolutionWeightBackward", {image, columns}, {out}, {image, columns},
                     [p](const autograd::BackwardContext &ctx, const TensorList &grads) {
                       const Tensor &grad = grads[0];
                       TensorList result(2);
                       if (ctx.needs(0))
                         result[0] = convolution_transpose(p, ctx.saved[1], grad, {});
                       if (ctx.needs(1))
                         result[1] = convolution(p, ctx.saved[0], grad, {});
                       return result;
                     });
}

Tensor convolution_weight(const ConvProblem &p, const Tensor &image, const Tensor &columns) {
  Tensor out = zeros(p.weight_shape(), image.options());
  if (p.batch > 0) {
    NoGradGuard no_grad;
    const Tensor x = image.contiguous(), y = columns.contiguous();
    if (!run_dnnl(ConvPass::backward_weights, p, x, y, {}, out))
      gemm_convolution_weight(p, x, y, out);
  }
  record_convolution_weight(p, image, columns, out);
  return out;
}

// The image and weight gradients of convolution(image, weight) from its output gradient. oneDNN
// (when it takes the problem) computes both from one reorder of grad; otherwise they are the
// two primitives above.
std::pair<Tensor, Tensor> convolution_backward(const ConvProblem &p, const Tensor &image,
                                               const Tensor &weight, const Tensor &grad) {
  if (grad.dtype() == kFloat32 && p.batch > 0) {
    Tensor grad_image = empty(p.image_shape(), grad.options());
    Tensor grad_weight = empty(p.weight_shape(), grad.options());
    bool done = false;
    {
      NoGradGuard no_grad;
      const Tensor x = image.contiguous(), w = weight.contiguous(), y = grad.contiguous();
      done = dnnl_convolution_backward(p, x.data_ptr<float>(), w.data_ptr<float>(),
                                       y.data_ptr<float>(), grad_image.data_ptr<float>(),
                                       grad_weight.data_ptr<float>());
    }
    if (done) {
      record_convolution_transpose(p, grad, weight, {}, grad_image);
      record_convolution_weight(p, image, grad, grad_weight);
      return {grad_image, grad_weight};
    }
  }
  return {convolution_transpose(p, grad, weight, {}), convolution_weight(p, image, grad)};
}

// ---- argument handling ----------------------------------------------------------------------

// Per-dim values of the last dims of three, the leading ones set to fill.
Dims3 to_3d(const Shape &values, int64_t fill) {
  Dims3 result{fill, fill, fill};
  std::copy(values.begin(), values.end(), result.end() - values.size());
  return result;
}

// Adds unit dims after the channel dim so that a tensor with `dims` spatial dims has three.
Tensor to_5d(Tensor t, int64_t dims) {
  for (int64_t d = dims; d < 3; ++d)
    t = t.unsqueeze(2);
  return t;
}

Shape with_spatial(int64_t batch, int64_t channels, const Dims3 &spatial, int64_t dims) {
  Shape shape{batch, channels};
  shape.insert(shape.end(), spatial.end() - dims, spatial.end());
  return shape;
}

// The shared front of conv{1,2,3}d and conv_transpose{1,2,3}d: checks, reshapes to 3-D
// problems, runs the primitive and reshapes back.
Tensor convolution_nd(const char *op, int64_t dims, const Tensor &input, const Tensor &weight,
                      const Tensor &bias, IntArrayRef stride_arg, IntArrayRef padding_arg,
                      IntArrayRef dilation_arg, int64_t groups, bool transposed,
                      IntArrayRef output_padding_arg) {
  EMBER_CHECK(input.dim() == dims + 1 || input.dim() == dims + 2, op, ": expected ", dims + 1,
              "-D (unbatched) or ", dims + 2, "-D (batched) input, got input of shape ",
              input.sizes());
  EMBER_CHECK(weight.dim() == dims + 2, op, ": expected ", dims + 2,
              "-D weight, got weight of shape ", weight.sizes());
  EMBER_CHECK(input.dtype() == weight.dtype() && (!bias.defined() || bias.dtype() == input.dtype()),
              op, ": expected input, weight and bias of the same dtype, got ", input.dtype(),
              " and ", weight.dtype(), bias.defined() ? " and " : "",
              bias.defined() ? dtype_name(bias.dtype()) : "");
  EMBER_CHECK(input.dtype() == kFloat32 || input.dtype() == kFloat64, op,
              ": expected a float32 or float64 input, got ", input.dtype());
  EMBER_CHECK(groups > 0, op, ": expected groups to be positive, got ", groups);
  const Shape stride = per_dim(stride_arg, dims, op, "stride");
  const Shape padding = per_dim(padding_arg, dims, op, "padding");
  const Shape dilation = per_dim(dilation_arg, dims, op, "dilation");
  const Shape output_padding = per_dim(output_padding_arg, dims, op, "output_padding");
  check_min(stride, 1, op, "stride");
  check_min(dilation, 1, op, "dilation");
  check_min(padding, 0, op, "padding");
  check_min(output_padding, 0, op, "output_padding");

  const bool batched = input.dim() == dims + 2;
  const Tensor x = batched ? input : input.unsqueeze(0);
  // A transposed conv reads weight (C_in, C_out / groups, ...) as the conv from its output to
  // its input would: the input is on the columns side.
  const int64_t weight_out = transposed ? weight.size(1) * groups : weight.size(0);
  const int64_t expected_in = transposed ? weight.size(0) : weight.size(1) * groups;
  EMBER_CHECK(weight.size(0) % groups == 0, op, ": expected weight of shape ", weight.sizes(),
              " to have a multiple of groups (", groups, ") ", transposed ? "input" : "output",
              " channels in dim 0");
  EMBER_CHECK(x.size(1) == expected_in, op, ": expected input with ", expected_in,
              " channels (weight of shape ", weight.sizes(), ", groups ", groups,
              "), got input of shape ", input.sizes());
  EMBER_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == weight_out), op,
              ": expected bias of shape [", weight_out, "], got bias of shape ", bias.sizes());

  const Shape kernel(weight.sizes().begin() + 2, weight.sizes().end());
  const Shape spatial(x.sizes().begin() + 2, x.sizes().end());
  Shape other_side(dims);
  for (int64_t d = 0; d < dims; ++d) {
    const int64_t span = dilation[d] * (kernel[d] - 1) + 1;
    if (transposed) {
      EMBER_CHECK(output_padding[d] < stride[d] || output_padding[d] < dilation[d], op,
                  ": expected output_padding smaller than either stride or dilation, got "
                  "output_padding ",
                  output_padding, ", stride ", stride, ", dilation ", dilation);
      other_side[d] = (spatial[d] - 1) * stride[d] - 2 * padding[d] + span + output_padding[d];
    } else {
      EMBER_CHECK(spatial[d] + 2 * padding[d] >= span, op, ": kernel of shape ", kernel,
                  " (dilation ", dilation, ") is larger than the padded input (input of shape ",
                  input.sizes(), ", padding ", padding, ")");
      other_side[d] = conv_output_size(spatial[d], kernel[d], stride[d], padding[d], dilation[d]);
    }
    EMBER_CHECK(other_side[d] > 0, op, ": output size would be empty (input of shape ",
                input.sizes(), ", weight of shape ", weight.sizes(), ", stride ", stride,
                ", padding ", padding, ", dilation ", dilation, ")");
  }

  ConvGeometry geometry;
  geometry.image = to_3d(transposed ? other_side : spatial, 1);
  geometry.columns = to_3d(transposed ? spatial : other_side, 1);
  geometry.kernel = to_3d(kernel, 1);
  geometry.stride = to_3d(stride, 1);
  geometry.padding = to_3d(padding, 0);
  geometry.dilation = to_3d(dilation, 1);
  const int64_t batch = x.size(0);
  const int64_t weight_in = transposed ? weight.size(0) : weight.size(1) * groups;
  const ConvProblem problem{geometry, batch, transposed ? weight_out : weight_in,
                            transposed ? weight_in : weight_out, groups};
  const Tensor x5 = to_5d(x, dims), w5 = to_5d(weight, dims);
  const Tensor out = transposed ? convolution_transpose(problem, x5, w5, bias)
                                : convolution(problem, x5, w5, bias);
  const Tensor result = out.view(
      with_spatial(batch, weight_out, transposed ? geometry.image : geometry.columns, dims));
  return batched ? result : result.squeeze(0);
}

// padding="valid" or "same". For "same" with an odd total padding torch pads the extra element
// at the end of the dim, which a symmetric conv padding cannot express: pad the input first.
Tensor convolution_mode(const char *op, int64_t dims, const Tensor &input, const Tensor &weight,
                        const Tensor &bias, IntArrayRef stride, const PaddingMode &padding,
                        IntArrayRef dilation_arg, int64_t groups) {
  if (padding.name == "valid")
    return convolution_nd(op, dims, input, weight, bias, stride, 0, dilation_arg, groups, false, 0);
  EMBER_CHECK(padding.name == "same", op, ": invalid padding string '", padding.name,
              "', expected 'same' or 'valid'");
  EMBER_CHECK(weight.dim() == dims + 2, op, ": expected ", dims + 2,
              "-D weight, got weight of shape ", weight.sizes());
  for (int64_t s : per_dim(stride, dims, op, "stride"))
    EMBER_CHECK(s == 1, op, ": padding='same' is not supported for strided convolutions");
  const Shape dilation = per_dim(dilation_arg, dims, op, "dilation");
  Shape symmetric(dims), extra_pads; // extra_pads in pad()'s order: last dim first
  bool asymmetric = false;
  for (int64_t d = dims - 1; d >= 0; --d) {
    const int64_t total = dilation[d] * (weight.size(d + 2) - 1);
    symmetric[d] = total / 2;
    extra_pads.insert(extra_pads.end(), {0, total % 2});
    asymmetric = asymmetric || total % 2 != 0;
  }
  const Tensor padded = asymmetric ? pad(input, extra_pads) : input;
  return convolution_nd(op, dims, padded, weight, bias, stride, symmetric, dilation, groups, false,
                        0);
}

// ---- unfold / fold ------------------------------------------------------------------------

Tensor col2im_batch(const ConvGeometry &g, int64_t channels, const Tensor &columns);

// (N, C, 1, H, W) -> (N, C * kH * kW, L)
Tensor im2col_batch(const ConvGeometry &g, int64_t channels, const Tensor &image) {
  const int64_t batch = image.size(0);
  Tensor out = empty({batch, channels * g.kernel_volume(), g.columns_volume()}, image.options());
  {
    NoGradGuard no_grad;
    const Tensor x = image.contiguous();
    dispatch_floating(image.dtype(), "unfold", [&](auto tag) {
      using T = decltype(tag);
      const int64_t in_numel = channels * g.image_volume(),
                    out_numel = out.numel() / std::max<int64_t>(batch, 1);
      cpu::parallel_for(0, batch,
                        std::max<int64_t>(1, cpu::kGrainSize / std::max<int64_t>(1, out_numel)),
                        [&](int64_t begin, int64_t end) {
                          for (int64_t n = begin; n < end; ++n)
                            im2col(x.data_ptr<T>() + n * in_numel, channels, g,
                                   out.data_ptr<T>() + n * out_numel);
                        });
    });
  }
  if (autograd::needs_grad(image))
    autograd::record("Im2ColBackward", {image}, {out}, {},
                     [g, channels](const autograd::BackwardContext &, const TensorList &grads) {
                       return TensorList{col2im_batch(g, channels, grads[0])};
                     });
  return out;
}

// (N, C * kH * kW, L) -> (N, C, 1, H, W)
Tensor col2im_batch(const ConvGeometry &g, int64_t channels, const Tensor &columns) {
  const int64_t batch = columns.size(0);
  Tensor out = zeros({batch, channels, g.image[0], g.image[1], g.image[2]}, columns.options());
  {
    NoGradGuard no_grad;
    const Tensor y = columns.contiguous();
    dispatch_floating(columns.dtype(), "fold", [&](auto tag) {
      using T = decltype(tag);
      const int64_t in_numel = y.numel() / std::max<int64_t>(batch, 1),
                    out_numel = channels * g.image_volume();
      cpu::parallel_for(0, batch,
                        std::max<int64_t>(1, cpu::kGrainSize / std::max<int64_t>(1, in_numel)),
                        [&](int64_t begin, int64_t end) {
                          for (int64_t n = begin; n < end; ++n)
                            col2im(y.data_ptr<T>() + n * in_numel, channels, g,
                                   out.data_ptr<T>() + n * out_numel);
                        });
    });
  }
  if (autograd::needs_grad(columns))
    autograd::record("Col2ImBackward", {columns}, {out}, {},
                     [g, channels](const autograd::BackwardContext &, const TensorList &grads) {
                       return TensorList{im2col_batch(g, channels, grads[0])};
                     });
  return out;
}

// The geometry of unfold/fold on an (H, W) image, checked.
ConvGeometry block_geometry(const char *op, IntArrayRef image, IntArrayRef kernel_size,
                            IntArrayRef dilation_arg, IntArrayRef padding_arg,
                            IntArrayRef stride_arg) {
  const Shape kernel = per_dim(kernel_size, 2, op, "kernel_size");
  const Shape dilation = per_dim(dilation_arg, 2, op, "dilation");
  const Shape padding = per_dim(padding_arg, 2, op, "padding");
  const Shape stride = per_dim(stride_arg, 2, op, "stride");
  check_min(kernel, 1, op, "kernel_size");
  check_min(dilation, 1, op, "dilation");
  check_min(padding, 0, op, "padding");
  check_min(stride, 1, op, "stride");
  ConvGeometry g;
  Shape blocks(2);
  for (int64_t d = 0; d < 2; ++d) {
    blocks[d] = conv_output_size(image[d], kernel[d], stride[d], padding[d], dilation[d]);
    EMBER_CHECK(blocks[d] > 0, op, ": no sliding block fits (spatial size ", image.vec(),
                ", kernel_size ", kernel, ", dilation ", dilation, ", padding ", padding,
                ", stride ", stride, ")");
  }
  g.image = to_3d(image.vec(), 1);
  g.columns = to_3d(blocks, 1);
  g.kernel = to_3d(kernel, 1);
  g.stride = to_3d(stride, 1);
  g.padding = to_3d(padding, 0);
  g.dilation = to_3d(dilation, 1);
  return g;
}

} // namespace

// ---- public API ---------------------------------------------------------------------------------

#define EMBER_DEFINE_CONV(dims)                                                                    \
  Tensor conv##dims##d(const Tensor &input, const Tensor &weight, const Tensor &bias,              \
                       IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation,              \
                       int64_t groups) {                                                           \
    return convolution_nd("conv" #dims "d", dims, input, weight, bias, stride, padding, dilation,  \
                          groups, false, 0);                                                       \
  }                                                                                                \
  Tensor conv##dims##d(const Tensor &input, const Tensor &weight, const Tensor &bias,              \
                       IntArrayRef stride, PaddingMode padding, IntArrayRef dilation,              \
                       int64_t groups) {                                                           \
    return convolution_mode("conv" #dims "d", dims, input, weight, bias, stride, padding,          \
                            dilation, groups);                                                     \
  }                                                                                                \
  Tensor conv_transpose##dims##d(                                                                  \
      const Tensor &input, const Tensor &weight, const Tensor &bias, IntArrayRef stride,           \
      IntArrayRef padding, IntArrayRef output_padding, int64_t groups, IntArrayRef dilation) {     \
    return convolution_nd("conv_transpose" #dims "d", dims, input, weight, bias, stride, padding,  \
                          dilation, groups, true, output_padding);                                 \
  }
EMBER_DEFINE_CONV(1)
EMBER_DEFINE_CONV(2)
EMBER_DEFINE_CONV(3)
#undef EMBER_DEFINE_CONV

Tensor unfold(const Tensor &input, IntArrayRef kernel_size, IntArrayRef dilation,
              IntArrayRef padding, IntArrayRef stride) {
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4,
              "unfold: expected 3-D (unbatched) or 4-D (batched) input, got input of shape ",
              input.sizes());
  const bool batched = input.dim() == 4;
  const Tensor x = batched ? input : input.unsqueeze(0);
  const ConvGeometry g =
      block_geometry("unfold", {x.size(2), x.size(3)}, kernel_size, dilation, padding, stride);
  const Tensor columns = im2col_batch(g, x.size(1), x.unsqueeze(2));
  return batched ? columns : columns.squeeze(0);
}

Tensor fold(const Tensor &input, IntArrayRef output_size, IntArrayRef kernel_size,
            IntArrayRef dilation, IntArrayRef padding, IntArrayRef stride) {
  EMBER_CHECK(input.dim() == 2 || input.dim() == 3,
              "fold: expected 2-D (unbatched) or 3-D (batched) input, got input of shape ",
              input.sizes());
  const Shape image = per_dim(output_size, 2, "fold", "output_size");
  check_min(image, 1, "fold", "output_size");
  const bool batched = input.dim() == 3;
  const Tensor columns = batched ? input : input.unsqueeze(0);
  const ConvGeometry g = block_geometry("fold", image, kernel_size, dilation, padding, stride);
  EMBER_CHECK(columns.size(1) % g.kernel_volume() == 0,
              "fold: expected input's dim 1 to be divisible by the kernel's ", g.kernel_volume(),
              " elements, got input of shape ", input.sizes());
  EMBER_CHECK(columns.size(2) == g.columns_volume(),
              "fold: expected input's last dim to match the ", g.columns[1], " * ", g.columns[2],
              " = ", g.columns_volume(), " sliding blocks, got input of shape ", input.sizes());
  const int64_t channels = columns.size(1) / g.kernel_volume();
  const Tensor out =
      col2im_batch(g, channels, columns).view({columns.size(0), channels, image[0], image[1]});
  return batched ? out : out.squeeze(0);
}

} // namespace ember::nn::functional
