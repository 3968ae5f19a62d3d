// Attention: scaled_dot_product_attention (torch 2.x semantics) and the multi-head attention
// forward used by nn::MultiheadAttention. Both are composites of matmul, masking and softmax,
// so autograd (including double backward) comes from the ops they are made of.
#include <cmath>
#include <limits>

#include "ember/nn/functional/activation.h"
#include "ember/nn/functional/layers.h"

namespace ember::nn::functional {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A mask as an additive float mask of dtype: bool positions equal to `blocked` become -inf.
Tensor additive_mask(const Tensor &mask, bool blocked, DType dtype) {
  if (mask.dtype() != kBool)
    return mask.to(dtype);
  const Tensor block = blocked ? mask : mask.logical_not();
  return zeros(mask.sizes(), ember::dtype(dtype)).masked_fill(block, -kInf);
}

} // namespace

Tensor scaled_dot_product_attention(const Tensor &query, const Tensor &key, const Tensor &value,
                                    const Tensor &attn_mask, double dropout_p, bool is_causal,
                                    std::optional<double> scale) {
  EMBER_CHECK(query.dim() >= 2 && key.dim() >= 2 && value.dim() >= 2 &&
                  query.size(-1) == key.size(-1) && key.size(-2) == value.size(-2),
              "scaled_dot_product_attention: expected query [*, L, E], key [*, S, E] and value "
              "[*, S, Ev], got ",
              query.sizes(), ", ", key.sizes(), " and ", value.sizes());
  EMBER_CHECK(!(is_causal && attn_mask.defined()),
              "scaled_dot_product_attention: an explicit attn_mask cannot be combined with "
              "is_causal=true");
  EMBER_CHECK(dropout_p >= 0 && dropout_p <= 1,
              "scaled_dot_product_attention: dropout_p has to be between 0 and 1, but got ",
              dropout_p);
  const int64_t target = query.size(-2), source = key.size(-2);
  const double factor = scale.value_or(1.0 / std::sqrt(static_cast<double>(query.size(-1))));
  Tensor scores = matmul(query, key.transpose(-2, -1)) * factor;
  if (is_causal)
    scores = scores.masked_fill(ones({target, source}, dtype(kBool)).tril().logical_not(), -kInf);
  if (attn_mask.defined()) {
    const Shape mask_shape = attn_mask.sizes();
    EMBER_CHECK(broadcast_shapes(mask_shape, scores.sizes(), "scaled_dot_product_attention") ==
                    scores.sizes(),
                "scaled_dot_product_attention: attn_mask of shape ", mask_shape,
                " does not broadcast to the attention scores ", scores.sizes());
    scores = attn_mask.dtype() == kBool ? scores.masked_fill(attn_mask.logical_not(), -kInf)
                                        : scores + attn_mask;
  }
  Tensor weights = softmax(scores, -1);
  if (dropout_p > 0)
    weights = dropout(weights, dropout_p, true);
  return matmul(weights, value);
}

std::tuple<Tensor, Tensor>
multi_head_attention(const Tensor &query, const Tensor &key, const Tensor &value, int64_t num_heads,
                     const Tensor &in_proj_weight, const Tensor &in_proj_bias,
                     const Tensor &out_proj_weight, const Tensor &out_proj_bias,
                     const Tensor &key_padding_mask, bool need_weights, const Tensor &attn_mask,
                     bool average_attn_weights, double dropout_p, bool training) {
  MultiHeadAttentionWeights weights;
  weights.in_proj_weight = in_proj_weight;
  weights.in_proj_bias = in_proj_bias;
  weights.out_proj_weight = out_proj_weight;
  weights.out_proj_bias = out_proj_bias;
  return multi_head_attention(query, key, value, num_heads, weights, key_padding_mask, need_weights,
                              attn_mask, average_attn_weights, dropout_p, training);
}

namespace {

// A mask with one more source position (appended bias_k or zero attention), never blocked.
Tensor extend_mask(const Tensor &mask) { return mask.defined() ? pad(mask, {0, 1}) : mask; }

// The query, key and value projections: one GEMM for self-attention with a stacked weight.
std::tuple<Tensor, Tensor, Tensor> project(const Tensor &query, const Tensor &key,
                                           const Tensor &value,
                                           const MultiHeadAttentionWeights &w) {
  const TensorList biases = w.in_proj_bias.defined() ? w.in_proj_bias.chunk(3) : TensorList(3);
  if (!w.in_proj_weight.defined())
    return {linear(query, w.q_proj_weight, biases[0]), linear(key, w.k_proj_weight, biases[1]),
            linear(value, w.v_proj_weight, biases[2])};
  if (query.is_same(key) && key.is_same(value)) {
    TensorList qkv = linear(query, w.in_proj_weight, w.in_proj_bias).chunk(3, -1);
    return {qkv[0], qkv[1], qkv[2]};
  }
  const TensorList stacked = w.in_proj_weight.chunk(3);
  return {linear(query, stacked[0], biases[0]), linear(key, stacked[1], biases[1]),
          linear(value, stacked[2], biases[2])};
}

} // namespace

std::tuple<Tensor, Tensor>
multi_head_attention(const Tensor &query, const Tensor &key, const Tensor &value, int64_t num_heads,
                     const MultiHeadAttentionWeights &w, const Tensor &key_padding_mask,
                     bool need_weights, const Tensor &attn_mask, bool average_attn_weights,
                     double dropout_p, bool training, bool add_zero_attn) {
  const bool unbatched = query.dim() == 2;
  EMBER_CHECK((query.dim() == 3 || unbatched) && key.dim() == query.dim() &&
                  value.dim() == query.dim(),
              "multi_head_attention: expected query [N, L, E], key and value [N, S, E] (or "
              "unbatched [L, E], [S, E]), got ",
              query.sizes(), ", ", key.sizes(), " and ", value.sizes());
  if (unbatched) {
    auto [output, weights] = multi_head_attention(
        query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0), num_heads, w,
        key_padding_mask.defined() ? key_padding_mask.unsqueeze(0) : key_padding_mask, need_weights,
        attn_mask, average_attn_weights, dropout_p, training, add_zero_attn);
    return {output.squeeze(0), weights.defined() ? weights.squeeze(0) : weights};
  }
  const int64_t batch = query.size(0), target = query.size(1), embed = query.size(2);
  int64_t source = key.size(1);
  EMBER_CHECK(key.size(0) == batch && value.size(0) == batch && value.size(1) == source,
              "multi_head_attention: key ", key.sizes(), " and value ", value.sizes(),
              " do not match query ", query.sizes());
  EMBER_CHECK(num_heads > 0 && embed % num_heads == 0, "multi_head_attention: embed_dim ", embed,
              " is not divisible by num_heads ", num_heads);
  if (w.in_proj_weight.defined()) {
    EMBER_CHECK(w.in_proj_weight.dim() == 2 && w.in_proj_weight.size(0) == 3 * embed &&
                    w.in_proj_weight.size(1) == embed,
                "multi_head_attention: expected in_proj_weight of shape [", 3 * embed, ", ", embed,
                "], got ", w.in_proj_weight.sizes());
    EMBER_CHECK(key.size(2) == embed && value.size(2) == embed, "multi_head_attention: key ",
                key.sizes(), " and value ", value.sizes(), " do not match query ", query.sizes());
  } else {
    const Shape q_shape{embed, embed}, k_shape{embed, key.size(2)}, v_shape{embed, value.size(2)};
    EMBER_CHECK(w.q_proj_weight.sizes() == q_shape && w.k_proj_weight.sizes() == k_shape &&
                    w.v_proj_weight.sizes() == v_shape,
                "multi_head_attention: expected q_proj_weight ", q_shape, ", k_proj_weight ",
                k_shape, " and v_proj_weight ", v_shape, " for query ", query.sizes(), ", key ",
                key.sizes(), " and value ", value.sizes(), ", got ", w.q_proj_weight.sizes(), ", ",
                w.k_proj_weight.sizes(), " and ", w.v_proj_weight.sizes());
  }
  const int64_t head_dim = embed / num_heads;
  auto [q, k, v] = project(query, key, value, w);

  Tensor mask = attn_mask, padding = key_padding_mask;
  if (w.bias_k.defined() && w.bias_v.defined()) {
    k = cat({k, w.bias_k.reshape({1, 1, embed}).expand({batch, 1, embed})}, 1);
    v = cat({v, w.bias_v.reshape({1, 1, embed}).expand({batch, 1, embed})}, 1);
    mask = extend_mask(mask);
    padding = extend_mask(padding);
    ++source;
  }
  if (add_zero_attn) {
    k = cat({k, zeros({batch, 1, embed}, k.options())}, 1);
    v = cat({v, zeros({batch, 1, embed}, v.options())}, 1);
    mask = extend_mask(mask);
    padding = extend_mask(padding);
    ++source;
  }
  // [N, len, E] -> [N, heads, len, head_dim]
  auto split_heads = [&](const Tensor &t, int64_t length) {
    return t.reshape({batch, length, num_heads, head_dim}).transpose(1, 2);
  };
  q = split_heads(q, target);
  k = split_heads(k, source);
  v = split_heads(v, source);

  Tensor scores = matmul(q * (1.0 / std::sqrt(static_cast<double>(head_dim))), k.transpose(-2, -1));
  if (mask.defined()) {
    const Shape shape = mask.sizes();
    const Shape shared_shape{target, source}, per_head_shape{batch * num_heads, target, source};
    const bool shared = shape == shared_shape;
    EMBER_CHECK(shared || shape == per_head_shape,
                "multi_head_attention: expected attn_mask of shape [", target, ", ", source,
                "] or [", batch * num_heads, ", ", target, ", ", source, "], got ", shape);
    const Tensor additive = additive_mask(mask, true, scores.dtype());
    scores = scores + (shared ? additive : additive.view({batch, num_heads, target, source}));
  }
  if (padding.defined()) {
    const Shape padding_shape{batch, source};
    EMBER_CHECK(padding.sizes() == padding_shape,
                "multi_head_attention: expected key_padding_mask of shape [", batch, ", ", source,
                "], got ", padding.sizes());
    scores = scores + additive_mask(padding, true, scores.dtype()).view({batch, 1, 1, source});
  }
  Tensor attention = softmax(scores, -1);
  if (training && dropout_p > 0)
    attention = dropout(attention, dropout_p, true);
  const Tensor merged = matmul(attention, v).transpose(1, 2).reshape({batch, target, embed});
  Tensor output = linear(merged, w.out_proj_weight, w.out_proj_bias);
  if (!need_weights)
    return {output, Tensor()};
  return {output, average_attn_weights ? attention.mean({1}) : attention};
}

} // namespace ember::nn::functional
