// Adamax (torch.optim.Adamax): Adam with an infinity-norm second moment.
#pragma once

#include <tuple>

#include "ember/optim/optimizer.h"

namespace ember::optim {

struct AdamaxOptions : public OptimizerCloneableOptions<AdamaxOptions> {
  AdamaxOptions(double lr = 2e-3) : lr_(lr) {}
  void fields(StateFields &f) override;
  EMBER_OPTIM_ARG(double, lr);
  EMBER_OPTIM_ARG(Betas, betas) = {0.9, 0.999};
  EMBER_OPTIM_ARG(double, eps) = 1e-8;
  EMBER_OPTIM_ARG(double, weight_decay) = 0;
  EMBER_OPTIM_ARG(bool, maximize) = false;
};

// State per parameter: "step", "exp_avg" and "exp_inf".
class Adamax : public Optimizer {
public:
  Adamax(std::vector<ParamGroup> param_groups, const AdamaxOptions &defaults = {});
  Adamax(std::vector<Tensor> params, const AdamaxOptions &defaults = {})
      : Adamax(std::vector<ParamGroup>{ParamGroup(std::move(params))}, defaults) {}

protected:
  void update(const Tensor &param, const Tensor &grad, StateDict &state,
              const OptimizerOptions &options) override;
};

} // namespace ember::optim
