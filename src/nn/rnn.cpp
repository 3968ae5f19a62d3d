// The recurrent modules: RNN, LSTM and GRU (parameters, torch's initialization, argument checks
// and the layer-by-layer forward over the fused layer op) and their cells.
#include "ember/nn/modules/rnn.h"

#include <cmath>

#include "ember/nn/functional/layers.h"
#include "ember/nn/init.h"
#include "nn/rnn_layer.h"

namespace ember::nn {
namespace {

RNNMode rnn_mode(const std::string &type, const std::string &nonlinearity) {
  EMBER_CHECK(nonlinearity == "tanh" || nonlinearity == "relu", type, ": unknown nonlinearity '",
              nonlinearity, "' (expected \"tanh\" or \"relu\")");
  return nonlinearity == "tanh" ? RNNMode::kRnnTanh : RNNMode::kRnnRelu;
}

void check_sizes(const std::string &type, int64_t input_size, int64_t hidden_size) {
  EMBER_CHECK(input_size > 0 && hidden_size > 0, type,
              ": input_size and hidden_size must be positive, got ", input_size, " and ",
              hidden_size);
}

const char *py_bool(bool value) { return value ? "True" : "False"; }

// Draws every parameter of module from uniform(-1/sqrt(hidden), 1/sqrt(hidden)), as torch.
void uniform_parameters(Module &module, int64_t hidden_size) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_size));
  for (Tensor &parameter : module.parameters(false))
    init::uniform_(parameter, -bound, bound);
}

} // namespace

namespace detail {

// ---- RNN, LSTM, GRU --------------------------------------------------------------------------

RNNImplBase::RNNImplBase(std::string type_name, RNNMode mode, const RNNOptions &options)
    : Module(std::move(type_name)), mode_(mode), options_(options) {
  check_sizes(name(), options.input_size(), options.hidden_size());
  EMBER_CHECK(options.num_layers() >= 1, name(), ": num_layers must be at least 1, got ",
              options.num_layers());
  EMBER_CHECK(options.dropout() >= 0 && options.dropout() <= 1, name(),
              ": dropout should be a number in range [0, 1] representing the probability of an "
              "element being zeroed, got ",
              options.dropout());
  const int64_t hidden = options.hidden_size(), rows = gate_count(mode) * hidden;
  const int64_t directions = options.bidirectional() ? 2 : 1;
  for (int64_t layer = 0; layer < options.num_layers(); ++layer)
    for (int64_t direction = 0; direction < directions; ++direction) {
      const std::string suffix = "_l" + std::to_string(layer) + (direction == 1 ? "_reverse" : "");
      const int64_t in = layer == 0 ? options.input_size() : hidden * directions;
      register_parameter("weight_ih" + suffix, empty({rows, in}));
      register_parameter("weight_hh" + suffix, empty({rows, hidden}));
      if (options.bias()) {
        register_parameter("bias_ih" + suffix, empty({rows}));
        register_parameter("bias_hh" + suffix, empty({rows}));
      }
    }
  reset_parameters();
}

void RNNImplBase::reset_parameters() { uniform_parameters(*this, options_.hidden_size()); }

std::vector<Tensor> RNNImplBase::all_weights() const { return parameters(false); }

void RNNImplBase::pretty_print(std::ostream &out) const {
  out << name() << '(' << options_.input_size() << ", " << options_.hidden_size();
  if (options_.num_layers() != 1)
    out << ", num_layers=" << options_.num_layers();
  if (!options_.bias())
    out << ", bias=False";
  if (options_.batch_first())
    out << ", batch_first=True";
  if (options_.dropout() != 0)
    out << ", dropout=" << options_.dropout();
  if (options_.bidirectional())
    out << ", bidirectional=True";
  out << ')';
}

std::tuple<Tensor, TensorList> RNNImplBase::run(const Tensor &input, const TensorList &states) {
  return rnn_forward(name(), mode_, options_, all_weights(), input, states, is_training());
}

std::tuple<Tensor, TensorList> rnn_forward(const std::string &type, RNNMode mode,
                                           const RNNOptions &options, const TensorList &weights,
                                           const Tensor &input, const TensorList &states,
                                           bool training) {
  const size_t per_layer = options.bias() ? 4 : 2;
  const size_t expected_weights =
      static_cast<size_t>(options.num_layers()) * (options.bidirectional() ? 2 : 1) * per_layer;
  EMBER_CHECK(weights.size() == expected_weights, type, ": expected ", expected_weights,
              " weights, got ", weights.size());
  EMBER_CHECK(input.dim() == 2 || input.dim() == 3, type,
              ": expected input of 2 (unbatched) or 3 (batched) dims, got input of shape ",
              input.sizes());
  EMBER_CHECK(input.size(-1) == options.input_size(), type, ": expected input_size ",
              options.input_size(), " in the last dim of the input, got input of shape ",
              input.sizes());
  EMBER_CHECK(input.dtype() == weights.front().dtype(), type, ": input dtype ", input.dtype(),
              " does not match the parameters' dtype ", weights.front().dtype());
  EMBER_CHECK(input.dtype() == kFloat32 || input.dtype() == kFloat64, type,
              ": expected float32 or float64 input and parameters, got ", input.dtype());
  const bool batched = input.dim() == 3;
  Tensor x = !batched ? input.unsqueeze(1) : options.batch_first() ? input.transpose(0, 1) : input;
  EMBER_CHECK(x.size(0) > 0, type,
              ": expected a sequence of at least one step, got input of shape ", input.sizes());
  const int64_t directions = options.bidirectional() ? 2 : 1;
  const int64_t stacked = options.num_layers() * directions, batch = x.size(1);
  const int64_t hidden = options.hidden_size();
  const bool lstm = mode == RNNMode::kLstm;
  const char *state_names[2] = {lstm ? "h_0" : "hx", "c_0"};
  TensorList initial(states.size());
  for (size_t i = 0; i < states.size(); ++i) {
    const Tensor &state = states[i];
    if (!state.defined())
      continue;
    const Shape expected = batched ? Shape{stacked, batch, hidden} : Shape{stacked, hidden};
    EMBER_CHECK(state.sizes() == expected, type, ": expected ", state_names[i], " of shape ",
                IntArrayRef(expected), " (num_layers * num_directions", batched ? ", batch" : "",
                ", hidden_size), got ", state.sizes());
    EMBER_CHECK(state.dtype() == input.dtype(), type, ": ", state_names[i], " dtype ",
                state.dtype(), " does not match the input dtype ", input.dtype());
    initial[i] = batched ? state : state.unsqueeze(1);
  }
  TensorList final_h, final_c;
  Tensor layer_input = x;
  for (int64_t layer = 0; layer < options.num_layers(); ++layer) {
    TensorList outputs;
    for (int64_t direction = 0; direction < directions; ++direction) {
      const int64_t index = layer * directions + direction;
      const Tensor *w = &weights[static_cast<size_t>(index) * per_layer];
      LayerWeights layer_weights{w[0], w[1], Tensor(), Tensor()};
      if (options.bias()) {
        layer_weights.b_ih = w[2];
        layer_weights.b_hh = w[3];
      }
      auto state = [&](size_t i) {
        return i < initial.size() && initial[i].defined() ? initial[i][index] : Tensor();
      };
      TensorList result =
          rnn_layer(mode, layer_input, state(0), state(1), layer_weights, direction == 1);
      outputs.push_back(result[0]);
      final_h.push_back(result[1]);
      if (lstm)
        final_c.push_back(result[2]);
    }
    layer_input = directions == 2 ? cat(outputs, 2) : outputs[0];
    if (options.dropout() > 0 && training && layer + 1 < options.num_layers())
      layer_input = functional::dropout(layer_input, options.dropout(), true);
  }
  Tensor output = !batched                ? layer_input.squeeze(1)
                  : options.batch_first() ? layer_input.transpose(0, 1)
                                          : layer_input;
  TensorList finals{stack(final_h, 0)};
  if (lstm)
    finals.push_back(stack(final_c, 0));
  if (!batched)
    for (Tensor &state : finals)
      state = state.squeeze(1);
  return {output, finals};
}

// ---- cells -----------------------------------------------------------------------------------

RNNCellImplBase::RNNCellImplBase(std::string type_name, RNNMode mode, const RNNCellOptions &options)
    : Module(std::move(type_name)), mode_(mode), options_(options) {
  check_sizes(name(), options.input_size(), options.hidden_size());
  const int64_t rows = gate_count(mode) * options.hidden_size();
  weight_ih = register_parameter("weight_ih", empty({rows, options.input_size()}));
  weight_hh = register_parameter("weight_hh", empty({rows, options.hidden_size()}));
  bias_ih = register_parameter("bias_ih", options.bias() ? empty({rows}) : Tensor());
  bias_hh = register_parameter("bias_hh", options.bias() ? empty({rows}) : Tensor());
  reset_parameters();
}

void RNNCellImplBase::reset_parameters() { uniform_parameters(*this, options_.hidden_size()); }

void RNNCellImplBase::pretty_print(std::ostream &out) const {
  out << name() << '(' << options_.input_size() << ", " << options_.hidden_size();
  if (!options_.bias())
    out << ", bias=" << py_bool(options_.bias());
  if (mode_ == RNNMode::kRnnRelu)
    out << ", nonlinearity=relu";
  out << ')';
}

std::tuple<Tensor, Tensor> RNNCellImplBase::batched(const Tensor &input, const Tensor &state,
                                                    const char *state_name) const {
  const std::string &type = name();
  EMBER_CHECK(input.dim() == 1 || input.dim() == 2, type,
              ": expected input of 1 (unbatched) or 2 (batched) dims, got input of shape ",
              input.sizes());
  EMBER_CHECK(input.size(-1) == options_.input_size(), type, ": expected input_size ",
              options_.input_size(), " in the last dim of the input, got input of shape ",
              input.sizes());
  EMBER_CHECK(input.dtype() == weight_ih.dtype(), type, ": input dtype ", input.dtype(),
              " does not match the parameters' dtype ", weight_ih.dtype());
  const bool is_batched = input.dim() == 2;
  Tensor x = is_batched ? input : input.unsqueeze(0);
  if (!state.defined())
    return {x, zeros({x.size(0), options_.hidden_size()}, input.options())};
  const Shape expected =
      is_batched ? Shape{input.size(0), options_.hidden_size()} : Shape{options_.hidden_size()};
  EMBER_CHECK(state.sizes() == expected, type, ": expected ", state_name, " of shape ",
              IntArrayRef(expected), is_batched ? " (batch, hidden_size)" : " (hidden_size)",
              ", got ", state.sizes());
  EMBER_CHECK(state.dtype() == input.dtype(), type, ": ", state_name, " dtype ", state.dtype(),
              " does not match the input dtype ", input.dtype());
  return {x, is_batched ? state : state.unsqueeze(0)};
}

} // namespace detail

RNNImpl::RNNImpl(const RNNOptions &options)
    : RNNImplBase("RNN", rnn_mode("RNN", options.nonlinearity()), options) {}

std::tuple<Tensor, Tensor> RNNImpl::forward(const Tensor &input, const Tensor &hx) {
  auto [output, finals] = run(input, {hx});
  return {output, finals[0]};
}

LSTMImpl::LSTMImpl(const LSTMOptions &options)
    : RNNImplBase("LSTM", RNNMode::kLstm, detail::as_rnn_options(options)) {}

std::tuple<Tensor, std::tuple<Tensor, Tensor>>
LSTMImpl::forward(const Tensor &input, const std::optional<std::tuple<Tensor, Tensor>> &hx) {
  TensorList states;
  if (hx) {
    const auto &[h0, c0] = *hx;
    EMBER_CHECK(h0.defined() == c0.defined(), "LSTM: expected both h_0 and c_0, or neither");
    states = {h0, c0};
  }
  auto [output, finals] = run(input, states);
  return {output, {finals[0], finals[1]}};
}

GRUImpl::GRUImpl(const GRUOptions &options)
    : RNNImplBase("GRU", RNNMode::kGru, detail::as_rnn_options(options)) {}

std::tuple<Tensor, Tensor> GRUImpl::forward(const Tensor &input, const Tensor &hx) {
  auto [output, finals] = run(input, {hx});
  return {output, finals[0]};
}

RNNCellImpl::RNNCellImpl(const RNNCellOptions &options)
    : RNNCellImplBase("RNNCell", rnn_mode("RNNCell", options.nonlinearity()), options) {}

Tensor RNNCellImpl::forward(const Tensor &input, const Tensor &hx) {
  auto [x, h] = batched(input, hx, "hx");
  Tensor out = mode_ == RNNMode::kRnnTanh
                   ? functional::rnn_tanh_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
                   : functional::rnn_relu_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh);
  return input.dim() == 1 ? out.squeeze(0) : out;
}

LSTMCellImpl::LSTMCellImpl(const LSTMCellOptions &options)
    : RNNCellImplBase("LSTMCell", RNNMode::kLstm, detail::as_rnn_cell_options(options)) {}

std::tuple<Tensor, Tensor>
LSTMCellImpl::forward(const Tensor &input, const std::optional<std::tuple<Tensor, Tensor>> &hx) {
  Tensor h0, c0;
  if (hx)
    std::tie(h0, c0) = *hx;
  EMBER_CHECK(h0.defined() == c0.defined(), "LSTMCell: expected both h_0 and c_0, or neither");
  auto [x, h] = batched(input, h0, "h_0");
  const Tensor c = std::get<1>(batched(input, c0, "c_0"));
  auto [h1, c1] = functional::lstm_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh);
  if (input.dim() == 1)
    return {h1.squeeze(0), c1.squeeze(0)};
  return {h1, c1};
}

GRUCellImpl::GRUCellImpl(const GRUCellOptions &options)
    : RNNCellImplBase("GRUCell", RNNMode::kGru, detail::as_rnn_cell_options(options)) {}

Tensor GRUCellImpl::forward(const Tensor &input, const Tensor &hx) {
  auto [x, h] = batched(input, hx, "hx");
  Tensor out = functional::gru_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh);
  return input.dim() == 1 ? out.squeeze(0) : out;
}

} // namespace ember::nn
