// MultiheadAttention (torch.nn.MultiheadAttention) over nn::functional::multi_head_attention.
// Implemented in src/nn/modules/attention.cpp.
#pragma once

#include <optional>
#include <tuple>

#include "ember/nn/modules/linear.h"

namespace ember::nn {

struct MultiheadAttentionOptions {
  MultiheadAttentionOptions(int64_t embed_dim, int64_t num_heads)
      : embed_dim_(embed_dim), num_heads_(num_heads) {}
  EMBER_ARG(int64_t, embed_dim);
  EMBER_ARG(int64_t, num_heads);
  // Dropout on the attention weights, in training mode.
  EMBER_ARG(double, dropout) = 0.0;
  EMBER_ARG(bool, bias) = true;
  // Learned bias_k and bias_v appended to the key and value sequences.
  EMBER_ARG(bool, add_bias_kv) = false;
  // A zero key and value appended to every head's sequence.
  EMBER_ARG(bool, add_zero_attn) = false;
  // The feature sizes of key and value (default embed_dim).
  EMBER_ARG(std::optional<int64_t>, kdim);
  EMBER_ARG(std::optional<int64_t>, vdim);
  // Inputs are [N, L, E] when true, [L, N, E] (torch's default) otherwise.
  EMBER_ARG(bool, batch_first) = false;
};

// torch's name for MultiheadAttention's output projection; a Linear that prints as such.
class NonDynamicallyQuantizableLinearImpl : public LinearImpl {
public:
  explicit NonDynamicallyQuantizableLinearImpl(const LinearOptions &options)
      : LinearImpl("NonDynamicallyQuantizableLinear", options) {}
};
EMBER_MODULE(NonDynamicallyQuantizableLinear);

// Parameters as torch's: in_proj_weight [3E, E] (or q_proj_weight, k_proj_weight, v_proj_weight
// when kdim or vdim differ from E), in_proj_bias [3E], bias_k and bias_v [1, 1, E], and out_proj.
class MultiheadAttentionImpl : public Module {
public:
  explicit MultiheadAttentionImpl(const MultiheadAttentionOptions &options);
  MultiheadAttentionImpl(int64_t embed_dim, int64_t num_heads)
      : MultiheadAttentionImpl(MultiheadAttentionOptions(embed_dim, num_heads)) {}
  // query [L, N, E], key [S, N, kdim], value [S, N, vdim] ([N, *, *] with batch_first, or
  // unbatched [L, E], ...). A bool key_padding_mask [N, S] or attn_mask ([L, S] or
  // [N * num_heads, L, S]) is true where attention is not allowed; float masks are added to the
  // scores. Returns the output (query's layout) and, when need_weights, the attention weights
  // [N, L, S] averaged over heads (or [N, num_heads, L, S]).
  std::tuple<Tensor, Tensor> forward(const Tensor &query, const Tensor &key, const Tensor &value,
                                     const Tensor &key_padding_mask = {}, bool need_weights = true,
                                     const Tensor &attn_mask = {},
                                     bool average_attn_weights = true);
  // torch's initialization: xavier_uniform_ projection weights, zero biases, xavier_normal_
  // bias_k and bias_v; out_proj keeps its Linear initialization except for a zero bias.
  void reset_parameters();
  bool same_embed_dim() const { return same_embed_dim_; }

  MultiheadAttentionOptions options;
  Tensor in_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight, in_proj_bias;
  Tensor bias_k, bias_v;
  NonDynamicallyQuantizableLinear out_proj{nullptr};

private:
  bool same_embed_dim_;
};
EMBER_MODULE(MultiheadAttention);

} // namespace ember::nn
