// RMSprop (torch.optim.RMSprop): plain, centered, with momentum, weight decay and maximize.
#pragma once

#include "ember/optim/optimizer.h"

namespace ember::optim {

struct RMSpropOptions : public OptimizerCloneableOptions<RMSpropOptions> {
  RMSpropOptions(double lr = 1e-2) : lr_(lr) {}
  void fields(StateFields &f) override;
  EMBER_OPTIM_ARG(double, lr);
  EMBER_OPTIM_ARG(double, alpha) = 0.99;
  EMBER_OPTIM_ARG(double, eps) = 1e-8;
  EMBER_OPTIM_ARG(double, weight_decay) = 0;
  EMBER_OPTIM_ARG(double, momentum) = 0;
  EMBER_OPTIM_ARG(bool, centered) = false;
  EMBER_OPTIM_ARG(bool, maximize) = false;
};

// State per parameter: "step", "square_avg", "momentum_buffer" (momentum > 0) and "grad_avg"
// (centered).
class RMSprop : public Optimizer {
public:
  RMSprop(std::vector<ParamGroup> param_groups, const RMSpropOptions &defaults = {});
  RMSprop(std::vector<Tensor> params, const RMSpropOptions &defaults = {})
      : RMSprop(std::vector<ParamGroup>{ParamGroup(std::move(params))}, defaults) {}

protected:
  void update(const Tensor &param, const Tensor &grad, StateDict &state,
              const OptimizerOptions &options) override;
};

} // namespace ember::optim
