// L-BFGS (torch.optim.LBFGS) with an optional strong-Wolfe line search. It needs a closure that
// recomputes the loss and gradients, and works on all parameters as one flat vector.
#pragma once

#include <optional>
#include <string>

#include "ember/optim/optimizer.h"

namespace ember::optim {

struct LBFGSOptions : public OptimizerCloneableOptions<LBFGSOptions> {
  LBFGSOptions(double lr = 1) : lr_(lr) {}
  void fields(StateFields &f) override;
  EMBER_OPTIM_ARG(double, lr);
  EMBER_OPTIM_ARG(int64_t, max_iter) = 20;
  // Defaults to max_iter * 5 / 4.
  EMBER_OPTIM_ARG(std::optional<int64_t>, max_eval);
  EMBER_OPTIM_ARG(double, tolerance_grad) = 1e-7;
  EMBER_OPTIM_ARG(double, tolerance_change) = 1e-9;
  EMBER_OPTIM_ARG(int64_t, history_size) = 100;
  // None or "strong_wolfe".
  EMBER_OPTIM_ARG(std::optional<std::string>, line_search_fn);
};

// State (kept on the first parameter, as torch): "func_evals", "n_iter", "d", "t", "H_diag",
// "prev_flat_grad", "prev_loss", and the history "old_dirs.<i>", "old_stps.<i>", "ro" (float64).
// The flat vectors are float64 whatever the parameters' dtype.
class LBFGS : public Optimizer {
public:
  LBFGS(std::vector<Tensor> params, const LBFGSOptions &defaults = {});

  // Runs up to max_iter iterations; returns the loss closure() gave on entry.
  Tensor step(LossClosure closure) override;
};

} // namespace ember::optim
