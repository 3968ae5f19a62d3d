// Adam and AdamW (torch.optim.Adam, torch.optim.AdamW), with amsgrad and maximize. They differ
// only in weight decay: Adam adds weight_decay * param to the gradient (L2 penalty), AdamW
// shrinks the parameter by lr * weight_decay before the update (decoupled decay).
#pragma once

#include <tuple>

#include "ember/optim/optimizer.h"

namespace ember::optim {

struct AdamOptions : public OptimizerCloneableOptions<AdamOptions> {
  AdamOptions(double lr = 1e-3) : lr_(lr) {}
  void fields(StateFields &f) override;
  EMBER_OPTIM_ARG(double, lr);
  EMBER_OPTIM_ARG(Betas, betas) = {0.9, 0.999};
  EMBER_OPTIM_ARG(double, eps) = 1e-8;
  EMBER_OPTIM_ARG(double, weight_decay) = 0;
  EMBER_OPTIM_ARG(bool, amsgrad) = false;
  EMBER_OPTIM_ARG(bool, maximize) = false;
};

struct AdamWOptions : public OptimizerCloneableOptions<AdamWOptions> {
  AdamWOptions(double lr = 1e-3) : lr_(lr) {}
  void fields(StateFields &f) override;
  EMBER_OPTIM_ARG(double, lr);
  EMBER_OPTIM_ARG(Betas, betas) = {0.9, 0.999};
  EMBER_OPTIM_ARG(double, eps) = 1e-8;
  EMBER_OPTIM_ARG(double, weight_decay) = 1e-2;
  EMBER_OPTIM_ARG(bool, amsgrad) = false;
  EMBER_OPTIM_ARG(bool, maximize) = false;
};

// State per parameter: "step", "exp_avg", "exp_avg_sq" and, with amsgrad, "max_exp_avg_sq".
class Adam : public Optimizer {
public:
  Adam(std::vector<ParamGroup> param_groups, const AdamOptions &defaults = {});
  Adam(std::vector<Tensor> params, const AdamOptions &defaults = {})
      : Adam(std::vector<ParamGroup>{ParamGroup(std::move(params))}, defaults) {}

protected:
  void update(const Tensor &param, const Tensor &grad, StateDict &state,
              const OptimizerOptions &options) override;
};

class AdamW : public Optimizer {
public:
  AdamW(std::vector<ParamGroup> param_groups, const AdamWOptions &defaults = {});
  AdamW(std::vector<Tensor> params, const AdamWOptions &defaults = {})
      : AdamW(std::vector<ParamGroup>{ParamGroup(std::move(params))}, defaults) {}

protected:
  void update(const Tensor &param, const Tensor &grad, StateDict &state,
              const OptimizerOptions &options) override;
};

} // namespace ember::optim
