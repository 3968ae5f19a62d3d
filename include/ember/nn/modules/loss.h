// Every loss of torch.nn as a module, over nn::functional's losses, with torch's options and
// defaults. reduction is "none", "mean" or "sum" ("batchmean" too for KLDivLoss). Class weights
// are buffers named "weight" (and "pos_weight"), as in torch. Implemented in
// src/nn/modules/loss.cpp.
#pragma once

#include <string>

#include "ember/nn/module.h"
#include "ember/nn/modules/options.h"

namespace ember::nn {

// A loss module: holds its options, prints "Name()" like torch.
template <typename Options> class LossImpl : public Module {
public:
  LossImpl(std::string name, const Options &options) : Module(std::move(name)), options(options) {}
  Options options;
};

struct MSELossOptions {
  EMBER_ARG(std::string, reduction) = "mean";
};
class MSELossImpl : public LossImpl<MSELossOptions> {
public:
  explicit MSELossImpl(const MSELossOptions &options = {});
  Tensor forward(const Tensor &input, const Tensor &target);
};
EMBER_MODULE(MSELoss);

using L1LossOptions = MSELossOptions;
class L1LossImpl : public LossImpl<L1LossOptions> {
public:
  explicit L1LossImpl(const L1LossOptions &options = {});
  Tensor forward(const Tensor &input, const Tensor &target);
};
EMBER_MODULE(L1Loss);

struct SmoothL1LossOptions {
  EMBER_ARG(std::string, reduction) = "mean";
  EMBER_ARG(double, beta) = 1.0;
};
class SmoothL1LossImpl : public LossImpl<SmoothL1LossOptions> {
public:
  explicit SmoothL1LossImpl(const SmoothL1LossOptions &options = {});
  Tensor forward(const Tensor &input, const Tensor &target);
};
EMBER_MODULE(SmoothL1Loss);

struct HuberLossOptions {
  EMBER_ARG(std::string, reduction) = "mean";
  EMBER_ARG(double, delta) = 1.0;
};
class HuberLossImpl : public LossImpl<HuberLossOptions> {
public:
  explicit HuberLossImpl(const HuberLossOptions &options = {});
  Tensor forward(const Tensor &input, const Tensor &target);
};
EMBER_MODULE(HuberLoss);

struct CrossEntropyLossOptions {
  EMBER_ARG(Tensor, weight);
  EMBER_ARG(int64_t, ignore_index) = -100;
  EMBER_ARG(std::string, reduction) = "mean";
  EMBER_ARG(double, label_smoothing) = 0.0;
};
class CrossEntropyLossImpl : public LossImpl<CrossEntropyLossOptions> {
public:
  explicit CrossEntropyLossImpl(const CrossEntropyLossOptions &options = {});
  Tensor forward(const Tensor &input, const Tensor &target);
  Tensor weight;
};
EMBER_MODULE(CrossEntropyLoss);

struct NLLLossOptions {
  EMBER_ARG(Tensor, weight);
  EMBER_ARG(int64_t, ignore_index) = -100;
  EMBER_ARG(std::string, reduction) = "mean";
};
class NLLLossImpl : public LossImpl<NLLLossOptions> {
public:
  explicit NLLLossImpl(const NLLLossOptions &options = {});
  Tensor forward(const Tensor &input, const Tensor &target);
  Tensor weight;
};
EMBER_MODULE(NLLLoss);

struct BCELossOptions {
  EMBER_ARG(Tensor, weight);
  EMBER_ARG(std::string, reduction) = "mean";
};
class BCELossImpl : public LossImpl<BCELossOptions> {
public:
  explicit BCELossImpl(const BCELossOptions &options = {});
  Tensor forward(const Tensor &input, const Tensor &target);
  Tensor weight;
};
EMBER_MODULE(BCELoss);

struct BCEWithLogitsLossOptions {
  EMBER_ARG(Tensor, weight);
  EMBER_ARG(std::string, reduction) = "mean";
  EMBER_ARG(Tensor, pos_weight);
};
class BCEWithLogitsLossImpl : public LossImpl<BCEWithLogitsLossOptions> {
public:
  explicit BCEWithLogitsLossImpl(const BCEWithLogitsLossOptions &options = {});
  Tensor forward(const Tensor &input, const Tensor &target);
  Tensor weight, pos_weight;
};
EMBER_MODULE(BCEWithLogitsLoss);

struct KLDivLossOptions {
  EMBER_ARG(std::string, reduction) = "mean";
  EMBER_ARG(bool, log_target) = false;
};
class KLDivLossImpl : public LossImpl<KLDivLossOptions> {
public:
  explicit KLDivLossImpl(const KLDivLossOptions &options = {});
  Tensor forward(const Tensor &input, const Tensor &target);
};
EMBER_MODULE(KLDivLoss);

struct PoissonNLLLossOptions {
  EMBER_ARG(bool, log_input) = true;
  EMBER_ARG(bool, full) = false;
  EMBER_ARG(double, eps) = 1e-8;
  EMBER_ARG(std::string, reduction) = "mean";
};
class PoissonNLLLossImpl : public LossImpl<PoissonNLLLossOptions> {
public:
  explicit PoissonNLLLossImpl(const PoissonNLLLossOptions &options = {});
  Tensor forward(const Tensor &log_input, const Tensor &target);
};
EMBER_MODULE(PoissonNLLLoss);

struct CosineEmbeddingLossOptions {
  EMBER_ARG(double, margin) = 0.0;
  EMBER_ARG(std::string, reduction) = "mean";
};
class CosineEmbeddingLossImpl : public LossImpl<CosineEmbeddingLossOptions> {
public:
  explicit CosineEmbeddingLossImpl(const CosineEmbeddingLossOptions &options = {});
  Tensor forward(const Tensor &input1, const Tensor &input2, const Tensor &target);
};
EMBER_MODULE(CosineEmbeddingLoss);

using MarginRankingLossOptions = CosineEmbeddingLossOptions;
class MarginRankingLossImpl : public LossImpl<MarginRankingLossOptions> {
public:
  explicit MarginRankingLossImpl(const MarginRankingLossOptions &options = {});
  Tensor forward(const Tensor &input1, const Tensor &input2, const Tensor &target);
};
EMBER_MODULE(MarginRankingLoss);

struct TripletMarginLossOptions {
  EMBER_ARG(double, margin) = 1.0;
  EMBER_ARG(double, p) = 2.0;
  EMBER_ARG(double, eps) = 1e-6;
  EMBER_ARG(bool, swap) = false;
  EMBER_ARG(std::string, reduction) = "mean";
};
class TripletMarginLossImpl : public LossImpl<TripletMarginLossOptions> {
public:
  explicit TripletMarginLossImpl(const TripletMarginLossOptions &options = {});
  Tensor forward(const Tensor &anchor, const Tensor &positive, const Tensor &negative);
};
EMBER_MODULE(TripletMarginLoss);

} // namespace ember::nn
