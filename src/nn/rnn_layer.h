// One direction of one recurrent layer over a whole sequence: the building block of nn::RNN,
// nn::LSTM and nn::GRU (src/nn/rnn.cpp). Two implementations with the same results:
// rnn_layer is one fused autograd node (src/nn/rnn_fused.cpp), rnn_layer_composite steps the
// differentiable cell functions (src/nn/rnn_cells.cpp) and serves higher-order gradients.
#pragma once

#include "ember/nn/modules/rnn.h"

namespace ember::nn::detail {

// Gate blocks in weight_ih / weight_hh rows: 4 (LSTM), 3 (GRU) or 1 (RNN).
inline int64_t gate_count(RNNMode mode) {
  return mode == RNNMode::kLstm ? 4 : mode == RNNMode::kGru ? 3 : 1;
}

// The parameters of one layer and direction; biases may be undefined (bias=false).
struct LayerWeights {
  Tensor w_ih, w_hh, b_ih, b_hh;
};

// input [T, B, I] (T >= 1); h0 and, for LSTM, c0 [B, H], each undefined for zeros. reverse runs
// the steps from T - 1 down to 0 (the backward direction of a bidirectional layer), output[t]
// staying aligned with input[t]. Returns {output [T, B, H], h_n [B, H]} and c_n [B, H] for LSTM.
// Callers check shapes and dtypes.
TensorList rnn_layer(RNNMode mode, const Tensor &input, const Tensor &h0, const Tensor &c0,
                     const LayerWeights &weights, bool reverse);
TensorList rnn_layer_composite(RNNMode mode, const Tensor &input, const Tensor &h0,
                               const Tensor &c0, const LayerWeights &weights, bool reverse);

} // namespace ember::nn::detail
