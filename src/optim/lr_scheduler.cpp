// Learning-rate schedulers, each a transcription of torch 1.13's torch/optim/lr_scheduler.py
// (chainable get_lr, closed forms for step(epoch), the same state).
#include "ember/optim/lr_scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace ember::optim {

namespace {

// A per-group setting given as one value for all groups or one value per group.
std::vector<double> per_group(const Optimizer &optimizer, const char *scheduler, const char *name,
                              const std::vector<double> &values) {
  const size_t groups = optimizer.param_groups().size();
  if (values.size() == 1)
    return std::vector<double>(groups, values[0]);
  EMBER_CHECK(values.size() == groups, scheduler, ": expected ", groups, " values for ", name,
              ", got ", values.size());
  return values;
}

// Nested scheduler states are stored flat under "<prefix><index>.<name>".
void nest(StateDict &into, const std::string &prefix, size_t index, const StateDict &child) {
  for (const auto &[name, value] : child)
    into[prefix + std::to_string(index) + "." + name] = value;
}

StateDict unnest(const StateDict &from, const std::string &prefix, size_t index) {
  const std::string start = prefix + std::to_string(index) + ".";
  StateDict child;
  for (const auto &[name, value] : from)
    if (name.starts_with(start))
      child[name.substr(start.size())] = value;
  return child;
}

std::vector<double> lrs_of(const Optimizer &optimizer) {
  std::vector<double> lrs;
  for (const ParamGroup &group : optimizer.param_groups())
    lrs.push_back(group.options().get_lr());
  return lrs;
}

constexpr double kPi = std::numbers::pi;

} // namespace

// ---- LRScheduler
// -----------------------------------------------------------------------------------

LRScheduler::LRScheduler(Optimizer &optimizer, int64_t last_epoch)
    : optimizer_(&optimizer), last_epoch_(last_epoch) {
  auto &groups = optimizer.param_groups();
  for (size_t i = 0; i < groups.size(); ++i) {
    if (last_epoch == -1) {
      if (!groups[i].initial_lr)
        groups[i].initial_lr = groups[i].options().get_lr();
    } else {
      EMBER_CHECK(groups[i].initial_lr.has_value(), "param 'initial_lr' is not specified in ",
                  "param_groups[", i, "] when resuming an optimizer");
    }
    base_lrs_.push_back(*groups[i].initial_lr);
  }
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

void LRScheduler::step() {
  ++step_count_;
  ++last_epoch_;
  apply_lrs(get_lr());
}

void LRScheduler::step(double epoch) {
  ++step_count_;
  last_epoch_ = static_cast<int64_t>(std::floor(epoch));
  std::optional<std::vector<double>> closed = closed_form_lr();
  apply_lrs(closed ? *closed : get_lr());
}

void LRScheduler::apply_lrs(const std::vector<double> &lrs) {
  auto &groups = optimizer_->param_groups();
  for (size_t i = 0; i < groups.size() && i < lrs.size(); ++i)
    groups[i].options().set_lr(lrs[i]);
  last_lr_ = group_lrs();
}

std::vector<double> LRScheduler::group_lrs() const { return lrs_of(*optimizer_); }

void LRScheduler::fields(StateFields &f) {
  f("last_epoch", last_epoch_);
  f("_step_count", step_count_);
  f("base_lrs", base_lrs_);
  f("_last_lr", last_lr_);
}

StateDict LRScheduler::state_dict() {
  StateDict result;
  StateFields writer = StateFields::writer(result);
  fields(writer);
  return result;
}

void LRScheduler::load_state_dict(const StateDict &state_dict) {
  StateFields reader = StateFields::reader(state_dict);
  fields(reader);
}

// ---- LambdaLR
// ------------------------------------------------------------------------------------

LambdaLR::LambdaLR(Optimizer &optimizer, Lambda lr_lambda, int64_t last_epoch)
    : LambdaLR(optimizer,
               std::vector<Lambda>(optimizer.param_groups().size(), std::move(lr_lambda)),
               last_epoch) {}

LambdaLR::LambdaLR(Optimizer &optimizer, std::vector<Lambda> lr_lambdas, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), lr_lambdas_(std::move(lr_lambdas)) {
  EMBER_CHECK(lr_lambdas_.size() == optimizer.param_groups().size(), "LambdaLR: expected ",
              optimizer.param_groups().size(), " lr_lambdas, but got ", lr_lambdas_.size());
  initial_step();
}

std::vector<double> LambdaLR::get_lr() {
  std::vector<double> lrs;
  for (size_t i = 0; i < base_lrs_.size(); ++i)
    lrs.push_back(base_lrs_[i] * lr_lambdas_[i](last_epoch_));
  return lrs;
}

// ---- StepLR
// --------------------------------------------------------------------------------------

StepLR::StepLR(Optimizer &optimizer, int64_t step_size, double gamma, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), step_size_(step_size), gamma_(gamma) {
  EMBER_CHECK(step_size > 0, "StepLR: expected a positive step_size, got ", step_size);
  initial_step();
}

std::vector<double> StepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0)
    return lrs;
  for (double &lr : lrs)
    lr *= gamma_;
  return lrs;
}

std::optional<std::vector<double>> StepLR::closed_form_lr() {
  std::vector<double> lrs;
  const double steps = std::floor(static_cast<double>(last_epoch_) / step_size_);
  for (double base_lr : base_lrs_)
    lrs.push_back(base_lr * std::pow(gamma_, steps));
  return lrs;
}

void StepLR::fields(StateFields &f) {
  LRScheduler::fields(f);
  f("step_size", step_size_);
  f("gamma", gamma_);
}

// ---- MultiStepLR
// ---------------------------------------------------------------------------------

MultiStepLR::MultiStepLR(Optimizer &optimizer, std::vector<int64_t> milestones, double gamma,
                         int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), milestones_(std::move(milestones)), gamma_(gamma) {
  std::sort(milestones_.begin(), milestones_.end());
  initial_step();
}

std::vector<double> MultiStepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  const auto count = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (count == 0)
    return lrs;
  for (double &lr : lrs)
    lr *= std::pow(gamma_, static_cast<double>(count));
  return lrs;
}

std::optional<std::vector<double>> MultiStepLR::closed_form_lr() {
  const auto passed =
      std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();
  std::vector<double> lrs;
  for (double base_lr : base_lrs_)
    lrs.push_back(base_lr * std::pow(gamma_, static_cast<double>(passed)));
  return lrs;
}

void MultiStepLR::fields(StateFields &f) {
  LRScheduler::fields(f);
  std::vector<double> milestones(milestones_.begin(), milestones_.end());
  f("milestones", milestones);
  milestones_.assign(milestones.begin(), milestones.end());
  f("gamma", gamma_);
}

// ---- ConstantLR
// ----------------------------------------------------------------------------------

ConstantLR::ConstantLR(Optimizer &optimizer, double factor, int64_t total_iters, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), factor_(factor), total_iters_(total_iters) {
  EMBER_CHECK(factor >= 0 && factor <= 1,
              "ConstantLR: constant multiplicative factor expected to be between 0 and 1, got ",
              factor);
  initial_step();
}

std::vector<double> ConstantLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0)
    for (double &lr : lrs)
      lr *= factor_;
  else if (last_epoch_ == total_iters_)
    for (double &lr : lrs)
      lr *= 1.0 / factor_;
  return lrs;
}

std::optional<std::vector<double>> ConstantLR::closed_form_lr() {
  std::vector<double> lrs;
  for (double base_lr : base_lrs_)
    lrs.push_back(base_lr * (factor_ + (last_epoch_ >= total_iters_) * (1 - factor_)));
  return lrs;
}

void ConstantLR::fields(StateFields &f) {
  LRScheduler::fields(f);
  f("factor", factor_);
  f("total_iters", total_iters_);
}

// ---- LinearLR
// ------------------------------------------------------------------------------------

LinearLR::LinearLR(Optimizer &optimizer, double start_factor, double end_factor,
                   int64_t total_iters, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), start_factor_(start_factor), end_factor_(end_factor),
      total_iters_(total_iters) {
  EMBER_CHECK(start_factor >= 0 && start_factor <= 1,
              "LinearLR: starting multiplicative factor expected to be between 0 and 1, got ",
              start_factor);
  EMBER_CHECK(end_factor >= 0 && end_factor <= 1,
              "LinearLR: ending multiplicative factor expected to be between 0 and 1, got ",
              end_factor);
  initial_step();
}

std::vector<double> LinearLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) {
    for (double &lr : lrs)
      lr *= start_factor_;
  } else if (last_epoch_ <= total_iters_) {
    const double change = end_factor_ - start_factor_;
    for (double &lr : lrs)
      lr *= 1. + change / (total_iters_ * start_factor_ + (last_epoch_ - 1) * change);
  }
  return lrs;
}

std::optional<std::vector<double>> LinearLR::closed_form_lr() {
  std::vector<double> lrs;
  const double progress = static_cast<double>(std::min(total_iters_, last_epoch_));
  for (double base_lr : base_lrs_)
    lrs.push_back(base_lr *
                  (start_factor_ + (end_factor_ - start_factor_) * progress / total_iters_));
  return lrs;
}

void LinearLR::fields(StateFields &f) {
  LRScheduler::fields(f);
  f("start_factor", start_factor_);
  f("end_factor", end_factor_);
  f("total_iters", total_iters_);
}

// ---- ExponentialLR
// -------------------------------------------------------------------------------

ExponentialLR::ExponentialLR(Optimizer &optimizer, double gamma, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), gamma_(gamma) {
  initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ != 0)
    for (double &lr : lrs)
      lr *= gamma_;
  return lrs;
}

std::optional<std::vector<double>> ExponentialLR::closed_form_lr() {
  std::vector<double> lrs;
  for (double base_lr : base_lrs_)
    lrs.push_back(base_lr * std::pow(gamma_, static_cast<double>(last_epoch_)));
  return lrs;
}

void ExponentialLR::fields(StateFields &f) {
  LRScheduler::fields(f);
  f("gamma", gamma_);
}

// ---- PolynomialLR
// --------------------------------------------------------------------------------

PolynomialLR::PolynomialLR(Optimizer &optimizer, int64_t total_iters, double power,
                           int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), total_iters_(total_iters), power_(power) {
  initial_step();
}

std::vector<double> PolynomialLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ > total_iters_)
    return lrs;
  const double total = static_cast<double>(total_iters_);
  const double decay =
      std::pow((1.0 - last_epoch_ / total) / (1.0 - (last_epoch_ - 1) / total), power_);
  for (double &lr : lrs)
    lr *= decay;
  return lrs;
}

std::optional<std::vector<double>> PolynomialLR::closed_form_lr() {
  std::vector<double> lrs;
  const double progress = static_cast<double>(std::min(total_iters_, last_epoch_)) / total_iters_;
  for (double base_lr : base_lrs_)
    lrs.push_back(base_lr * std::pow(1.0 - progress, power_));
  return lrs;
}

void PolynomialLR::fields(StateFields &f) {
  LRScheduler::fields(f);
  f("total_iters", total_iters_);
  f("power", power_);
}

// ---- CosineAnnealingLR
// ---------------------------------------------------------------------------

CosineAnnealingLR::CosineAnnealingLR(Optimizer &optimizer, int64_t T_max, double eta_min,
                                     int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), T_max_(T_max), eta_min_(eta_min) {
  EMBER_CHECK(T_max > 0, "CosineAnnealingLR: expected a positive T_max, got ", T_max);
  initial_step();
}

std::vector<double> CosineAnnealingLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  const double epoch = static_cast<double>(last_epoch_), T_max = static_cast<double>(T_max_);
  if (last_epoch_ == 0)
    return lrs;
  if (step_count_ == 1 && last_epoch_ > 0) { // resuming: nothing to chain from
    for (size_t i = 0; i < lrs.size(); ++i)
      lrs[i] = eta_min_ + (base_lrs_[i] - eta_min_) * (1 + std::cos(epoch * kPi / T_max)) / 2;
  } else if ((last_epoch_ - 1 - T_max_) % (2 * T_max_) == 0) { // at the bottom: turn up
    for (size_t i = 0; i < lrs.size(); ++i)
      lrs[i] += (base_lrs_[i] - eta_min_) * (1 - std::cos(kPi / T_max)) / 2;
  } else {
    for (double &lr : lrs)
      lr = (1 + std::cos(kPi * epoch / T_max)) / (1 + std::cos(kPi * (epoch - 1) / T_max)) *
               (lr - eta_min_) +
           eta_min_;
  }
  return lrs;
}

std::optional<std::vector<double>> CosineAnnealingLR::closed_form_lr() {
  std::vector<double> lrs;
  for (double base_lr : base_lrs_)
    lrs.push_back(eta_min_ + (base_lr - eta_min_) *
                                 (1 + std::cos(kPi * static_cast<double>(last_epoch_) / T_max_)) /
                                 2);
  return lrs;
}

void CosineAnnealingLR::fields(StateFields &f) {
  LRScheduler::fields(f);
  f("T_max", T_max_);
  f("eta_min", eta_min_);
}

// ---- CosineAnnealingWarmRestarts
// -----------------------------------------------------------------

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer &optimizer, int64_t T_0,
                                                         int64_t T_mult, double eta_min,
                                                         int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), T_0_(T_0), T_i_(T_0), T_mult_(T_mult), eta_min_(eta_min),
      T_cur_(static_cast<double>(last_epoch)) {
  EMBER_CHECK(T_0 > 0, "CosineAnnealingWarmRestarts: expected positive integer T_0, but got ", T_0);
  EMBER_CHECK(T_mult >= 1, "CosineAnnealingWarmRestarts: expected integer T_mult >= 1, but got ",
              T_mult);
  initial_step();
}

std::vector<double> CosineAnnealingWarmRestarts::get_lr() {
  std::vector<double> lrs;
  for (double base_lr : base_lrs_)
    lrs.push_back(eta_min_ + (base_lr - eta_min_) *
                                 (1 + std::cos(kPi * T_cur_ / static_cast<double>(T_i_))) / 2);
  return lrs;
}

void CosineAnnealingWarmRestarts::step() {
  if (last_epoch_ < 0) {
    step(0.0);
    return;
  }
  ++step_count_;
  ++last_epoch_;
  T_cur_ += 1;
  if (T_cur_ >= static_cast<double>(T_i_)) {
    T_cur_ -= static_cast<double>(T_i_);
    T_i_ *= T_mult_;
  }
  apply_lrs(get_lr());
}

void CosineAnnealingWarmRestarts::step(double epoch) {
  EMBER_CHECK(epoch >= 0, "CosineAnnealingWarmRestarts: expected non-negative epoch, but got ",
              epoch);
  ++step_count_;
  const double T_0 = static_cast<double>(T_0_);
  if (epoch >= T_0) {
    if (T_mult_ == 1) {
      T_cur_ = std::fmod(epoch, T_0);
    } else {
      const double mult = static_cast<double>(T_mult_);
      const auto n = static_cast<int64_t>(std::log(epoch / T_0 * (mult - 1) + 1) / std::log(mult));
      const double grown = std::pow(mult, static_cast<double>(n));
      T_cur_ = epoch - T_0 * (grown - 1) / (mult - 1);
      T_i_ = T_0_ * static_cast<int64_t>(grown);
    }
  } else {
    T_i_ = T_0_;
    T_cur_ = epoch;
  }
  last_epoch_ = static_cast<int64_t>(std::floor(epoch));
  apply_lrs(get_lr());
}

void CosineAnnealingWarmRestarts::fields(StateFields &f) {
  LRScheduler::fields(f);
  f("T_0", T_0_);
  f("T_i", T_i_);
  f("T_mult", T_mult_);
  f("eta_min", eta_min_);
  f("T_cur", T_cur_);
}

// ---- CyclicLR
// ------------------------------------------------------------------------------------

namespace {

// CyclicLR starts each group at its base_lr before the base constructor records initial_lr.
Optimizer &start_at_base_lr(Optimizer &optimizer, const CyclicLROptions &options) {
  if (options.last_epoch() == -1) {
    const auto base_lrs = per_group(optimizer, "CyclicLR", "base_lr", options.base_lr());
    for (size_t i = 0; i < base_lrs.size(); ++i)
      optimizer.param_groups()[i].options().set_lr(base_lrs[i]);
  }
  return optimizer;
}

} // namespace

CyclicLR::CyclicLR(Optimizer &optimizer, const CyclicLROptions &options)
    : LRScheduler(start_at_base_lr(optimizer, options), options.last_epoch()),
      max_lrs_(per_group(optimizer, "CyclicLR", "max_lr", options.max_lr())), mode_(options.mode()),
      gamma_(options.gamma()), scale_fn_(options.scale_fn()),
      cycle_momentum_(options.cycle_momentum()) {
  const double up = static_cast<double>(options.step_size_up());
  const double down =
      static_cast<double>(options.step_size_down().value_or(options.step_size_up()));
  total_size_ = up + down;
  step_ratio_ = up / total_size_;
  EMBER_CHECK(scale_fn_ || mode_ == "triangular" || mode_ == "triangular2" || mode_ == "exp_range",
              "CyclicLR: mode is invalid and scale_fn is None (got mode '", mode_, "')");
  scale_mode_ = scale_fn_ ? options.scale_mode() : mode_ == "exp_range" ? "iterations" : "cycle";
  if (cycle_momentum_) {
    EMBER_CHECK(optimizer.defaults().has("momentum"),
                "CyclicLR: optimizer must support momentum with `cycle_momentum` option enabled");
    const auto base_momentums =
        per_group(optimizer, "CyclicLR", "base_momentum", options.base_momentum());
    auto &groups = optimizer.param_groups();
    for (size_t i = 0; i < groups.size(); ++i) {
      if (options.last_epoch() == -1)
        groups[i].options().set("momentum", base_momentums[i]);
      base_momentums_.push_back(std::get<double>(groups[i].options().get("momentum")));
    }
    max_momentums_ = per_group(optimizer, "CyclicLR", "max_momentum", options.max_momentum());
  }
  initial_step();
  base_lrs_ = per_group(optimizer, "CyclicLR", "base_lr", options.base_lr());
}

double CyclicLR::scale(double x) const {
  if (scale_fn_)
    return scale_fn_(x);
  if (mode_ == "triangular2")
    return 1 / std::pow(2., x - 1);
  if (mode_ == "exp_range")
    return std::pow(gamma_, x);
  return 1.;
}

std::vector<double> CyclicLR::get_lr() {
  const double epoch = static_cast<double>(last_epoch_);
  const double cycle = std::floor(1 + epoch / total_size_);
  const double x = 1. + epoch / total_size_ - cycle;
  const double scale_factor = x <= step_ratio_ ? x / step_ratio_ : (x - 1) / (step_ratio_ - 1);
  const double amplitude = scale(scale_mode_ == "cycle" ? cycle : epoch);
  std::vector<double> lrs;
  for (size_t i = 0; i < base_lrs_.size(); ++i)
    lrs.push_back(base_lrs_[i] + (max_lrs_[i] - base_lrs_[i]) * scale_factor * amplitude);
  if (cycle_momentum_) {
    auto &groups = optimizer_->param_groups();
    for (size_t i = 0; i < groups.size(); ++i) {
      const double height = (max_momentums_[i] - base_momentums_[i]) * scale_factor;
      groups[i].options().set("momentum", max_momentums_[i] - height * amplitude);
    }
  }
  return lrs;
}

void CyclicLR::fields(StateFields &f) {
  LRScheduler::fields(f);
  f("max_lrs", max_lrs_);
  f("total_size", total_size_);
  f("step_ratio", step_ratio_);
  f("mode", mode_);
  f("gamma", gamma_);
  f("scale_mode", scale_mode_);
  f("cycle_momentum", cycle_momentum_);
  f("base_momentums", base_momentums_);
  f("max_momentums", max_momentums_);
}

// ---- OneCycleLR
// ----------------------------------------------------------------------------------

namespace {

// OneCycleLR replaces each group's initial_lr (max_lr / div_factor) before the base constructor
// reads it.
Optimizer &start_one_cycle(Optimizer &optimizer, const OneCycleLROptions &options) {
  if (options.last_epoch() == -1) {
    const auto max_lrs = per_group(optimizer, "OneCycleLR", "max_lr", options.max_lr());
    for (size_t i = 0; i < max_lrs.size(); ++i)
      optimizer.param_groups()[i].initial_lr = max_lrs[i] / options.div_factor();
  }
  return optimizer;
}

} // namespace

OneCycleLR::OneCycleLR(Optimizer &optimizer, const OneCycleLROptions &options)
    : LRScheduler(start_one_cycle(optimizer, options), options.last_epoch()),
      total_steps_(options.total_steps()), cosine_(options.anneal_strategy() == "cos"),
      three_phase_(options.three_phase()), pct_start_(options.pct_start()),
      cycle_momentum_(options.cycle_momentum()) {
  if (total_steps_ == 0) {
    EMBER_CHECK(options.epochs() > 0 || options.steps_per_epoch() > 0,
                "OneCycleLR: you must define either total_steps OR (epochs AND steps_per_epoch)");
    EMBER_CHECK(options.epochs() > 0, "OneCycleLR: expected positive integer epochs, but got ",
                options.epochs());
    EMBER_CHECK(options.steps_per_epoch() > 0,
                "OneCycleLR: expected positive integer steps_per_epoch, but got ",
                options.steps_per_epoch());
    total_steps_ = options.epochs() * options.steps_per_epoch();
  }
  EMBER_CHECK(total_steps_ > 0, "OneCycleLR: expected positive integer total_steps, but got ",
              total_steps_);
  EMBER_CHECK(pct_start_ >= 0 && pct_start_ <= 1,
              "OneCycleLR: expected float between 0 and 1 pct_start, but got ", pct_start_);
  EMBER_CHECK(cosine_ || options.anneal_strategy() == "linear",
              "OneCycleLR: anneal_strategy must be one of 'cos' or 'linear', instead got ",
              options.anneal_strategy());
  max_lrs_ = per_group(optimizer, "OneCycleLR", "max_lr", options.max_lr());
  for (size_t i = 0; i < max_lrs_.size(); ++i)
    min_lrs_.push_back(max_lrs_[i] / options.div_factor() / options.final_div_factor());
  if (cycle_momentum_) {
    const OptimizerOptions &defaults = optimizer.defaults();
    EMBER_CHECK(defaults.has("momentum") || defaults.has("betas"),
                "OneCycleLR: optimizer must support momentum with `cycle_momentum` option enabled");
    use_beta1_ = defaults.has("betas");
    max_momentums_ = per_group(optimizer, "OneCycleLR", "max_momentum", options.max_momentum());
    base_momentums_ = per_group(optimizer, "OneCycleLR", "base_momentum", options.base_momentum());
    if (options.last_epoch() == -1)
      for (size_t i = 0; i < max_momentums_.size(); ++i)
        set_momentum(optimizer.param_groups()[i], max_momentums_[i]);
  }
  initial_step();
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (cosine_)
    return end + (start - end) / 2.0 * (std::cos(kPi * pct) + 1);
  return (end - start) * pct + start;
}

void OneCycleLR::set_momentum(ParamGroup &group, double momentum) const {
  if (use_beta1_) {
    auto betas = std::get<std::vector<double>>(group.options().get("betas"));
    betas[0] = momentum;
    group.options().set("betas", betas);
  } else {
    group.options().set("momentum", momentum);
  }
}

std::vector<double> OneCycleLR::get_lr() {
  const int64_t step_num = last_epoch_;
  EMBER_CHECK(step_num <= total_steps_, "OneCycleLR: tried to step ", step_num + 1,
              " times. The specified number of total steps is ", total_steps_);
  struct Phase {
    double end_step, start_lr, end_lr, start_momentum, end_momentum;
  };
  const double total = static_cast<double>(total_steps_);
  std::vector<double> lrs;
  auto &groups = optimizer_->param_groups();
  for (size_t i = 0; i < groups.size(); ++i) {
    const double initial = *groups[i].initial_lr, peak = max_lrs_[i], floor_lr = min_lrs_[i];
    const double high_m = cycle_momentum_ ? max_momentums_[i] : 0;
    const double low_m = cycle_momentum_ ? base_momentums_[i] : 0;
    std::vector<Phase> phases;
    if (three_phase_)
      phases = {{pct_start_ * total - 1, initial, peak, high_m, low_m},
                {2 * pct_start_ * total - 2, peak, initial, low_m, high_m},
                {total - 1, initial, floor_lr, high_m, high_m}};
    else
      phases = {{pct_start_ * total - 1, initial, peak, high_m, low_m},
                {total - 1, peak, floor_lr, low_m, high_m}};
    double start_step = 0;
    for (size_t k = 0; k < phases.size(); ++k) {
      const Phase &phase = phases[k];
      if (static_cast<double>(step_num) <= phase.end_step || k == phases.size() - 1) {
        const double pct =
            (static_cast<double>(step_num) - start_step) / (phase.end_step - start_step);
        lrs.push_back(anneal(phase.start_lr, phase.end_lr, pct));
        if (cycle_momentum_)
          set_momentum(groups[i], anneal(phase.start_momentum, phase.end_momentum, pct));
        break;
      }
      start_step = phase.end_step;
    }
  }
  return lrs;
}

void OneCycleLR::fields(StateFields &f) {
  LRScheduler::fields(f);
  f("total_steps", total_steps_);
  f("three_phase", three_phase_);
  f("pct_start", pct_start_);
  f("cycle_momentum", cycle_momentum_);
  f("use_beta1", use_beta1_);
  f("max_lrs", max_lrs_);
  f("min_lrs", min_lrs_);
  f("max_momentums", max_momentums_);
  f("base_momentums", base_momentums_);
}

// ---- SequentialLR
// --------------------------------------------------------------------------------

SequentialLR::SequentialLR(Optimizer &optimizer,
                           std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<int64_t> milestones, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), schedulers_(std::move(schedulers)),
      milestones_(std::move(milestones)) {
  for (size_t i = 0; i < schedulers_.size(); ++i)
    EMBER_CHECK(schedulers_[i]->optimizer_ == &optimizer,
                "SequentialLR: expects all schedulers to belong to the same optimizer, but got "
                "schedulers at index ",
                i, " to be different than the optimizer passed in");
  EMBER_CHECK(milestones_.size() + 1 == schedulers_.size(),
              "SequentialLR: expects number of schedulers provided to be one more than the "
              "number of milestone points, but got number of schedulers ",
              schedulers_.size(), " and the number of milestones to be equal to ",
              milestones_.size());
  // Undo the first steps the schedulers took when they were built, then start the first one.
  last_epoch_ = last_epoch + 1;
  for (ParamGroup &group : optimizer.param_groups())
    group.options().set_lr(*group.initial_lr);
  for (auto &scheduler : schedulers_)
    scheduler->last_epoch_ -= 1;
  schedulers_[0]->initial_step();
  last_lr_ = schedulers_[0]->get_last_lr();
}

void SequentialLR::step() {
  ++last_epoch_;
  const size_t index =
      std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();
  LRScheduler &scheduler = *schedulers_[index];
  if (index > 0 && milestones_[index - 1] == last_epoch_)
    scheduler.step(0.0);
  else
    scheduler.step();
  last_lr_ = scheduler.get_last_lr();
}

StateDict SequentialLR::state_dict() {
  StateDict result = LRScheduler::state_dict();
  for (size_t i = 0; i < schedulers_.size(); ++i)
    nest(result, "_schedulers.", i, schedulers_[i]->state_dict());
  return result;
}

void SequentialLR::load_state_dict(const StateDict &state_dict) {
  LRScheduler::load_state_dict(state_dict);
  for (size_t i = 0; i < schedulers_.size(); ++i)
    schedulers_[i]->load_state_dict(unnest(state_dict, "_schedulers.", i));
}

// ---- ChainedScheduler
// ----------------------------------------------------------------------------

ChainedScheduler::ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers)
    : schedulers_(std::move(schedulers)) {
  EMBER_CHECK(!schedulers_.empty(), "ChainedScheduler: expects at least one scheduler");
  for (size_t i = 1; i < schedulers_.size(); ++i)
    EMBER_CHECK(&schedulers_[i]->optimizer() == &schedulers_[0]->optimizer(),
                "ChainedScheduler: expects all schedulers to belong to the same optimizer, but "
                "got schedulers at index 0 and ",
                i, " to be different");
  last_lr_ = lrs_of(schedulers_.back()->optimizer());
}

void ChainedScheduler::step() {
  for (auto &scheduler : schedulers_)
    scheduler->step();
  last_lr_ = lrs_of(schedulers_.back()->optimizer());
}

StateDict ChainedScheduler::state_dict() {
  StateDict result{{"_last_lr", last_lr_}};
  for (size_t i = 0; i < schedulers_.size(); ++i)
    nest(result, "_schedulers.", i, schedulers_[i]->state_dict());
  return result;
}

void ChainedScheduler::load_state_dict(const StateDict &state_dict) {
  StateFields reader = StateFields::reader(state_dict);
  reader("_last_lr", last_lr_);
  for (size_t i = 0; i < schedulers_.size(); ++i)
    schedulers_[i]->load_state_dict(unnest(state_dict, "_schedulers.", i));
}

// ---- ReduceLROnPlateau
// ---------------------------------------------------------------------------

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer &optimizer, const ReduceLROnPlateauOptions &options)
    : optimizer_(&optimizer), options_(options),
      min_lrs_(per_group(optimizer, "ReduceLROnPlateau", "min_lr", options.min_lr())),
      last_lr_(lrs_of(optimizer)) {
  EMBER_CHECK(options.factor() < 1.0, "ReduceLROnPlateau: factor should be < 1.0, got ",
              options.factor());
  EMBER_CHECK(options.mode() == "min" || options.mode() == "max", "ReduceLROnPlateau: mode ",
              options.mode(), " is unknown!");
  EMBER_CHECK(options.threshold_mode() == "rel" || options.threshold_mode() == "abs",
              "ReduceLROnPlateau: threshold mode ", options.threshold_mode(), " is unknown!");
  best_ = options.mode() == "min" ? std::numeric_limits<double>::infinity()
                                  : -std::numeric_limits<double>::infinity();
}

bool ReduceLROnPlateau::is_better(double value) const {
  const double threshold = options_.threshold();
  const bool relative = options_.threshold_mode() == "rel";
  if (options_.mode() == "min")
    return relative ? value < best_ * (1. - threshold) : value < best_ - threshold;
  return relative ? value > best_ * (threshold + 1.) : value > best_ + threshold;
}

void ReduceLROnPlateau::step(double metric) {
  last_epoch_ += 1;
  if (is_better(metric)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  if (cooldown_counter_ > 0) {
    cooldown_counter_ -= 1;
    num_bad_epochs_ = 0; // bad epochs in cooldown do not count
  }
  if (num_bad_epochs_ > options_.patience()) {
    auto &groups = optimizer_->param_groups();
    for (size_t i = 0; i < groups.size(); ++i) {
      const double old_lr = groups[i].options().get_lr();
      const double new_lr = std::max(old_lr * options_.factor(), min_lrs_[i]);
      if (old_lr - new_lr > options_.eps())
        groups[i].options().set_lr(new_lr);
    }
    cooldown_counter_ = options_.cooldown();
    num_bad_epochs_ = 0;
  }
  last_lr_ = lrs_of(*optimizer_);
}

void ReduceLROnPlateau::fields(StateFields &f) {
  f("mode", options_.mode());
  f("factor", options_.factor());
  f("patience", options_.patience());
  f("threshold", options_.threshold());
  f("threshold_mode", options_.threshold_mode());
  f("cooldown", options_.cooldown());
  f("eps", options_.eps());
  f("min_lrs", min_lrs_);
  f("best", best_);
  f("num_bad_epochs", num_bad_epochs_);
  f("cooldown_counter", cooldown_counter_);
  f("last_epoch", last_epoch_);
  f("_last_lr", last_lr_);
}

StateDict ReduceLROnPlateau::state_dict() {
  StateDict result;
  StateFields writer = StateFields::writer(result);
  fields(writer);
  return result;
}

void ReduceLROnPlateau::load_state_dict(const StateDict &state_dict) {
  StateFields reader = StateFields::reader(state_dict);
  fields(reader);
}

} // namespace ember::optim
