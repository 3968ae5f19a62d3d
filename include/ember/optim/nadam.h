// NAdam (torch.optim.NAdam): Adam with Nesterov momentum and a momentum-decay schedule.
#pragma once

#include <tuple>

#include "ember/optim/optimizer.h"

namespace ember::optim {

struct NAdamOptions : public OptimizerCloneableOptions<NAdamOptions> {
  NAdamOptions(double lr = 2e-3) : lr_(lr) {}
  void fields(StateFields &f) override;
  EMBER_OPTIM_ARG(double, lr);
  EMBER_OPTIM_ARG(Betas, betas) = {0.9, 0.999};
  EMBER_OPTIM_ARG(double, eps) = 1e-8;
  EMBER_OPTIM_ARG(double, weight_decay) = 0;
  EMBER_OPTIM_ARG(double, momentum_decay) = 4e-3;
};

// State per parameter: "step", "mu_product", "exp_avg" and "exp_avg_sq".
class NAdam : public Optimizer {
public:
  NAdam(std::vector<ParamGroup> param_groups, const NAdamOptions &defaults = {});
  NAdam(std::vector<Tensor> params, const NAdamOptions &defaults = {})
      : NAdam(std::vector<ParamGroup>{ParamGroup(std::move(params))}, defaults) {}

protected:
  void update(const Tensor &param, const Tensor &grad, StateDict &state,
              const OptimizerOptions &options) override;
};

} // namespace ember::optim
