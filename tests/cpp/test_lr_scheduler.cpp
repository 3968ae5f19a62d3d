// Learning-rate schedulers: each schedule's lrs (and cycled momentum) step by step against
// torch 1.13 (numbers from tests/reference/optim_reference.py), state_dict round trips and errors.
#include <cmath>
#include <functional>
#include <memory>

#include "ember/optim.h"
#include "test_util.h"

using namespace ember;
using namespace ember::optim;

namespace {

using Stepper = std::function<void(int64_t step)>;

const std::vector<double> kPlateauMetrics = {1.0, 0.9,  0.95, 0.93, 0.92, 0.91, 0.95, 0.5,
                                             0.6, 0.55, 0.56, 0.57, 0.58, 0.59, 0.6,  0.61};

template <typename Scheduler, typename... Args> Stepper make(Optimizer &o, Args &&...args) {
  auto scheduler = std::make_shared<Scheduler>(o, std::forward<Args>(args)...);
  return [scheduler](int64_t) { scheduler->step(); };
}

Stepper sequential(Optimizer &o, std::vector<std::shared_ptr<LRScheduler>> schedulers,
                   std::vector<int64_t> milestones) {
  auto scheduler = std::make_shared<SequentialLR>(o, std::move(schedulers), std::move(milestones));
  return [scheduler](int64_t) { scheduler->step(); };
}

Stepper chained(std::vector<std::shared_ptr<LRScheduler>> schedulers) {
  auto scheduler = std::make_shared<ChainedScheduler>(std::move(schedulers));
  return [scheduler](int64_t) { scheduler->step(); };
}

Stepper plateau(Optimizer &o, const ReduceLROnPlateauOptions &options) {
  auto scheduler = std::make_shared<ReduceLROnPlateau>(o, options);
  return [scheduler](int64_t step) { scheduler->step(kPlateauMetrics[step]); };
}

// Two groups (lr 0.1 and 0.05): SGD with momentum 0.9, or Adam.
std::unique_ptr<Optimizer> make_optimizer(bool adam, TensorList &params) {
  params = {zeros({1}, dtype(kFloat64)).requires_grad_(),
            zeros({1}, dtype(kFloat64)).requires_grad_()};
  if (adam)
    return std::make_unique<Adam>(
        std::vector<ParamGroup>{ParamGroup({params[0]}),
                                ParamGroup({params[1]}, AdamOptions(0.05))},
        AdamOptions(0.1));
  return std::make_unique<SGD>(
      std::vector<ParamGroup>{ParamGroup({params[0]}),
                              ParamGroup({params[1]}, SGDOptions(0.05).momentum(0.9))},
      SGDOptions(0.1).momentum(0.9));
}

double momentum_of(const OptimizerOptions &options) {
  if (options.has("betas"))
    return std::get<std::vector<double>>(options.get("betas"))[0];
  return std::get<double>(options.get("momentum"));
}

struct SchedulerCase {
  const char *name;
  bool adam;
  int64_t steps;
  std::function<Stepper(Optimizer &)> make;
  std::vector<double> lrs;     // both groups' lrs at construction and after each step
  std::vector<double> momenta; // group 0's momentum (or beta1) at the same points
};

void record(const Optimizer &optimizer, std::vector<double> &lrs, std::vector<double> &momenta) {
  for (const ParamGroup &group : optimizer.param_groups())
    lrs.push_back(group.options().get_lr());
  momenta.push_back(momentum_of(optimizer.param_groups()[0].options()));
}

void expect_values(const std::vector<double> &actual, const std::vector<double> &expected,
                   const std::string &name) {
  ASSERT_EQ(actual.size(), expected.size()) << name;
  for (size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], 1e-12 + 1e-12 * std::abs(expected[i]))
        << name << " at " << i;
}

} // namespace

TEST(LRScheduler, MatchesTorch) {
  const std::vector<SchedulerCase> cases = {
      // BEGIN GENERATED schedulers
      {"StepLR",
       false,
       12,
       [](Optimizer &o) { return make<StepLR>(o, 3, 0.5); },
       {0.1,    0.05,    0.1,    0.05,    0.1,    0.05,    0.05,    0.025,   0.05,
        0.025,  0.05,    0.025,  0.025,   0.0125, 0.025,   0.0125,  0.025,   0.0125,
        0.0125, 0.00625, 0.0125, 0.00625, 0.0125, 0.00625, 0.00625, 0.003125},
       {0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9}},
      {"MultiStepLR",
       false,
       12,
       [](Optimizer &o) {
         return make<MultiStepLR>(o, std::vector<int64_t>{5, 2, 5, 9}, 0.3);
       },
       {0.1,
        0.05,
        0.1,
        0.05,
        0.03,
        0.015,
        0.03,
        0.015,
        0.03,
        0.015,
        0.0026999999999999997,
        0.0013499999999999999,
        0.0026999999999999997,
        0.0013499999999999999,
        0.0026999999999999997,
        0.0013499999999999999,
        0.0026999999999999997,
        0.0013499999999999999,
        0.0008099999999999998,
        0.0004049999999999999,
        0.0008099999999999998,
        0.0004049999999999999,
        0.0008099999999999998,
        0.0004049999999999999,
        0.0008099999999999998,
        0.0004049999999999999},
       {0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9}},
      {"ExponentialLR",
       false,
       10,
       [](Optimizer &o) { return make<ExponentialLR>(o, 0.9); },
       {0.1,
        0.05,
        0.09000000000000001,
        0.045000000000000005,
        0.08100000000000002,
        0.04050000000000001,
        0.07290000000000002,
        0.03645000000000001,
        0.06561000000000002,
        0.03280500000000001,
        0.05904900000000002,
        0.02952450000000001,
        0.05314410000000002,
        0.02657205000000001,
        0.04782969000000002,
        0.02391484500000001,
        0.043046721000000024,
        0.021523360500000012,
        0.03874204890000002,
        0.01937102445000001,
        0.03486784401000002,
        0.01743392200500001},
       {0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9}},
      {"CosineAnnealingLR",
       false,
       16,
       [](Optimizer &o) { return make<CosineAnnealingLR>(o, 5, 0.001); },
       {0.1,
        0.05,
        0.0905463412215599,
        0.045320916362186214,
        0.06579634122155989,
        0.03307091636218621,
        0.035203658778440096,
        0.017929083637813786,
        0.010453658778440105,
        0.005679083637813789,
        0.001,
        0.001,
        0.010453658778440102,
        0.005679083637813788,
        0.03520365877844012,
        0.017929083637813797,
        0.06579634122155993,
        0.03307091636218623,
        0.09054634122155995,
        0.04532091636218624,
        0.10000000000000005,
        0.05000000000000003,
        0.09054634122155998,
        0.045320916362186256,
        0.06579634122155995,
        0.03307091636218624,
        0.03520365877844014,
        0.017929083637813807,
        0.010453658778440116,
        0.005679083637813795,
        0.001,
        0.001,
        0.010453658778440102,
        0.005679083637813788},
       {0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9}},
      {"CosineAnnealingWarmRestarts",
       false,
       12,
       [](Optimizer &o) { return make<CosineAnnealingWarmRestarts>(o, 4); },
       {0.1,  0.05,  0.08535533905932738,  0.04267766952966369,
        0.05, 0.025, 0.014644660940672627, 0.0073223304703363135,
        0.1,  0.05,  0.08535533905932738,  0.04267766952966369,
        0.05, 0.025, 0.014644660940672627, 0.0073223304703363135,
        0.1,  0.05,  0.08535533905932738,  0.04267766952966369,
        0.05, 0.025, 0.014644660940672627, 0.0073223304703363135,
        0.1,  0.05},
       {0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9}},
      {"CosineAnnealingWarmRestarts T_mult",
       false,
       16,
       [](Optimizer &o) { return make<CosineAnnealingWarmRestarts>(o, 3, 2, 0.01); },
       {0.1,
        0.05,
        0.0775,
        0.04,
        0.032500000000000015,
        0.020000000000000004,
        0.1,
        0.05,
        0.09397114317029975,
        0.04732050807568878,
        0.0775,
        0.04,
        0.05500000000000001,
        0.03,
        0.032500000000000015,
        0.020000000000000004,
        0.01602885682970026,
        0.012679491924311226,
        0.1,
        0.05,
        0.09846666218300808,
        0.04931851652578137,
        0.09397114317029975,
        0.04732050807568878,
        0.08681980515339464,
        0.044142135623730955,
        0.0775,
        0.04,
        0.06664685702961344,
        0.035176380902050414,
        0.05500000000000001,
        0.03,
        0.04335314297038658,
        0.024823619097949588},
       {0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9}},
      {"LinearLR",
       false,
       8,
       [](Optimizer &o) { return make<LinearLR>(o, 0.25, 1.0, 4); },
       {0.025, 0.0125, 0.043750000000000004, 0.021875000000000002, 0.06250000000000001,
        0.03125000000000001, 0.08125000000000002, 0.04062500000000001, 0.10000000000000002,
        0.05000000000000001, 0.10000000000000002, 0.05000000000000001, 0.10000000000000002,
        0.05000000000000001, 0.10000000000000002, 0.05000000000000001, 0.10000000000000002,
        0.05000000000000001},
       {0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9}},
      {"ConstantLR",
       false,
       6,
       [](Optimizer &o) { return make<ConstantLR>(o, 0.5, 3); },
       {0.05, 0.025, 0.05, 0.025, 0.05, 0.025, 0.1, 0.05, 0.1, 0.05, 0.1, 0.05, 0.1, 0.05},
       {0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9}},
      {"LambdaLR",
       false,
       6,
       [](Optimizer &o) {
         return make<LambdaLR>(
             o, [](int64_t epoch) { return std::pow(0.95, static_cast<double>(epoch)); });
       },
       {0.1, 0.05, 0.095, 0.0475, 0.09025, 0.045125, 0.0857375, 0.04286875, 0.081450625,
        0.0407253125, 0.07737809374999999, 0.038689046874999994, 0.07350918906249998,
        0.03675459453124999},
       {0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9}},
      {"PolynomialLR",
       false,
       8,
       [](Optimizer &o) { return make<PolynomialLR>(o, 6, 2.0); },
       {0.1, 0.05, 0.06944444444444446, 0.03472222222222223, 0.04444444444444447,
        0.022222222222222233, 0.02500000000000001, 0.012500000000000004, 0.011111111111111117,
        0.005555555555555558, 0.0027777777777777775, 0.0013888888888888887, 0.0, 0.0, 0.0, 0.0, 0.0,
        0.0},
       {0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9}},
      {"OneCycleLR",
       false,
       15,
       [](Optimizer &o) {
         return make<OneCycleLR>(o, OneCycleLROptions({1.0, 0.5}, 15));
       },
       {0.040000000000000036,
        0.020000000000000018,
        0.2207248951078079,
        0.11036244755390395,
        0.6268100482990309,
        0.31340502414951543,
        0.9524650565931612,
        0.4762325282965806,
        0.9944154354509117,
        0.49720771772545586,
        0.9504846320134737,
        0.47524231600673683,
        0.8665264698111694,
        0.4332632349055847,
        0.750001,
        0.3750005,
        0.6112620219362893,
        0.30563101096814466,
        0.46263710266697505,
        0.23131855133348753,
        0.31733221849885124,
        0.15866610924942562,
        0.18825834605023697,
        0.09412917302511849,
        0.08688426531955129,
        0.043442132659775645,
        0.02221750825254118,
        0.01110875412627059,
        4e-06,
        2e-06,
        0.022217508252541235,
        0.011108754126270617},
       {0.95, 0.9311744900929366, 0.8888739533021842, 0.854951556604879, 0.8505584586887436,
        0.854951556604879, 0.8633474064085087, 0.875, 0.8888739533021842, 0.9037365046793212,
        0.9182670512183198, 0.9311744900929366, 0.9413119387157997, 0.947778640289307, 0.95,
        0.947778640289307}},
      {"OneCycleLR three_phase linear",
       false,
       20,
       [](Optimizer &o) {
         return make<OneCycleLR>(
             o, OneCycleLROptions(0.8, 20).three_phase(true).anneal_strategy("linear").pct_start(
                    0.25));
       },
       {0.032,
        0.032,
        0.224,
        0.224,
        0.41600000000000004,
        0.41600000000000004,
        0.6080000000000001,
        0.6080000000000001,
        0.8,
        0.8,
        0.6080000000000001,
        0.6080000000000001,
        0.41600000000000004,
        0.41600000000000004,
        0.22399999999999998,
        0.22399999999999998,
        0.03200000000000003,
        0.03200000000000003,
        0.0290912,
        0.0290912,
        0.0261824,
        0.0261824,
        0.023273600000000002,
        0.023273600000000002,
        0.020364800000000002,
        0.020364800000000002,
        0.017456,
        0.017456,
        0.014547200000000003,
        0.014547200000000003,
        0.0116384,
        0.0116384,
        0.0087296,
        0.0087296,
        0.005820800000000001,
        0.005820800000000001,
        0.0029120000000000014,
        0.0029120000000000014,
        3.2000000000018125e-06,
        3.2000000000018125e-06,
        -0.0029055999999999943,
        -0.0029055999999999943},
       {0.95,
        0.9249999999999999,
        0.8999999999999999,
        0.875,
        0.85,
        0.875,
        0.8999999999999999,
        0.9249999999999999,
        0.95,
        0.95,
        0.95,
        0.95,
        0.95,
        0.95,
        0.95,
        0.95,
        0.95,
        0.95,
        0.95,
        0.95,
        0.95}},
      {"OneCycleLR Adam",
       true,
       10,
       [](Optimizer &o) { return make<OneCycleLR>(o, OneCycleLROptions(0.01, 10)); },
       {0.0003999999999999993,
        0.0003999999999999993,
        0.0052,
        0.0052,
        0.01,
        0.01,
        0.009504846320134737,
        0.009504846320134737,
        0.008117456539497631,
        0.008117456539497631,
        0.0061126202193628925,
        0.0061126202193628925,
        0.003887419780637108,
        0.003887419780637108,
        0.00188258346050237,
        0.00188258346050237,
        0.0004951936798652628,
        0.0004951936798652628,
        4e-08,
        4e-08,
        0.0004951936798652623,
        0.0004951936798652623},
       {0.95, 0.8999999999999999, 0.85, 0.854951556604879, 0.8688255099070633, 0.8888739533021842,
        0.9111260466978157, 0.9311744900929366, 0.945048443395121, 0.95, 0.945048443395121}},
      {"CyclicLR triangular2",
       false,
       14,
       [](Optimizer &o) {
         return make<CyclicLR>(o, CyclicLROptions(0.01, 0.1).step_size_up(3).mode("triangular2"));
       },
       {0.01,
        0.01,
        0.040000000000000015,
        0.040000000000000015,
        0.06999999999999999,
        0.06999999999999999,
        0.1,
        0.1,
        0.07000000000000003,
        0.07000000000000003,
        0.03999999999999998,
        0.03999999999999998,
        0.01,
        0.01,
        0.02500000000000003,
        0.02500000000000003,
        0.03999999999999998,
        0.03999999999999998,
        0.05500000000000001,
        0.05500000000000001,
        0.03999999999999998,
        0.03999999999999998,
        0.02500000000000003,
        0.02500000000000003,
        0.01,
        0.01,
        0.017499999999999995,
        0.017499999999999995,
        0.02500000000000001,
        0.02500000000000001},
       {0.9, 0.8666666666666667, 0.8333333333333334, 0.8, 0.8333333333333334, 0.8666666666666667,
        0.9, 0.8833333333333333, 0.8666666666666667, 0.8500000000000001, 0.8666666666666667,
        0.8833333333333333, 0.9, 0.8916666666666667, 0.8833333333333333}},
      {"CyclicLR exp_range",
       false,
       14,
       [](Optimizer &o) {
         return make<CyclicLR>(o, CyclicLROptions({0.01, 0.02}, {0.1, 0.2})
                                      .step_size_up(2)
                                      .step_size_down(4)
                                      .mode("exp_range")
                                      .gamma(0.9)
                                      .cycle_momentum(false));
       },
       {0.01,
        0.02,
        0.050500000000000024,
        0.10100000000000005,
        0.0829,
        0.1658,
        0.05920750000000001,
        0.11841500000000002,
        0.03952450000000001,
        0.07904900000000002,
        0.02328602499999999,
        0.04657204999999998,
        0.01,
        0.02,
        0.03152336050000005,
        0.0630467210000001,
        0.04874204889999998,
        0.09748409779999996,
        0.03615088300750001,
        0.07230176601500002,
        0.02569052980449999,
        0.05138105960899998,
        0.017060738412025014,
        0.03412147682405003,
        0.01,
        0.02,
        0.021438396227480495,
        0.04287679245496099,
        0.030589113209464905,
        0.06117822641892981},
       {0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9}},
      {"SequentialLR",
       false,
       10,
       [](Optimizer &o) {
         return sequential(
             o, {std::make_shared<ConstantLR>(o, 0.1, 2), std::make_shared<ExponentialLR>(o, 0.9)},
             {3});
       },
       {0.010000000000000002,
        0.005000000000000001,
        0.010000000000000002,
        0.005000000000000001,
        0.10000000000000002,
        0.05000000000000001,
        0.1,
        0.05,
        0.09000000000000001,
        0.045000000000000005,
        0.08100000000000002,
        0.04050000000000001,
        0.07290000000000002,
        0.03645000000000001,
        0.06561000000000002,
        0.03280500000000001,
        0.05904900000000002,
        0.02952450000000001,
        0.05314410000000002,
        0.02657205000000001,
        0.04782969000000002,
        0.02391484500000001},
       {0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9}},
      {"SequentialLR warmup cosine",
       false,
       12,
       [](Optimizer &o) {
         return sequential(o,
                           {std::make_shared<LinearLR>(o, 0.1, 1.0, 3),
                            std::make_shared<CosineAnnealingLR>(o, 6)},
                           {3});
       },
       {0.010000000000000002,
        0.005000000000000001,
        0.04,
        0.02,
        0.07,
        0.035,
        0.1,
        0.05,
        0.09330127018922195,
        0.046650635094610975,
        0.07500000000000001,
        0.037500000000000006,
        0.05,
        0.025,
        0.025000000000000012,
        0.012500000000000006,
        0.006698729810778065,
        0.0033493649053890325,
        0.0,
        0.0,
        0.006698729810778065,
        0.0033493649053890325,
        0.025,
        0.0125,
        0.05000000000000004,
        0.02500000000000002},
       {0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9}},
      {"ChainedScheduler",
       false,
       8,
       [](Optimizer &o) {
         return chained(
             {std::make_shared<ConstantLR>(o, 0.1, 3), std::make_shared<ExponentialLR>(o, 0.9)});
       },
       {0.010000000000000002, 0.005000000000000001, 0.009000000000000003, 0.004500000000000001,
        0.008100000000000003, 0.0040500000000000015, 0.07290000000000003, 0.03645000000000002,
        0.06561000000000003, 0.032805000000000015, 0.059049000000000025, 0.029524500000000013,
        0.05314410000000002, 0.02657205000000001, 0.04782969000000002, 0.02391484500000001,
        0.043046721000000024, 0.021523360500000012},
       {0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9}},
      {"ReduceLROnPlateau",
       false,
       16,
       [](Optimizer &o) {
         return plateau(
             o,
             ReduceLROnPlateauOptions().patience(2).factor(0.5).cooldown(1).threshold(0.01).min_lr(
                 {0.02, 0.0}));
       },
       {0.1,   0.05,   0.1,   0.05,   0.1,   0.05,   0.1,  0.05,    0.1,  0.05,   0.05,  0.025,
        0.05,  0.025,  0.05,  0.025,  0.05,  0.025,  0.05, 0.025,   0.05, 0.025,  0.025, 0.0125,
        0.025, 0.0125, 0.025, 0.0125, 0.025, 0.0125, 0.02, 0.00625, 0.02, 0.00625},
       {0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9}},
      {"ReduceLROnPlateau max abs",
       false,
       16,
       [](Optimizer &o) {
         return plateau(
             o, ReduceLROnPlateauOptions().mode("max").threshold_mode("abs").patience(1).threshold(
                    0.02));
       },
       {0.1,
        0.05,
        0.1,
        0.05,
        0.1,
        0.05,
        0.010000000000000002,
        0.005000000000000001,
        0.010000000000000002,
        0.005000000000000001,
        0.0010000000000000002,
        0.0005000000000000001,
        0.0010000000000000002,
        0.0005000000000000001,
        0.00010000000000000003,
        5.0000000000000016e-05,
        0.00010000000000000003,
        5.0000000000000016e-05,
        1.0000000000000004e-05,
        5.000000000000002e-06,
        1.0000000000000004e-05,
        5.000000000000002e-06,
        1.0000000000000004e-06,
        5.000000000000002e-07,
        1.0000000000000004e-06,
        5.000000000000002e-07,
        1.0000000000000005e-07,
        5.0000000000000024e-08,
        1.0000000000000005e-07,
        5.0000000000000024e-08,
        1.0000000000000005e-08,
        5.0000000000000026e-09,
        1.0000000000000005e-08,
        5.0000000000000026e-09},
       {0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9}},
      // END GENERATED
  };
  for (const SchedulerCase &c : cases) {
    TensorList params;
    std::unique_ptr<Optimizer> optimizer = make_optimizer(c.adam, params);
    Stepper step = c.make(*optimizer);
    std::vector<double> lrs, momenta;
    record(*optimizer, lrs, momenta);
    for (int64_t i = 0; i < c.steps; ++i) {
      step(i);
      record(*optimizer, lrs, momenta);
    }
    expect_values(lrs, c.lrs, std::string(c.name) + " lr");
    expect_values(momenta, c.momenta, std::string(c.name) + " momentum");
  }
}

TEST(LRScheduler, GetLastLrAndInitialLr) {
  TensorList params;
  auto optimizer = make_optimizer(false, params);
  StepLR scheduler(*optimizer, 2, 0.5);
  EXPECT_EQ(scheduler.get_last_lr(), (std::vector<double>{0.1, 0.05}));
  scheduler.step();
  scheduler.step();
  EXPECT_EQ(scheduler.get_last_lr(), (std::vector<double>{0.05, 0.025}));
  EXPECT_EQ(scheduler.last_epoch(), 2);
  EXPECT_EQ(optimizer->param_groups()[1].initial_lr, 0.05);
  // The initial lr travels with the optimizer's state.
  OptimizerState saved = optimizer->state_dict();
  EXPECT_EQ(std::get<double>(saved.param_groups[1].options.at("initial_lr")), 0.05);
}

TEST(LRScheduler, StateDictRoundTripContinuesIdentically) {
  TensorList params_a, params_b;
  auto optimizer_a = make_optimizer(false, params_a);
  auto optimizer_b = make_optimizer(false, params_b);
  CosineAnnealingWarmRestarts a(*optimizer_a, 3, 2, 0.01);
  for (int i = 0; i < 5; ++i)
    a.step();
  CosineAnnealingWarmRestarts b(*optimizer_b, 3, 2, 0.01);
  optimizer_b->load_state_dict(optimizer_a->state_dict());
  b.load_state_dict(a.state_dict());
  for (int i = 0; i < 10; ++i) {
    a.step();
    b.step();
    EXPECT_EQ(a.get_last_lr(), b.get_last_lr()) << "step " << i;
  }

  // Nested schedulers and the plateau scheduler.
  auto seq = [](Optimizer &o) {
    return std::make_shared<SequentialLR>(
        o,
        std::vector<std::shared_ptr<LRScheduler>>{std::make_shared<LinearLR>(o, 0.1, 1.0, 3),
                                                  std::make_shared<ExponentialLR>(o, 0.9)},
        std::vector<int64_t>{3});
  };
  auto seq_a = seq(*optimizer_a);
  for (int i = 0; i < 2; ++i)
    seq_a->step();
  auto seq_b = seq(*optimizer_b);
  optimizer_b->load_state_dict(optimizer_a->state_dict());
  seq_b->load_state_dict(seq_a->state_dict());
  for (int i = 0; i < 6; ++i) {
    seq_a->step();
    seq_b->step();
    EXPECT_EQ(seq_a->get_last_lr(), seq_b->get_last_lr()) << "step " << i;
  }

  ReduceLROnPlateau plateau_a(*optimizer_a, ReduceLROnPlateauOptions().patience(1));
  for (double metric : {1.0, 1.0})
    plateau_a.step(metric);
  ReduceLROnPlateau plateau_b(*optimizer_b, ReduceLROnPlateauOptions().patience(1));
  plateau_b.load_state_dict(plateau_a.state_dict());
  optimizer_b->load_state_dict(optimizer_a->state_dict());
  for (double metric : {1.0, 0.5, 0.6, 0.7}) {
    plateau_a.step(metric);
    plateau_b.step(metric);
    EXPECT_EQ(plateau_a.get_last_lr(), plateau_b.get_last_lr());
  }
}

TEST(LRScheduler, ClosedFormStep) {
  TensorList params;
  auto optimizer = make_optimizer(false, params);
  MultiStepLR scheduler(*optimizer, {2, 4}, 0.1);
  scheduler.step(5); // past both milestones
  EXPECT_NEAR(scheduler.get_last_lr()[0], 0.001, 1e-15);
  EXPECT_EQ(scheduler.last_epoch(), 5);
}

// torch's alternative to total_steps: epochs * steps_per_epoch steps.
TEST(LRScheduler, OneCycleFromEpochsAndStepsPerEpoch) {
  TensorList by_total_params, by_epochs_params;
  auto by_total = make_optimizer(false, by_total_params);
  auto by_epochs = make_optimizer(false, by_epochs_params);
  OneCycleLR total(*by_total, OneCycleLROptions(1.0, 15));
  OneCycleLR epochs(*by_epochs, OneCycleLROptions(1.0).epochs(3).steps_per_epoch(5));
  for (int step = 0; step < 15; ++step) {
    EXPECT_EQ(epochs.get_last_lr(), total.get_last_lr()) << "at step " << step;
    if (step < 14) {
      total.step();
      epochs.step();
    }
  }
  // As in torch, one step past the cycle is allowed and the next one is an error.
  epochs.step();
  EXPECT_THROW_WITH(
      epochs.step(),
      "OneCycleLR: tried to step 17 times. The specified number of total steps is 15");
}

TEST(LRScheduler, ErrorMessages) {
  TensorList params;
  auto sgd = make_optimizer(false, params);
  EXPECT_THROW_WITH(StepLR(*sgd, 1, 0.5, 3), "param 'initial_lr' is not specified");
  EXPECT_THROW_WITH(ConstantLR(*sgd, 2.0), "ConstantLR: constant multiplicative factor");
  EXPECT_THROW_WITH(LinearLR(*sgd, 1.5), "LinearLR: starting multiplicative factor");
  EXPECT_THROW_WITH(CosineAnnealingWarmRestarts(*sgd, 0), "expected positive integer T_0");
  EXPECT_THROW_WITH(LambdaLR(*sgd, std::vector<LambdaLR::Lambda>{[](int64_t) { return 1.0; }}),
                    "LambdaLR: expected 2 lr_lambdas, but got 1");
  EXPECT_THROW_WITH(ReduceLROnPlateau(*sgd, ReduceLROnPlateauOptions().factor(1.0)),
                    "factor should be < 1.0");
  EXPECT_THROW_WITH(ReduceLROnPlateau(*sgd, ReduceLROnPlateauOptions().mode("median")),
                    "mode median is unknown!");
  EXPECT_THROW_WITH(CyclicLR(*sgd, CyclicLROptions(0.1, 1.0).mode("square")),
                    "CyclicLR: mode is invalid");
  EXPECT_THROW_WITH(OneCycleLR(*sgd, OneCycleLROptions({1.0, 2.0, 3.0}, 10)),
                    "OneCycleLR: expected 2 values for max_lr, got 3");
  EXPECT_THROW_WITH(OneCycleLR(*sgd, OneCycleLROptions(1.0)),
                    "you must define either total_steps OR (epochs AND steps_per_epoch)");
  EXPECT_THROW_WITH(OneCycleLR(*sgd, OneCycleLROptions(1.0).epochs(3)),
                    "expected positive integer steps_per_epoch, but got 0");
  {
    OneCycleLR one_cycle(*sgd, OneCycleLROptions(1.0, 2));
    one_cycle.step();
    one_cycle.step();
    EXPECT_THROW_WITH(one_cycle.step(), "OneCycleLR: tried to step 4 times");
  }
  TensorList adam_params;
  auto adam = make_optimizer(true, adam_params);
  EXPECT_THROW_WITH(CyclicLR(*adam, CyclicLROptions(0.1, 1.0)),
                    "optimizer must support momentum with `cycle_momentum` option enabled");
  TensorList other_params;
  auto other = make_optimizer(false, other_params);
  auto first = std::make_shared<ExponentialLR>(*sgd, 0.9);
  auto second = std::make_shared<ExponentialLR>(*other, 0.9);
  EXPECT_THROW_WITH(ChainedScheduler({first, second}),
                    "expects all schedulers to belong to the same optimizer");
  EXPECT_THROW_WITH(SequentialLR(*sgd, {first}, {3}), "one more than the number of milestone");
}
