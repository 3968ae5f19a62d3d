// ember._C._nn, sequence layers: the fused recurrent stack (torch's _VF.rnn_tanh / lstm / gru),
// the recurrent cells and multi-head attention, which ember.nn's RNN, LSTM, GRU, *Cell and
// MultiheadAttention modules call.
#include "casters.h"

#include "ember/nn/functional/layers.h"
#include "ember/nn/modules/rnn.h"

namespace ember::python {

namespace {

nn::RNNMode rnn_mode(const std::string &mode) {
  if (mode == "RNN_TANH")
    return nn::RNNMode::kRnnTanh;
  if (mode == "RNN_RELU")
    return nn::RNNMode::kRnnRelu;
  if (mode == "LSTM")
    return nn::RNNMode::kLstm;
  EMBER_CHECK(mode == "GRU", "rnn: unknown mode '", mode,
              "' (expected RNN_TANH, RNN_RELU, LSTM or GRU)");
  return nn::RNNMode::kGru;
}

void bind_recurrent(py::module_ &nn) {
  nn.def(
      "rnn",
      [](const std::string &mode, const Tensor &input, const TensorList &hx,
         const TensorList &weights, int64_t input_size, int64_t hidden_size, bool has_biases,
         int64_t num_layers, double dropout, bool train, bool bidirectional, bool batch_first) {
        const auto options = nn::RNNOptions(input_size, hidden_size)
                                 .num_layers(num_layers)
                                 .bias(has_biases)
                                 .batch_first(batch_first)
                                 .dropout(dropout)
                                 .bidirectional(bidirectional);
        const std::string type = mode.rfind("RNN", 0) == 0 ? "RNN" : mode;
        return nn::detail::rnn_forward(type, rnn_mode(mode), options, weights, input, hx, train);
      },
      py::arg("mode"), py::arg("input"), py::arg("hx"), py::arg("weights"), py::arg("input_size"),
      py::arg("hidden_size"), py::arg("has_biases"), py::arg("num_layers"), py::arg("dropout"),
      py::arg("train"), py::arg("bidirectional"), py::arg("batch_first"),
      "The whole recurrent stack; hx is [] (zeros), [h_0] or [h_0, c_0]. Returns (output, "
      "[h_n] or [h_n, c_n]).");
  using Cell = Tensor (*)(const Tensor &, const Tensor &, const Tensor &, const Tensor &,
                          const Tensor &, const Tensor &);
  auto def_cell = [&](const char *name, Cell cell) {
    nn.def(
        name,
        [cell](const Tensor &input, const Tensor &hx, const Tensor &w_ih, const Tensor &w_hh,
               const std::optional<Tensor> &b_ih, const std::optional<Tensor> &b_hh) {
          return cell(input, hx, w_ih, w_hh, or_undefined(b_ih), or_undefined(b_hh));
        },
        py::arg("input"), py::arg("hx"), py::arg("w_ih"), py::arg("w_hh"),
        py::arg("b_ih") = py::none(), py::arg("b_hh") = py::none());
  };
  def_cell("rnn_tanh_cell", &nn::functional::rnn_tanh_cell);
  def_cell("rnn_relu_cell", &nn::functional::rnn_relu_cell);
  def_cell("gru_cell", &nn::functional::gru_cell);
  nn.def(
      "lstm_cell",
      [](const Tensor &input, const std::tuple<Tensor, Tensor> &hx, const Tensor &w_ih,
         const Tensor &w_hh, const std::optional<Tensor> &b_ih, const std::optional<Tensor> &b_hh) {
        return nn::functional::lstm_cell(input, std::get<0>(hx), std::get<1>(hx), w_ih, w_hh,
                                         or_undefined(b_ih), or_undefined(b_hh));
      },
      py::arg("input"), py::arg("hx"), py::arg("w_ih"), py::arg("w_hh"),
      py::arg("b_ih") = py::none(), py::arg("b_hh") = py::none());
}

void bind_attention(py::module_ &nn) {
  nn.def(
      "multi_head_attention",
      [](const Tensor &query, const Tensor &key, const Tensor &value, int64_t num_heads,
         const std::optional<Tensor> &in_proj_weight, const std::optional<Tensor> &in_proj_bias,
         const std::optional<Tensor> &bias_k, const std::optional<Tensor> &bias_v,
         bool add_zero_attn, double dropout_p, const Tensor &out_proj_weight,
         const std::optional<Tensor> &out_proj_bias, bool training,
         const std::optional<Tensor> &key_padding_mask, bool need_weights,
         const std::optional<Tensor> &attn_mask, const std::optional<Tensor> &q_proj_weight,
         const std::optional<Tensor> &k_proj_weight, const std::optional<Tensor> &v_proj_weight,
         bool average_attn_weights) -> py::tuple {
        const nn::functional::MultiHeadAttentionWeights weights{
            or_undefined(in_proj_weight), or_undefined(q_proj_weight),
            or_undefined(k_proj_weight),  or_undefined(v_proj_weight),
            or_undefined(in_proj_bias),   or_undefined(bias_k),
            or_undefined(bias_v),         out_proj_weight,
            or_undefined(out_proj_bias)};
        auto [output, attention] = nn::functional::multi_head_attention(
            query, key, value, num_heads, weights, or_undefined(key_padding_mask), need_weights,
            or_undefined(attn_mask), average_attn_weights, dropout_p, training, add_zero_attn);
        return py::make_tuple(output, attention.defined() ? py::cast(attention) : py::none());
      },
      py::arg("query"), py::arg("key"), py::arg("value"), py::arg("num_heads"),
      py::arg("in_proj_weight"), py::arg("in_proj_bias"), py::arg("bias_k"), py::arg("bias_v"),
      py::arg("add_zero_attn"), py::arg("dropout_p"), py::arg("out_proj_weight"),
      py::arg("out_proj_bias"), py::arg("training") = true,
      py::arg("key_padding_mask") = py::none(), py::arg("need_weights") = true,
      py::arg("attn_mask") = py::none(), py::arg("q_proj_weight") = py::none(),
      py::arg("k_proj_weight") = py::none(), py::arg("v_proj_weight") = py::none(),
      py::arg("average_attn_weights") = true,
      "Multi-head attention in the batch-first layout: query [N, L, E], key and value "
      "[N, S, kdim/vdim] (or unbatched). Returns (output, weights or None).");
}

} // namespace

void bind_nn_sequence(py::module_ &nn) {
  bind_recurrent(nn);
  bind_attention(nn);
}

} // namespace ember::python
