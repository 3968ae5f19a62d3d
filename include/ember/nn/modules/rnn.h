// Recurrent layers (torch.nn.RNN, LSTM, GRU: multi-layer, bidirectional, batch_first, dropout
// between layers) and their cells (RNNCell, LSTMCell, GRUCell), as libtorch's C++ frontend, with
// the cell functions they are built from (torch.rnn_tanh_cell, torch.lstm_cell, ...).
// Modules live in src/nn/rnn.cpp, cell functions in src/nn/rnn_cells.cpp and the fused
// whole-sequence layer op in src/nn/rnn_fused.cpp.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "ember/nn/module.h"
#include "ember/nn/modules/options.h"

namespace ember::nn {

// The options of every recurrent layer: dropout is applied to the outputs of every layer but the
// last, in training mode only.
#define EMBER_RNN_LAYER_OPTIONS(Options)                                                           \
  Options(int64_t input_size, int64_t hidden_size)                                                 \
      : input_size_(input_size), hidden_size_(hidden_size) {}                                      \
  EMBER_ARG(int64_t, input_size);                                                                  \
  EMBER_ARG(int64_t, hidden_size);                                                                 \
  EMBER_ARG(int64_t, num_layers) = 1;                                                              \
  EMBER_ARG(bool, bias) = true;                                                                    \
  EMBER_ARG(bool, batch_first) = false;                                                            \
  EMBER_ARG(double, dropout) = 0.0;                                                                \
  EMBER_ARG(bool, bidirectional) = false

// nonlinearity: "tanh" or "relu".
struct RNNOptions {
  EMBER_RNN_LAYER_OPTIONS(RNNOptions);
  EMBER_ARG(std::string, nonlinearity) = "tanh";
};
struct LSTMOptions {
  EMBER_RNN_LAYER_OPTIONS(LSTMOptions);
};
struct GRUOptions {
  EMBER_RNN_LAYER_OPTIONS(GRUOptions);
};

#define EMBER_RNN_CELL_OPTIONS(Options)                                                            \
  Options(int64_t input_size, int64_t hidden_size)                                                 \
      : input_size_(input_size), hidden_size_(hidden_size) {}                                      \
  EMBER_ARG(int64_t, input_size);                                                                  \
  EMBER_ARG(int64_t, hidden_size);                                                                 \
  EMBER_ARG(bool, bias) = true

struct RNNCellOptions {
  EMBER_RNN_CELL_OPTIONS(RNNCellOptions);
  EMBER_ARG(std::string, nonlinearity) = "tanh";
};
struct LSTMCellOptions {
  EMBER_RNN_CELL_OPTIONS(LSTMCellOptions);
};
struct GRUCellOptions {
  EMBER_RNN_CELL_OPTIONS(GRUCellOptions);
};

#undef EMBER_RNN_LAYER_OPTIONS
#undef EMBER_RNN_CELL_OPTIONS

// Which recurrence a layer or cell runs.
enum class RNNMode { kRnnTanh, kRnnRelu, kLstm, kGru };

namespace detail {

// LSTM or GRU options as RNNOptions (with the unused nonlinearity left at "tanh").
template <typename Options> RNNOptions as_rnn_options(const Options &o) {
  return RNNOptions(o.input_size(), o.hidden_size())
      .num_layers(o.num_layers())
      .bias(o.bias())
      .batch_first(o.batch_first())
      .dropout(o.dropout())
      .bidirectional(o.bidirectional());
}
template <typename Options> RNNCellOptions as_rnn_cell_options(const Options &o) {
  return RNNCellOptions(o.input_size(), o.hidden_size()).bias(o.bias());
}

// What RNN, LSTM and GRU share: options, parameters named as torch's (weight_ih_l0,
// weight_hh_l0, bias_ih_l0, bias_hh_l0, then the _reverse ones of a bidirectional layer),
// torch's initialization and the layer-by-layer forward.
class RNNImplBase : public Module {
public:
  RNNImplBase(std::string type_name, RNNMode mode, const RNNOptions &options);

  // Draws every parameter from uniform(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as torch.
  void reset_parameters();
  // weight_ih, weight_hh, bias_ih, bias_hh of each layer and direction, in registration order.
  std::vector<Tensor> all_weights() const;
  const RNNOptions &options() const { return options_; }
  void pretty_print(std::ostream &out) const override;

protected:
  // The whole stack over input [T, B, I] ([B, T, I] with batch_first, [T, I] unbatched).
  // states holds the initial states ([h0] or [h0, c0], each [L * D, B, H] or undefined for
  // zeros); returns the output and the final states in the same layout.
  std::tuple<Tensor, TensorList> run(const Tensor &input, const TensorList &states);

  RNNMode mode_;
  RNNOptions options_;
};

// The forward of RNNImplBase (torch's _VF.rnn_tanh / lstm / gru): the whole stack over weights
// ordered as all_weights(), with the argument checks naming type. Bindings call it directly.
std::tuple<Tensor, TensorList> rnn_forward(const std::string &type, RNNMode mode,
                                           const RNNOptions &options, const TensorList &weights,
                                           const Tensor &input, const TensorList &states,
                                           bool training);

// Parameters and checks shared by RNNCell, LSTMCell and GRUCell.
class RNNCellImplBase : public Module {
public:
  RNNCellImplBase(std::string type_name, RNNMode mode, const RNNCellOptions &options);
  void reset_parameters();
  const RNNCellOptions &options() const { return options_; }
  void pretty_print(std::ostream &out) const override;

  Tensor weight_ih, weight_hh, bias_ih, bias_hh;

protected:
  // Checks input ([B, I] or [I]) and a state ([B, H] or [H], or undefined) and returns them as
  // batched tensors (a zero state in place of an undefined one).
  std::tuple<Tensor, Tensor> batched(const Tensor &input, const Tensor &state,
                                     const char *state_name) const;

  RNNMode mode_;
  RNNCellOptions options_;
};

} // namespace detail

// An Elman RNN: h_t = nonlinearity(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).
class RNNImpl : public detail::RNNImplBase {
public:
  RNNImpl(int64_t input_size, int64_t hidden_size) : RNNImpl(RNNOptions(input_size, hidden_size)) {}
  explicit RNNImpl(const RNNOptions &options);
  // input [T, B, input_size] (or [B, T, input_size] with batch_first, or unbatched
  // [T, input_size]); hx [num_layers * D, B, hidden_size] or undefined for zeros.
  // Returns (output [T, B, D * hidden_size], h_n [num_layers * D, B, hidden_size]).
  std::tuple<Tensor, Tensor> forward(const Tensor &input, const Tensor &hx = {});
};
EMBER_MODULE(RNN);

// An LSTM with torch's gate order (input, forget, cell, output) in weight_ih / weight_hh rows.
class LSTMImpl : public detail::RNNImplBase {
public:
  LSTMImpl(int64_t input_size, int64_t hidden_size)
      : LSTMImpl(LSTMOptions(input_size, hidden_size)) {}
  explicit LSTMImpl(const LSTMOptions &options);
  // hx = (h_0, c_0), each [num_layers * D, B, hidden_size]; zeros when not given.
  // Returns (output, (h_n, c_n)).
  std::tuple<Tensor, std::tuple<Tensor, Tensor>>
  forward(const Tensor &input, const std::optional<std::tuple<Tensor, Tensor>> &hx = std::nullopt);
};
EMBER_MODULE(LSTM);

// A GRU with torch's gate order (reset, update, new) and torch's formula
// n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).
class GRUImpl : public detail::RNNImplBase {
public:
  GRUImpl(int64_t input_size, int64_t hidden_size) : GRUImpl(GRUOptions(input_size, hidden_size)) {}
  explicit GRUImpl(const GRUOptions &options);
  std::tuple<Tensor, Tensor> forward(const Tensor &input, const Tensor &hx = {});
};
EMBER_MODULE(GRU);

class RNNCellImpl : public detail::RNNCellImplBase {
public:
  RNNCellImpl(int64_t input_size, int64_t hidden_size)
      : RNNCellImpl(RNNCellOptions(input_size, hidden_size)) {}
  explicit RNNCellImpl(const RNNCellOptions &options);
  // input [B, input_size] or [input_size]; hx [B, hidden_size] or [hidden_size] (zeros if
  // undefined). Returns h' in input's batchedness.
  Tensor forward(const Tensor &input, const Tensor &hx = {});
};
EMBER_MODULE(RNNCell);

class LSTMCellImpl : public detail::RNNCellImplBase {
public:
  LSTMCellImpl(int64_t input_size, int64_t hidden_size)
      : LSTMCellImpl(LSTMCellOptions(input_size, hidden_size)) {}
  explicit LSTMCellImpl(const LSTMCellOptions &options);
  // Returns (h', c').
  std::tuple<Tensor, Tensor>
  forward(const Tensor &input, const std::optional<std::tuple<Tensor, Tensor>> &hx = std::nullopt);
};
EMBER_MODULE(LSTMCell);

class GRUCellImpl : public detail::RNNCellImplBase {
public:
  GRUCellImpl(int64_t input_size, int64_t hidden_size)
      : GRUCellImpl(GRUCellOptions(input_size, hidden_size)) {}
  explicit GRUCellImpl(const GRUCellOptions &options);
  Tensor forward(const Tensor &input, const Tensor &hx = {});
};
EMBER_MODULE(GRUCell);

namespace functional {

// One step of each recurrence on batched input [B, I] and state [B, H], written with
// differentiable ops (so they have gradients of every order). Biases may be undefined.
Tensor rnn_tanh_cell(const Tensor &input, const Tensor &hx, const Tensor &w_ih, const Tensor &w_hh,
                     const Tensor &b_ih = {}, const Tensor &b_hh = {});
Tensor rnn_relu_cell(const Tensor &input, const Tensor &hx, const Tensor &w_ih, const Tensor &w_hh,
                     const Tensor &b_ih = {}, const Tensor &b_hh = {});
// Returns (h', c').
std::tuple<Tensor, Tensor> lstm_cell(const Tensor &input, const Tensor &hx, const Tensor &cx,
                                     const Tensor &w_ih, const Tensor &w_hh,
                                     const Tensor &b_ih = {}, const Tensor &b_hh = {});
Tensor gru_cell(const Tensor &input, const Tensor &hx, const Tensor &w_ih, const Tensor &w_hh,
                const Tensor &b_ih = {}, const Tensor &b_hh = {});

} // namespace functional
} // namespace ember::nn
