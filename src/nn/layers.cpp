// Layer functions: linear and bilinear (GEMMs through addmm / mm), dropout and dropout2d
// (Bernoulli masks from the default generator) and embedding (row gather with its own backward
// so that padding_idx gets no gradient).
#include "ember/nn/functional/layers.h"

#include <algorithm>
#include <vector>

#include "autograd/record.h"

namespace ember::nn::functional {

Tensor linear(const Tensor &input, const Tensor &weight, const Tensor &bias) {
  EMBER_CHECK(weight.dim() == 2,
              "linear: expected weight of shape [out_features, in_features], got ", weight.sizes());
  const int64_t in_features = weight.size(1), out_features = weight.size(0);
  EMBER_CHECK(input.dim() >= 1 && input.size(-1) == in_features, "linear: input ", input.sizes(),
              " does not end in the ", in_features, " in_features of weight ", weight.sizes());
  EMBER_CHECK(!bias.defined() || (bias.dim() <= 1 && bias.numel() == out_features),
              "linear: expected bias of shape [", out_features, "], got ", bias.sizes());
  if (input.dim() == 2)
    return bias.defined() ? addmm(bias, input, weight.t()) : mm(input, weight.t());
  // Any other rank folds its leading dims into the rows of one GEMM.
  Shape out_shape(input.sizes().begin(), input.sizes().end() - 1);
  out_shape.push_back(out_features);
  return linear(input.reshape({-1, in_features}), weight, bias).view(out_shape);
}

Tensor bilinear(const Tensor &input1, const Tensor &input2, const Tensor &weight,
                const Tensor &bias) {
  EMBER_CHECK(weight.dim() == 3,
              "bilinear: expected weight of shape [out_features, in1_features, in2_features], got ",
              weight.sizes());
  const int64_t out_features = weight.size(0), in1 = weight.size(1), in2 = weight.size(2);
  EMBER_CHECK(
      input1.dim() >= 1 && input2.dim() == input1.dim() && input1.size(-1) == in1 &&
          input2.size(-1) == in2 &&
          std::equal(input1.sizes().begin(), input1.sizes().end() - 1, input2.sizes().begin()),
      "bilinear: inputs ", input1.sizes(), " and ", input2.sizes(), " do not match weight ",
      weight.sizes(),
      " (expected [*, in1_features] and [*, in2_features] with the same leading dims)");
  EMBER_CHECK(!bias.defined() || (bias.dim() <= 1 && bias.numel() == out_features),
              "bilinear: expected bias of shape [", out_features, "], got ", bias.sizes());
  const Tensor x1 = input1.reshape({-1, in1}), x2 = input2.reshape({-1, in2});
  // One GEMM contracts input1 with every output's matrix at once: [rows, out * in2].
  const Tensor left = x1.mm(weight.permute({1, 0, 2}).reshape({in1, out_features * in2}))
                          .view({-1, out_features, in2});
  Tensor out = (left * x2.unsqueeze(1)).sum({-1});
  if (bias.defined())
    out = out + bias;
  Shape out_shape(input1.sizes().begin(), input1.sizes().end() - 1);
  out_shape.push_back(out_features);
  return out.view(out_shape);
}

namespace {

void check_probability(double p, const char *op) {
  EMBER_CHECK(p >= 0 && p <= 1, op, ": dropout probability has to be between 0 and 1, but got ", p);
}

// input * mask / (1 - p), mask of noise_shape (broadcast against input) drawn with keep
// probability 1 - p.
Tensor apply_dropout(const Tensor &input, double p, const Shape &noise_shape) {
  if (p == 1)
    return input * zeros(noise_shape, input.options());
  Tensor mask = empty(noise_shape, input.options());
  {
    NoGradGuard no_grad;
    mask.bernoulli_(1 - p).div_(1 - p);
  }
  return input * mask;
}

} // namespace

Tensor dropout(const Tensor &input, double p, bool training) {
  check_probability(p, "dropout");
  if (!training || p == 0)
    return input;
  return apply_dropout(input, p, input.sizes());
}

Tensor dropout2d(const Tensor &input, double p, bool training) {
  check_probability(p, "dropout2d");
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4,
              "dropout2d: expected a 4-D input [N, C, H, W] (or 3-D [N, C, L]), got ",
              input.sizes());
  if (!training || p == 0)
    return input;
  Shape noise_shape(input.dim(), 1);
  noise_shape[0] = input.size(0);
  noise_shape[1] = input.size(1);
  return apply_dropout(input, p, noise_shape);
}

namespace {

// Scales the rows of weight referenced by indices whose norm exceeds max_norm down to max_norm,
// in place and outside autograd, as torch's embedding_renorm_.
void renorm_rows(const Tensor &weight, const std::vector<int64_t> &indices, double max_norm,
                 double norm_type) {
  std::vector<int64_t> unique_rows = indices;
  std::sort(unique_rows.begin(), unique_rows.end());
  unique_rows.erase(std::unique(unique_rows.begin(), unique_rows.end()), unique_rows.end());
  const int64_t count = static_cast<int64_t>(unique_rows.size());
  Tensor rows = empty({count}, dtype(kInt64));
  std::copy(unique_rows.begin(), unique_rows.end(), rows.data_ptr<int64_t>());
  NoGradGuard no_grad;
  const Tensor selected = weight.index_select(0, rows);
  const Tensor norms = selected.norm(norm_type, {1}, true);
  const Tensor scale = where(norms > max_norm, max_norm / (norms + 1e-7), 1.0);
  const_cast<Tensor &>(weight).scatter_(0, rows.unsqueeze(1).expand({count, weight.size(1)}),
                                        selected * scale);
}

} // namespace

Tensor embedding(const Tensor &input, const Tensor &weight, std::optional<int64_t> padding_idx,
                 std::optional<double> max_norm, double norm_type) {
  EMBER_CHECK(weight.dim() == 2,
              "embedding: expected weight of shape [num_embeddings, embedding_dim], got ",
              weight.sizes());
  EMBER_CHECK(input.dtype() == kInt64 || input.dtype() == kInt32,
              "embedding: expected indices of dtype int64 or int32, got ", input.dtype());
  const int64_t rows = weight.size(0), dim = weight.size(1);
  if (padding_idx) {
    EMBER_CHECK(*padding_idx >= -rows && *padding_idx < rows, "embedding: padding_idx ",
                *padding_idx, " must be within num_embeddings (", rows, ")");
    if (*padding_idx < 0)
      *padding_idx += rows;
  }
  const Tensor indices = input.to(kInt64).contiguous().view({-1});
  const int64_t *idx = indices.data_ptr<int64_t>();
  std::vector<int64_t> index_values(idx, idx + indices.numel());
  for (int64_t i : index_values)
    EMBER_CHECK_T(IndexError, i >= 0 && i < rows, "embedding: index ", i,
                  " is out of range for an embedding of ", rows, " rows");
  if (max_norm)
    renorm_rows(weight, index_values, *max_norm, norm_type);

  Tensor out;
  {
    NoGradGuard no_grad;
    out = weight.index_select(0, indices);
  }
  if (autograd::needs_grad(weight))
    autograd::record(
        "EmbeddingBackward", {weight}, {out}, {indices},
        [rows, padding_idx](const autograd::BackwardContext &ctx, const TensorList &grads) {
          const Tensor &picked = ctx.saved[0];
          Tensor grad = grads[0];
          if (padding_idx)
            grad = grad.masked_fill((picked == *padding_idx).unsqueeze(1), 0);
          return TensorList{zeros({rows, grad.size(1)}, grad.options()).index_add(0, picked, grad)};
        });
  Shape out_shape = input.sizes();
  out_shape.push_back(dim);
  return out.view(out_shape);
}

} // namespace ember::nn::functional
