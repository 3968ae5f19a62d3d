// MultiheadAttention and the transformer layers against torch 1.13: parameter names and shapes,
// initialization, and eval-mode outputs for weights filled the same way on both sides (numbers
// from tests/reference/nn_modules_reference.py).
#include <sstream>

#include "nn_modules_test_util.h"

using namespace ember;
using ember::testing::expect_close;
using ember::testing::fill;
using ember::testing::make;
using ember::testing::ramp;

namespace {

Tensor bool_mask(std::vector<double> values, Shape sizes) {
  return make(std::move(values), std::move(sizes)).to(kBool);
}

} // namespace

TEST(NnModulesAttention, ParameterNamesMatchTorch) {
  nn::MultiheadAttention same(8, 2);
  EXPECT_EQ(same->state_dict().keys(),
            (std::vector<std::string>{"in_proj_weight", "in_proj_bias", "out_proj.weight",
                                      "out_proj.bias"}));
  EXPECT_EQ(same->in_proj_weight.sizes(), (Shape{24, 8}));
  // torch: q_proj_weight [4, 4], k_proj_weight [4, 3], v_proj_weight [4, 5], in_proj_bias [12],
  // bias_k [1, 1, 4], bias_v [1, 1, 4], out_proj.weight [4, 4], out_proj.bias [4].
  nn::MultiheadAttention mixed(
      nn::MultiheadAttentionOptions(4, 2).kdim(3).vdim(5).add_bias_kv(true));
  EXPECT_EQ(
      mixed->state_dict().keys(),
      (std::vector<std::string>{"q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias",
                                "bias_k", "bias_v", "out_proj.weight", "out_proj.bias"}));
  EXPECT_EQ(mixed->k_proj_weight.sizes(), (Shape{4, 3}));
  EXPECT_EQ(mixed->v_proj_weight.sizes(), (Shape{4, 5}));
  EXPECT_EQ(mixed->bias_k.sizes(), (Shape{1, 1, 4}));
  std::ostringstream text;
  text << *same;
  EXPECT_EQ(text.str(), "MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear("
                        "in_features=8, out_features=8, bias=true)\n)");
}

TEST(NnModulesAttention, InitializationMatchesTorch) {
  manual_seed(0);
  nn::MultiheadAttention mha(64, 4);
  // xavier_uniform_ on [192, 64]: bound sqrt(6 / (64 + 192)).
  const double bound = std::sqrt(6.0 / 256.0);
  EXPECT_LE(mha->in_proj_weight.abs().max().item<double>(), bound);
  EXPECT_GE(mha->in_proj_weight.abs().max().item<double>(), 0.99 * bound);
  expect_close(mha->in_proj_bias, zeros({192}));
  expect_close(mha->out_proj->bias, zeros({64}));
  // out_proj keeps Linear's kaiming_uniform_: bound 1 / sqrt(64).
  EXPECT_LE(mha->out_proj->weight.abs().max().item<double>(), 0.125);
  EXPECT_GE(mha->out_proj->weight.abs().max().item<double>(), 0.12);

  nn::Transformer model(nn::TransformerOptions()
                            .d_model(16)
                            .nhead(2)
                            .num_encoder_layers(1)
                            .num_decoder_layers(1)
                            .dim_feedforward(32));
  // Transformer re-initializes every matrix with xavier_uniform_: linear1 [32, 16].
  const Tensor linear1 =
      model->encoder->layers->at<nn::TransformerEncoderLayerImpl>(0)->linear1->weight;
  EXPECT_LE(linear1.abs().max().item<double>(), std::sqrt(6.0 / 48.0));
  EXPECT_GT(linear1.abs().max().item<double>(), 0.125); // beyond Linear's 1 / sqrt(16) bound
}

// Reference: tests/reference/nn_modules_reference.py, multihead_attention.
TEST(NnModulesAttention, MultiheadAttentionMatchesTorch) {
  nn::MultiheadAttention mha(
      nn::MultiheadAttentionOptions(4, 2).kdim(3).vdim(5).add_bias_kv(true).add_zero_attn(true));
  mha->to(kFloat64);
  fill(*mha, 0.1);
  const Tensor padding = bool_mask({0, 0, 0, 1}, {2, 2});
  auto [output, weights] = mha(ramp({3, 2, 4}) * 0.5, ramp({2, 2, 3}) * 0.5, ramp({2, 2, 5}) * 0.5,
                               padding, true, ramp({3, 2}) * 0.2);
  expect_close(output,
               make({-0.1210693089,  0.04758933556,  -0.03456222381, 0.1248563542,   -0.1127731602,
                     0.04137217129,  -0.03360875285, 0.1182998419,   -0.1222712536,  0.0478384334,
                     -0.03342366303, 0.1250830629,   -0.1134782317,  0.04092398648,  -0.03209250767,
                     0.1178376011,   -0.1230419005,  0.04645760189,  -0.03488827911, 0.1235229204,
                     -0.1143054957,  0.04047405358,  -0.03047976446, 0.1173715304},
                    {3, 2, 4}),
               1e-8, 1e-9);
  expect_close(weights,
               make({0.2006300063, 0.284673027,
                     0.2575015842, 0.2571953826,
                     0.2147944179, 0.3093355701,
                     0.2386165734, 0.2372534386,
                     0.2677154534, 0.2226589211,
                     0.2558058931, 0.2538197324,
                     0.278800519,  0,
                     0.3646422552, 0.3565572257,
                     0.3104983858, 0,
                     0.3489743437, 0.3405272705,
                     0.3439634881, 0,
                     0.3299920435, 0.3260444684},
                    {2, 3, 4}),
               1e-8, 1e-9);
}

TEST(NnModulesAttention, MultiheadAttentionLayoutsAndGradcheck) {
  nn::MultiheadAttention seq_first(nn::MultiheadAttentionOptions(4, 2).kdim(3).vdim(5));
  nn::MultiheadAttention batch_first(
      nn::MultiheadAttentionOptions(4, 2).kdim(3).vdim(5).batch_first(true));
  seq_first->to(kFloat64);
  batch_first->to(kFloat64);
  batch_first->load_state_dict(seq_first->state_dict());
  const Tensor q = ramp({3, 2, 4}) * 0.3, k = ramp({5, 2, 3}) * 0.3, v = ramp({5, 2, 5}) * 0.3;
  auto [out_seq, w_seq] = seq_first(q, k, v);
  auto [out_batch, w_batch] = batch_first(q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1));
  expect_close(out_batch, out_seq.transpose(0, 1), 1e-12, 1e-12);
  expect_close(w_batch, w_seq, 1e-12, 1e-12);
  auto [unbatched, unbatched_weights] = seq_first(q.select(1, 1), k.select(1, 1), v.select(1, 1));
  expect_close(unbatched, out_seq.select(1, 1), 1e-12, 1e-12);
  EXPECT_FALSE(std::get<1>(seq_first(q, k, v, Tensor(), /*need_weights=*/false)).defined());
  EXPECT_EQ(
      std::get<1>(seq_first(q, k, v, Tensor(), true, Tensor(), /*average_attn_weights=*/false))
          .sizes(),
      (Shape{2, 2, 3, 5}));

  const Tensor query = ember::testing::grad_input({3, 2, 4});
  const Tensor key = // non-contiguous
      ember::testing::grad_input({3, 2, 5}).transpose(0, 2).detach().requires_grad_();
  EXPECT_TRUE(ember::testing::check_grad(
      [&](const TensorList &in) { return std::get<0>(seq_first(in[0], in[1], v)); }, {query, key}));
  EXPECT_THROW_WITH(seq_first(q, v, v),
                    "MultiheadAttention: expected key [S, N, 3] and value [S, N, 5], got key of "
                    "shape [5, 2, 5]");
  EXPECT_THROW_WITH(nn::MultiheadAttention(6, 4),
                    "MultiheadAttention: embed_dim 6 must be divisible by num_heads 4");
}

// Reference: tests/reference/nn_modules_reference.py, transformer_encoder.
TEST(NnModulesAttention, TransformerEncoderMatchesTorch) {
  nn::TransformerEncoderLayer layer(nn::TransformerEncoderLayerOptions(4, 2)
                                        .dim_feedforward(6)
                                        .activation("gelu")
                                        .batch_first(true)
                                        .norm_first(true));
  nn::TransformerEncoder encoder(
      nn::TransformerEncoderOptions(layer, 2).norm(nn::LayerNorm(nn::LayerNormOptions({4}))));
  encoder->to(kFloat64);
  fill(*encoder, 0.1);
  encoder->eval();
  const Tensor padding = bool_mask({0, 0, 0, 0, 0, 1}, {2, 3});
  expect_close(encoder(ramp({2, 3, 4}), Tensor(), padding),
               make({0.04027614063,  0.07734811075, -0.02359916292, 0.2961830752,   -0.04669739461,
                     -0.01341091782, -0.1095348535, 0.2057476993,   0.02334450836,  0.1304820846,
                     -0.04946474218, 0.07651434968, -0.04607628313, -0.01321777974, -0.1096011634,
                     0.2057221523,   0.02347138764, 0.1304506805,   -0.04951018935, 0.07660189993,
                     -0.1736687117,  0.05041081529, 0.02702875574,  0.2797186593},
                    {2, 3, 4}),
               1e-8, 1e-9);
}

// Reference: tests/reference/nn_modules_reference.py, transformer_decoder.
TEST(NnModulesAttention, TransformerDecoderMatchesTorch) {
  nn::TransformerDecoder decoder(nn::TransformerDecoderOptions(
      nn::TransformerDecoderLayer(nn::TransformerDecoderLayerOptions(4, 2).dim_feedforward(6)), 2));
  decoder->to(kFloat64);
  fill(*decoder, 0.1);
  decoder->eval();
  const Tensor tgt_mask = nn::TransformerImpl::generate_square_subsequent_mask(3).to(kFloat64);
  expect_close(
      decoder(ramp({3, 2, 4}), ramp({2, 2, 4}) * 0.3, tgt_mask),
      make({-0.007975218114, 0.05377266585,   -0.01307416631,  0.3340100855,   -0.009417367263,
            0.05399073785,   -0.0123384947,   0.3339477978,    -0.00758339312, 0.05388484159,
            -0.0131680135,   0.3338795161,    -0.009411861638, 0.05399096117,  -0.01234063346,
            0.3339471717,    -0.007591645827, 0.05388415144,   -0.01316498658, 0.3338808692,
            -0.008463763615, 0.05404195859,   -0.01270235521,  0.3338254392},
           {3, 2, 4}),
      1e-8, 1e-9);
}

// Reference: tests/reference/nn_modules_reference.py, transformer.
TEST(NnModulesAttention, TransformerMatchesTorch) {
  nn::Transformer model(nn::TransformerOptions()
                            .d_model(4)
                            .nhead(2)
                            .num_encoder_layers(1)
                            .num_decoder_layers(1)
                            .dim_feedforward(6)
                            .batch_first(true));
  std::string keys;
  for (const auto &key : model->state_dict().keys())
    keys += (keys.empty() ? "" : " ") + key;
  const std::string encoder_layer = "encoder.layers.0.", decoder_layer = "decoder.layers.0.";
  auto attention = [](const std::string &prefix) {
    return prefix + "in_proj_weight " + prefix + "in_proj_bias " + prefix + "out_proj.weight " +
           prefix + "out_proj.bias ";
  };
  auto params = [](const std::string &prefix) { return prefix + "weight " + prefix + "bias "; };
  const std::string expected =
      attention(encoder_layer + "self_attn.") + params(encoder_layer + "linear1.") +
      params(encoder_layer + "linear2.") + params(encoder_layer + "norm1.") +
      params(encoder_layer + "norm2.") + params("encoder.norm.") +
      attention(decoder_layer + "self_attn.") + attention(decoder_layer + "multihead_attn.") +
      params(decoder_layer + "linear1.") + params(decoder_layer + "linear2.") +
      params(decoder_layer + "norm1.") + params(decoder_layer + "norm2.") +
      params(decoder_layer + "norm3.") + params("decoder.norm.");
  EXPECT_EQ(keys + " ", expected);

  model->to(kFloat64);
  fill(*model, 0.1);
  model->eval();
  expect_close(model(ramp({2, 3, 4}), ramp({2, 2, 4}) * 0.5),
               make({-0.04036070181, 0.0374072578, -0.01163225439, 0.345766414, -0.03599791915,
                     0.03791022741, -0.01289333824, 0.3456086581, -0.03767325211, 0.0412496042,
                     -0.009815972366, 0.3437182452, -0.03653489951, 0.03787370973, -0.01271679827,
                     0.3456212156},
                    {2, 2, 4}),
               1e-8, 1e-9);
}

TEST(NnModulesAttention, EncoderLayersAreIndependentCopies) {
  nn::TransformerEncoderLayer layer(nn::TransformerEncoderLayerOptions(4, 2).dim_feedforward(8));
  nn::TransformerEncoder encoder(nn::TransformerEncoderOptions(layer, 3));
  auto first = encoder->layers->at<nn::TransformerEncoderLayerImpl>(0);
  auto second = encoder->layers->at<nn::TransformerEncoderLayerImpl>(1);
  EXPECT_NE(first.get(), layer.get());
  expect_close(first->linear1->weight, layer->linear1->weight);
  expect_close(second->linear1->weight, layer->linear1->weight);
  {
    NoGradGuard no_grad;
    first->linear1->weight.add_(1);
  }
  expect_close(second->linear1->weight, layer->linear1->weight);
  EXPECT_EQ(encoder->parameters().size(), 3 * layer->parameters().size());
}

TEST(NnModulesAttention, TransformerDropoutOnlyInTraining) {
  manual_seed(3);
  nn::TransformerEncoderLayer layer(
      nn::TransformerEncoderLayerOptions(4, 2).dim_feedforward(8).dropout(0.5));
  const Tensor src = ramp({3, 2, 4}).to(kFloat32);
  layer->eval();
  expect_close(layer(src), layer(src));
  layer->train();
  EXPECT_GT((layer(src) - layer(src)).abs().max().item<double>(), 1e-3);
}

TEST(NnModulesAttention, EncoderReprMatchesTorch) {
  nn::TransformerEncoder encoder(
      nn::TransformerEncoderOptions(
          nn::TransformerEncoderLayer(nn::TransformerEncoderLayerOptions(4, 2).dim_feedforward(8)),
          2)
          .norm(nn::LayerNorm(nn::LayerNormOptions({4}))));
  const std::string layer = R"(TransformerEncoderLayer(
      (self_attn): MultiheadAttention(
        (out_proj): NonDynamicallyQuantizableLinear(in_features=4, out_features=4, bias=true)
      )
      (linear1): Linear(in_features=4, out_features=8, bias=true)
      (dropout): Dropout(p=0.1, inplace=false)
      (linear2): Linear(in_features=8, out_features=4, bias=true)
      (norm1): LayerNorm((4,), eps=1e-05, elementwise_affine=true)
      (norm2): LayerNorm((4,), eps=1e-05, elementwise_affine=true)
      (dropout1): Dropout(p=0.1, inplace=false)
      (dropout2): Dropout(p=0.1, inplace=false)
    ))";
  // repr() of the same torch 1.13 TransformerEncoder, with C++'s true/false.
  std::ostringstream text;
  text << *encoder;
  EXPECT_EQ(text.str(), "TransformerEncoder(\n  (layers): ModuleList(\n    (0): " + layer +
                            "\n    (1): " + layer +
                            "\n  )\n  (norm): LayerNorm((4,), eps=1e-05, "
                            "elementwise_affine=true)\n)");
}

TEST(NnModulesAttention, BiasKvAndZeroAttentionGradcheck) {
  nn::MultiheadAttention mha(
      nn::MultiheadAttentionOptions(4, 2).kdim(3).vdim(5).add_bias_kv(true).add_zero_attn(true));
  mha->to(kFloat64);
  const Tensor value = ramp({2, 5}) * 0.2;
  const Tensor padding = make({0, 1}, {2}).to(kBool);
  const Tensor attn_mask = ramp({3, 2}) * 0.1;
  const Tensor query = ember::testing::grad_input({3, 4});
  const Tensor key = ember::testing::grad_input({3, 2}).t().detach().requires_grad_();
  EXPECT_TRUE(ember::testing::check_grad(
      [&](const TensorList &in) {
        return std::get<0>(mha(in[0], in[1], value, padding, true, attn_mask));
      },
      {query, key}));
}
