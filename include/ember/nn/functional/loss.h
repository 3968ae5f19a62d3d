// Loss functions of torch.nn.functional. Implemented in src/nn/loss.cpp.
// Names, argument order and defaults follow torch without its deprecated size_average and reduce.
// reduction is "none" (per-element losses), "mean" or "sum"; kl_div also takes "batchmean".
#pragma once

#include <string>

#include "ember/ops.h"

namespace ember::nn::functional {

// ---- regression ---------------------------------------------------------------------------------
Tensor mse_loss(const Tensor &input, const Tensor &target, const std::string &reduction = "mean");
Tensor l1_loss(const Tensor &input, const Tensor &target, const std::string &reduction = "mean");
// 0.5 d^2 / beta where |d| < beta, |d| - 0.5 beta elsewhere (d = input - target).
Tensor smooth_l1_loss(const Tensor &input, const Tensor &target,
                      const std::string &reduction = "mean", double beta = 1.0);
// 0.5 d^2 where |d| < delta, delta (|d| - 0.5 delta) elsewhere.
Tensor huber_loss(const Tensor &input, const Tensor &target, const std::string &reduction = "mean",
                  double delta = 1.0);

// ---- classification -----------------------------------------------------------------------------
// input: logits of shape [N, C], [N, C, d1, ...] or [C]. target: class indices (int64) of shape
// [N], [N, d1, ...] or [], or class probabilities (floating, input's shape). weight: [C] or
// undefined. Targets equal to ignore_index add nothing, also not to the mean's denominator.
Tensor cross_entropy(const Tensor &input, const Tensor &target, const Tensor &weight = {},
                     int64_t ignore_index = -100, const std::string &reduction = "mean",
                     double label_smoothing = 0.0);
// input: log-probabilities in the layouts of cross_entropy; target: class indices.
// The mean divides by the summed weight of the non-ignored targets.
Tensor nll_loss(const Tensor &input, const Tensor &target, const Tensor &weight = {},
                int64_t ignore_index = -100, const std::string &reduction = "mean");
// input: probabilities in [0, 1]; log terms are clamped to >= -100 as in torch.
Tensor binary_cross_entropy(const Tensor &input, const Tensor &target, const Tensor &weight = {},
                            const std::string &reduction = "mean");
// input: logits. pos_weight (broadcast along the last dim) weighs the positive term.
Tensor binary_cross_entropy_with_logits(const Tensor &input, const Tensor &target,
                                        const Tensor &weight = {},
                                        const std::string &reduction = "mean",
                                        const Tensor &pos_weight = {});
// input: log-probabilities; target: probabilities, or log-probabilities when log_target.
// "batchmean" divides the sum by the batch size (input.size(0)).
Tensor kl_div(const Tensor &input, const Tensor &target, const std::string &reduction = "mean",
              bool log_target = false);
// log_input: exp(input) - target * input; otherwise input - target * log(input + eps).
// full adds the Stirling approximation of log(target!) where target > 1.
Tensor poisson_nll_loss(const Tensor &input, const Tensor &target, bool log_input = true,
                        bool full = false, double eps = 1e-8,
                        const std::string &reduction = "mean");

// ---- embeddings and ranking ---------------------------------------------------------------------
// input1, input2: [N, D] or [D]; target: 1 or -1 of shape [N] or [].
Tensor cosine_embedding_loss(const Tensor &input1, const Tensor &input2, const Tensor &target,
                             double margin = 0.0, const std::string &reduction = "mean");
// max(0, -target * (input1 - input2) + margin)
Tensor margin_ranking_loss(const Tensor &input1, const Tensor &input2, const Tensor &target,
                           double margin = 0.0, const std::string &reduction = "mean");
// max(d(a, p) - d(a, n) + margin, 0) with d the p-norm of the difference (plus eps) over the
// last dim; swap uses min(d(a, n), d(p, n)) as the negative distance.
Tensor triplet_margin_loss(const Tensor &anchor, const Tensor &positive, const Tensor &negative,
                           double margin = 1.0, double p = 2.0, double eps = 1e-6,
                           bool swap = false, const std::string &reduction = "mean");

} // namespace ember::nn::functional
