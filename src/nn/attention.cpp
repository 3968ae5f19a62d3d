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
  const bool unbatched = query.dim() == 2;
  EMBER_CHECK((query.dim() == 3 || unbatched) && key.dim() == query.dim() &&
                  value.dim() == query.dim(),
              "multi_head_attention: expected query [N, L, E], key and value [N, S, E] (or "
              "unbatched [L, E], [S, E]), got ",
              query.sizes(), ", ", key.sizes(), " and ", value.sizes());
  if (unbatched) {
    auto [output, weights] = multi_head_attention(
        query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0), num_heads, in_proj_weight,
        in_proj_bias, out_proj_weight, out_proj_bias,
        key_padding_mask.defined() ? key_padding_mask.unsqueeze(0) : key_padding_mask, need_weights,
        attn_mask, average_attn_weights, dropout_p, training);
    return {output.squeeze(0), weights.defined() ? weights.squeeze(0) : weights};
  }
  const int64_t batch = query.size(0), target = query.size(1), embed = query.size(2);
  const int64_t source = key.size(1);
  EMBER_CHECK(key.size(0) == batch && value.size(0) == batch && key.size(2) == embed &&
                  value.size(2) == embed && value.size(1) == source,
              "multi_head_attention: key ", key.sizes(), " and value ", value.sizes(),
              " do not match query ", query.sizes());
  EMBER_CHECK(num_heads > 0 && embed % num_heads == 0, "multi_head_attention: embed_dim ", embed,
              " is not divisible by num_heads ", num_heads);
  EMBER_CHECK(in_proj_weight.dim() == 2 && in_proj_weight.size(0) == 3 * embed &&
                  in_proj_weight.size(1) == embed,
              "multi_head_attention: expected in_proj_weight of shape [", 3 * embed, ", ", embed,
              "], got ", in_proj_weight.sizes());
  const int64_t head_dim = embed / num_heads;

  // Self-attention projects once with the stacked weight; otherwise each input by its third.
  Tensor q, k, v;
  if (query.is_same(key) && key.is_same(value)) {
    TensorList qkv = linear(query, in_proj_weight, in_proj_bias).chunk(3, -1);
    q = qkv[0], k = qkv[1], v = qkv[2];
  } else {
    TensorList weights = in_proj_weight.chunk(3);
    TensorList biases = in_proj_bias.defined() ? in_proj_bias.chunk(3) : TensorList(3);
    q = linear(query, weights[0], biases[0]);
    k = linear(key, weights[1], biases[1]);
    v = linear(value, weights[2], biases[2]);
  }
  // [N, len, E] -> [N, heads, len, head_dim]
  auto split_heads = [&](const Tensor &t, int64_t length) {
    return t.reshape({batch, length, num_heads, head_dim}).transpose(1, 2);
  };
  q = split_heads(q, target);
  k = split_heads(k, source);
  v = split_heads(v, source);

  Tensor scores = matmul(q * (1.0 / std::sqrt(static_cast<double>(head_dim))), k.transpose(-2, -1));
  if (attn_mask.defined()) {
    const Shape shape = attn_mask.sizes();
    const Shape shared_shape{target, source}, per_head_shape{batch * num_heads, target, source};
    const bool shared = shape == shared_shape;
    EMBER_CHECK(shared || shape == per_head_shape,
                "multi_head_attention: expected attn_mask of shape [", target, ", ", source,
                "] or [", batch * num_heads, ", ", target, ", ", source, "], got ", shape);
    const Tensor mask = additive_mask(attn_mask, true, scores.dtype());
    scores = scores + (shared ? mask : mask.view({batch, num_heads, target, source}));
  }
  if (key_padding_mask.defined()) {
    const Shape padding_shape{batch, source};
    EMBER_CHECK(key_padding_mask.sizes() == padding_shape,
                "multi_head_attention: expected key_padding_mask of shape [", batch, ", ", source,
                "], got ", key_padding_mask.sizes());
    scores =
        scores + additive_mask(key_padding_mask, true, scores.dtype()).view({batch, 1, 1, source});
  }
  Tensor weights = softmax(scores, -1);
  if (training && dropout_p > 0)
    weights = dropout(weights, dropout_p, true);
  const Tensor merged = matmul(weights, v).transpose(1, 2).reshape({batch, target, embed});
  Tensor output = linear(merged, out_proj_weight, out_proj_bias);
  if (!need_weights)
    return {output, Tensor()};
  return {output, average_attn_weights ? weights.mean({1}) : weights};
}

} // namespace ember::nn::functional
