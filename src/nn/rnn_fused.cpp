// The fused recurrent layer: one direction of one layer over the whole sequence as a single
// autograd node. Forward: one GEMM projects the inputs of all steps, then each step runs one GEMM
// for the recurrent part and one elementwise gate kernel. Backward walks the steps in reverse with
// one GEMM and one kernel per step, keeping the gate gradients of every step, then forms the
// weight gradients with one GEMM each over all steps. When the graph of the gradient itself is
// wanted (create_graph), backward recomputes the layer with the differentiable cell functions.
#include <algorithm>

#include "autograd/record.h"
#include "backend/cpu/blas.h"
#include "backend/cpu/parallel.h"
#include "backend/cpu/rnn_kernels.h"
#include "ember/ops.h"
#include "nn/rnn_layer.h"

namespace ember::nn::detail {
namespace {

const char *node_name(RNNMode mode) {
  switch (mode) {
  case RNNMode::kLstm:
    return "LstmLayerBackward";
  case RNNMode::kGru:
    return "GruLayerBackward";
  default:
    return "RnnLayerBackward";
  }
}

using cpu::gemm;

// Runs fn(first_row, row_count) over slices of the batch, one per thread. The rows of a batch
// never mix in a recurrence, so each thread runs every step of its own rows (with single-threaded
// BLAS inside the parallel region) and the threads meet once, not at every step.
template <typename Fn> void over_batch(int64_t batch, int64_t row_work, const Fn &fn) {
  const int64_t grain = std::max<int64_t>(4, (int64_t{1} << 20) / std::max<int64_t>(1, row_work));
  cpu::parallel_for(0, batch, grain, [&](int64_t begin, int64_t end) { fn(begin, end - begin); });
}

template <typename T> T *ptr(const Tensor &t) { return t.defined() ? t.data_ptr<T>() : nullptr; }

// Sizes of one layer run and the step order.
struct Geometry {
  int64_t steps, batch, input_size, hidden, gates;
  bool reverse;
  int64_t time(int64_t s) const { return reverse ? steps - 1 - s : s; }
  // The step whose output feeds step s as h_{t-1}, or -1 for the initial state.
  int64_t previous(int64_t s) const { return s == 0 ? -1 : time(s - 1); }
};

// What forward keeps for backward besides the inputs: gates holds the activations of every step
// (for RNN, nothing it needs), cells the LSTM cell states, recurrent the GRU's h W_hh^T + b_hh.
struct Activations {
  Tensor output, gates, cells, recurrent;
};

template <typename T>
void forward_kernel(RNNMode mode, const Geometry &g, const Tensor &x, const Tensor &h0,
                    const Tensor &c0, const Tensor &w_ih, const Tensor &w_hh,
                    const Tensor &input_bias, const Tensor &b_hh, Activations &a) {
  const int64_t rows = g.steps * g.batch, width = g.gates * g.hidden, bh = g.batch * g.hidden;
  T *gates = a.gates.data_ptr<T>();
  if (input_bias.defined()) {
    const T *bias = input_bias.data_ptr<T>();
    for (int64_t r = 0; r < rows; ++r)
      std::copy(bias, bias + width, gates + r * width);
  }
  gemm<T>(false, true, rows, width, g.input_size, x.data_ptr<T>(), g.input_size, w_ih.data_ptr<T>(),
          g.input_size, input_bias.defined() ? T(1) : T(0), gates, width);
  T *output = a.output.data_ptr<T>(), *cells = ptr<T>(a.cells), *recurrent = ptr<T>(a.recurrent);
  // W_hh^T [H, G * H] row-major: the per-step product then packs its weight operand with
  // OpenBLAS's cheaper copy routine (measured: the transposed read cost 18% of the forward).
  const Tensor w_hh_t = w_hh.t().contiguous();
  const T *weight_hh_t = w_hh_t.data_ptr<T>(), *hidden_bias = ptr<T>(b_hh);
  // Rows [b0, b0 + nb) of every step; row r of a [B, X] step block is at r * X.
  over_batch(g.batch, g.steps * width * g.hidden, [&](int64_t b0, int64_t nb) {
    for (int64_t s = 0; s < g.steps; ++s) {
      const int64_t t = g.time(s), p = g.previous(s);
      const T *h_prev = p >= 0 ? output + p * bh : ptr<T>(h0);
      if (h_prev)
        h_prev += b0 * g.hidden;
      T *step_gates = gates + t * g.batch * width + b0 * width;
      T *h = output + t * bh + b0 * g.hidden;
      if (mode == RNNMode::kGru) {
        T *step_recurrent = recurrent + t * g.batch * width + b0 * width;
        if (h_prev)
          gemm<T>(false, false, nb, width, g.hidden, h_prev, g.hidden, weight_hh_t, width, 0,
                  step_recurrent, width);
        else
          std::fill(step_recurrent, step_recurrent + nb * width, T(0));
        cpu::rnn::gru_forward<T>(nb, g.hidden, step_gates, step_recurrent, hidden_bias, h_prev, h);
        continue;
      }
      if (h_prev)
        gemm<T>(false, false, nb, width, g.hidden, h_prev, g.hidden, weight_hh_t, width, 1,
                step_gates, width);
      if (mode == RNNMode::kLstm) {
        const T *c_prev = p >= 0 ? cells + p * bh : ptr<T>(c0);
        cpu::rnn::lstm_forward<T>(nb, g.hidden, step_gates,
                                  c_prev ? c_prev + b0 * g.hidden : nullptr,
                                  cells + t * bh + b0 * g.hidden, h);
      } else {
        cpu::rnn::rnn_forward<T>(nb, g.hidden, mode == RNNMode::kRnnRelu, step_gates, h);
      }
    }
  });
}

// The gradients backward fills, undefined where not needed. d_hidden and d_cell enter holding
// the gradients of h_n and c_n and leave holding those of h0 and c0.
struct Gradients {
  Tensor input, d_hidden, d_cell, w_ih, w_hh, b_ih, b_hh;
  bool want_b_ih = false, want_b_hh = false;
};

template <typename T>
void backward_kernel(RNNMode mode, const Geometry &g, const Tensor &x, const Tensor &h0,
                     const Tensor &c0, const Tensor &w_ih, const Tensor &w_hh, const Activations &a,
                     const Tensor &grad_output, Gradients &out) {
  const int64_t rows = g.steps * g.batch, width = g.gates * g.hidden, bh = g.batch * g.hidden;
  Tensor d_gates = empty({g.steps, g.batch, width}, x.options());
  // The GRU's recurrent gate gradients differ from its input ones in the n block.
  Tensor d_recurrent = mode == RNNMode::kGru ? empty_like(d_gates) : d_gates;
  T *dgx = d_gates.data_ptr<T>(), *dgh = d_recurrent.data_ptr<T>();
  T *dh = out.d_hidden.data_ptr<T>(), *dc = ptr<T>(out.d_cell);
  const T *gates = a.gates.data_ptr<T>(), *output = a.output.data_ptr<T>();
  const T *cells = ptr<T>(a.cells), *recurrent = ptr<T>(a.recurrent);
  const T *dy = grad_output.data_ptr<T>(), *weight_hh = w_hh.data_ptr<T>();
  over_batch(g.batch, g.steps * width * g.hidden, [&](int64_t b0, int64_t nb) {
    const int64_t row = b0 * g.hidden;
    for (int64_t s = g.steps - 1; s >= 0; --s) {
      const int64_t t = g.time(s), p = g.previous(s);
      const int64_t at = t * g.batch * width + b0 * width, ht = t * bh + row;
      switch (mode) {
      case RNNMode::kLstm: {
        const T *c_prev = p >= 0 ? cells + p * bh : ptr<T>(c0);
        cpu::rnn::lstm_backward<T>(nb, g.hidden, gates + at, cells + ht,
                                   c_prev ? c_prev + row : nullptr, dh + row, dy + ht, dc + row,
                                   dgx + at);
        break;
      }
      case RNNMode::kGru: {
        const T *h_prev = p >= 0 ? output + p * bh : ptr<T>(h0);
        cpu::rnn::gru_backward<T>(nb, g.hidden, gates + at, recurrent + at,
                                  h_prev ? h_prev + row : nullptr, dy + ht, dh + row, dgx + at,
                                  dgh + at);
        break;
      }
      default:
        cpu::rnn::rnn_backward<T>(nb, g.hidden, mode == RNNMode::kRnnRelu, output + ht, dh + row,
                                  dy + ht, dgx + at);
      }
      // dh_{t-1} (+)= dgates_t @ W_hh; the GRU kernel left its direct part dh * z in dh.
      gemm<T>(false, false, nb, g.hidden, width, dgh + at, width, weight_hh, g.hidden,
              mode == RNNMode::kGru ? T(1) : T(0), dh + row, g.hidden);
    }
  });
  if (out.input.defined())
    gemm<T>(false, false, rows, g.input_size, width, dgx, width, w_ih.data_ptr<T>(), g.input_size,
            0, out.input.data_ptr<T>(), g.input_size);
  if (out.w_ih.defined())
    gemm<T>(true, false, width, g.input_size, rows, dgx, width, x.data_ptr<T>(), g.input_size, 0,
            out.w_ih.data_ptr<T>(), g.input_size);
  if (out.w_hh.defined()) {
    // Step t's previous state is output[t - 1] (output[t + 1] in reverse) for all but the first
    // step, whose previous state is h0: one GEMM over the shifted outputs, one for h0.
    T *dw = out.w_hh.data_ptr<T>();
    const int64_t shifted = (g.steps - 1) * g.batch;
    const int64_t first = g.time(0);
    const T *dg_shifted = g.reverse ? dgh : dgh + g.batch * width;
    const T *h_shifted = g.reverse ? output + bh : output;
    gemm<T>(true, false, width, g.hidden, shifted, dg_shifted, width, h_shifted, g.hidden, 0, dw,
            g.hidden);
    if (h0.defined())
      gemm<T>(true, false, width, g.hidden, g.batch, dgh + first * g.batch * width, width,
              h0.data_ptr<T>(), g.hidden, 1, dw, g.hidden);
  }
  if (out.want_b_ih)
    out.b_ih = d_gates.view({rows, width}).sum({0});
  if (out.want_b_hh)
    out.b_hh = mode == RNNMode::kGru || !out.want_b_ih ? d_recurrent.view({rows, width}).sum({0})
                                                       : out.b_ih;
}

// The backward of the node with create_graph: the same gradients as differentiable functions of
// the node's inputs. The layer is recomputed with the cell functions from fresh views of the
// inputs, so autograd::grad stops at those views instead of walking into the inputs' history.
TensorList differentiable_backward(RNNMode mode, bool reverse, const TensorList &inputs,
                                   const autograd::BackwardContext &ctx, const TensorList &grads) {
  TensorList views = inputs, wanted;
  std::vector<size_t> wanted_index;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (ctx.needs(i) && inputs[i].defined()) {
      views[i] = inputs[i].view_as(inputs[i]);
      wanted.push_back(views[i]);
      wanted_index.push_back(i);
    }
  TensorList outputs = rnn_layer_composite(mode, views[0], views[1], views[2],
                                           {views[3], views[4], views[5], views[6]}, reverse);
  TensorList computed =
      autograd::grad(outputs, wanted, TensorList(grads.begin(), grads.end()), true, true, true);
  TensorList result(inputs.size());
  for (size_t k = 0; k < wanted.size(); ++k)
    result[wanted_index[k]] = computed[k];
  return result;
}

void check_dtype(const Tensor &t, DType dtype) {
  EMBER_CHECK(!t.defined() || t.dtype() == dtype, "rnn layer: expected every tensor of dtype ",
              dtype, ", got one of ", t.dtype());
}

} // namespace

TensorList rnn_layer(RNNMode mode, const Tensor &input, const Tensor &h0, const Tensor &c0,
                     const LayerWeights &w, bool reverse) {
  const DType dtype = input.dtype();
  EMBER_CHECK(dtype == kFloat32 || dtype == kFloat64,
              "rnn layer: expected float32 or float64 input, got ", dtype);
  for (const Tensor *t : {&h0, &c0, &w.w_ih, &w.w_hh, &w.b_ih, &w.b_hh})
    check_dtype(*t, dtype);
  const Geometry g{input.size(0),  input.size(1),    input.size(2),
                   w.w_hh.size(1), gate_count(mode), reverse};
  const bool lstm = mode == RNNMode::kLstm, gru = mode == RNNMode::kGru;
  Activations a;
  a.output = empty({g.steps, g.batch, g.hidden}, input.options());
  a.gates = empty({g.steps, g.batch, g.gates * g.hidden}, input.options());
  if (lstm)
    a.cells = empty({g.steps, g.batch, g.hidden}, input.options());
  if (gru)
    a.recurrent = empty_like(a.gates);
  Tensor x, h_init, c_init, w_ih, w_hh, input_bias, b_hh;
  {
    NoGradGuard no_grad;
    x = input.contiguous();
    h_init = h0.defined() ? h0.contiguous() : h0;
    c_init = c0.defined() ? c0.contiguous() : c0;
    w_ih = w.w_ih.contiguous();
    w_hh = w.w_hh.contiguous();
    // The LSTM and RNN kernels see one bias (b_ih + b_hh) added with the input projection; the
    // GRU needs b_hh apart, inside r * (W_hn h + b_hn).
    if (gru) {
      input_bias = w.b_ih.defined() ? w.b_ih.contiguous() : w.b_ih;
      b_hh = w.b_hh.defined() ? w.b_hh.contiguous() : zeros({g.gates * g.hidden}, input.options());
    } else if (w.b_ih.defined() || w.b_hh.defined()) {
      input_bias = w.b_ih.defined() && w.b_hh.defined() ? w.b_ih + w.b_hh
                   : w.b_ih.defined()                   ? w.b_ih.contiguous()
                                                        : w.b_hh.contiguous();
    }
    dispatch_floating(dtype, "rnn layer", [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>)
        forward_kernel<T>(mode, g, x, h_init, c_init, w_ih, w_hh, input_bias, b_hh, a);
    });
  }
  const int64_t last = g.time(g.steps - 1);
  TensorList outputs{a.output, a.output[last].clone()};
  if (lstm)
    outputs.push_back(a.cells[last].clone());
  const TensorList inputs{input, h0, c0, w.w_ih, w.w_hh, w.b_ih, w.b_hh};
  if (!autograd::needs_grad(inputs))
    return outputs;
  // saved: the inputs (as given, for create_graph), their contiguous forms, and the activations.
  TensorList saved = inputs;
  saved.insert(saved.end(),
               {x, h_init, c_init, w_ih, w_hh, a.output, a.gates, a.cells, a.recurrent});
  autograd::record(
      node_name(mode), inputs, outputs, saved,
      [mode, g](const autograd::BackwardContext &ctx, const TensorList &grads) -> TensorList {
        const TensorList given(ctx.saved.begin(), ctx.saved.begin() + 7);
        if (autograd::is_grad_enabled())
          return differentiable_backward(mode, g.reverse, given, ctx, grads);
        const Tensor &x = ctx.saved[7], &h0 = ctx.saved[8], &c0 = ctx.saved[9];
        const Tensor &w_ih = ctx.saved[10], &w_hh = ctx.saved[11];
        const Activations a{ctx.saved[12], ctx.saved[13], ctx.saved[14], ctx.saved[15]};
        const TensorOptions options = x.options();
        Gradients d;
        if (ctx.needs(0))
          d.input = empty(x.sizes(), options);
        d.d_hidden = grads[1].contiguous().clone();
        if (mode == RNNMode::kLstm)
          d.d_cell = grads[2].contiguous().clone();
        if (ctx.needs(3))
          d.w_ih = empty(w_ih.sizes(), options);
        if (ctx.needs(4))
          d.w_hh = empty(w_hh.sizes(), options);
        d.want_b_ih = ctx.needs(5);
        d.want_b_hh = ctx.needs(6);
        const Tensor grad_output = grads[0].contiguous();
        dispatch_floating(x.dtype(), "rnn layer backward", [&](auto tag) {
          using T = decltype(tag);
          if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>)
            backward_kernel<T>(mode, g, x, h0, c0, w_ih, w_hh, a, grad_output, d);
        });
        return {d.input,
                ctx.needs(1) ? d.d_hidden : Tensor(),
                ctx.needs(2) ? d.d_cell : Tensor(),
                d.w_ih,
                d.w_hh,
                d.b_ih,
                d.b_hh};
      });
  return outputs;
}

} // namespace ember::nn::detail
