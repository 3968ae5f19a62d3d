// The loss modules: option checks at construction, forward over nn::functional's losses.
#include "ember/nn/modules/loss.h"

#include "ember/nn/functional/loss.h"

namespace ember::nn {
namespace {

void check_reduction(const std::string &loss, const std::string &reduction,
                     bool allow_batchmean = false) {
  EMBER_CHECK(reduction == "none" || reduction == "mean" || reduction == "sum" ||
                  (allow_batchmean && reduction == "batchmean"),
              loss, ": ", reduction, " is not a valid value for reduction");
}

// Registers an optional tensor option as a buffer (absent from the state dict when undefined).
Tensor register_optional_buffer(Module &module, const char *name, const Tensor &tensor) {
  return tensor.defined() ? module.register_buffer(name, tensor) : Tensor();
}

} // namespace

MSELossImpl::MSELossImpl(const MSELossOptions &options) : LossImpl("MSELoss", options) {
  check_reduction("MSELoss", options.reduction());
}
Tensor MSELossImpl::forward(const Tensor &input, const Tensor &target) {
  return functional::mse_loss(input, target, options.reduction());
}

L1LossImpl::L1LossImpl(const L1LossOptions &options) : LossImpl("L1Loss", options) {
  check_reduction("L1Loss", options.reduction());
}
Tensor L1LossImpl::forward(const Tensor &input, const Tensor &target) {
  return functional::l1_loss(input, target, options.reduction());
}

SmoothL1LossImpl::SmoothL1LossImpl(const SmoothL1LossOptions &options)
    : LossImpl("SmoothL1Loss", options) {
  check_reduction("SmoothL1Loss", options.reduction());
  EMBER_CHECK(options.beta() >= 0, "SmoothL1Loss: beta must be non-negative, got ", options.beta());
}
Tensor SmoothL1LossImpl::forward(const Tensor &input, const Tensor &target) {
  return functional::smooth_l1_loss(input, target, options.reduction(), options.beta());
}

HuberLossImpl::HuberLossImpl(const HuberLossOptions &options) : LossImpl("HuberLoss", options) {
  check_reduction("HuberLoss", options.reduction());
  EMBER_CHECK(options.delta() > 0, "HuberLoss: delta must be positive, got ", options.delta());
}
Tensor HuberLossImpl::forward(const Tensor &input, const Tensor &target) {
  return functional::huber_loss(input, target, options.reduction(), options.delta());
}

CrossEntropyLossImpl::CrossEntropyLossImpl(const CrossEntropyLossOptions &options)
    : LossImpl("CrossEntropyLoss", options) {
  check_reduction("CrossEntropyLoss", options.reduction());
  EMBER_CHECK(options.label_smoothing() >= 0 && options.label_smoothing() <= 1,
              "CrossEntropyLoss: label_smoothing must be between 0.0 and 1.0, got ",
              options.label_smoothing());
  weight = register_optional_buffer(*this, "weight", options.weight());
}
Tensor CrossEntropyLossImpl::forward(const Tensor &input, const Tensor &target) {
  return functional::cross_entropy(input, target, weight, options.ignore_index(),
                                   options.reduction(), options.label_smoothing());
}

NLLLossImpl::NLLLossImpl(const NLLLossOptions &options) : LossImpl("NLLLoss", options) {
  check_reduction("NLLLoss", options.reduction());
  weight = register_optional_buffer(*this, "weight", options.weight());
}
Tensor NLLLossImpl::forward(const Tensor &input, const Tensor &target) {
  return functional::nll_loss(input, target, weight, options.ignore_index(), options.reduction());
}

BCELossImpl::BCELossImpl(const BCELossOptions &options) : LossImpl("BCELoss", options) {
  check_reduction("BCELoss", options.reduction());
  weight = register_optional_buffer(*this, "weight", options.weight());
}
Tensor BCELossImpl::forward(const Tensor &input, const Tensor &target) {
  return functional::binary_cross_entropy(input, target, weight, options.reduction());
}

BCEWithLogitsLossImpl::BCEWithLogitsLossImpl(const BCEWithLogitsLossOptions &options)
    : LossImpl("BCEWithLogitsLoss", options) {
  check_reduction("BCEWithLogitsLoss", options.reduction());
  weight = register_optional_buffer(*this, "weight", options.weight());
  pos_weight = register_optional_buffer(*this, "pos_weight", options.pos_weight());
}
Tensor BCEWithLogitsLossImpl::forward(const Tensor &input, const Tensor &target) {
  return functional::binary_cross_entropy_with_logits(input, target, weight, options.reduction(),
                                                      pos_weight);
}

KLDivLossImpl::KLDivLossImpl(const KLDivLossOptions &options) : LossImpl("KLDivLoss", options) {
  check_reduction("KLDivLoss", options.reduction(), /*allow_batchmean=*/true);
}
Tensor KLDivLossImpl::forward(const Tensor &input, const Tensor &target) {
  return functional::kl_div(input, target, options.reduction(), options.log_target());
}

PoissonNLLLossImpl::PoissonNLLLossImpl(const PoissonNLLLossOptions &options)
    : LossImpl("PoissonNLLLoss", options) {
  check_reduction("PoissonNLLLoss", options.reduction());
}
Tensor PoissonNLLLossImpl::forward(const Tensor &log_input, const Tensor &target) {
  return functional::poisson_nll_loss(log_input, target, options.log_input(), options.full(),
                                      options.eps(), options.reduction());
}

CosineEmbeddingLossImpl::CosineEmbeddingLossImpl(const CosineEmbeddingLossOptions &options)
    : LossImpl("CosineEmbeddingLoss", options) {
  check_reduction("CosineEmbeddingLoss", options.reduction());
}
Tensor CosineEmbeddingLossImpl::forward(const Tensor &input1, const Tensor &input2,
                                        const Tensor &target) {
  return functional::cosine_embedding_loss(input1, input2, target, options.margin(),
                                           options.reduction());
}

MarginRankingLossImpl::MarginRankingLossImpl(const MarginRankingLossOptions &options)
    : LossImpl("MarginRankingLoss", options) {
  check_reduction("MarginRankingLoss", options.reduction());
}
Tensor MarginRankingLossImpl::forward(const Tensor &input1, const Tensor &input2,
                                      const Tensor &target) {
  return functional::margin_ranking_loss(input1, input2, target, options.margin(),
                                         options.reduction());
}

TripletMarginLossImpl::TripletMarginLossImpl(const TripletMarginLossOptions &options)
    : LossImpl("TripletMarginLoss", options) {
  check_reduction("TripletMarginLoss", options.reduction());
}
Tensor TripletMarginLossImpl::forward(const Tensor &anchor, const Tensor &positive,
                                      const Tensor &negative) {
  return functional::triplet_margin_loss(anchor, positive, negative, options.margin(), options.p(),
                                         options.eps(), options.swap(), options.reduction());
}

} // namespace ember::nn
