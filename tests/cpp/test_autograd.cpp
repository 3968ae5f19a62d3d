// The autograd engine: accumulation, graph retention, higher-order gradients, autograd::grad,
// hooks, version counters, anomaly mode, custom Functions and grad mode.
#include <thread>

#include "test_util.h"

using namespace ember;
using ember::testing::expect_close;
using ember::testing::grad_input;
using ember::testing::make;

TEST(Autograd, LeafGradientsAccumulate) {
  Tensor x = tensor({1.0, 2.0, 3.0}, dtype(kFloat64).requires_grad());
  EXPECT_TRUE(x.is_leaf());
  Tensor y = (x * x).sum();
  EXPECT_FALSE(y.is_leaf());
  EXPECT_EQ(y.grad_fn()->name().empty(), false);
  y.backward();
  expect_close(x.grad(), make({2, 4, 6}, {3}));
  (x * 3).sum().backward();
  expect_close(x.grad(), make({5, 7, 9}, {3}));
}

TEST(Autograd, BroadcastGradientsAreReducedToTheInputShape) {
  Tensor a = ones({3, 1}, dtype(kFloat64).requires_grad());
  Tensor b = ones({4}, dtype(kFloat64).requires_grad());
  (a * b).sum().backward();
  EXPECT_EQ(a.grad().sizes(), (Shape{3, 1}));
  expect_close(a.grad(), full({3, 1}, 4.0));
  expect_close(b.grad(), full({4}, 3.0));
}

TEST(Autograd, SharedSubexpressionsSumTheirGradients) {
  Tensor x = tensor({2.0}, dtype(kFloat64).requires_grad());
  Tensor y = x * x;
  Tensor z = y * y + y; // z = x^4 + x^2, dz/dx = 4x^3 + 2x = 36
  z.sum().backward();
  expect_close(x.grad(), make({36}, {1}));
}

TEST(Autograd, SecondBackwardWithoutRetainGraphFails) {
  Tensor x = tensor({1.0, 2.0}, dtype(kFloat64).requires_grad());
  Tensor y = (x.exp() * x).sum();
  y.backward({}, /*retain_graph=*/true);
  y.backward();
  expect_close(x.grad(), 2 * (x.exp() * (x + 1)).detach());
  EXPECT_THROW_WITH(y.backward(), "backward through the graph a second time");
}

TEST(Autograd, HigherOrderGradients) {
  Tensor x = tensor({0.5, -1.0}, dtype(kFloat64).requires_grad());
  Tensor y = (x * x * x).sum();
  TensorList first = autograd::grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true);
  expect_close(first[0], 3 * x.detach() * x.detach());
  TensorList second = autograd::grad({first[0].sum()}, {x}, {}, std::nullopt, true);
  expect_close(second[0], 6 * x.detach());
  TensorList third = autograd::grad({second[0].sum()}, {x});
  expect_close(third[0], full({2}, 6.0, dtype(kFloat64)));
}

TEST(Autograd, GradDoesNotTouchDotGradAndChecksUnusedInputs) {
  Tensor x = ones({2}, dtype(kFloat64).requires_grad());
  Tensor unused = ones({2}, dtype(kFloat64).requires_grad());
  Tensor y = (x * 2).sum();
  TensorList grads = autograd::grad({y}, {x, unused}, {}, true, false, /*allow_unused=*/true);
  expect_close(grads[0], full({2}, 2.0, dtype(kFloat64)));
  EXPECT_FALSE(grads[1].defined());
  EXPECT_FALSE(x.grad().defined());
  EXPECT_THROW_WITH(autograd::grad({y}, {unused}), "appears to not have been used in the graph");
}

TEST(Autograd, GradOfIntermediateTensor) {
  Tensor x = tensor({1.0, 2.0}, dtype(kFloat64).requires_grad());
  Tensor h = x * 3;
  Tensor y = (h * h).sum();
  expect_close(autograd::grad({y}, {h})[0], 2 * h.detach());
}

TEST(Autograd, NonScalarBackwardNeedsGradient) {
  Tensor x = ones({2, 2}, dtype(kFloat64).requires_grad());
  Tensor y = x * 2;
  EXPECT_THROW_WITH(y.backward(), "grad can be implicitly created only for scalar outputs");
  EXPECT_THROW_WITH(y.backward(ones({3})), "mismatch in shape");
  y.backward(full({2, 2}, 0.5, dtype(kFloat64)));
  expect_close(x.grad(), full({2, 2}, 1.0));
  EXPECT_THROW_WITH(ones({1}).backward(), "does not require grad and does not have a grad_fn");
}

TEST(Autograd, BackwardWithInputsAccumulatesOnlyThose) {
  Tensor a = ones({2}, dtype(kFloat64).requires_grad());
  Tensor b = ones({2}, dtype(kFloat64).requires_grad());
  (a * b * 3).sum().backward({}, std::nullopt, false, {a});
  expect_close(a.grad(), full({2}, 3.0));
  EXPECT_FALSE(b.grad().defined());
}

TEST(Autograd, NoGradGuardRecordsNothing) {
  Tensor x = ones({2}, requires_grad());
  {
    NoGradGuard no_grad;
    Tensor y = x * 2;
    EXPECT_FALSE(y.requires_grad());
    {
      EnableGradGuard enable;
      EXPECT_TRUE((x * 2).requires_grad());
    }
    EXPECT_FALSE(autograd::is_grad_enabled());
  }
  EXPECT_TRUE(autograd::is_grad_enabled());
  EXPECT_TRUE((x * 2).requires_grad());
}

TEST(Autograd, GradModeIsThreadLocal) {
  NoGradGuard no_grad;
  bool other_thread_enabled = false;
  std::thread([&] { other_thread_enabled = autograd::is_grad_enabled(); }).join();
  EXPECT_TRUE(other_thread_enabled);
}

TEST(Autograd, DetachCutsTheGraphButSharesStorage) {
  Tensor x = ones({2}, requires_grad());
  Tensor y = x * 2;
  Tensor d = y.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.data_ptr(), y.data_ptr());
  EXPECT_THROW_WITH(y.requires_grad_(false), "only change requires_grad flags of leaf");
  EXPECT_THROW_WITH(ones({1}, dtype(kInt64)).requires_grad_(), "only tensors of floating point");
}

TEST(Autograd, HooksCanObserveAndReplaceGradients) {
  Tensor x = ones({2}, dtype(kFloat64).requires_grad());
  Tensor h = x * 2;
  Tensor seen;
  h.register_hook([&](const Tensor &g) {
    seen = g.clone();
    return g * 10;
  });
  size_t leaf_hook = x.register_hook([](const Tensor &g) { return g + 1; });
  h.sum().backward();
  expect_close(seen, full({2}, 1.0));
  expect_close(x.grad(), full({2}, 21.0));
  x.remove_hook(leaf_hook);
  x.mutable_grad() = Tensor();
  (x * 2).sum().backward();
  expect_close(x.grad(), full({2}, 2.0));
  EXPECT_THROW_WITH(ones({1}).register_hook([](const Tensor &g) { return g; }),
                    "doesn't require gradient");
}

TEST(Autograd, RetainGradKeepsIntermediateGradients) {
  Tensor x = ones({2}, dtype(kFloat64).requires_grad());
  Tensor h = x * 3;
  h.retain_grad();
  Tensor other = x * 4;
  (h * h + other).sum().backward();
  expect_close(h.grad(), full({2}, 6.0));
  EXPECT_FALSE(other.grad().defined());
}

TEST(Autograd, InPlaceChangeOfSavedTensorIsDetected) {
  Tensor x = ones({3}, dtype(kFloat64).requires_grad());
  Tensor h = x * 2;
  Tensor y = (h * h).sum(); // saves h
  {
    NoGradGuard no_grad;
    h.add_(1);
  }
  EXPECT_THROW_WITH(y.backward(), "has been modified by an inplace operation");
}

TEST(Autograd, InPlaceOnLeafThatRequiresGradIsAnError) {
  Tensor x = ones({3}, requires_grad());
  EXPECT_THROW_WITH(x.add_(1), "a leaf Variable that requires grad is being used in an in-place operation");
  NoGradGuard no_grad;
  x.add_(1); // allowed without recording, as optimizers do
  expect_close(x, full({3}, 2.0));
}

TEST(Autograd, InPlaceOpsExtendTheHistory) {
  Tensor x = tensor({1.0, 2.0}, dtype(kFloat64).requires_grad());
  Tensor y = x * 1;
  y.mul_(x); // y = x^2
  y.add_(x); // y = x^2 + x
  y.sum().backward();
  expect_close(x.grad(), make({3, 5}, {2}));
  EXPECT_TRUE(autograd::gradcheck(
      [](const TensorList &in) {
        Tensor t = in[0] * 2; // (exp would save its output, which mul_ then overwrites)
        t.mul_(in[1]);
        t.sub_(in[1]);
        return TensorList{t};
      },
      {grad_input({3}), grad_input({3})}));
}

TEST(Autograd, AnomalyModeNamesTheOpThatMadeNan) {
  Tensor x = tensor({-1.0, 1.0}, dtype(kFloat64).requires_grad());
  autograd::DetectAnomalyGuard anomaly;
  Tensor y = x.sqrt().sum(); // d sqrt at -1 is nan
  try {
    y.backward();
    ADD_FAILURE() << "expected an anomaly error";
  } catch (const Error &error) {
    std::string message = error.what();
    EXPECT_NE(message.find("returned nan values"), std::string::npos) << message;
    EXPECT_NE(message.find("Sqrt"), std::string::npos) << message;
  }
}

struct ScaledCube : autograd::Function<ScaledCube> {
  static Tensor forward(autograd::AutogradContext *ctx, const Tensor &x, double scale) {
    ctx->save_for_backward({x});
    ctx->saved_data["scale"] = scale;
    return x * x * x * scale;
  }
  static TensorList backward(autograd::AutogradContext *ctx, TensorList grads) {
    Tensor x = ctx->get_saved_variables()[0];
    double scale = std::any_cast<double>(ctx->saved_data["scale"]);
    return {grads[0] * 3 * x * x * scale};
  }
};

TEST(Autograd, CustomFunction) {
  Tensor x = grad_input({4});
  Tensor y = ScaledCube::apply(x, 2.0);
  EXPECT_EQ(y.grad_fn()->name(), "CustomFunctionBackward");
  y.sum().backward();
  expect_close(x.grad(), 6 * x.detach() * x.detach());
  EXPECT_TRUE(autograd::gradcheck(
      [](const TensorList &in) { return TensorList{ScaledCube::apply(in[0], 0.5)}; },
      {grad_input({3})}));
  NoGradGuard no_grad;
  EXPECT_FALSE(ScaledCube::apply(x, 1.0).requires_grad());
}

TEST(Autograd, GradcheckCatchesAWrongBackward) {
  struct WrongSquare : autograd::Function<WrongSquare> {
    static Tensor forward(autograd::AutogradContext *ctx, const Tensor &x) {
      ctx->save_for_backward({x});
      return x * x;
    }
    static TensorList backward(autograd::AutogradContext *ctx, TensorList grads) {
      return {grads[0] * ctx->get_saved_variables()[0]}; // missing factor 2
    }
  };
  EXPECT_THROW_WITH(autograd::gradcheck(
                        [](const TensorList &in) { return TensorList{WrongSquare::apply(in[0])}; },
                        {grad_input({3})}),
                    "Jacobian mismatch");
}

TEST(Autograd, GraphIsFreedWithItsOutputs) {
  std::weak_ptr<autograd::Node> node;
  Tensor x = ones({2}, requires_grad());
  {
    Tensor y = (x * 2).sum();
    node = y.grad_fn();
    y.backward();
  }
  EXPECT_TRUE(node.expired());
}

TEST(Autograd, InPlaceOnAViewRewritesTheBaseHistory) {
  // y = x * 1; y[1] *= w  ->  dy/dx is w in row 1 and 1 elsewhere.
  EXPECT_TRUE(autograd::gradcheck(
      [](const TensorList &in) {
        Tensor y = in[0] * 1;
        y.select(0, 1).mul_(in[1]);
        return TensorList{y};
      },
      {grad_input({3, 4}), grad_input({4})}));
  // Writing a tensor that requires grad into a slice of one that does not.
  Tensor w = grad_input({2});
  Tensor z = zeros({3, 2}, dtype(kFloat64));
  z.select(0, 2).copy_(w);
  EXPECT_TRUE(z.requires_grad());
  (z * z).sum().backward();
  expect_close(w.grad(), 2 * w.detach());
  Tensor leaf = ones({2, 2}, requires_grad());
  EXPECT_THROW_WITH(leaf.select(0, 0).mul_(2), "a view of a leaf Variable that requires grad");
}
