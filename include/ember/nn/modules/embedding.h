// Embedding (torch.nn.Embedding): a lookup table of num_embeddings vectors. Implemented in
// src/nn/modules/embedding.cpp.
#pragma once

#include <optional>

#include "ember/nn/module.h"
#include "ember/nn/modules/options.h"

namespace ember::nn {

struct EmbeddingOptions {
  EmbeddingOptions(int64_t num_embeddings, int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  EMBER_ARG(int64_t, num_embeddings);
  EMBER_ARG(int64_t, embedding_dim);
  // This row gets no gradient and starts at zero; negative values count from the end.
  EMBER_ARG(std::optional<int64_t>, padding_idx);
  // Looked-up rows with a larger norm_type-norm are renormalized in place.
  EMBER_ARG(std::optional<double>, max_norm);
  EMBER_ARG(double, norm_type) = 2.0;
  // Used as the weight instead of a fresh N(0, 1) table (from_pretrained).
  EMBER_ARG(Tensor, weight);
};

struct EmbeddingFromPretrainedOptions {
  EMBER_ARG(bool, freeze) = true;
  EMBER_ARG(std::optional<int64_t>, padding_idx);
  EMBER_ARG(std::optional<double>, max_norm);
  EMBER_ARG(double, norm_type) = 2.0;
};

class EmbeddingImpl : public Module {
public:
  explicit EmbeddingImpl(const EmbeddingOptions &options);
  EmbeddingImpl(int64_t num_embeddings, int64_t embedding_dim)
      : EmbeddingImpl(EmbeddingOptions(num_embeddings, embedding_dim)) {}
  // indices: an integer tensor of any shape; returns [*indices.shape, embedding_dim].
  Tensor forward(const Tensor &indices);
  // N(0, 1), with the padding_idx row zeroed.
  void reset_parameters();
  void pretty_print(std::ostream &out) const override;

  EmbeddingOptions options;
  Tensor weight;
};

class Embedding : public ModuleHolder<EmbeddingImpl> {
public:
  using ModuleHolder<EmbeddingImpl>::ModuleHolder;
  // An Embedding whose weight is embeddings [num_embeddings, embedding_dim] (not copied), trained
  // unless freeze.
  static Embedding from_pretrained(const Tensor &embeddings,
                                   const EmbeddingFromPretrainedOptions &options = {});
};

} // namespace ember::nn
