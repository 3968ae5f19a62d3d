// Transformer layers (torch.nn.TransformerEncoderLayer, TransformerDecoderLayer,
// TransformerEncoder, TransformerDecoder, Transformer) with torch's submodule names, so state
// dicts carry torch's keys. Implemented in src/nn/modules/transformer.cpp.
#pragma once

#include <string>

#include "ember/nn/container.h"
#include "ember/nn/modules/attention.h"
#include "ember/nn/modules/dropout.h"
#include "ember/nn/modules/normalization.h"

namespace ember::nn {

struct TransformerLayerOptions {
  TransformerLayerOptions(int64_t d_model, int64_t nhead) : d_model_(d_model), nhead_(nhead) {}
  EMBER_ARG(int64_t, d_model);
  EMBER_ARG(int64_t, nhead);
  EMBER_ARG(int64_t, dim_feedforward) = 2048;
  EMBER_ARG(double, dropout) = 0.1;
  // "relu" or "gelu".
  EMBER_ARG(std::string, activation) = "relu";
  EMBER_ARG(double, layer_norm_eps) = 1e-5;
  // Inputs are [N, S, E] when true, [S, N, E] otherwise.
  EMBER_ARG(bool, batch_first) = false;
  // Normalize before (true) or after (false, the original Transformer) each block.
  EMBER_ARG(bool, norm_first) = false;
};
using TransformerEncoderLayerOptions = TransformerLayerOptions;
using TransformerDecoderLayerOptions = TransformerLayerOptions;

// Self-attention and a feedforward block, each with a residual connection and a LayerNorm.
class TransformerEncoderLayerImpl : public Module {
public:
  explicit TransformerEncoderLayerImpl(const TransformerEncoderLayerOptions &options);
  TransformerEncoderLayerImpl(int64_t d_model, int64_t nhead)
      : TransformerEncoderLayerImpl(TransformerEncoderLayerOptions(d_model, nhead)) {}
  Tensor forward(const Tensor &src, const Tensor &src_mask = {},
                 const Tensor &src_key_padding_mask = {});

  TransformerEncoderLayerOptions options;
  MultiheadAttention self_attn{nullptr};
  Linear linear1{nullptr}, linear2{nullptr};
  Dropout dropout{nullptr}, dropout1{nullptr}, dropout2{nullptr};
  LayerNorm norm1{nullptr}, norm2{nullptr};

private:
  Tensor self_attention_block(const Tensor &x, const Tensor &mask, const Tensor &padding);
  Tensor feedforward_block(const Tensor &x);
};
EMBER_MODULE(TransformerEncoderLayer);

// Self-attention, attention over the encoder's output (memory) and a feedforward block.
class TransformerDecoderLayerImpl : public Module {
public:
  explicit TransformerDecoderLayerImpl(const TransformerDecoderLayerOptions &options);
  TransformerDecoderLayerImpl(int64_t d_model, int64_t nhead)
      : TransformerDecoderLayerImpl(TransformerDecoderLayerOptions(d_model, nhead)) {}
  Tensor forward(const Tensor &tgt, const Tensor &memory, const Tensor &tgt_mask = {},
                 const Tensor &memory_mask = {}, const Tensor &tgt_key_padding_mask = {},
                 const Tensor &memory_key_padding_mask = {});

  TransformerDecoderLayerOptions options;
  MultiheadAttention self_attn{nullptr}, multihead_attn{nullptr};
  Linear linear1{nullptr}, linear2{nullptr};
  Dropout dropout{nullptr}, dropout1{nullptr}, dropout2{nullptr}, dropout3{nullptr};
  LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};

private:
  Tensor self_attention_block(const Tensor &x, const Tensor &mask, const Tensor &padding);
  Tensor memory_attention_block(const Tensor &x, const Tensor &memory, const Tensor &mask,
                                const Tensor &padding);
  Tensor feedforward_block(const Tensor &x);
};
EMBER_MODULE(TransformerDecoderLayer);

struct TransformerEncoderOptions {
  TransformerEncoderOptions(TransformerEncoderLayer encoder_layer, int64_t num_layers)
      : encoder_layer_(std::move(encoder_layer)), num_layers_(num_layers) {}
  // Copied num_layers times (same initial weights, as torch's deep copies).
  EMBER_ARG(TransformerEncoderLayer, encoder_layer);
  EMBER_ARG(int64_t, num_layers);
  // Applied to the last layer's output when given.
  EMBER_ARG(LayerNorm, norm) = nullptr;
};

// num_layers encoder layers ("layers.0", ...) and an optional final norm ("norm").
class TransformerEncoderImpl : public Module {
public:
  explicit TransformerEncoderImpl(const TransformerEncoderOptions &options);
  Tensor forward(const Tensor &src, const Tensor &mask = {},
                 const Tensor &src_key_padding_mask = {});

  ModuleList layers{nullptr};
  LayerNorm norm{nullptr};
};
EMBER_MODULE(TransformerEncoder);

struct TransformerDecoderOptions {
  TransformerDecoderOptions(TransformerDecoderLayer decoder_layer, int64_t num_layers)
      : decoder_layer_(std::move(decoder_layer)), num_layers_(num_layers) {}
  EMBER_ARG(TransformerDecoderLayer, decoder_layer);
  EMBER_ARG(int64_t, num_layers);
  EMBER_ARG(LayerNorm, norm) = nullptr;
};

class TransformerDecoderImpl : public Module {
public:
  explicit TransformerDecoderImpl(const TransformerDecoderOptions &options);
  Tensor forward(const Tensor &tgt, const Tensor &memory, const Tensor &tgt_mask = {},
                 const Tensor &memory_mask = {}, const Tensor &tgt_key_padding_mask = {},
                 const Tensor &memory_key_padding_mask = {});

  ModuleList layers{nullptr};
  LayerNorm norm{nullptr};
};
EMBER_MODULE(TransformerDecoder);

struct TransformerOptions {
  EMBER_ARG(int64_t, d_model) = 512;
  EMBER_ARG(int64_t, nhead) = 8;
  EMBER_ARG(int64_t, num_encoder_layers) = 6;
  EMBER_ARG(int64_t, num_decoder_layers) = 6;
  EMBER_ARG(int64_t, dim_feedforward) = 2048;
  EMBER_ARG(double, dropout) = 0.1;
  EMBER_ARG(std::string, activation) = "relu";
  EMBER_ARG(double, layer_norm_eps) = 1e-5;
  EMBER_ARG(bool, batch_first) = false;
  EMBER_ARG(bool, norm_first) = false;
};

// The full encoder-decoder model; every weight of more than one dim starts xavier_uniform_, as
// torch's Transformer._reset_parameters.
class TransformerImpl : public Module {
public:
  explicit TransformerImpl(const TransformerOptions &options = {});
  Tensor forward(const Tensor &src, const Tensor &tgt, const Tensor &src_mask = {},
                 const Tensor &tgt_mask = {}, const Tensor &memory_mask = {},
                 const Tensor &src_key_padding_mask = {}, const Tensor &tgt_key_padding_mask = {},
                 const Tensor &memory_key_padding_mask = {});
  // A float [size, size] mask with -inf above the diagonal: position i sees positions <= i.
  static Tensor generate_square_subsequent_mask(int64_t size);

  TransformerOptions options;
  TransformerEncoder encoder{nullptr};
  TransformerDecoder decoder{nullptr};
};
EMBER_MODULE(Transformer);

} // namespace ember::nn
