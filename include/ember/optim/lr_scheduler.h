// Learning-rate schedulers (torch.optim.lr_scheduler). Each follows torch 1.13's step() path:
// most compute the next lr from the group's current lr (the "chainable" form, so schedulers can be
// stacked), which gives slightly different numbers from the closed forms; step(epoch) uses the
// closed form where torch has one. Scheduler state is a StateDict (see optimizer.h).
//
// As in torch, constructing a scheduler performs its first step (setting each group's lr to the
// schedule's value at epoch 0) and records each group's initial_lr.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ember/optim/optimizer.h"

namespace ember::optim {

class LRScheduler {
public:
  // last_epoch -1 starts a new schedule; otherwise every group must have its initial_lr.
  LRScheduler(Optimizer &optimizer, int64_t last_epoch);
  LRScheduler(const LRScheduler &) = delete;
  LRScheduler &operator=(const LRScheduler &) = delete;
  virtual ~LRScheduler() = default;

  // Advances one epoch and sets each group's lr.
  virtual void step();
  // Jumps to epoch, using the closed form where one exists (torch's deprecated step(epoch)).
  virtual void step(double epoch);
  // The lrs set by the last step, one per group.
  const std::vector<double> &get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double> &base_lrs() const { return base_lrs_; }
  Optimizer &optimizer() const { return *optimizer_; }

  virtual StateDict state_dict();
  virtual void load_state_dict(const StateDict &state_dict);

protected:
  // The lrs at last_epoch, from the groups' current lrs (chainable form).
  virtual std::vector<double> get_lr() = 0;
  // The lrs at last_epoch from base_lrs alone, for schedulers that have such a form.
  virtual std::optional<std::vector<double>> closed_form_lr() { return std::nullopt; }
  // Lists the scheduler's state for state_dict/load_state_dict; overrides call the base first.
  virtual void fields(StateFields &fields);
  // The first step, which every derived constructor calls last (a base constructor cannot
  // reach the derived get_lr).
  void initial_step();
  void apply_lrs(const std::vector<double> &lrs);
  std::vector<double> group_lrs() const;

  Optimizer *optimizer_;
  int64_t last_epoch_;
  int64_t step_count_ = 0;
  std::vector<double> base_lrs_;
  std::vector<double> last_lr_;

private:
  friend class SequentialLR;
};

// lr = initial_lr * lr_lambda(epoch), one function for all groups or one per group.
class LambdaLR : public LRScheduler {
public:
  using Lambda = std::function<double(int64_t)>;
  LambdaLR(Optimizer &optimizer, Lambda lr_lambda, int64_t last_epoch = -1);
  LambdaLR(Optimizer &optimizer, std::vector<Lambda> lr_lambdas, int64_t last_epoch = -1);

protected:
  std::vector<double> get_lr() override;

private:
  std::vector<Lambda> lr_lambdas_;
};

// Multiplies the lr by gamma every step_size epochs.
class StepLR : public LRScheduler {
public:
  StepLR(Optimizer &optimizer, int64_t step_size, double gamma = 0.1, int64_t last_epoch = -1);

protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;
  void fields(StateFields &fields) override;

private:
  int64_t step_size_;
  double gamma_;
};

// Multiplies the lr by gamma at each milestone (a milestone listed twice counts twice).
class MultiStepLR : public LRScheduler {
public:
  MultiStepLR(Optimizer &optimizer, std::vector<int64_t> milestones, double gamma = 0.1,
              int64_t last_epoch = -1);

protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;
  void fields(StateFields &fields) override;

private:
  std::vector<int64_t> milestones_; // sorted
  double gamma_;
};

// lr * factor until total_iters, then lr.
class ConstantLR : public LRScheduler {
public:
  ConstantLR(Optimizer &optimizer, double factor = 1.0 / 3, int64_t total_iters = 5,
             int64_t last_epoch = -1);

protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;
  void fields(StateFields &fields) override;

private:
  double factor_;
  int64_t total_iters_;
};

// The factor moves linearly from start_factor to end_factor over total_iters epochs.
class LinearLR : public LRScheduler {
public:
  LinearLR(Optimizer &optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0,
           int64_t total_iters = 5, int64_t last_epoch = -1);

protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;
  void fields(StateFields &fields) override;

private:
  double start_factor_;
  double end_factor_;
  int64_t total_iters_;
};

// Multiplies the lr by gamma every epoch.
class ExponentialLR : public LRScheduler {
public:
  ExponentialLR(Optimizer &optimizer, double gamma, int64_t last_epoch = -1);

protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;
  void fields(StateFields &fields) override;

private:
  double gamma_;
};

// lr = initial_lr * (1 - epoch / total_iters) ^ power, then constant.
class PolynomialLR : public LRScheduler {
public:
  PolynomialLR(Optimizer &optimizer, int64_t total_iters = 5, double power = 1.0,
               int64_t last_epoch = -1);

protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;
  void fields(StateFields &fields) override;

private:
  int64_t total_iters_;
  double power_;
};

// Cosine annealing from the initial lr to eta_min over T_max epochs (and back up after).
class CosineAnnealingLR : public LRScheduler {
public:
  CosineAnnealingLR(Optimizer &optimizer, int64_t T_max, double eta_min = 0,
                    int64_t last_epoch = -1);

protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;
  void fields(StateFields &fields) override;

private:
  int64_t T_max_;
  double eta_min_;
};

// Cosine annealing restarted every T_i epochs, T_i growing by T_mult at each restart (SGDR).
// step(epoch) accepts fractional epochs.
class CosineAnnealingWarmRestarts : public LRScheduler {
public:
  CosineAnnealingWarmRestarts(Optimizer &optimizer, int64_t T_0, int64_t T_mult = 1,
                              double eta_min = 0, int64_t last_epoch = -1);
  void step() override;
  void step(double epoch) override;

protected:
  std::vector<double> get_lr() override;
  void fields(StateFields &fields) override;

private:
  int64_t T_0_;
  int64_t T_i_;
  int64_t T_mult_;
  double eta_min_;
  double T_cur_;
};

struct CyclicLROptions {
  CyclicLROptions(std::vector<double> base_lr, std::vector<double> max_lr)
      : base_lr_(std::move(base_lr)), max_lr_(std::move(max_lr)) {}
  CyclicLROptions(double base_lr, double max_lr) : base_lr_({base_lr}), max_lr_({max_lr}) {}
  // One value for all groups, or one per group.
  EMBER_OPTIM_ARG(std::vector<double>, base_lr);
  EMBER_OPTIM_ARG(std::vector<double>, max_lr);
  EMBER_OPTIM_ARG(int64_t, step_size_up) = 2000;
  // Defaults to step_size_up.
  EMBER_OPTIM_ARG(std::optional<int64_t>, step_size_down);
  // "triangular", "triangular2" or "exp_range"; ignored when scale_fn is given.
  EMBER_OPTIM_ARG(std::string, mode) = "triangular";
  EMBER_OPTIM_ARG(double, gamma) = 1.0;
  // A custom amplitude scale, evaluated at the cycle number or iteration (scale_mode).
  EMBER_OPTIM_ARG(std::function<double(double)>, scale_fn);
  EMBER_OPTIM_ARG(std::string, scale_mode) = "cycle";
  EMBER_OPTIM_ARG(bool, cycle_momentum) = true;
  EMBER_OPTIM_ARG(std::vector<double>, base_momentum) = {0.8};
  EMBER_OPTIM_ARG(std::vector<double>, max_momentum) = {0.9};
  EMBER_OPTIM_ARG(int64_t, last_epoch) = -1;
};

// Cycles the lr between base_lr and max_lr (and the momentum the opposite way).
class CyclicLR : public LRScheduler {
public:
  CyclicLR(Optimizer &optimizer, const CyclicLROptions &options);

protected:
  std::vector<double> get_lr() override;
  void fields(StateFields &fields) override;

private:
  double scale(double x) const;

  std::vector<double> max_lrs_;
  double total_size_;
  double step_ratio_;
  std::string mode_;
  double gamma_;
  std::function<double(double)> scale_fn_;
  std::string scale_mode_;
  bool cycle_momentum_;
  std::vector<double> base_momentums_;
  std::vector<double> max_momentums_;
};

// The cycle's length is total_steps or, as in torch when that is not given, epochs *
// steps_per_epoch: OneCycleLROptions(0.1).epochs(5).steps_per_epoch(938).
struct OneCycleLROptions {
  OneCycleLROptions(std::vector<double> max_lr, int64_t total_steps = 0)
      : max_lr_(std::move(max_lr)), total_steps_(total_steps) {}
  OneCycleLROptions(double max_lr, int64_t total_steps = 0)
      : max_lr_({max_lr}), total_steps_(total_steps) {}
  EMBER_OPTIM_ARG(std::vector<double>, max_lr);
  EMBER_OPTIM_ARG(int64_t, total_steps);
  EMBER_OPTIM_ARG(int64_t, epochs) = 0;
  EMBER_OPTIM_ARG(int64_t, steps_per_epoch) = 0;
  EMBER_OPTIM_ARG(double, pct_start) = 0.3;
  // "cos" or "linear".
  EMBER_OPTIM_ARG(std::string, anneal_strategy) = "cos";
  EMBER_OPTIM_ARG(bool, cycle_momentum) = true;
  EMBER_OPTIM_ARG(std::vector<double>, base_momentum) = {0.85};
  EMBER_OPTIM_ARG(std::vector<double>, max_momentum) = {0.95};
  EMBER_OPTIM_ARG(double, div_factor) = 25.0;
  EMBER_OPTIM_ARG(double, final_div_factor) = 1e4;
  EMBER_OPTIM_ARG(bool, three_phase) = false;
  EMBER_OPTIM_ARG(int64_t, last_epoch) = -1;
};

// The 1cycle policy: warm up to max_lr, then anneal far below the initial lr. The momentum
// ("momentum", or beta1 of "betas") cycles inversely.
class OneCycleLR : public LRScheduler {
public:
  OneCycleLR(Optimizer &optimizer, const OneCycleLROptions &options);

protected:
  std::vector<double> get_lr() override;
  void fields(StateFields &fields) override;

private:
  double anneal(double start, double end, double pct) const;
  void set_momentum(ParamGroup &group, double momentum) const;

  int64_t total_steps_;
  bool cosine_;
  bool three_phase_;
  double pct_start_;
  bool cycle_momentum_;
  bool use_beta1_;
  std::vector<double> max_lrs_, min_lrs_, max_momentums_, base_momentums_;
};

// Runs schedulers one after another, switching at the milestones.
class SequentialLR : public LRScheduler {
public:
  SequentialLR(Optimizer &optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
               std::vector<int64_t> milestones, int64_t last_epoch = -1);
  void step() override;
  StateDict state_dict() override;
  void load_state_dict(const StateDict &state_dict) override;

protected:
  std::vector<double> get_lr() override { return group_lrs(); }

private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<int64_t> milestones_;
};

// Steps every scheduler at each step, so their factors multiply.
class ChainedScheduler {
public:
  explicit ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers);
  void step();
  const std::vector<double> &get_last_lr() const { return last_lr_; }
  StateDict state_dict();
  void load_state_dict(const StateDict &state_dict);

private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<double> last_lr_;
};

struct ReduceLROnPlateauOptions {
  // "min": a lower metric is better; "max": a higher one.
  EMBER_OPTIM_ARG(std::string, mode) = "min";
  EMBER_OPTIM_ARG(double, factor) = 0.1;
  EMBER_OPTIM_ARG(int64_t, patience) = 10;
  EMBER_OPTIM_ARG(double, threshold) = 1e-4;
  // "rel" or "abs".
  EMBER_OPTIM_ARG(std::string, threshold_mode) = "rel";
  EMBER_OPTIM_ARG(int64_t, cooldown) = 0;
  // One value for all groups, or one per group.
  EMBER_OPTIM_ARG(std::vector<double>, min_lr) = {0.0};
  EMBER_OPTIM_ARG(double, eps) = 1e-8;
};

// Multiplies the lr by factor when the metric has not improved for patience epochs.
class ReduceLROnPlateau {
public:
  explicit ReduceLROnPlateau(Optimizer &optimizer, const ReduceLROnPlateauOptions &options = {});
  void step(double metric);
  const std::vector<double> &get_last_lr() const { return last_lr_; }
  StateDict state_dict();
  void load_state_dict(const StateDict &state_dict);

private:
  bool is_better(double value) const;
  void fields(StateFields &fields);

  Optimizer *optimizer_;
  ReduceLROnPlateauOptions options_;
  std::vector<double> min_lrs_;
  double best_;
  int64_t num_bad_epochs_ = 0;
  int64_t cooldown_counter_ = 0;
  int64_t last_epoch_ = 0;
  std::vector<double> last_lr_;
};

} // namespace ember::optim
