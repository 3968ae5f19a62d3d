// RAdam (torch.optim.RAdam): Adam with a rectified adaptive learning rate.
#pragma once

#include <tuple>

#include "ember/optim/optimizer.h"

namespace ember::optim {

struct RAdamOptions : public OptimizerCloneableOptions<RAdamOptions> {
  RAdamOptions(double lr = 1e-3) : lr_(lr) {}
  void fields(StateFields &f) override;
  EMBER_OPTIM_ARG(double, lr);
  EMBER_OPTIM_ARG(Betas, betas) = {0.9, 0.999};
  EMBER_OPTIM_ARG(double, eps) = 1e-8;
  EMBER_OPTIM_ARG(double, weight_decay) = 0;
};

// State per parameter: "step", "exp_avg" and "exp_avg_sq".
class RAdam : public Optimizer {
public:
  RAdam(std::vector<ParamGroup> param_groups, const RAdamOptions &defaults = {});
  RAdam(std::vector<Tensor> params, const RAdamOptions &defaults = {})
      : RAdam(std::vector<ParamGroup>{ParamGroup(std::move(params))}, defaults) {}

protected:
  void update(const Tensor &param, const Tensor &grad, StateDict &state,
              const OptimizerOptions &options) override;
};

} // namespace ember::optim
