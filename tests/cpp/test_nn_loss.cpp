// nn::functional losses: values against torch 1.13 for every reduction and option, stability for
// extreme inputs, gradients (gradcheck for every option, gradgradcheck for the common losses) and
// error messages.
#include <cmath>
#include <functional>

#include "ember/nn/functional.h"
#include "test_util.h"

using namespace ember;
using ember::testing::expect_close;
using ember::testing::grad_input;
using ember::testing::make;

namespace {

TensorList one(const Tensor &t) { return {t}; }

Tensor indices(std::vector<double> values, Shape sizes) {
  return make(std::move(values), std::move(sizes), kInt64);
}

// Shared inputs of the classification tests (the same numbers went into torch).
Tensor logits() {
  return make({1.0, 2.0, 0.5, -1.0, 0.0, -0.5, 1.5, 2.0, 3.0, 1.0, 0.0, 0.5}, {3, 4});
}
Tensor class_weight() { return make({0.5, 2.0, 1.0, 1.5}, {4}); }
Tensor targets() { return indices({1, 3, 0}, {3}); }
Tensor targets_with_ignored() { return indices({1, -100, 0}, {3}); }
Tensor probabilities() {
  return make({0.1, 0.6, 0.2, 0.1, 0.0, 0.0, 0.5, 0.5, 1.0, 0.0, 0.0, 0.0}, {3, 4});
}
Tensor spatial_logits() { // [N=2, C=3, 2]
  return make({1.0, -1.0, 0.5, 2.0, 0.0, 0.0, 2.0, 0.5, -1.0, 1.0, 0.25, 3.0}, {2, 3, 2});
}

Tensor scalar(double value) { return make({value}, {}); }

} // namespace

// Expected values in this file come from torch 1.13 (torch.nn.functional) on the same inputs.

TEST(NnLoss, RegressionValuesMatchTorch) {
  Tensor x = make({0.5, -1.0, 2.0, 1.5, 0.0, -0.5}, {2, 3});
  Tensor y = make({1.0, 0.5, -1.0, 1.0, 2.5, -0.25}, {2, 3});
  expect_close(F::mse_loss(x, y, "none"), make({0.25, 2.25, 9.0, 0.25, 6.25, 0.0625}, {2, 3}));
  expect_close(F::mse_loss(x, y), scalar(3.010416666667));
  expect_close(F::mse_loss(x, y, "sum"), scalar(18.0625));
  expect_close(F::l1_loss(x, y, "none"), make({0.5, 1.5, 3.0, 0.5, 2.5, 0.25}, {2, 3}));
  expect_close(F::l1_loss(x, y), scalar(1.375));
  expect_close(F::l1_loss(x, y, "sum"), scalar(8.25));
  expect_close(F::smooth_l1_loss(x, y, "none"),
               make({0.125, 1.0, 2.5, 0.125, 2.0, 0.03125}, {2, 3}));
  expect_close(F::smooth_l1_loss(x, y), scalar(0.963541666667));
  expect_close(F::smooth_l1_loss(x, y, "sum"), scalar(5.78125));
  expect_close(F::smooth_l1_loss(x, y, "none", 2.0),
               make({0.0625, 0.5625, 2.0, 0.0625, 1.5, 0.015625}, {2, 3}));
  expect_close(F::smooth_l1_loss(x, y, "none", 0.0), F::l1_loss(x, y, "none"));
  expect_close(F::huber_loss(x, y), scalar(0.963541666667));
  expect_close(F::huber_loss(x, y, "sum"), scalar(5.78125));
  expect_close(F::huber_loss(x, y, "none", 0.5),
               make({0.125, 0.625, 1.375, 0.125, 1.125, 0.03125}, {2, 3}));
  // The target broadcasts, as in torch.
  expect_close(F::mse_loss(x, y[0], "none"), square(x - y[0]));
}

TEST(NnLoss, CrossEntropyValuesMatchTorch) {
  Tensor x = logits(), t = targets(), w = class_weight();
  expect_close(F::cross_entropy(x, t), scalar(0.444334145247));
  expect_close(F::cross_entropy(x, t, {}, -100, "none"),
               make({0.495181898086, 0.601004995223, 0.236815542431}, {3}));
  expect_close(F::cross_entropy(x, t, {}, -100, "sum"), scalar(1.33300243574));
  expect_close(F::cross_entropy(x, t, w), scalar(0.502569765055));
  expect_close(F::cross_entropy(x, t, w, -100, "none"),
               make({0.990363796172, 0.901507492835, 0.118407771215}, {3}));
  // Ignored targets count neither in the sum nor in the mean's denominator.
  expect_close(F::cross_entropy(x, targets_with_ignored()), scalar(0.365998720258));
  expect_close(F::cross_entropy(x, targets_with_ignored(), w), scalar(0.443508626955));
  expect_close(F::cross_entropy(x, indices({1, 2, 0}, {3}), {}, 2), scalar(0.365998720258));
  // Label smoothing, alone and with weight and ignore_index.
  expect_close(F::cross_entropy(x, t, {}, -100, "mean", 0.1), scalar(0.594334145247));
  expect_close(F::cross_entropy(x, t, {}, -100, "none", 0.1),
               make({0.632681898086, 0.726004995223, 0.424315542431}, {3}));
  expect_close(F::cross_entropy(x, targets_with_ignored(), w, -100, "mean", 0.2),
               scalar(0.773006645616));
  expect_close(F::cross_entropy(x, targets_with_ignored(), w, -100, "none", 0.2),
               make({1.241086511459, 0.0, 0.69143010258}, {3}));
  expect_close(F::cross_entropy(x, targets_with_ignored(), {}, -100, "mean", 0.2),
               scalar(0.690998720258));
  // Class probabilities.
  Tensor p = probabilities();
  expect_close(F::cross_entropy(x, p), scalar(0.761000811913));
  expect_close(F::cross_entropy(x, p, {}, -100, "none"),
               make({1.195181898086, 0.851004995223, 0.236815542431}, {3}));
  expect_close(F::cross_entropy(x, p, w, -100, "mean", 0.3), scalar(1.393164816643));
  expect_close(F::cross_entropy(x, p, w, -100, "sum", 0.3), scalar(4.17949444993));
  // Spatial dims and a single unbatched sample.
  Tensor st = indices({0, 1, 2, -100}, {2, 2});
  expect_close(F::cross_entropy(spatial_logits(), st, {}, -100, "none"),
               make({0.680269670642, 0.169846019556, 1.951765469284, 0.0}, {2, 2}));
  expect_close(F::cross_entropy(spatial_logits(), st, make({1.0, 2.0, 0.5}, {3})),
               scalar(0.570241269828));
  expect_close(F::cross_entropy(make({1.0, 2.0, 0.5}, {3}), indices({2}, {})),
               scalar(1.964368784108));
  // All targets ignored: the mean is 0 / 0.
  EXPECT_TRUE(std::isnan(F::cross_entropy(x, indices({-100, -100, -100}, {3})).item<double>()));
  // float32 goes through the same kernels.
  expect_close(F::cross_entropy(x.to(kFloat32), t, w.to(kFloat32)), scalar(0.502569765055), 1e-6);
}

TEST(NnLoss, NllLossValuesMatchTorch) {
  Tensor lp = F::log_softmax(logits(), 1);
  Tensor w = class_weight();
  expect_close(F::nll_loss(lp, targets()), scalar(0.444334145247));
  expect_close(F::nll_loss(lp, targets_with_ignored(), w), scalar(0.443508626955));
  expect_close(F::nll_loss(lp, targets_with_ignored(), w, -100, "none"),
               make({0.990363796172, 0.0, 0.118407771215}, {3}));
  expect_close(F::nll_loss(lp, targets_with_ignored(), w, -100, "sum"), scalar(1.108771567387));
  // Spatial and unbatched layouts agree with cross_entropy.
  Tensor st = indices({0, 1, 2, -100}, {2, 2});
  expect_close(F::nll_loss(F::log_softmax(spatial_logits(), 1), st, {}, -100, "none"),
               F::cross_entropy(spatial_logits(), st, {}, -100, "none"));
  expect_close(F::nll_loss(F::log_softmax(make({1.0, 2.0, 0.5}, {3}), 0), indices({2}, {})),
               scalar(1.964368784108));
}

TEST(NnLoss, BinaryCrossEntropyValuesMatchTorch) {
  Tensor p = make({0.2, 0.9, 0.5, 0.01, 0.7, 0.4}, {2, 3});
  Tensor t = make({0.0, 1.0, 1.0, 1.0, 0.3, 0.0}, {2, 3});
  Tensor w = make({1.0, 2.0, 0.5}, {3});
  expect_close(F::binary_cross_entropy(p, t), scalar(1.181238417249));
  expect_close(F::binary_cross_entropy(p, t, w, "none"),
               make({0.223143551314, 0.210721031316, 0.34657359028, 4.605170185988, 1.89956689242,
                     0.255412811883},
                    {2, 3}));
  // log is clamped to >= -100, and the gradient stays finite at 0 and 1 (torch's 1e-12 floor).
  Tensor edge = make({0.0, 1.0, 1.0}, {3}).requires_grad_();
  Tensor edge_target = make({1.0, 0.0, 1.0}, {3});
  Tensor loss = F::binary_cross_entropy(edge, edge_target, {}, "none");
  expect_close(loss, make({100.0, 100.0, 0.0}, {3}));
  loss.sum().backward();
  expect_close(edge.grad(), make({-1e12, 1e12, 0.0}, {3}), 1e-6);

  Tensor logits = make({-2.0, 0.5, 3.0, 0.0, -0.7, 1.2}, {2, 3});
  expect_close(F::binary_cross_entropy_with_logits(logits, t), scalar(0.569868007263));
  expect_close(
      F::binary_cross_entropy_with_logits(logits, t, w, "none", make({2.0, 0.5, 1.0}, {3})),
      make({0.126928011043, 0.47407698418, 0.024293675787, 1.38629436112, 0.895416283105,
            0.731641233669},
           {2, 3}));
  // Stable for extreme logits.
  expect_close(F::binary_cross_entropy_with_logits(make({1000, -1000, 1000, -1000}, {4}),
                                                   make({1, 0, 0, 1}, {4}), {}, "none"),
               make({0, 0, 1000, 1000}, {4}));
}

TEST(NnLoss, DistributionLossValuesMatchTorch) {
  Tensor lp = F::log_softmax(make({0.5, 1.0, -1.0, 0.0, 2.0, 1.0}, {2, 3}), 1);
  Tensor target = make({0.2, 0.8, 0.0, 0.3, 0.3, 0.4}, {2, 3});
  expect_close(
      F::kl_div(lp, target, "none"),
      make({-0.110896198558, 0.265450694662, 0.0, 0.361089948036, -0.238910051964, 0.196526093028},
           {2, 3}));
  expect_close(F::kl_div(lp, target, "batchmean"), scalar(0.236630242601));
  expect_close(F::kl_div(lp, target), scalar(0.078876747534));
  expect_close(F::kl_div(lp, log(target + 0.1), "sum", true), scalar(1.135450758844));

  Tensor input = make({0.5, -1.0, 2.0, 1.5, 0.2, 0.1}, {2, 3});
  Tensor counts = make({1.0, 0.0, 3.0, 2.0, 5.0, 1.5}, {2, 3});
  expect_close(F::poisson_nll_loss(input, counts, true, false, 1e-8, "none"),
               make({1.1487212707, 0.367879441171, 1.389056098931, 1.481689070338, 0.22140275816,
                     0.955170918076},
                    {2, 3}));
  expect_close(F::poisson_nll_loss(input, counts, true, true), scalar(2.163420564423));
  expect_close(
      F::poisson_nll_loss(abs(input), counts, false, false, 1e-8, "none"),
      make({1.19314716056, 1.0, -0.07944155668, 0.68906977045, 8.247189312171, 3.553877489491},
           {2, 3}));
  expect_close(F::poisson_nll_loss(abs(input), counts, false, true, 1e-8, "sum"),
               scalar(22.020446005153));
}

TEST(NnLoss, EmbeddingLossValuesMatchTorch) {
  Tensor a = make({1.0, 2.0, 0.5, 0.0, -1.0, 1.0, 2.0, 0.5, -0.5}, {3, 3});
  Tensor b = make({0.5, 1.0, 1.0, 1.0, 1.0, 0.0, -1.0, 0.25, 0.5}, {3, 3});
  Tensor n = make({0.0, 0.0, 1.0, 1.0, -1.0, 0.5, 2.0, 1.0, 0.0}, {3, 3});
  Tensor y = make({1.0, -1.0, -1.0}, {3});
  expect_close(F::cosine_embedding_loss(a, b, y, 0.0, "none"),
               make({0.127128439056, 0.0, 0.0}, {3}));
  expect_close(F::cosine_embedding_loss(a, b, y, -0.5), scalar(0.042376146352));
  expect_close(F::cosine_embedding_loss(a[0], b[0], scalar(1.0)), scalar(0.127128439056));
  Tensor a0 = a.select(1, 0), b0 = b.select(1, 0);
  expect_close(F::margin_ranking_loss(a0, b0, y, 0.0, "none"), make({0, 0, 3}, {3}));
  expect_close(F::margin_ranking_loss(a0, b0, y, 0.5), scalar(1.166666666667));
  expect_close(F::triplet_margin_loss(a, b, n, 1.0, 2.0, 1e-6, false, "none"),
               make({0.0, 2.33145538475, 3.465039727438}, {3}));
  expect_close(F::triplet_margin_loss(a, b, n, 2.0, 1.0, 1e-6, true), scalar(4.083332666667));
}

TEST(NnLoss, CrossEntropyIsStableForLargeLogits) {
  Tensor big = make({1000, 0, -1000}, {1, 3}, kFloat32).requires_grad_();
  expect_close(F::cross_entropy(big, indices({2}, {1})), scalar(2000));
  Tensor loss = F::cross_entropy(big, indices({0}, {1}));
  expect_close(loss, scalar(0));
  loss.backward();
  EXPECT_TRUE(big.grad().isfinite().all().item<bool>());
  // A larger float32 problem (vector paths, several threads) agrees with float64.
  Tensor x = randn({64, 37}, dtype(kFloat64)) * 5;
  Tensor t = randint(0, 37, {64});
  Tensor w = rand({37}, dtype(kFloat64)) + 0.5;
  Tensor x64 = x.clone().requires_grad_(), x32 = x.to(kFloat32).requires_grad_();
  Tensor l64 = F::cross_entropy(x64, t, w, 3, "mean", 0.1);
  Tensor l32 = F::cross_entropy(x32, t, w.to(kFloat32), 3, "mean", 0.1);
  expect_close(l32, l64, 1e-5);
  l64.backward();
  l32.backward();
  expect_close(x32.grad(), x64.grad(), 1e-4, 1e-7);
  // The fused gradient equals the gradient of the composite log_softmax + nll_loss.
  Tensor xc = x.clone().requires_grad_();
  F::nll_loss(F::log_softmax(xc, 1), t, w, 3).backward();
  Tensor xf = x.clone().requires_grad_();
  F::cross_entropy(xf, t, w, 3).backward();
  expect_close(xf.grad(), xc.grad(), 1e-10, 1e-12);
}

TEST(NnLoss, Gradcheck) {
  using autograd::gradcheck;
  using Fn = std::function<TensorList(const TensorList &)>;
  auto check = [](const char *name, const Fn &fn, const TensorList &inputs) {
    EXPECT_TRUE(gradcheck(fn, inputs)) << name;
  };
  Tensor x = grad_input({4, 5});
  Tensor xt = grad_input({5, 4}).t(); // non-contiguous
  Tensor y = grad_input({4, 5});
  for (const Tensor &input : {x, xt}) {
    for (const char *reduction : {"none", "mean", "sum"}) {
      check("mse", [&](const TensorList &in) { return one(F::mse_loss(in[0], in[1], reduction)); },
            {input, y});
      check("l1", [&](const TensorList &in) { return one(F::l1_loss(in[0], in[1], reduction)); },
            {input, y});
      check("smooth_l1",
            [&](const TensorList &in) {
              return one(F::smooth_l1_loss(in[0], in[1], reduction, 0.5));
            },
            {input, y});
      check("huber",
            [&](const TensorList &in) { return one(F::huber_loss(in[0], in[1], reduction, 0.7)); },
            {input, y});
    }
  }

  // cross_entropy and nll_loss over every option; targets include ignored entries.
  Tensor t = indices({1, 4, -100, 0}, {4});
  Tensor w = make({0.5, 2.0, 1.0, 1.5, 0.7}, {5});
  Tensor probs = F::softmax(randn({4, 5}, dtype(kFloat64)), 1).requires_grad_();
  for (const Tensor &input : {x, xt}) {
    for (const char *reduction : {"none", "mean", "sum"}) {
      for (double smoothing : {0.0, 0.2}) {
        for (const Tensor &weight : {Tensor(), w}) {
          check("cross_entropy",
                [&](const TensorList &in) {
                  return one(F::cross_entropy(in[0], t, weight, -100, reduction, smoothing));
                },
                {input});
          check("cross_entropy probabilities",
                [&](const TensorList &in) {
                  return one(F::cross_entropy(in[0], in[1], weight, -100, reduction, smoothing));
                },
                {input, probs});
        }
      }
      check("nll_loss",
            [&](const TensorList &in) { return one(F::nll_loss(in[0], t, w, -100, reduction)); },
            {input});
    }
  }
  Tensor spatial = grad_input({2, 3, 2, 2});
  Tensor spatial_target = indices({0, 1, 2, -100, 2, 2, 1, 0}, {2, 2, 2});
  check("cross_entropy spatial",
        [&](const TensorList &in) {
          return one(
              F::cross_entropy(in[0], spatial_target, make({1, 2, 0.5}, {3}), -100, "mean", 0.1));
        },
        {spatial});
  check("cross_entropy spatial probabilities",
        [&](const TensorList &in) { return one(F::cross_entropy(in[0], F::softmax(in[1], 1))); },
        {spatial, grad_input({2, 3, 2, 2})});
  check("cross_entropy unbatched",
        [&](const TensorList &in) { return one(F::cross_entropy(in[0], indices({2}, {}))); },
        {grad_input({5})});
  check("nll_loss spatial",
        [&](const TensorList &in) { return one(F::nll_loss(in[0], spatial_target)); }, {spatial});

  Tensor p = (rand({3, 4}, dtype(kFloat64)) * 0.8 + 0.1).requires_grad_();
  Tensor target = rand({3, 4}, dtype(kFloat64)).requires_grad_();
  Tensor bw = make({1.0, 2.0, 0.5, 0.3}, {4});
  for (const char *reduction : {"none", "mean", "sum"}) {
    check("binary_cross_entropy",
          [&](const TensorList &in) {
            return one(F::binary_cross_entropy(in[0], in[1], bw, reduction));
          },
          {p, target});
    check("binary_cross_entropy_with_logits",
          [&](const TensorList &in) {
            return one(F::binary_cross_entropy_with_logits(in[0], in[1], in[2], reduction, in[3]));
          },
          {grad_input({3, 4}), target, (rand({3, 4}, dtype(kFloat64)) + 0.5).requires_grad_(),
           (rand({4}, dtype(kFloat64)) + 0.5).requires_grad_()});
    check("poisson_nll_loss",
          [&](const TensorList &in) {
            return one(F::poisson_nll_loss(in[0], in[1] * 4, true, true, 1e-8, reduction));
          },
          {grad_input({3, 4}), target});
    check("poisson_nll_loss not log",
          [&](const TensorList &in) {
            return one(F::poisson_nll_loss(in[0], in[1] * 4, false, false, 1e-8, reduction));
          },
          {p, target});
  }
  for (const char *reduction : {"none", "mean", "sum", "batchmean"}) {
    check("kl_div",
          [&](const TensorList &in) {
            return one(F::kl_div(F::log_softmax(in[0], 1), in[1], reduction));
          },
          {grad_input({3, 4}), p});
    check("kl_div log_target",
          [&](const TensorList &in) { return one(F::kl_div(in[0], in[1], reduction, true)); },
          {grad_input({3, 4}), grad_input({3, 4})});
  }
  Tensor a = grad_input({4, 3}), b = grad_input({4, 3}), n = grad_input({4, 3});
  Tensor signs = make({1, -1, 1, -1}, {4});
  check("cosine_embedding_loss",
        [&](const TensorList &in) {
          return one(F::cosine_embedding_loss(in[0], in[1], signs, -0.5, "none"));
        },
        {a, b});
  check(
      "cosine_embedding_loss unbatched",
      [&](const TensorList &in) { return one(F::cosine_embedding_loss(in[0], in[1], scalar(1))); },
      {grad_input({3}), grad_input({3})});
  check("margin_ranking_loss",
        [&](const TensorList &in) {
          return one(F::margin_ranking_loss(in[0], in[1], signs, 2.0, "sum"));
        },
        {a.select(1, 0), b.select(1, 0)});
  for (bool swap : {false, true})
    for (double norm_p : {1.0, 2.0, 3.0})
      check("triplet_margin_loss",
            [&](const TensorList &in) {
              return one(F::triplet_margin_loss(in[0], in[1], in[2], 3.0, norm_p, 1e-6, swap));
            },
            {a, b, n});
}

TEST(NnLoss, Gradgradcheck) {
  using autograd::gradgradcheck;
  using Fn = std::function<TensorList(const TensorList &)>;
  auto check = [](const char *name, const Fn &fn, const TensorList &inputs) {
    EXPECT_TRUE(gradgradcheck(fn, inputs)) << name;
  };
  Tensor x = grad_input({3, 4}), xt = grad_input({4, 3}).t(), y = grad_input({3, 4});
  Tensor t = indices({1, -100, 3}, {3});
  Tensor w = make({0.5, 2.0, 1.0, 1.5}, {4});
  Tensor probs = F::softmax(randn({3, 4}, dtype(kFloat64)), 1).requires_grad_();
  for (const Tensor &input : {x, xt}) {
    check("mse", [&](const TensorList &in) { return one(F::mse_loss(in[0], in[1])); }, {input, y});
    check("cross_entropy", [&](const TensorList &in) { return one(F::cross_entropy(in[0], t)); },
          {input});
    check(
        "cross_entropy weight smoothing none",
        [&](const TensorList &in) { return one(F::cross_entropy(in[0], t, w, -100, "none", 0.3)); },
        {input});
    check("cross_entropy probabilities",
          [&](const TensorList &in) {
            return one(F::cross_entropy(in[0], in[1], w, -100, "sum", 0.1));
          },
          {input, probs});
  }
  check("cross_entropy spatial",
        [&](const TensorList &in) {
          return one(F::cross_entropy(in[0], indices({0, 2, 1, -100}, {2, 2})));
        },
        {grad_input({2, 3, 2})});
  check("binary_cross_entropy",
        [&](const TensorList &in) { return one(F::binary_cross_entropy(in[0], in[1])); },
        {(rand({3, 4}, dtype(kFloat64)) * 0.8 + 0.1).requires_grad_(), probs});
}

TEST(NnLoss, Errors) {
  Tensor x = zeros({4, 10});
  EXPECT_THROW_WITH(
      F::cross_entropy(x, zeros({5}, dtype(kInt64))),
      "cross_entropy: expected target of shape [4] for input of shape [4, 10], got [5]");
  EXPECT_THROW_WITH(
      F::nll_loss(x, zeros({4, 2}, dtype(kInt64))),
      "nll_loss: expected target of shape [4] for input of shape [4, 10], got [4, 2]");
  EXPECT_THROW_WITH(F::cross_entropy(x, zeros({4, 9})),
                    "cross_entropy: expected target of shape [4, 10] (class probabilities) or [4]");
  EXPECT_THROW_WITH(F::cross_entropy(x, zeros({4}, dtype(kInt32))),
                    "cross_entropy: expected target of dtype int64 (class indices), got int32");
  Tensor out_of_range = indices({1, 12, 0, 3}, {4});
  EXPECT_THROW(F::nll_loss(x, out_of_range), IndexError);
  EXPECT_THROW_WITH(F::nll_loss(x, out_of_range),
                    "nll_loss: target 12 is out of bounds for 10 classes");
  EXPECT_THROW_WITH(F::cross_entropy(x, indices({1, -1, 0, 3}, {4})),
                    "cross_entropy: target -1 is out of bounds for 10 classes");
  EXPECT_THROW_WITH(
      F::cross_entropy(x, indices({0, 0, 0, 0}, {4}), zeros({9})),
      "cross_entropy: expected weight of shape [10] for input of shape [4, 10], got [9]");
  EXPECT_THROW_WITH(F::cross_entropy(x, indices({0, 0, 0, 0}, {4}), {}, -100, "mean", 1.5),
                    "cross_entropy: label_smoothing must be between 0.0 and 1.0");
  EXPECT_THROW_WITH(F::cross_entropy(zeros({}), indices({0}, {})), "cross_entropy: expected input");
  EXPECT_THROW_WITH(F::mse_loss(x, x, "avg"),
                    "mse_loss: reduction must be 'none', 'mean', 'sum', got 'avg'");
  EXPECT_THROW_WITH(F::cross_entropy(x, indices({0, 0, 0, 0}, {4}), {}, -100, "batchmean"),
                    "cross_entropy: reduction must be");
  EXPECT_THROW_WITH(F::kl_div(x, x, "batch"),
                    "kl_div: reduction must be 'none', 'mean', 'sum' or 'batchmean', got 'batch'");
  EXPECT_THROW_WITH(F::mse_loss(x, zeros({3})), "mse_loss");
  EXPECT_THROW_WITH(F::binary_cross_entropy(full({2}, 1.5), zeros({2})),
                    "binary_cross_entropy: all elements of input should be between 0 and 1");
  EXPECT_THROW_WITH(F::binary_cross_entropy(zeros({2}), zeros({2, 2})),
                    "binary_cross_entropy: expected target of shape [2] (the input's), got [2, 2]");
  EXPECT_THROW_WITH(F::binary_cross_entropy_with_logits(zeros({2}), zeros({3})),
                    "binary_cross_entropy_with_logits: expected target of shape [2]");
  EXPECT_THROW_WITH(F::smooth_l1_loss(x, x, "mean", -1.0),
                    "smooth_l1_loss: beta must be non-negative");
  EXPECT_THROW_WITH(F::cosine_embedding_loss(x, x, zeros({4, 1})), "cosine_embedding_loss");
  EXPECT_THROW_WITH(F::cosine_embedding_loss(zeros({3}), zeros({3}), zeros({3})),
                    "cosine_embedding_loss: a 1-d target expects 2-d inputs");
  EXPECT_THROW_WITH(
      F::triplet_margin_loss(x, x, zeros({10})),
      "triplet_margin_loss: expected anchor, positive and negative with the same number");
}
