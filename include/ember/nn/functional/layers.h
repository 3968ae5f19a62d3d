// Layer functions (torch.nn.functional): linear, bilinear, dropout, dropout2d, embedding,
// scaled_dot_product_attention and multi_head_attention. Undefined tensors stand for torch's
// None. Implemented in src/nn/layers.cpp and src/nn/attention.cpp.
#pragma once

#include <optional>
#include <tuple>

#include "ember/ops.h"

namespace ember::nn::functional {

// input [*, in_features] @ weight[out_features, in_features]^T + bias[out_features].
Tensor linear(const Tensor &input, const Tensor &weight, const Tensor &bias = {});

// y[*, o] = input1[*, i] weight[o, i, j] input2[*, j] + bias[o].
Tensor bilinear(const Tensor &input1, const Tensor &input2, const Tensor &weight,
                const Tensor &bias = {});

// In training, zeroes each element with probability p and scales the rest by 1 / (1 - p); the
// mask comes from the default generator, so manual_seed makes it repeatable. Identity otherwise.
Tensor dropout(const Tensor &input, double p = 0.5, bool training = true);

// Zeroes whole channels: input [N, C, H, W], or [N, C, L] (channel-wise 1-D dropout, as torch).
Tensor dropout2d(const Tensor &input, double p = 0.5, bool training = true);

// Rows of weight [num_embeddings, embedding_dim] picked by integer indices of any shape. The row
// padding_idx gets no gradient. With max_norm, the referenced rows whose norm_type-norm exceeds
// max_norm are rescaled in place (in weight itself, as torch does) before the lookup.
Tensor embedding(const Tensor &input, const Tensor &weight,
                 std::optional<int64_t> padding_idx = std::nullopt,
                 std::optional<double> max_norm = std::nullopt, double norm_type = 2.0);

// softmax(query @ key^T * scale + mask) @ value over query [*, L, E], key [*, S, E],
// value [*, S, Ev], as torch 2.x. attn_mask broadcasts to [*, L, S]: a bool mask keeps the
// positions that are true, a float mask is added to the scores. scale defaults to 1/sqrt(E).
// Dropout with dropout_p is applied to the attention weights whenever dropout_p > 0.
Tensor scaled_dot_product_attention(const Tensor &query, const Tensor &key, const Tensor &value,
                                    const Tensor &attn_mask = {}, double dropout_p = 0.0,
                                    bool is_causal = false,
                                    std::optional<double> scale = std::nullopt);

// torch's multi_head_attention_forward in the batch_first layout: query [N, L, E],
// key and value [N, S, E] (or unbatched [L, E], [S, E]). in_proj_weight [3E, E] stacks the
// query, key and value projections. As in torch.nn.MultiheadAttention, a bool key_padding_mask
// [N, S] or attn_mask ([L, S] or [N * num_heads, L, S]) marks with true the positions NOT to
// attend to; float masks are added to the scores. Returns the output [N, L, E] and, when
// need_weights, the attention weights [N, L, S] (averaged over heads) or [N, num_heads, L, S].
std::tuple<Tensor, Tensor>
multi_head_attention(const Tensor &query, const Tensor &key, const Tensor &value, int64_t num_heads,
                     const Tensor &in_proj_weight, const Tensor &in_proj_bias,
                     const Tensor &out_proj_weight, const Tensor &out_proj_bias,
                     const Tensor &key_padding_mask = {}, bool need_weights = true,
                     const Tensor &attn_mask = {}, bool average_attn_weights = true,
                     double dropout_p = 0.0, bool training = true);

// The projection weights of multi_head_attention in their general form (nn::MultiheadAttention's
// parameters): either in_proj_weight [3E, E], or q_proj_weight [E, E], k_proj_weight [E, kdim]
// and v_proj_weight [E, vdim] when key and value have their own feature sizes. bias_k and
// bias_v [1, 1, E], when defined, are appended to the projected key and value sequences.
struct MultiHeadAttentionWeights {
  Tensor in_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight, in_proj_bias;
  Tensor bias_k, bias_v;
  Tensor out_proj_weight, out_proj_bias;
};

// multi_head_attention with the weights above; add_zero_attn appends a zero key and value to
// every head's sequence, as torch's. key and value are [N, S, kdim] and [N, S, vdim].
std::tuple<Tensor, Tensor>
multi_head_attention(const Tensor &query, const Tensor &key, const Tensor &value, int64_t num_heads,
                     const MultiHeadAttentionWeights &weights, const Tensor &key_padding_mask = {},
                     bool need_weights = true, const Tensor &attn_mask = {},
                     bool average_attn_weights = true, double dropout_p = 0.0, bool training = true,
                     bool add_zero_attn = false);

} // namespace ember::nn::functional
