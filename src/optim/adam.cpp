// Adam and AdamW update rules as one fused pass (torch 1.13's _single_tensor_adam/_adamw). The
// two share the kernel; only where weight decay enters differs.
#include "ember/optim/adam.h"

#include <cmath>

#include "optim/fused.h"

namespace ember::optim {

void AdamOptions::fields(StateFields &f) {
  f("lr", lr_);
  f("betas", betas_);
  f("eps", eps_);
  f("weight_decay", weight_decay_);
  f("amsgrad", amsgrad_);
  f("maximize", maximize_);
}

void AdamWOptions::fields(StateFields &f) {
  f("lr", lr_);
  f("betas", betas_);
  f("eps", eps_);
  f("weight_decay", weight_decay_);
  f("amsgrad", amsgrad_);
  f("maximize", maximize_);
}

namespace {

template <typename Options> void check_adam_options(const char *name, const Options &o) {
  EMBER_CHECK(o.lr() >= 0, name, ": invalid learning rate: ", o.lr());
  EMBER_CHECK(o.eps() >= 0, name, ": invalid epsilon value: ", o.eps());
  const auto [beta1, beta2] = o.betas();
  EMBER_CHECK(beta1 >= 0 && beta1 < 1, name, ": invalid beta parameter at index 0: ", beta1);
  EMBER_CHECK(beta2 >= 0 && beta2 < 1, name, ": invalid beta parameter at index 1: ", beta2);
  EMBER_CHECK(o.weight_decay() >= 0, name, ": invalid weight_decay value: ", o.weight_decay());
}

// decoupled: AdamW's decay of the parameter itself instead of Adam's L2 term in the gradient.
template <typename Options>
void adam_update(const char *name, const Tensor &param, const Tensor &grad, StateDict &state,
                 const Options &o, bool decoupled) {
  const double step = ++detail::state_number(state, "step");
  const Tensor exp_avg = detail::state_tensor(state, "exp_avg", param);
  const Tensor exp_avg_sq = detail::state_tensor(state, "exp_avg_sq", param);
  const Tensor max_exp_avg_sq =
      o.amsgrad() ? detail::state_tensor(state, "max_exp_avg_sq", param) : Tensor();
  const auto [beta1, beta2] = o.betas();
  const double lr = o.lr(), eps = o.eps(), weight_decay = o.weight_decay();
  const double step_size = lr / (1 - std::pow(beta1, step));
  const double bias_correction2_sqrt = std::sqrt(1 - std::pow(beta2, step));
  const double l2 = decoupled ? 0 : weight_decay;
  const double shrink = decoupled ? 1 - lr * weight_decay : 1;
  const bool maximize = o.maximize();
  detail::fused_update(
      name, param, grad,
      [&](int64_t n, auto *__restrict p, const auto *__restrict g, auto *__restrict m,
          auto *__restrict v, auto *__restrict vmax) {
        using T = std::remove_cvref_t<decltype(*p)>;
        const T b1 = beta1, b2 = beta2, one_minus_b1 = 1 - beta1, one_minus_b2 = 1 - beta2;
        const T l2_t = l2, shrink_t = shrink, eps_t = eps, bc2 = bias_correction2_sqrt;
        const T neg_step = -step_size;
        for (int64_t i = 0; i < n; ++i) {
          T d = maximize ? -g[i] : g[i];
          if (l2 != 0)
            d = d + l2_t * p[i];
          const T pi = decoupled ? p[i] * shrink_t : p[i];
          const T mi = m[i] * b1 + one_minus_b1 * d;
          T vi = v[i] * b2 + one_minus_b2 * d * d;
          m[i] = mi;
          v[i] = vi;
          if (vmax) {
            vi = std::max(vmax[i], vi);
            vmax[i] = vi;
          }
          const T denom = std::sqrt(vi) / bc2 + eps_t;
          p[i] = pi + neg_step * mi / denom;
        }
      },
      exp_avg, exp_avg_sq, max_exp_avg_sq);
}

} // namespace

Adam::Adam(std::vector<ParamGroup> param_groups, const AdamOptions &defaults)
    : Optimizer(std::move(param_groups), defaults.clone()) {
  check_adam_options("Adam", defaults);
}

void Adam::update(const Tensor &param, const Tensor &grad, StateDict &state,
                  const OptimizerOptions &options) {
  adam_update("Adam", param, grad, state, detail::options_as<AdamOptions>(options), false);
}

AdamW::AdamW(std::vector<ParamGroup> param_groups, const AdamWOptions &defaults)
    : Optimizer(std::move(param_groups), defaults.clone()) {
  check_adam_options("AdamW", defaults);
}

void AdamW::update(const Tensor &param, const Tensor &grad, StateDict &state,
                   const OptimizerOptions &options) {
  adam_update("AdamW", param, grad, state, detail::options_as<AdamWOptions>(options), true);
}

} // namespace ember::optim
