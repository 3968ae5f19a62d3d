// Adagrad (torch.optim.Adagrad) with lr decay, an initial accumulator value, weight decay and
// maximize.
#pragma once

#include "ember/optim/optimizer.h"

namespace ember::optim {

struct AdagradOptions : public OptimizerCloneableOptions<AdagradOptions> {
  AdagradOptions(double lr = 1e-2) : lr_(lr) {}
  void fields(StateFields &f) override;
  EMBER_OPTIM_ARG(double, lr);
  EMBER_OPTIM_ARG(double, lr_decay) = 0;
  EMBER_OPTIM_ARG(double, weight_decay) = 0;
  EMBER_OPTIM_ARG(double, initial_accumulator_value) = 0;
  EMBER_OPTIM_ARG(double, eps) = 1e-10;
  EMBER_OPTIM_ARG(bool, maximize) = false;
};

// State per parameter: "step" and "sum".
class Adagrad : public Optimizer {
public:
  Adagrad(std::vector<ParamGroup> param_groups, const AdagradOptions &defaults = {});
  Adagrad(std::vector<Tensor> params, const AdagradOptions &defaults = {})
      : Adagrad(std::vector<ParamGroup>{ParamGroup(std::move(params))}, defaults) {}

protected:
  void update(const Tensor &param, const Tensor &grad, StateDict &state,
              const OptimizerOptions &options) override;
};

} // namespace ember::optim
