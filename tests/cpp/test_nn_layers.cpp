// Layer functions: linear, bilinear, dropout, dropout2d, embedding, scaled_dot_product_attention
// and multi_head_attention. Values against torch 1.13, dropout statistics and seeding, gradcheck
// and gradgradcheck in float64, and error messages.
#include <cmath>

#include "ember/nn/functional/layers.h"
#include "test_util.h"

using namespace ember;
namespace F = ember::nn::functional;
using autograd::gradcheck;
using autograd::gradgradcheck;
using ember::testing::check_grad;
using ember::testing::expect_close;
using ember::testing::grad_input;
using ember::testing::make;
using ember::testing::ramp;
using ember::testing::vec;

namespace {

Tensor indices(std::vector<double> values, Shape sizes) {
  return make(std::move(values), std::move(sizes)).to(kInt64);
}

} // namespace

TEST(NnLayers, LinearMatchesTorch) {
  // torch 1.13: F.linear(x [2, 3, 4], w [5, 4], b [5]) and F.linear(x [4], w).
  Tensor w = ramp({5, 4}, 5, 7), b = ramp({5}, 3, 5);
  expect_close(
      F::linear(ramp({2, 3, 4}), w, b),
      make({0.0864, -1.3537, 0.3837,  1.1311,  -0.2115, -1.0862, 0.0301, -0.4886, 0.1202, 1.334,
            1.1512, 0.5889,  -1.6084, -0.5607, -1.0255, -1.3139, 0.1027, -0.1157, 0.2159, 1.73,
            0.9235, 0.6615,  -1.2355, -0.465,  -0.6295, -1.5966, 0.6978, 1.3572,  1.9891, -0.4315},
           {2, 3, 5}),
      1e-10, 1e-10);
  expect_close(F::linear(ramp({4}), w), vec({0.5864, -1.6137, 0.6137, 0.6011, -0.2515}), 1e-10,
               1e-10);
}

TEST(NnLayers, LinearGradients) {
  Tensor w = grad_input({3, 4}), b = grad_input({3});
  for (Tensor x : {grad_input({2, 4}), grad_input({2, 2, 4}), grad_input({4, 2}).t()}) {
    EXPECT_TRUE(
        check_grad([](const TensorList &in) { return F::linear(in[0], in[1], in[2]); }, {x, w, b}));
    EXPECT_TRUE(check_grad([](const TensorList &in) { return F::linear(in[0], in[1]); }, {x, w}));
  }
  EXPECT_TRUE(check_grad([](const TensorList &in) { return F::linear(in[0], in[1], in[2]); },
                         {grad_input({2, 2, 4}), w, b}, true));
  EXPECT_THROW_WITH(F::linear(randn({2, 5}), randn({3, 4})),
                    "linear: input [2, 5] does not end in the 4 in_features of weight [3, 4]");
}

TEST(NnLayers, Bilinear) {
  // torch 1.13: F.bilinear(x1 [3, 2], x2 [3, 4], w [2, 2, 4], b).
  expect_close(
      F::bilinear(ramp({3, 2}), ramp({3, 4}, 5, 7), ramp({2, 2, 4}, 3, 13), vec({0.5, -0.5})),
      make({-0.951462, 0.880961, 2.174304, -0.132016, -0.541132, -0.799896}, {3, 2}), 1e-10, 1e-10);
  Tensor x1 = grad_input({2, 3}), x2 = grad_input({2, 2}), w = grad_input({2, 3, 2});
  Tensor b = grad_input({2});
  EXPECT_TRUE(
      check_grad([](const TensorList &in) { return F::bilinear(in[0], in[1], in[2], in[3]); },
                 {x1, x2, w, b}));
  EXPECT_TRUE(check_grad([](const TensorList &in) { return F::bilinear(in[0], in[1], in[2]); },
                         {grad_input({3, 2}).t(), x2, w}));
  EXPECT_THROW_WITH(F::bilinear(randn({2, 3}), randn({2, 3}), randn({2, 3, 2})),
                    "bilinear: inputs [2, 3] and [2, 3] do not match weight [2, 3, 2]");
}

TEST(NnLayers, DropoutStatisticsAndSeeding) {
  Tensor x = ones({100000}, dtype(kFloat32));
  manual_seed(7);
  Tensor y = F::dropout(x, 0.3);
  const double zero_fraction = (y == 0).to(kFloat64).mean().item<double>();
  EXPECT_NEAR(zero_fraction, 0.3, 0.006);
  // Survivors are scaled by 1 / (1 - p), so the mean is preserved.
  EXPECT_NEAR(y.max().item<double>(), 1 / 0.7, 1e-6);
  EXPECT_NEAR(y.mean().item<double>(), 1.0, 0.01);
  manual_seed(7);
  EXPECT_TRUE(equal(F::dropout(x, 0.3), y));
  EXPECT_FALSE(equal(F::dropout(x, 0.3), y));
  // Evaluation, p = 0 and p = 1.
  EXPECT_TRUE(F::dropout(x, 0.3, false).is_same(x));
  EXPECT_TRUE(F::dropout(x, 0.0).is_same(x));
  EXPECT_EQ(F::dropout(x, 1.0).abs().sum().item<double>(), 0.0);
  EXPECT_THROW_WITH(F::dropout(x, 1.5),
                    "dropout: dropout probability has to be between 0 and 1, but got 1.5");
  EXPECT_THROW_WITH(F::dropout2d(randn({2, 3, 4, 4}), -0.1), "dropout2d: dropout probability");
}

TEST(NnLayers, DropoutGradientIsTheMask) {
  Tensor x = randn({50, 40}, dtype(kFloat64)).requires_grad_();
  manual_seed(11);
  Tensor y = F::dropout(x, 0.5);
  y.sum().backward();
  expect_close(x.grad(), y.detach() / x.detach());
  // gradcheck needs the same mask on every evaluation: reseed inside the function.
  EXPECT_TRUE(check_grad(
      [](const TensorList &in) {
        manual_seed(5);
        return F::dropout(in[0], 0.4);
      },
      {grad_input({3, 4})}));
}

TEST(NnLayers, Dropout2dZeroesWholeChannels) {
  manual_seed(3);
  Tensor y = F::dropout2d(ones({8, 16, 3, 3}, dtype(kFloat32)), 0.5);
  Tensor channel_sums = y.sum({2, 3});
  // Every channel is all zeros or all 2 (scaled by 1 / (1 - p)).
  EXPECT_TRUE(equal(channel_sums == 0 || channel_sums == 18, ones({8, 16}, dtype(kBool))));
  const double dropped = (channel_sums == 0).to(kFloat64).mean().item<double>();
  EXPECT_GT(dropped, 0.3);
  EXPECT_LT(dropped, 0.7);
  Tensor y3 =
      F::dropout2d(ones({4, 6, 5}, dtype(kFloat32)), 0.5); // [N, C, L]: whole rows of length L
  EXPECT_TRUE(equal(y3.amax({2}), y3.amin({2})));
  EXPECT_THROW_WITH(F::dropout2d(ones({4, 6}, dtype(kFloat32))), "dropout2d: expected a 4-D input");
}

TEST(NnLayers, EmbeddingMatchesTorch) {
  // torch 1.13: F.embedding on weight [6, 3]; then max_norm=1 for indices [1, 3, 3] and
  // max_norm=0.5, norm_type=1 for indices [1, 4] (each on a fresh copy of the weight).
  Tensor weight = ramp({6, 3}, 5, 9);
  expect_close(
      F::embedding(indices({0, 2, 5, 2}, {2, 2}), weight),
      make({-1, 0.26, -0.73, -0.19, 1.07, 0.08, -0.1, 1.16, 0.17, -0.19, 1.07, 0.08}, {2, 2, 3}));
  Tensor renormed = weight.clone();
  Tensor out = F::embedding(indices({1, 3, 3}, {3}), renormed, std::nullopt, 1.0);
  expect_close(
      out.slice(0, 0, 2),
      make({0.4980313981, -0.4322536663, 0.7517455065, -0.7802611255, 0.3001004329, -0.5487550772},
           {2, 3}),
      1e-8, 1e-9);
  expect_close(renormed.slice(0, 3, 4), make({-0.7802611255, 0.3001004329, -0.5487550772}, {1, 3}),
               1e-8, 1e-9);
  expect_close(renormed.slice(0, 4, 6), weight.slice(0, 4, 6)); // untouched rows
  Tensor l1 = weight.clone();
  F::embedding(indices({1, 4}, {2}), l1, std::nullopt, 0.5, 1.0);
  expect_close(l1.slice(0, 1, 2), make({0.1480446845, -0.1284916129, 0.2234636747}, {1, 3}), 1e-8,
               1e-9);
  expect_close(l1.slice(0, 4, 5), make({0.1648936083, -0.09840425008, 0.2367021151}, {1, 3}), 1e-8,
               1e-9);
}

TEST(NnLayers, EmbeddingGradients) {
  Tensor weight = grad_input({5, 3});
  Tensor idx = indices({0, 2, 2, 4, 1, 2}, {2, 3});
  EXPECT_TRUE(check_grad([&](const TensorList &in) { return F::embedding(idx, in[0]); }, {weight}));
  EXPECT_TRUE(
      check_grad([&](const TensorList &in) { return F::embedding(idx, in[0]); }, {weight}, true));
  // padding_idx: the row gets no gradient however often it is used.
  Tensor w = randn({5, 3}, dtype(kFloat64)).requires_grad_();
  F::embedding(idx, w, 2).sum().backward();
  expect_close(w.grad(), make({1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1}, {5, 3}));
  w.mutable_grad() = Tensor();
  F::embedding(idx, w, -1).sum().backward(); // -1 is row 4
  expect_close(w.grad().slice(0, 4, 5), zeros({1, 3}, dtype(kFloat64)));
  // padding_idx is deliberately not the true derivative (finite differences see the row), so
  // instead of gradcheck: the plain gradient with the padding row zeroed, for any grad_output.
  Tensor grad_output = randn({2, 3, 3}, dtype(kFloat64));
  Tensor padded = autograd::grad({F::embedding(idx, w, 2)}, {w}, {grad_output})[0];
  Tensor plain = autograd::grad({F::embedding(idx, w)}, {w}, {grad_output})[0];
  expect_close(padded, plain * make({1, 1, 0, 1, 1}, {5, 1}));
}

TEST(NnLayers, EmbeddingErrors) {
  Tensor weight = randn({10, 4});
  try {
    F::embedding(indices({3, 10}, {2}), weight);
    ADD_FAILURE() << "expected an IndexError";
  } catch (const IndexError &error) {
    EXPECT_STREQ(error.what(), "embedding: index 10 is out of range for an embedding of 10 rows");
  }
  EXPECT_THROW_WITH(F::embedding(indices({-1}, {1}), weight),
                    "embedding: index -1 is out of range");
  EXPECT_THROW_WITH(F::embedding(randn({2}), weight), "embedding: expected indices of dtype int64");
  EXPECT_THROW_WITH(F::embedding(indices({1}, {1}), weight, 10),
                    "embedding: padding_idx 10 must be within num_embeddings (10)");
}

TEST(NnLayers, ScaledDotProductAttentionMatchesTorch) {
  // The torch 2.x reference formula evaluated with torch 1.13 (softmax(q k^T * scale + bias) v).
  Tensor q = ramp({2, 3, 4}) * 0.5, k = ramp({2, 5, 4}, 5, 13) * 0.5, v = ramp({2, 5, 2}, 3, 7);
  expect_close(
      F::scaled_dot_product_attention(q, k, v),
      make({0.2157825047, -0.1049912155, 0.1639332825, -0.09002080587, 0.1439993481, -0.04691184971,
            0.05357109615, 0.146618092, 0.1569228969, 0.1234575992, 0.05293314068, 0.1707495032},
           {2, 3, 2}),
      1e-8, 1e-9);
  Tensor keep = make({1, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1}, {3, 5}).to(kBool);
  expect_close(
      F::scaled_dot_product_attention(q, k, v, keep),
      make({0.157501806, -0.2916161579, 0.3982364285, -0.1156629287, -0.3584277527, 0.4015722473,
            0.09456964258, 0.3501909317, 0.2114863605, 0.03696213468, 0.2141623292, 0.2063501893},
           {2, 3, 2}),
      1e-8, 1e-9);
  expect_close(
      F::scaled_dot_product_attention(q, k, v, ramp({3, 5}, 3, 7) * 0.5, 0.0, false, 0.3),
      make({0.2794516906, -0.07493639882, 0.1965669797, 0.01187597071, 0.2148627827, -0.1334607696,
            0.03931593386, 0.09407627208, 0.2180385761, 0.07963034404, 0.07054918335, 0.1837160142},
           {2, 3, 2}),
      1e-8, 1e-9);
  Tensor kc = ramp({2, 3, 4}, 5, 13) * 0.5, vc = ramp({2, 3, 2}, 3, 7);
  expect_close(F::scaled_dot_product_attention(q, kc, vc, {}, 0.0, true),
               make({-0.75, 0.01, -0.09180395995, -0.08959545343, 0.132971027, -0.2153663062, 0.31,
                     -0.68, 0.1637456766, 0.2865503109, 0.07774994459, 0.1658970183},
                    {2, 3, 2}),
               1e-8, 1e-9);
}

TEST(NnLayers, ScaledDotProductAttentionGradients) {
  Tensor q = grad_input({2, 3, 4}), k = grad_input({2, 4, 4}), v = grad_input({2, 4, 2});
  Tensor keep = make({1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 1}, {3, 4}).to(kBool);
  Tensor additive = ramp({3, 4}, 3, 7) * 0.5;
  auto attend = [](const Tensor &mask, bool causal) {
    return [mask, causal](const TensorList &in) {
      return F::scaled_dot_product_attention(in[0], in[1], in[2], mask, 0.0, causal);
    };
  };
  EXPECT_TRUE(check_grad(attend({}, false), {q, k, v}));
  EXPECT_TRUE(check_grad(attend(keep, false), {q, k, v}));
  EXPECT_TRUE(check_grad(attend(additive, false), {q, k, v}));
  EXPECT_TRUE(check_grad(attend({}, true), {q, grad_input({2, 3, 4}), grad_input({2, 3, 2})}));
  EXPECT_TRUE(check_grad(attend({}, false), {grad_input({2, 4, 3}).transpose(1, 2), k, v}));
  Tensor keep_small = make({1, 0, 1, 1, 1, 0}, {2, 3}).to(kBool);
  EXPECT_TRUE(check_grad(attend(keep_small, false),
                         {grad_input({1, 2, 3}), grad_input({1, 3, 3}), grad_input({1, 3, 2})},
                         true));
  EXPECT_THROW_WITH(F::scaled_dot_product_attention(q, k, v, keep, 0.0, true),
                    "scaled_dot_product_attention: an explicit attn_mask cannot be combined");
  EXPECT_THROW_WITH(F::scaled_dot_product_attention(q, grad_input({2, 4, 3}), v),
                    "scaled_dot_product_attention: expected query [*, L, E]");
}

TEST(NnLayers, ScaledDotProductAttentionDropout) {
  Tensor q = randn({1, 4, 8}), k = randn({1, 6, 8}), v = randn({1, 6, 8});
  manual_seed(9);
  Tensor a = F::scaled_dot_product_attention(q, k, v, {}, 0.5);
  manual_seed(9);
  EXPECT_TRUE(equal(F::scaled_dot_product_attention(q, k, v, {}, 0.5), a));
  EXPECT_FALSE(allclose(a, F::scaled_dot_product_attention(q, k, v)));
}

TEST(NnLayers, MultiHeadAttentionMatchesTorch) {
  // torch 1.13: F.multi_head_attention_forward on the [L, N, E] transposes of these inputs,
  // embed 4, 2 heads, bool key_padding_mask and attn_mask, average_attn_weights=True.
  const int64_t E = 4;
  Tensor query = ramp({2, 3, E}) * 0.5, key = ramp({2, 5, E}, 5, 13) * 0.5;
  Tensor value = ramp({2, 5, E}, 3, 7) * 0.5;
  Tensor in_w = ramp({3 * E, E}, 5, 11) * 0.3, in_b = ramp({3 * E}, 3, 7) * 0.1;
  Tensor out_w = ramp({E, E}, 7, 9) * 0.4, out_b = ramp({E}, 3, 5) * 0.1;
  Tensor padding = make({0, 0, 0, 1, 1, 0, 0, 0, 0, 0}, {2, 5}).to(kBool);
  Tensor blocked = make({0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0}, {3, 5}).to(kBool);
  auto [out, weights] = F::multi_head_attention(query, key, value, 2, in_w, in_b, out_w, out_b,
                                                padding, true, blocked);
  expect_close(
      out,
      make({0.002244013832, 0.1303067692,   -0.04218206741, 0.08588068795,  -0.03232620557,
            0.0645491744,   -0.03938174692, 0.05749363305,  -0.07529718088, -0.005377528289,
            -0.01511230539, 0.05480734719,  -0.06360643906, 0.06692344446,  -0.08345907001,
            0.0470708135,   -0.03862787198, 0.09488708775,  -0.0860445372,  0.04747042253,
            -0.03442054648, 0.1011660162,   -0.1071157255,  0.02847083725},
           {2, 3, E}),
      1e-8, 1e-9);
  expect_close(weights,
               make({0.5007840209,
                     0,
                     0.4992159791,
                     0,
                     0,
                     0.3278470986,
                     0.3425711857,
                     0.3295817156,
                     0,
                     0,
                     0.4958529049,
                     0.5041470951,
                     0,
                     0,
                     0,
                     0.2487496106,
                     0,
                     0.249634871,
                     0.2545087262,
                     0.2471067922,
                     0.2003617848,
                     0.1979306051,
                     0.2011490545,
                     0.1987106955,
                     0.2018478601,
                     0.2546476286,
                     0.2370820106,
                     0,
                     0.2362008732,
                     0.2720694876},
                    {2, 3, 5}),
               1e-8, 1e-9);
  // Self-attention (one tensor for query, key and value), weights per head.
  Tensor x = ramp({2, 3, E}) * 0.5;
  auto [self_out, head_weights] =
      F::multi_head_attention(x, x, x, 2, in_w, in_b, out_w, out_b, {}, true, {}, false);
  EXPECT_EQ(head_weights.sizes(), (Shape{2, 2, 3, 3}));
  expect_close(self_out.slice(1, 0, 1),
               make({-0.008818186279, 0.1029333142, -0.01547077237, 0.09628072809, -0.02188816196,
                     0.08589810693, -0.07429478343, 0.03349148546},
                    {2, 1, E}),
               1e-8, 1e-9);
  expect_close(
      head_weights.slice(2, 0, 1).flatten(),
      vec({0.3119851787, 0.3633070553, 0.324707766, 0.3359866843, 0.3241146577, 0.3398986579,
           0.3160409803, 0.3427097806, 0.3412492391, 0.3438895643, 0.3267903036, 0.3293201321}),
      1e-8, 1e-9);
  auto [no_weights_out, none] =
      F::multi_head_attention(x, x, x, 2, in_w, in_b, out_w, out_b, {}, false);
  EXPECT_FALSE(none.defined());
  expect_close(no_weights_out, self_out);
}

TEST(NnLayers, MultiHeadAttentionGradients) {
  const int64_t E = 4;
  Tensor query = grad_input({2, 3, E}), key = grad_input({2, 2, E}), value = grad_input({2, 2, E});
  Tensor in_w = grad_input({3 * E, E}), in_b = grad_input({3 * E});
  Tensor out_w = grad_input({E, E}), out_b = grad_input({E});
  Tensor padding = make({0, 1, 0, 0}, {2, 2}).to(kBool);
  auto attend = [&](const TensorList &in) {
    auto [out, weights] =
        F::multi_head_attention(in[0], in[1], in[2], 2, in[3], in[4], in[5], in[6], padding);
    return out + weights.sum();
  };
  EXPECT_TRUE(check_grad(attend, {query, key, value, in_w, in_b, out_w, out_b}));
  EXPECT_THROW_WITH(F::multi_head_attention(query, key, value, 3, in_w, in_b, out_w, out_b),
                    "multi_head_attention: embed_dim 4 is not divisible by num_heads 3");
}
