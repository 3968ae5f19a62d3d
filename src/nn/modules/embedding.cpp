// Embedding: the table, torch's N(0, 1) initialization with a zero padding row, from_pretrained.
#include "ember/nn/modules/embedding.h"

#include "ember/autograd.h"
#include "ember/nn/functional/layers.h"
#include "ember/nn/init.h"

namespace ember::nn {

EmbeddingImpl::EmbeddingImpl(const EmbeddingOptions &options)
    : Module("Embedding"), options(options) {
  const int64_t rows = options.num_embeddings();
  if (auto &padding = this->options.padding_idx()) {
    EMBER_CHECK(*padding >= -rows && *padding < rows, "Embedding: padding_idx ", *padding,
                " must be within num_embeddings ", rows);
    if (*padding < 0)
      *padding += rows;
  }
  const Tensor &given = options.weight();
  if (given.defined()) {
    EMBER_CHECK(given.dim() == 2 && given.size(0) == rows &&
                    given.size(1) == options.embedding_dim(),
                "Embedding: expected a weight of shape [", rows, ", ", options.embedding_dim(),
                "], got ", given.sizes());
    weight = register_parameter("weight", given);
  } else {
    weight = register_parameter("weight", empty({rows, options.embedding_dim()}));
    reset_parameters();
  }
}

void EmbeddingImpl::reset_parameters() {
  init::normal_(weight);
  if (options.padding_idx()) {
    NoGradGuard no_grad;
    weight.select(0, *options.padding_idx()).zero_();
  }
}

Tensor EmbeddingImpl::forward(const Tensor &indices) {
  EMBER_CHECK(!indices.is_floating_point() && indices.dtype() != kBool,
              "Embedding: expected integer indices, got ", indices.dtype());
  return functional::embedding(indices, weight, options.padding_idx(), options.max_norm(),
                               options.norm_type());
}

void EmbeddingImpl::pretty_print(std::ostream &out) const {
  out << "Embedding(" << options.num_embeddings() << ", " << options.embedding_dim();
  if (options.padding_idx())
    out << ", padding_idx=" << *options.padding_idx();
  if (options.max_norm())
    out << ", max_norm=" << repr::real(*options.max_norm());
  if (options.norm_type() != 2.0)
    out << ", norm_type=" << repr::real(options.norm_type());
  out << ")";
}

Embedding Embedding::from_pretrained(const Tensor &embeddings,
                                     const EmbeddingFromPretrainedOptions &options) {
  EMBER_CHECK(embeddings.dim() == 2,
              "Embedding.from_pretrained: expected embeddings of 2 dims, got shape ",
              embeddings.sizes());
  Embedding embedding(EmbeddingOptions(embeddings.size(0), embeddings.size(1))
                          .padding_idx(options.padding_idx())
                          .max_norm(options.max_norm())
                          .norm_type(options.norm_type())
                          .weight(embeddings));
  embedding->weight.requires_grad_(!options.freeze());
  return embedding;
}

} // namespace ember::nn
