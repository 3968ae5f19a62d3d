// Tests of the recurrent layers (RNN, LSTM, GRU) and cells: values and gradients against torch 1.13
// (tests/cpp/rnn_reference.h, written by tests/reference/rnn_reference.py from the same ramp
// weights and inputs), float64 gradcheck and gradgradcheck, options, parameters and errors.
#include <sstream>

#include "ember/nn/modules/rnn.h"
#include "rnn_reference.h"
#include "test_util.h"

namespace ember::testing {
namespace {

using nn::GRU;
using nn::GRUCell;
using nn::LSTM;
using nn::LSTMCell;
using nn::RNN;
using nn::RNNCell;
using nn::RNNOptions;

// The module in float64 with parameter j set to ramp(shape, 3 + 2j, 11) * 0.3, as the script.
void fill_parameters(nn::Module &module) {
  module.to(kFloat64);
  NoGradGuard no_grad;
  int64_t j = 0;
  for (Tensor p : module.parameters()) {
    p.copy_(ramp(p.sizes(), 3 + 2 * j, 11) * 0.3);
    ++j;
  }
}

Tensor ramp_input(Shape sizes, int64_t a, int64_t m) {
  return (ramp(sizes, a, m) * 0.5).detach().requires_grad_();
}

// Output gradient k = ramp(shape, 5 + 2k, 13) * 0.5, as the script.
TensorList output_grads(const TensorList &outputs) {
  TensorList grads;
  for (size_t k = 0; k < outputs.size(); ++k)
    grads.push_back(ramp(outputs[k].sizes(), 5 + 2 * static_cast<int64_t>(k), 13) * 0.5);
  return grads;
}

void expect_values(const Tensor &actual, const std::vector<double> &expected) {
  expect_close(actual, make(expected, actual.sizes()), 1e-7, 1e-9);
}

Tensor parameter(const nn::Module &module, const std::string &name) {
  return *module.named_parameters().find(name);
}

TEST(RnnReference, LstmTwoLayersBidirectionalWithState) {
  LSTM lstm(nn::LSTMOptions(3, 3).num_layers(2).bidirectional(true));
  fill_parameters(*lstm);
  Tensor x = ramp_input({3, 2, 3}, 7, 11), h0 = ramp_input({4, 2, 3}, 5, 13);
  Tensor c0 = ramp_input({4, 2, 3}, 9, 7);
  auto [output, state] = lstm(x, std::make_tuple(h0, c0));
  auto [h_n, c_n] = state;
  const TensorList outputs{output, h_n, c_n};
  autograd::backward(outputs, output_grads(outputs));
  using namespace rnn_reference;
  expect_values(output, lstm_output);
  expect_values(h_n, lstm_h_n);
  expect_values(c_n, lstm_c_n);
  expect_values(x.grad(), lstm_grad_input);
  expect_values(h0.grad(), lstm_grad_state0);
  expect_values(c0.grad(), lstm_grad_state1);
  expect_values(parameter(*lstm, "weight_ih_l0").grad(), lstm_grad_weight_ih_l0);
  expect_values(parameter(*lstm, "weight_hh_l1_reverse").grad(), lstm_grad_weight_hh_l1_reverse);
  expect_values(parameter(*lstm, "bias_hh_l0_reverse").grad(), lstm_grad_bias_hh_l0_reverse);
}

TEST(RnnReference, GruTwoLayersBatchFirst) {
  GRU gru(nn::GRUOptions(3, 3).num_layers(2).batch_first(true));
  fill_parameters(*gru);
  Tensor x = ramp_input({2, 3, 3}, 7, 11);
  auto [output, h_n] = gru(x);
  autograd::backward({output, h_n}, output_grads({output, h_n}));
  using namespace rnn_reference;
  expect_values(output, gru_output);
  expect_values(h_n, gru_h_n);
  expect_values(x.grad(), gru_grad_input);
  expect_values(parameter(*gru, "weight_hh_l0").grad(), gru_grad_weight_hh_l0);
  expect_values(parameter(*gru, "bias_ih_l1").grad(), gru_grad_bias_ih_l1);
  expect_values(parameter(*gru, "bias_hh_l1").grad(), gru_grad_bias_hh_l1);
}

TEST(RnnReference, RnnReluBidirectionalUnbatchedWithoutBias) {
  RNN rnn(RNNOptions(3, 3).nonlinearity("relu").bias(false).bidirectional(true));
  fill_parameters(*rnn);
  Tensor x = ramp_input({4, 3}, 7, 11), h0 = ramp_input({2, 3}, 5, 13);
  auto [output, h_n] = rnn(x, h0);
  autograd::backward({output, h_n}, output_grads({output, h_n}));
  using namespace rnn_reference;
  expect_values(output, rnn_relu_output);
  expect_values(h_n, rnn_relu_h_n);
  expect_values(x.grad(), rnn_relu_grad_input);
  expect_values(h0.grad(), rnn_relu_grad_state0);
  expect_values(parameter(*rnn, "weight_hh_l0_reverse").grad(), rnn_relu_grad_weight_hh_l0_reverse);
}

TEST(RnnReference, RnnTanhTwoLayers) {
  RNN rnn(RNNOptions(3, 3).num_layers(2));
  fill_parameters(*rnn);
  Tensor x = ramp_input({3, 2, 3}, 7, 11), h0 = ramp_input({2, 2, 3}, 5, 13);
  auto [output, h_n] = rnn(x, h0);
  autograd::backward({output, h_n}, output_grads({output, h_n}));
  using namespace rnn_reference;
  expect_values(output, rnn_tanh_output);
  expect_values(h_n, rnn_tanh_h_n);
  expect_values(x.grad(), rnn_tanh_grad_input);
  expect_values(h0.grad(), rnn_tanh_grad_state0);
  expect_values(parameter(*rnn, "weight_ih_l1").grad(), rnn_tanh_grad_weight_ih_l1);
}

TEST(RnnReference, Cells) {
  using namespace rnn_reference;
  Tensor x = ramp_input({2, 3}, 7, 11), h = ramp_input({2, 3}, 5, 13), c = ramp_input({2, 3}, 9, 7);
  {
    LSTMCell cell(3, 3);
    fill_parameters(*cell);
    auto [h1, c1] = cell(x, std::make_tuple(h, c));
    autograd::backward({h1, c1}, output_grads({h1, c1}));
    expect_values(h1, lstm_cell_out0);
    expect_values(c1, lstm_cell_out1);
    expect_values(x.grad(), lstm_cell_grad_input);
    expect_values(h.grad(), lstm_cell_grad_state0);
    expect_values(c.grad(), lstm_cell_grad_state1);
    expect_values(cell->weight_hh.grad(), lstm_cell_grad_weight_hh);
  }
  for (Tensor *t : {&x, &h})
    t->mutable_grad() = Tensor();
  {
    GRUCell cell(3, 3);
    fill_parameters(*cell);
    Tensor h1 = cell(x, h);
    h1.backward(output_grads({h1})[0]);
    expect_values(h1, gru_cell_out0);
    expect_values(x.grad(), gru_cell_grad_input);
    expect_values(h.grad(), gru_cell_grad_state0);
    expect_values(cell->weight_hh.grad(), gru_cell_grad_weight_hh);
  }
  for (Tensor *t : {&x, &h})
    t->mutable_grad() = Tensor();
  {
    RNNCell cell(3, 3);
    fill_parameters(*cell);
    Tensor h1 = cell(x, h);
    h1.backward(output_grads({h1})[0]);
    expect_values(h1, rnn_cell_out0);
    expect_values(x.grad(), rnn_cell_grad_input);
    expect_values(h.grad(), rnn_cell_grad_state0);
    expect_values(cell->weight_hh.grad(), rnn_cell_grad_weight_hh);
  }
}

// ---- gradcheck ---------------------------------------------------------------------------------

// gradcheck of a layer's outputs with respect to its input, initial states and every parameter
// (gradcheck perturbs the parameters in place, which the module sees).
template <typename Forward>
void check_layer(nn::Module &module, const TensorList &inputs, Forward forward,
                 bool second = false) {
  module.to(kFloat64);
  TensorList all = inputs;
  for (const Tensor &p : module.parameters())
    all.push_back(p);
  auto fn = [&](const TensorList &in) { return forward(in); };
  EXPECT_TRUE(second ? autograd::gradgradcheck(fn, all) : autograd::gradcheck(fn, all));
}

TEST(RnnGradcheck, LstmTwoLayersBidirectional) {
  LSTM lstm(nn::LSTMOptions(2, 2).num_layers(2).bidirectional(true));
  Tensor x = grad_input({3, 2, 2}), h0 = grad_input({4, 2, 2}), c0 = grad_input({4, 2, 2});
  check_layer(*lstm, {x, h0, c0}, [&](const TensorList &in) {
    auto [out, state] = lstm(in[0], std::make_tuple(in[1], in[2]));
    return TensorList{out, std::get<0>(state), std::get<1>(state)};
  });
  // Without initial states, and with a batch_first input that is a non-contiguous view.
  LSTM batch_first(nn::LSTMOptions(2, 2).batch_first(true).bidirectional(true));
  Tensor y = grad_input({3, 2, 2});
  check_layer(*batch_first, {y}, [&](const TensorList &in) {
    auto [out, state] = batch_first(in[0].transpose(0, 1));
    return TensorList{out, std::get<0>(state), std::get<1>(state)};
  });
}

TEST(RnnGradcheck, GruTwoLayersBidirectional) {
  GRU gru(nn::GRUOptions(2, 2).num_layers(2).bidirectional(true));
  Tensor x = grad_input({3, 2, 2}), h0 = grad_input({4, 2, 2});
  check_layer(*gru, {x, h0}, [&](const TensorList &in) {
    auto [out, h] = gru(in[0], in[1]);
    return TensorList{out, h};
  });
  check_layer(*gru, {x}, [&](const TensorList &in) {
    auto [out, h] = gru(in[0]);
    return TensorList{out, h};
  });
}

TEST(RnnGradcheck, RnnTanhAndReluTwoLayersBidirectional) {
  for (const char *nonlinearity : {"tanh", "relu"}) {
    RNN rnn(RNNOptions(2, 3).num_layers(2).bidirectional(true).nonlinearity(nonlinearity));
    Tensor x = grad_input({3, 2, 2}), h0 = grad_input({4, 2, 3});
    check_layer(*rnn, {x, h0}, [&](const TensorList &in) {
      auto [out, h] = rnn(in[0], in[1]);
      return TensorList{out, h};
    });
    check_layer(*rnn, {x}, [&](const TensorList &in) {
      auto [out, h] = rnn(in[0]);
      return TensorList{out, h};
    });
  }
}

TEST(RnnGradcheck, CellsFirstAndSecondOrder) {
  Tensor x = grad_input({2, 3}), h = grad_input({2, 2}), c = grad_input({2, 2});
  for (bool second : {false, true}) {
    LSTMCell lstm(3, 2);
    check_layer(
        *lstm, {x, h, c},
        [&](const TensorList &in) {
          auto [h1, c1] = lstm(in[0], std::make_tuple(in[1], in[2]));
          return TensorList{h1, c1};
        },
        second);
    GRUCell gru(3, 2);
    check_layer(
        *gru, {x, h}, [&](const TensorList &in) { return TensorList{gru(in[0], in[1])}; }, second);
    RNNCell rnn(nn::RNNCellOptions(3, 2).nonlinearity("relu"));
    check_layer(
        *rnn, {x, h}, [&](const TensorList &in) { return TensorList{rnn(in[0], in[1])}; }, second);
  }
}

// Double backward through the fused layers, which recompute through the cells for create_graph.
// Checked with respect to the input, the initial states and one or two parameters, to stay quick.
TEST(RnnGradcheck, LayersSecondOrder) {
  auto check = [](nn::Module &module, TensorList inputs, const std::vector<std::string> &names,
                  const std::function<TensorList(const TensorList &)> &forward) {
    module.to(kFloat64);
    for (const std::string &name : names)
      inputs.push_back(parameter(module, name));
    EXPECT_TRUE(autograd::gradgradcheck(forward, inputs));
  };
  Tensor x = grad_input({2, 1, 2}), h0 = grad_input({1, 1, 2}), c0 = grad_input({1, 1, 2});
  LSTM lstm(2, 2);
  check(*lstm, {x, h0, c0}, {"weight_hh_l0", "bias_ih_l0"}, [&](const TensorList &in) {
    auto [out, state] = lstm(in[0], std::make_tuple(in[1], in[2]));
    return TensorList{out, std::get<1>(state)};
  });
  GRU gru(nn::GRUOptions(2, 2).bidirectional(true));
  check(*gru, {x}, {"weight_hh_l0_reverse"},
        [&](const TensorList &in) { return TensorList{std::get<0>(gru(in[0]))}; });
  RNN rnn(2, 2);
  check(*rnn, {x, h0}, {"weight_ih_l0"},
        [&](const TensorList &in) { return TensorList{std::get<0>(rnn(in[0], in[1]))}; });
}

// ---- behaviour -------------------------------------------------------------------------------

TEST(RnnModule, ParameterNamesShapesAndInit) {
  LSTM lstm(nn::LSTMOptions(5, 4).num_layers(2).bidirectional(true));
  std::vector<std::string> names;
  for (const auto &[name, p] : lstm->named_parameters())
    names.push_back(name);
  const std::vector<std::string> expected{
      "weight_ih_l0",         "weight_hh_l0",         "bias_ih_l0",         "bias_hh_l0",
      "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
      "weight_ih_l1",         "weight_hh_l1",         "bias_ih_l1",         "bias_hh_l1",
      "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(parameter(*lstm, "weight_ih_l0").sizes(), (Shape{16, 5}));
  EXPECT_EQ(parameter(*lstm, "weight_ih_l1_reverse").sizes(), (Shape{16, 8}));
  EXPECT_EQ(parameter(*lstm, "weight_hh_l1").sizes(), (Shape{16, 4}));
  EXPECT_EQ(parameter(*lstm, "bias_hh_l1").sizes(), (Shape{16}));
  for (const Tensor &p : lstm->parameters()) {
    EXPECT_LE(p.abs().max().item<double>(), 0.5); // 1 / sqrt(hidden_size)
    EXPECT_GT(p.abs().max().item<double>(), 0.2);
  }
  EXPECT_EQ(GRU(nn::GRUOptions(5, 4).bias(false))->parameters().size(), 2u);
  EXPECT_EQ(parameter(*GRU(5, 4), "weight_hh_l0").sizes(), (Shape{12, 4}));
  EXPECT_EQ(parameter(*RNN(5, 4), "weight_hh_l0").sizes(), (Shape{4, 4}));
  LSTMCell cell(nn::LSTMCellOptions(5, 4).bias(false));
  EXPECT_EQ(cell->parameters().size(), 2u);
  EXPECT_EQ(cell->weight_ih.sizes(), (Shape{16, 5}));
  EXPECT_FALSE(cell->bias_ih.defined());
}

TEST(RnnModule, Printing) {
  auto print = [](const auto &module) {
    std::ostringstream out;
    out << *module;
    return out.str();
  };
  EXPECT_EQ(
      print(RNN(RNNOptions(3, 4)
                    .nonlinearity("relu")
                    .num_layers(2)
                    .bias(false)
                    .batch_first(true)
                    .dropout(0.5)
                    .bidirectional(true))),
      "RNN(3, 4, num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True)");
  EXPECT_EQ(print(LSTM(3, 4)), "LSTM(3, 4)");
  EXPECT_EQ(print(RNNCell(nn::RNNCellOptions(3, 4).bias(false).nonlinearity("relu"))),
            "RNNCell(3, 4, bias=False, nonlinearity=relu)");
  EXPECT_EQ(print(GRUCell(3, 4)), "GRUCell(3, 4)");
}

TEST(RnnModule, UnbatchedMatchesBatchOfOne) {
  LSTM lstm(nn::LSTMOptions(3, 2).num_layers(2));
  fill_parameters(*lstm);
  Tensor x = ramp({4, 3});
  auto [out, state] = lstm(x);
  auto [batched_out, batched_state] = lstm(x.unsqueeze(1));
  EXPECT_EQ(out.sizes(), (Shape{4, 2}));
  EXPECT_EQ(std::get<0>(state).sizes(), (Shape{2, 2}));
  expect_close(out, batched_out.squeeze(1));
  expect_close(std::get<1>(state), std::get<1>(batched_state).squeeze(1));
  GRUCell cell(3, 2);
  cell->to(kFloat64);
  expect_close(cell(x[0]), cell(x[0].unsqueeze(0)).squeeze(0));
}

// Hidden sizes that are not a multiple of the SIMD width, in float32 against float64.
TEST(RnnModule, Float32MatchesFloat64) {
  GRU gru(nn::GRUOptions(8, 20).num_layers(2).bidirectional(true));
  LSTM lstm(nn::LSTMOptions(8, 20).batch_first(true));
  Tensor x = randn({7, 5, 8});
  auto [gru32, gru_h32] = gru(x);
  auto [lstm32, lstm_state32] = lstm(x);
  gru->to(kFloat64);
  lstm->to(kFloat64);
  auto [gru64, gru_h64] = gru(x.to(kFloat64));
  auto [lstm64, lstm_state64] = lstm(x.to(kFloat64));
  expect_close(gru32, gru64, 1e-4, 1e-5);
  expect_close(gru_h32, gru_h64, 1e-4, 1e-5);
  expect_close(lstm32, lstm64, 1e-4, 1e-5);
  expect_close(std::get<1>(lstm_state32), std::get<1>(lstm_state64), 1e-4, 1e-5);
}

// A batch large enough for the step kernels to split their rows across two threads gives the
// same values and gradients as one thread.
TEST(RnnModule, ThreadedStepsMatchOneThread) {
  const int threads = get_num_threads();
  LSTM lstm(4, 256);
  GRU gru(4, 256);
  RNN rnn(4, 256);
  const std::vector<std::function<Tensor(const Tensor &)>> layers{
      [&](const Tensor &x) { return std::get<0>(lstm(x)); },
      [&](const Tensor &x) { return std::get<0>(gru(x)); },
      [&](const Tensor &x) { return std::get<0>(rnn(x)); }};
  for (const auto &layer : layers) {
    Tensor x = randn({2, 160, 4}).requires_grad_();
    TensorList outputs, grads;
    for (int n : {1, 2}) {
      set_num_threads(n);
      outputs.push_back(layer(x));
      grads.push_back(autograd::grad({outputs.back()}, {x}, {ones_like(outputs.back())})[0]);
    }
    expect_close(outputs[0], outputs[1], 0, 0);
    expect_close(grads[0], grads[1], 1e-6, 1e-7);
  }
  set_num_threads(threads);
}

TEST(RnnModule, DropoutBetweenLayersInTrainingOnly) {
  LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2).dropout(1.0));
  Tensor x = randn({5, 2, 3});
  auto output = [&] { return std::get<0>(lstm(x)); };
  lstm->eval();
  Tensor eval_before = output();
  lstm->train();
  Tensor train_before = output();
  {
    NoGradGuard no_grad;
    parameter(*lstm, "weight_ih_l0").add_(1.0);
  }
  // With p = 1 the second layer sees zeros in training, whatever the first layer computes.
  expect_close(output(), train_before);
  lstm->eval();
  Tensor eval_after = output();
  EXPECT_GT((eval_after - eval_before).abs().max().item<double>(), 1e-3);
  // The last layer's output is never dropped.
  EXPECT_GT(train_before.abs().min().item<double>(), 0.0);
}

TEST(RnnModule, GradientsAccumulateIntoParametersAndHiddenStates) {
  GRU gru(nn::GRUOptions(3, 4).num_layers(2));
  Tensor x = randn({6, 2, 3}), h0 = zeros({2, 2, 4}).requires_grad_();
  auto [out, h_n] = gru(x, h0);
  (out.sum() + h_n.sum()).backward();
  for (const Tensor &p : gru->parameters())
    ASSERT_TRUE(p.grad().defined());
  EXPECT_EQ(h0.grad().sizes(), h0.sizes());
  EXPECT_FALSE(x.grad().defined());
}

TEST(RnnModule, WeightChangedBeforeBackwardIsAnError) {
  LSTM lstm(3, 4);
  Tensor out = std::get<0>(lstm(randn({5, 2, 3})));
  {
    NoGradGuard no_grad;
    parameter(*lstm, "weight_hh_l0").mul_(2.0);
  }
  EXPECT_THROW_WITH(out.sum().backward(), "[LstmLayerBackward] needs a tensor of shape [16, 4]");
}

TEST(RnnModule, Errors) {
  LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2));
  EXPECT_THROW_WITH(lstm(randn({5, 2, 6})),
                    "LSTM: expected input_size 3 in the last dim of the input, got input of shape "
                    "[5, 2, 6]");
  EXPECT_THROW_WITH(lstm(randn({5})), "LSTM: expected input of 2 (unbatched) or 3 (batched) dims");
  EXPECT_THROW_WITH(lstm(randn({5, 2, 3}), std::make_tuple(zeros({2, 3, 4}), zeros({2, 2, 4}))),
                    "LSTM: expected h_0 of shape [2, 2, 4] (num_layers * num_directions, batch, "
                    "hidden_size), got [2, 3, 4]");
  EXPECT_THROW_WITH(lstm(randn({5, 2, 3}), std::make_tuple(zeros({2, 2, 4}), zeros({2, 4}))),
                    "LSTM: expected c_0 of shape [2, 2, 4]");
  EXPECT_THROW_WITH(
      lstm(randn({5, 3}), std::make_tuple(zeros({2, 1, 4}), zeros({2, 1, 4}))),
      "LSTM: expected h_0 of shape [2, 4] (num_layers * num_directions, hidden_size)");
  EXPECT_THROW_WITH(lstm(randn({0, 2, 3})), "LSTM: expected a sequence of at least one step");
  EXPECT_THROW_WITH(lstm(randn({5, 2, 3}, dtype(kFloat64))),
                    "LSTM: input dtype float64 does not match the parameters' dtype float32");
  LSTM half(3, 4);
  half->to(kBFloat16);
  EXPECT_THROW_WITH(half(randn({5, 2, 3}).to(kBFloat16)),
                    "LSTM: expected float32 or float64 input and parameters, got bfloat16");
  EXPECT_THROW_WITH(GRU(3, 4)(randn({5, 2, 3}), zeros({2, 2, 4})),
                    "GRU: expected hx of shape [1, 2, 4]");
  EXPECT_THROW_WITH(RNN(RNNOptions(3, 4).nonlinearity("sigmoid")),
                    "RNN: unknown nonlinearity 'sigmoid'");
  EXPECT_THROW_WITH(LSTM(nn::LSTMOptions(3, 4).dropout(1.5)), "LSTM: dropout should be a number in "
                                                              "range [0, 1]");
  EXPECT_THROW_WITH(GRU(0, 4), "GRU: input_size and hidden_size must be positive, got 0 and 4");
  EXPECT_THROW_WITH(LSTMCell(3, 4)(randn({2, 5})),
                    "LSTMCell: expected input_size 3 in the last dim of the input, got input of "
                    "shape [2, 5]");
  EXPECT_THROW_WITH(GRUCell(3, 4)(randn({2, 3}), zeros({3, 4})),
                    "GRUCell: expected hx of shape [2, 4] (batch, hidden_size), got [3, 4]");
  EXPECT_THROW_WITH(RNNCell(3, 4)(randn({3}), zeros({1, 4})),
                    "RNNCell: expected hx of shape [4] (hidden_size), got [1, 4]");
  EXPECT_THROW_WITH(nn::functional::lstm_cell(randn({2, 3}), zeros({2, 4}), zeros({2, 4}),
                                              randn({16, 3}), randn({12, 4})),
                    "lstm_cell: expected weight_ih [4 * hidden_size, input_size] and weight_hh");
}

} // namespace
} // namespace ember::testing
