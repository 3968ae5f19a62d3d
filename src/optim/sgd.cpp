// SGD's update rule as one fused pass (torch 1.13's _single_tensor_sgd).
#include "ember/optim/sgd.h"

#include "optim/fused.h"

namespace ember::optim {

void SGDOptions::fields(StateFields &f) {
  f("lr", lr_);
  f("momentum", momentum_);
  f("dampening", dampening_);
  f("weight_decay", weight_decay_);
  f("nesterov", nesterov_);
  f("maximize", maximize_);
}

SGD::SGD(std::vector<ParamGroup> param_groups, const SGDOptions &defaults)
    : Optimizer(std::move(param_groups), defaults.clone()) {
  EMBER_CHECK(defaults.lr() >= 0, "SGD: invalid learning rate: ", defaults.lr());
  EMBER_CHECK(defaults.momentum() >= 0, "SGD: invalid momentum value: ", defaults.momentum());
  EMBER_CHECK(defaults.weight_decay() >= 0,
              "SGD: invalid weight_decay value: ", defaults.weight_decay());
  EMBER_CHECK(!defaults.nesterov() || (defaults.momentum() > 0 && defaults.dampening() == 0),
              "SGD: Nesterov momentum requires a momentum and zero dampening");
}

void SGD::update(const Tensor &param, const Tensor &grad, StateDict &state,
                 const OptimizerOptions &options) {
  const auto &o = detail::options_as<SGDOptions>(options);
  const double lr = o.lr(), momentum = o.momentum(), weight_decay = o.weight_decay();
  // The first step copies the gradient into the buffer instead of decaying a zero buffer.
  bool first_step = false;
  Tensor buffer;
  if (momentum != 0) {
    first_step = !state.contains("momentum_buffer");
    buffer = detail::state_tensor(state, "momentum_buffer", param);
  }
  const double keep = 1 - o.dampening();
  detail::with_flags(
      [&](auto maximize, auto decay, auto has_buffer, auto first, auto nesterov) {
        detail::fused_update(
            "SGD", param, grad,
            [&](int64_t n, auto *__restrict p, const auto *__restrict g, auto *__restrict buf) {
              using T = std::remove_cvref_t<decltype(*p)>;
              const T lr_t = lr, momentum_t = momentum, decay_t = weight_decay, keep_t = keep;
              for (int64_t i = 0; i < n; ++i) {
                T d = maximize ? -g[i] : g[i];
                if constexpr (decay)
                  d = d + decay_t * p[i];
                if constexpr (has_buffer) {
                  const T b = first ? d : buf[i] * momentum_t + keep_t * d;
                  buf[i] = b;
                  d = nesterov ? d + momentum_t * b : b;
                }
                p[i] = p[i] + -lr_t * d;
              }
            },
            buffer);
      },
      o.maximize(), weight_decay != 0, buffer.defined(), first_step, o.nesterov());
}

} // namespace ember::optim
