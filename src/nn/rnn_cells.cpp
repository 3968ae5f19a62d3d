// The recurrent cell functions (torch.rnn_tanh_cell, rnn_relu_cell, lstm_cell, gru_cell) and the
// step-by-step layer built from them. Both are written with differentiable ops, so they have
// gradients of every order; the fused layer (rnn_fused.cpp) falls back on them for create_graph.
#include "ember/nn/functional/layers.h"
#include "nn/rnn_layer.h"

namespace ember::nn {
namespace functional {
namespace {

// Checks input [B, I], hx [B, H] and the weights [G * H, I], [G * H, H] of a G-gate cell.
void check_cell(const char *op, int64_t gates, const Tensor &input, const Tensor &hx,
                const Tensor &w_ih, const Tensor &w_hh) {
  EMBER_CHECK(w_ih.dim() == 2 && w_hh.dim() == 2 && w_hh.size(0) % gates == 0 &&
                  w_ih.size(0) == w_hh.size(0) && w_hh.size(1) * gates == w_hh.size(0),
              op, ": expected weight_ih [", gates, " * hidden_size, input_size] and weight_hh [",
              gates, " * hidden_size, hidden_size], got ", w_ih.sizes(), " and ", w_hh.sizes());
  const int64_t hidden = w_hh.size(1);
  EMBER_CHECK(input.dim() == 2 && input.size(1) == w_ih.size(1), op, ": expected input [batch, ",
              w_ih.size(1), "], got ", input.sizes());
  EMBER_CHECK(hx.dim() == 2 && hx.size(0) == input.size(0) && hx.size(1) == hidden, op,
              ": expected hidden state [", input.size(0), ", ", hidden, "], got ", hx.sizes());
}

// x W_ih^T + b_ih + h W_hh^T + b_hh.
Tensor gate_sum(const Tensor &input, const Tensor &hx, const Tensor &w_ih, const Tensor &w_hh,
                const Tensor &b_ih, const Tensor &b_hh) {
  return linear(input, w_ih, b_ih) + linear(hx, w_hh, b_hh);
}

} // namespace

Tensor rnn_tanh_cell(const Tensor &input, const Tensor &hx, const Tensor &w_ih, const Tensor &w_hh,
                     const Tensor &b_ih, const Tensor &b_hh) {
  check_cell("rnn_tanh_cell", 1, input, hx, w_ih, w_hh);
  return gate_sum(input, hx, w_ih, w_hh, b_ih, b_hh).tanh();
}

Tensor rnn_relu_cell(const Tensor &input, const Tensor &hx, const Tensor &w_ih, const Tensor &w_hh,
                     const Tensor &b_ih, const Tensor &b_hh) {
  check_cell("rnn_relu_cell", 1, input, hx, w_ih, w_hh);
  return gate_sum(input, hx, w_ih, w_hh, b_ih, b_hh).relu();
}

std::tuple<Tensor, Tensor> lstm_cell(const Tensor &input, const Tensor &hx, const Tensor &cx,
                                     const Tensor &w_ih, const Tensor &w_hh, const Tensor &b_ih,
                                     const Tensor &b_hh) {
  check_cell("lstm_cell", 4, input, hx, w_ih, w_hh);
  EMBER_CHECK(cx.sizes() == hx.sizes(), "lstm_cell: expected cell state ", hx.sizes(), ", got ",
              cx.sizes());
  TensorList gates = gate_sum(input, hx, w_ih, w_hh, b_ih, b_hh).chunk(4, 1);
  Tensor c = gates[1].sigmoid() * cx + gates[0].sigmoid() * gates[2].tanh();
  Tensor h = gates[3].sigmoid() * c.tanh();
  return {h, c};
}

Tensor gru_cell(const Tensor &input, const Tensor &hx, const Tensor &w_ih, const Tensor &w_hh,
                const Tensor &b_ih, const Tensor &b_hh) {
  check_cell("gru_cell", 3, input, hx, w_ih, w_hh);
  TensorList x = linear(input, w_ih, b_ih).chunk(3, 1);
  TensorList h = linear(hx, w_hh, b_hh).chunk(3, 1);
  Tensor r = (x[0] + h[0]).sigmoid();
  Tensor z = (x[1] + h[1]).sigmoid();
  Tensor n = (x[2] + r * h[2]).tanh();
  return n + z * (hx - n);
}

} // namespace functional

namespace detail {

TensorList rnn_layer_composite(RNNMode mode, const Tensor &input, const Tensor &h0,
                               const Tensor &c0, const LayerWeights &w, bool reverse) {
  const int64_t steps = input.size(0), batch = input.size(1), hidden = w.w_hh.size(1);
  Tensor h = h0.defined() ? h0 : zeros({batch, hidden}, input.options());
  Tensor c = c0.defined() ? c0 : zeros({batch, hidden}, input.options());
  TensorList outputs(steps);
  for (int64_t s = 0; s < steps; ++s) {
    const int64_t t = reverse ? steps - 1 - s : s;
    const Tensor x = input[t];
    switch (mode) {
    case RNNMode::kRnnTanh:
      h = functional::rnn_tanh_cell(x, h, w.w_ih, w.w_hh, w.b_ih, w.b_hh);
      break;
    case RNNMode::kRnnRelu:
      h = functional::rnn_relu_cell(x, h, w.w_ih, w.w_hh, w.b_ih, w.b_hh);
      break;
    case RNNMode::kLstm:
      std::tie(h, c) = functional::lstm_cell(x, h, c, w.w_ih, w.w_hh, w.b_ih, w.b_hh);
      break;
    case RNNMode::kGru:
      h = functional::gru_cell(x, h, w.w_ih, w.w_hh, w.b_ih, w.b_hh);
      break;
    }
    outputs[t] = h;
  }
  TensorList result{stack(outputs, 0), h};
  if (mode == RNNMode::kLstm)
    result.push_back(c);
  return result;
}

} // namespace detail
} // namespace ember::nn
