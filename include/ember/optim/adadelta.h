// Adadelta (torch.optim.Adadelta) with weight decay and maximize.
#pragma once

#include "ember/optim/optimizer.h"

namespace ember::optim {

struct AdadeltaOptions : public OptimizerCloneableOptions<AdadeltaOptions> {
  AdadeltaOptions(double lr = 1.0) : lr_(lr) {}
  void fields(StateFields &f) override;
  EMBER_OPTIM_ARG(double, lr);
  EMBER_OPTIM_ARG(double, rho) = 0.9;
  EMBER_OPTIM_ARG(double, eps) = 1e-6;
  EMBER_OPTIM_ARG(double, weight_decay) = 0;
  EMBER_OPTIM_ARG(bool, maximize) = false;
};

// State per parameter: "step", "square_avg" and "acc_delta".
class Adadelta : public Optimizer {
public:
  Adadelta(std::vector<ParamGroup> param_groups, const AdadeltaOptions &defaults = {});
  Adadelta(std::vector<Tensor> params, const AdadeltaOptions &defaults = {})
      : Adadelta(std::vector<ParamGroup>{ParamGroup(std::move(params))}, defaults) {}

protected:
  void update(const Tensor &param, const Tensor &grad, StateDict &state,
              const OptimizerOptions &options) override;
};

} // namespace ember::optim
