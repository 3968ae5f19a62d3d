// The transformer layers and stacks, written as torch 1.13's (the same blocks in the same order,
// so outputs match for the same weights).
#include "ember/nn/modules/transformer.h"

#include <limits>

#include "ember/nn/functional/activation.h"
#include "ember/nn/init.h"

namespace ember::nn {
namespace {

void check_layer_options(const char *layer, const TransformerLayerOptions &options) {
  EMBER_CHECK(options.activation() == "relu" || options.activation() == "gelu", layer,
              ": activation should be relu or gelu, not ", options.activation());
  EMBER_CHECK(
      options.d_model() > 0 && options.nhead() > 0 && options.d_model() % options.nhead() == 0,
      layer, ": d_model ", options.d_model(), " must be divisible by nhead ", options.nhead());
}

MultiheadAttention attention(const TransformerLayerOptions &options) {
  return MultiheadAttention(MultiheadAttentionOptions(options.d_model(), options.nhead())
                                .dropout(options.dropout())
                                .batch_first(options.batch_first()));
}

LayerNorm layer_norm(const TransformerLayerOptions &options) {
  return LayerNorm(LayerNormOptions({options.d_model()}).eps(options.layer_norm_eps()));
}

Tensor activate(const std::string &activation, const Tensor &x) {
  return activation == "relu" ? functional::relu(x) : functional::gelu(x);
}

// A copy of layer with the same options and the same weights (torch deep-copies the layer).
template <typename Holder> Holder copy_layer(const Holder &layer) {
  Holder copy(layer->options);
  copy->load_state_dict(layer->state_dict());
  copy->train(layer->is_training());
  return copy;
}

// Registers num_layers copies of layer as "layers" and, when given, the final norm as "norm".
template <typename Holder>
void build_stack(Module &stack, ModuleList &layers, LayerNorm &norm, const Holder &layer,
                 int64_t num_layers, const LayerNorm &final_norm) {
  EMBER_CHECK(num_layers > 0, stack.name(), ": num_layers must be positive, got ", num_layers);
  layers = stack.register_module("layers", ModuleList());
  for (int64_t i = 0; i < num_layers; ++i)
    layers->push_back(copy_layer(layer));
  if (!final_norm.is_empty())
    norm = stack.register_module("norm", final_norm);
}

} // namespace

TransformerEncoderLayerImpl::TransformerEncoderLayerImpl(
    const TransformerEncoderLayerOptions &options)
    : Module("TransformerEncoderLayer"), options(options) {
  check_layer_options("TransformerEncoderLayer", options);
  self_attn = register_module("self_attn", attention(options));
  linear1 = register_module("linear1", Linear(options.d_model(), options.dim_feedforward()));
  dropout = register_module("dropout", Dropout(options.dropout()));
  linear2 = register_module("linear2", Linear(options.dim_feedforward(), options.d_model()));
  norm1 = register_module("norm1", layer_norm(options));
  norm2 = register_module("norm2", layer_norm(options));
  dropout1 = register_module("dropout1", Dropout(options.dropout()));
  dropout2 = register_module("dropout2", Dropout(options.dropout()));
}

Tensor TransformerEncoderLayerImpl::self_attention_block(const Tensor &x, const Tensor &mask,
                                                         const Tensor &padding) {
  return dropout1(std::get<0>(self_attn(x, x, x, padding, /*need_weights=*/false, mask)));
}

Tensor TransformerEncoderLayerImpl::feedforward_block(const Tensor &x) {
  return dropout2(linear2(dropout(activate(options.activation(), linear1(x)))));
}

Tensor TransformerEncoderLayerImpl::forward(const Tensor &src, const Tensor &src_mask,
                                            const Tensor &src_key_padding_mask) {
  if (options.norm_first()) {
    Tensor x = src + self_attention_block(norm1(src), src_mask, src_key_padding_mask);
    return x + feedforward_block(norm2(x));
  }
  Tensor x = norm1(src + self_attention_block(src, src_mask, src_key_padding_mask));
  return norm2(x + feedforward_block(x));
}

TransformerDecoderLayerImpl::TransformerDecoderLayerImpl(
    const TransformerDecoderLayerOptions &options)
    : Module("TransformerDecoderLayer"), options(options) {
  check_layer_options("TransformerDecoderLayer", options);
  self_attn = register_module("self_attn", attention(options));
  multihead_attn = register_module("multihead_attn", attention(options));
  linear1 = register_module("linear1", Linear(options.d_model(), options.dim_feedforward()));
  dropout = register_module("dropout", Dropout(options.dropout()));
  linear2 = register_module("linear2", Linear(options.dim_feedforward(), options.d_model()));
  norm1 = register_module("norm1", layer_norm(options));
  norm2 = register_module("norm2", layer_norm(options));
  norm3 = register_module("norm3", layer_norm(options));
  dropout1 = register_module("dropout1", Dropout(options.dropout()));
  dropout2 = register_module("dropout2", Dropout(options.dropout()));
  dropout3 = register_module("dropout3", Dropout(options.dropout()));
}

Tensor TransformerDecoderLayerImpl::self_attention_block(const Tensor &x, const Tensor &mask,
                                                         const Tensor &padding) {
  return dropout1(std::get<0>(self_attn(x, x, x, padding, /*need_weights=*/false, mask)));
}

Tensor TransformerDecoderLayerImpl::memory_attention_block(const Tensor &x, const Tensor &memory,
                                                           const Tensor &mask,
                                                           const Tensor &padding) {
  return dropout2(
      std::get<0>(multihead_attn(x, memory, memory, padding, /*need_weights=*/false, mask)));
}

Tensor TransformerDecoderLayerImpl::feedforward_block(const Tensor &x) {
  return dropout3(linear2(dropout(activate(options.activation(), linear1(x)))));
}

Tensor TransformerDecoderLayerImpl::forward(const Tensor &tgt, const Tensor &memory,
                                            const Tensor &tgt_mask, const Tensor &memory_mask,
                                            const Tensor &tgt_key_padding_mask,
                                            const Tensor &memory_key_padding_mask) {
  if (options.norm_first()) {
    Tensor x = tgt + self_attention_block(norm1(tgt), tgt_mask, tgt_key_padding_mask);
    x = x + memory_attention_block(norm2(x), memory, memory_mask, memory_key_padding_mask);
    return x + feedforward_block(norm3(x));
  }
  Tensor x = norm1(tgt + self_attention_block(tgt, tgt_mask, tgt_key_padding_mask));
  x = norm2(x + memory_attention_block(x, memory, memory_mask, memory_key_padding_mask));
  return norm3(x + feedforward_block(x));
}

TransformerEncoderImpl::TransformerEncoderImpl(const TransformerEncoderOptions &options)
    : Module("TransformerEncoder") {
  build_stack(*this, layers, norm, options.encoder_layer(), options.num_layers(), options.norm());
}

Tensor TransformerEncoderImpl::forward(const Tensor &src, const Tensor &mask,
                                       const Tensor &src_key_padding_mask) {
  Tensor output = src;
  for (size_t i = 0; i < layers->size(); ++i)
    output =
        layers->at<TransformerEncoderLayerImpl>(i)->forward(output, mask, src_key_padding_mask);
  return norm.is_empty() ? output : norm(output);
}

TransformerDecoderImpl::TransformerDecoderImpl(const TransformerDecoderOptions &options)
    : Module("TransformerDecoder") {
  build_stack(*this, layers, norm, options.decoder_layer(), options.num_layers(), options.norm());
}

Tensor TransformerDecoderImpl::forward(const Tensor &tgt, const Tensor &memory,
                                       const Tensor &tgt_mask, const Tensor &memory_mask,
                                       const Tensor &tgt_key_padding_mask,
                                       const Tensor &memory_key_padding_mask) {
  Tensor output = tgt;
  for (size_t i = 0; i < layers->size(); ++i)
    output = layers->at<TransformerDecoderLayerImpl>(i)->forward(
        output, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask);
  return norm.is_empty() ? output : norm(output);
}

TransformerImpl::TransformerImpl(const TransformerOptions &options)
    : Module("Transformer"), options(options) {
  const auto layer_options = TransformerLayerOptions(options.d_model(), options.nhead())
                                 .dim_feedforward(options.dim_feedforward())
                                 .dropout(options.dropout())
                                 .activation(options.activation())
                                 .layer_norm_eps(options.layer_norm_eps())
                                 .batch_first(options.batch_first())
                                 .norm_first(options.norm_first());
  const LayerNormOptions norm_options =
      LayerNormOptions({options.d_model()}).eps(options.layer_norm_eps());
  encoder = register_module(
      "encoder",
      TransformerEncoder(TransformerEncoderOptions(TransformerEncoderLayer(layer_options),
                                                   options.num_encoder_layers())
                             .norm(LayerNorm(norm_options))));
  decoder = register_module(
      "decoder",
      TransformerDecoder(TransformerDecoderOptions(TransformerDecoderLayer(layer_options),
                                                   options.num_decoder_layers())
                             .norm(LayerNorm(norm_options))));
  for (Tensor parameter : parameters())
    if (parameter.dim() > 1)
      init::xavier_uniform_(parameter);
}

Tensor TransformerImpl::forward(const Tensor &src, const Tensor &tgt, const Tensor &src_mask,
                                const Tensor &tgt_mask, const Tensor &memory_mask,
                                const Tensor &src_key_padding_mask,
                                const Tensor &tgt_key_padding_mask,
                                const Tensor &memory_key_padding_mask) {
  const int64_t batch_dim = options.batch_first() ? 0 : 1;
  EMBER_CHECK(src.dim() == tgt.dim() &&
                  (src.dim() == 2 || src.size(batch_dim) == tgt.size(batch_dim)),
              "Transformer: the batch number of src and tgt must be equal, got src of shape ",
              src.sizes(), " and tgt of shape ", tgt.sizes());
  EMBER_CHECK(src.size(-1) == options.d_model() && tgt.size(-1) == options.d_model(),
              "Transformer: the feature number of src and tgt must be equal to d_model ",
              options.d_model(), ", got src of shape ", src.sizes(), " and tgt of shape ",
              tgt.sizes());
  const Tensor memory = encoder(src, src_mask, src_key_padding_mask);
  return decoder(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask);
}

Tensor TransformerImpl::generate_square_subsequent_mask(int64_t size) {
  return zeros({size, size})
      .masked_fill(ones({size, size}, dtype(kBool)).triu(1),
                   -std::numeric_limits<double>::infinity());
}

} // namespace ember::nn
