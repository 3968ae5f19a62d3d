// MultiheadAttention: torch's parameters and initialization, the [L, N, E] layout, and forward
// over nn::functional::multi_head_attention.
#include "ember/nn/modules/attention.h"

#include "ember/nn/functional/layers.h"
#include "ember/nn/init.h"

namespace ember::nn {

MultiheadAttentionImpl::MultiheadAttentionImpl(const MultiheadAttentionOptions &options)
    : Module("MultiheadAttention"), options(options) {
  const int64_t embed = options.embed_dim(), heads = options.num_heads();
  EMBER_CHECK(embed > 0 && heads > 0 && embed % heads == 0, "MultiheadAttention: embed_dim ", embed,
              " must be divisible by num_heads ", heads);
  const int64_t kdim = options.kdim().value_or(embed), vdim = options.vdim().value_or(embed);
  same_embed_dim_ = kdim == embed && vdim == embed;
  if (same_embed_dim_) {
    in_proj_weight = register_parameter("in_proj_weight", empty({3 * embed, embed}));
  } else {
    q_proj_weight = register_parameter("q_proj_weight", empty({embed, embed}));
    k_proj_weight = register_parameter("k_proj_weight", empty({embed, kdim}));
    v_proj_weight = register_parameter("v_proj_weight", empty({embed, vdim}));
  }
  if (options.bias())
    in_proj_bias = register_parameter("in_proj_bias", empty({3 * embed}));
  if (options.add_bias_kv()) {
    bias_k = register_parameter("bias_k", empty({1, 1, embed}));
    bias_v = register_parameter("bias_v", empty({1, 1, embed}));
  }
  out_proj = register_module("out_proj", NonDynamicallyQuantizableLinear(
                                             LinearOptions(embed, embed).bias(options.bias())));
  reset_parameters();
}

void MultiheadAttentionImpl::reset_parameters() {
  for (Tensor *weight : {&in_proj_weight, &q_proj_weight, &k_proj_weight, &v_proj_weight})
    if (weight->defined())
      init::xavier_uniform_(*weight);
  if (in_proj_bias.defined()) {
    init::zeros_(in_proj_bias);
    init::zeros_(out_proj->bias);
  }
  if (bias_k.defined()) {
    init::xavier_normal_(bias_k);
    init::xavier_normal_(bias_v);
  }
}

std::tuple<Tensor, Tensor>
MultiheadAttentionImpl::forward(const Tensor &query, const Tensor &key, const Tensor &value,
                                const Tensor &key_padding_mask, bool need_weights,
                                const Tensor &attn_mask, bool average_attn_weights) {
  const int64_t embed = options.embed_dim();
  EMBER_CHECK((query.dim() == 3 || query.dim() == 2) && query.size(-1) == embed,
              "MultiheadAttention: expected query [L, N, ", embed, "] (embed_dim ", embed,
              "), got query of shape ", query.sizes());
  EMBER_CHECK(key.dim() == query.dim() && value.dim() == query.dim() &&
                  key.size(-1) == options.kdim().value_or(embed) &&
                  value.size(-1) == options.vdim().value_or(embed),
              "MultiheadAttention: expected key [S, N, ", options.kdim().value_or(embed),
              "] and value [S, N, ", options.vdim().value_or(embed), "], got key of shape ",
              key.sizes(), " and value of shape ", value.sizes());
  // The functional form is batch first; keep query, key and value one tensor when they were one,
  // so self-attention projects with a single GEMM.
  const bool transpose = query.dim() == 3 && !options.batch_first();
  auto layout = [&](const Tensor &t) { return transpose ? t.transpose(0, 1) : t; };
  const Tensor q = layout(query);
  const Tensor k = key.is_same(query) ? q : layout(key);
  const Tensor v = value.is_same(key) ? k : layout(value);
  functional::MultiHeadAttentionWeights weights{in_proj_weight, q_proj_weight,    k_proj_weight,
                                                v_proj_weight,  in_proj_bias,     bias_k,
                                                bias_v,         out_proj->weight, out_proj->bias};
  auto [output, attention] = functional::multi_head_attention(
      q, k, v, options.num_heads(), weights, key_padding_mask, need_weights, attn_mask,
      average_attn_weights, options.dropout(), is_training(), options.add_zero_attn());
  return {layout(output), attention};
}

} // namespace ember::nn
