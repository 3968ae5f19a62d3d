// nn::functional activations: values against torch 1.13, stability for large inputs, the softmax
// row and column kernels, float32 vector paths, gradients (gradcheck, gradgradcheck, values
// against torch) and error messages.
#include <cmath>
#include <functional>

#include "ember/nn/functional.h"
#include "test_util.h"

using namespace ember;
using ember::testing::expect_close;
using ember::testing::grad_input;
using ember::testing::make;

namespace {

using UnaryFn = std::function<Tensor(const Tensor &)>;

// The sample points of the pointwise tables: both sides of every kink, zero, and a tail.
Tensor points() { return make({-3.0, -1.5, -0.5, 0.0, 0.25, 1.0, 2.5, 4.0}, {8}); }

struct PointwiseCase {
  const char *name;
  UnaryFn fn;
  std::vector<double> expected; // torch 1.13 on points()
};

// Expected values below come from torch 1.13 (torch.nn.functional) on the same inputs.
std::vector<PointwiseCase> pointwise_cases() {
  return {
      {"relu", [](const Tensor &x) { return F::relu(x); }, {0, 0, 0, 0, 0.25, 1, 2.5, 4}},
      {"relu6 of 2x", [](const Tensor &x) { return F::relu6(x * 2); }, {0, 0, 0, 0, 0.5, 2, 5, 6}},
      {"leaky_relu",
       [](const Tensor &x) { return F::leaky_relu(x); },
       {-0.03, -0.015, -0.005, 0, 0.25, 1, 2.5, 4}},
      {"leaky_relu 0.2",
       [](const Tensor &x) { return F::leaky_relu(x, 0.2); },
       {-0.6, -0.3, -0.1, 0, 0.25, 1, 2.5, 4}},
      {"elu",
       [](const Tensor &x) { return F::elu(x); },
       {-0.950212931632, -0.776869839852, -0.393469340287, 0, 0.25, 1, 2.5, 4}},
      {"elu 0.5",
       [](const Tensor &x) { return F::elu(x, 0.5); },
       {-0.475106465816, -0.388434919926, -0.196734670144, 0, 0.25, 1, 2.5, 4}},
      {"selu",
       [](const Tensor &x) { return F::selu(x); },
       {-1.670568728767, -1.365814353367, -0.691758187803, 0, 0.262675246839, 1.050700987355,
        2.626752468389, 4.202803949422}},
      {"celu 2",
       [](const Tensor &x) { return F::celu(x, 2.0); },
       {-1.553739679703, -1.055266894518, -0.442398433857, 0, 0.25, 1, 2.5, 4}},
      {"gelu",
       [](const Tensor &x) { return F::gelu(x); },
       {-0.004049694095, -0.100210801903, -0.154268769363, 0, 0.149676581421, 0.841344746069,
        2.484475836686, 3.999873315033}},
      {"gelu tanh",
       [](const Tensor &x) { return F::gelu(x, "tanh"); },
       {-0.003637392082, -0.10042842302, -0.154285990175, 0, 0.149675350702, 0.841191990608,
        2.48491573391, 3.999929754052}},
      {"silu",
       [](const Tensor &x) { return F::silu(x); },
       {-0.142277619533, -0.27363828571, -0.188770334399, 0, 0.140544125221, 0.73105857863,
        2.310354549947, 3.928055160152}},
      {"mish",
       [](const Tensor &x) { return F::mish(x); },
       {-0.145647461276, -0.298099742167, -0.220743774652, 0, 0.169572409664, 0.865098388267,
        2.471392304558, 3.997412806976}},
      {"softplus",
       [](const Tensor &x) { return F::softplus(x); },
       {0.048587351574, 0.201413277983, 0.47407698418, 0.69314718056, 0.825939419879,
        1.313261687518, 2.578889734293, 4.018149927918}},
      {"softplus beta 2 threshold 1",
       [](const Tensor &x) { return F::softplus(x, 2.0, 1.0); },
       {0.001237842569, 0.024293675787, 0.156630843759, 0.34657359028, 0.48703849209, 1, 2.5, 4}},
      {"softsign",
       [](const Tensor &x) { return F::softsign(x); },
       {-0.75, -0.6, -0.333333333333, 0, 0.2, 0.5, 0.714285714286, 0.8}},
      {"hardtanh",
       [](const Tensor &x) { return F::hardtanh(x); },
       {-1, -1, -0.5, 0, 0.25, 1, 1, 1}},
      {"hardtanh -2 3",
       [](const Tensor &x) { return F::hardtanh(x, -2.0, 3.0); },
       {-2, -1.5, -0.5, 0, 0.25, 1, 2.5, 3}},
      {"hardsigmoid",
       [](const Tensor &x) { return F::hardsigmoid(x); },
       {0, 0.25, 0.416666666667, 0.5, 0.541666666667, 0.666666666667, 0.916666666667, 1}},
      {"hardswish",
       [](const Tensor &x) { return F::hardswish(x); },
       {0, -0.375, -0.208333333333, 0, 0.135416666667, 0.666666666667, 2.291666666667, 4}},
      {"sigmoid",
       [](const Tensor &x) { return F::sigmoid(x); },
       {0.047425873178, 0.182425523806, 0.377540668798, 0.5, 0.562176500886, 0.73105857863,
        0.924141819979, 0.982013790038}},
      {"tanh",
       [](const Tensor &x) { return F::tanh(x); },
       {-0.995054753687, -0.905148253645, -0.46211715726, 0, 0.244918662404, 0.761594155956,
        0.986614298151, 0.999329299739}},
      {"logsigmoid",
       [](const Tensor &x) { return F::logsigmoid(x); },
       {-3.048587351574, -1.701413277983, -0.97407698418, -0.69314718056, -0.575939419879,
        -0.313261687518, -0.078889734293, -0.018149927918}},
  };
}

TensorList one(const Tensor &t) { return {t}; }

} // namespace

TEST(NnActivation, PointwiseValuesMatchTorch) {
  for (const auto &c : pointwise_cases()) {
    SCOPED_TRACE(c.name);
    expect_close(c.fn(points()), make(c.expected, {8}), 1e-9, 1e-11);
    // float32 goes through the vector kernels; a 2-D transposed input through strided loops.
    expect_close(c.fn(points().to(kFloat32)), make(c.expected, {8}), 1e-5, 1e-6);
    Tensor grid = points().view({2, 4}).t();
    expect_close(c.fn(grid), make(c.expected, {2, 4}).t());
  }
}

TEST(NnActivation, FusedKernelsAgreeAcrossVectorAndTail) {
  // 37 elements: whole SIMD vectors plus a tail, in float32 against float64.
  Tensor x = linspace(-6, 6, 37, dtype(kFloat64));
  for (const UnaryFn &fn : std::vector<UnaryFn>{
           [](const Tensor &t) { return F::gelu(t); },
           [](const Tensor &t) { return F::gelu(t, "tanh"); },
           [](const Tensor &t) { return F::silu(t); }, [](const Tensor &t) { return F::elu(t); },
           [](const Tensor &t) { return F::selu(t); },
           [](const Tensor &t) { return F::leaky_relu(t, 0.1); }}) {
    expect_close(fn(x.to(kFloat32)), fn(x), 1e-5, 1e-6);
    Tensor x32 = x.to(kFloat32).requires_grad_();
    Tensor x64 = x.clone().requires_grad_();
    fn(x32).sum().backward();
    fn(x64).sum().backward();
    expect_close(x32.grad(), x64.grad(), 1e-5, 1e-6);
  }
}

TEST(NnActivation, GradientValuesMatchTorch) {
  // d/dx of sum(f(x)) at points(), from torch 1.13.
  struct Case {
    UnaryFn fn;
    std::vector<double> expected;
  };
  std::vector<Case> cases = {
      {[](const Tensor &x) { return F::gelu(x); },
       {-0.011945647204, -0.12746919223, 0.132504875344, 0.5, 0.695373354884, 1.083315470588,
        1.037611085908, 1.000503649661}},
      {[](const Tensor &x) { return F::silu(x); },
       {-0.088104106015, -0.041294154299, 0.260038812697, 0.5, 0.62371002157, 0.927670511871,
        1.099401111342, 1.052664614891}},
      {[](const Tensor &x) { return F::elu(x); },
       {0.049787068368, 0.223130160148, 0.606530659713, 1, 1, 1, 1, 1}},
      {[](const Tensor &x) { return F::softplus(x); },
       {0.047425873178, 0.182425523806, 0.377540668798, 0.5, 0.562176500886, 0.73105857863,
        0.924141819979, 0.982013790038}},
      {[](const Tensor &x) { return F::logsigmoid(x); },
       {0.952574126822, 0.817574476194, 0.622459331202, 0.5, 0.437823499114, 0.26894142137,
        0.075858180021, 0.017986209962}},
      {[](const Tensor &x) { return F::mish(x); },
       {-0.093393114532, -0.064097815892, 0.289510677914, 0.6, 0.754172667721, 1.0490362201,
        1.041129530131, 1.004432876904}},
  };
  for (const Case &c : cases) {
    Tensor x = points().requires_grad_();
    c.fn(x).sum().backward();
    expect_close(x.grad(), make(c.expected, {8}), 1e-8, 1e-10);
  }
}

TEST(NnActivation, SoftmaxFamilyValuesMatchTorch) {
  Tensor s = make({1, 2, 3, -1, 0.5, 4}, {2, 3});
  // From torch 1.13.
  expect_close(F::softmax(s, 1), make({0.09003057317, 0.244728471055, 0.665240955775,
                                       0.006497943316, 0.029121761537, 0.964380295147},
                                      {2, 3}));
  expect_close(F::softmax(s, 0), make({0.880797077978, 0.817574476194, 0.26894142137,
                                       0.119202922022, 0.182425523806, 0.73105857863},
                                      {2, 3}));
  expect_close(F::log_softmax(s, -1), make({-2.407605964444, -1.407605964444, -0.407605964444,
                                            -5.036269565125, -3.536269565125, -0.036269565125},
                                           {2, 3}));
  expect_close(F::log_softmax(s, 0), make({-0.126928011043, -0.201413277983, -1.313261687518,
                                           -2.126928011043, -1.701413277983, -0.313261687518},
                                          {2, 3}));
  expect_close(F::softmin(s, 1), make({0.665240955775, 0.244728471055, 0.09003057317,
                                       0.813095318261, 0.181426088579, 0.00547859316},
                                      {2, 3}));
  Tensor g = make({1, 2, 3, -1, 0.5, -0.5, 2, 0}, {2, 4});
  expect_close(F::glu(g, 1), make({0.952574126822, 0.53788284274, 0.440398538989, -0.25}, {2, 2}));
  expect_close(F::glu(g, 0), make({0.622459331202, 0.755081337596, 2.642391233934, -0.5}, {1, 4}));
  // The dtype argument converts first; a 0-d input is its own single class.
  EXPECT_EQ(F::softmax(s.to(kFloat32), 1, kFloat64).dtype(), kFloat64);
  expect_close(F::softmax(s.to(kFloat32), 1, kFloat64), F::softmax(s, 1), 1e-6);
  expect_close(F::softmax(make({3}, {}), 0), make({1}, {}));
  expect_close(F::log_softmax(make({3}, {}), -1), make({0}, {}));
  EXPECT_EQ(F::softmax(zeros({0, 3}), 1).sizes(), (Shape{0, 3}));
}

TEST(NnActivation, LargeInputsStayFinite) {
  Tensor big = make({1000, 1001}, {2}, kFloat32);
  // From torch 1.13.
  expect_close(F::softmax(big, 0), make({0.268941432238, 0.731058597565}, {2}));
  expect_close(F::log_softmax(big, 0), make({-1.313261628151, -0.313261657953}, {2}));
  expect_close(F::softmax(-big, 0), make({0.731058597565, 0.268941432238}, {2}));
  expect_close(F::softplus(make({100}, {}, kFloat32)), make({100}, {}));
  expect_close(F::logsigmoid(make({-1000}, {}, kFloat32)), make({-1000}, {}));
  expect_close(F::logsigmoid(make({1000}, {}, kFloat32)), make({0}, {}));
  Tensor extremes = make({-1000, 1000}, {2}, kFloat32);
  expect_close(F::silu(extremes), make({0, 1000}, {2}));
  expect_close(F::elu(extremes), make({-1, 1000}, {2}));
  expect_close(F::gelu(extremes), make({0, 1000}, {2}));
  expect_close(F::mish(extremes), make({0, 1000}, {2}));
  // Gradients stay finite too (no inf * 0 in unused branches).
  for (const UnaryFn &fn : std::vector<UnaryFn>{
           [](const Tensor &t) { return F::softplus(t); },
           [](const Tensor &t) { return F::logsigmoid(t); },
           [](const Tensor &t) { return F::silu(t); }, [](const Tensor &t) { return F::elu(t); },
           [](const Tensor &t) { return F::log_softmax(t, 0); }}) {
    Tensor x = extremes.clone().requires_grad_();
    fn(x).sum().backward();
    EXPECT_TRUE(x.grad().isfinite().all().item<bool>()) << x.grad();
  }
}

TEST(NnActivation, SoftmaxKernelsMatchComposite) {
  // Rows (dim innermost), columns (dim strided, more than one block of 256) and transposed input.
  auto reference = [](const Tensor &x, int64_t dim) { return exp(x - x.logsumexp(dim, true)); };
  Tensor rows = randn({5, 67}, dtype(kFloat64));
  Tensor columns = randn({3, 7, 300}, dtype(kFloat64));
  Tensor transposed = randn({67, 5}, dtype(kFloat64)).t();
  expect_close(F::softmax(rows, 1), reference(rows, 1), 1e-10, 1e-12);
  expect_close(F::softmax(columns, 1), reference(columns, 1), 1e-10, 1e-12);
  expect_close(F::softmax(columns, 0), reference(columns, 0), 1e-10, 1e-12);
  expect_close(F::softmax(transposed, 1), reference(transposed, 1), 1e-10, 1e-12);
  expect_close(F::log_softmax(columns, 1), log(reference(columns, 1)), 1e-10, 1e-12);
  expect_close(F::log_softmax(rows.to(kFloat32), 1), log(reference(rows, 1)), 1e-5, 1e-5);
  EXPECT_TRUE(F::softmax(columns, 2).is_contiguous());
  // float32 gradients of the kernels against the float64 ones.
  for (bool log : {false, true}) {
    for (int64_t dim : {1, 2}) {
      Tensor weights = randn({3, 7, 300}, dtype(kFloat64));
      Tensor x64 = columns.clone().requires_grad_();
      Tensor x32 = columns.to(kFloat32).requires_grad_();
      auto f = [&](const Tensor &x) { return log ? F::log_softmax(x, dim) : F::softmax(x, dim); };
      (f(x64) * weights).sum().backward();
      (f(x32) * weights.to(kFloat32)).sum().backward();
      expect_close(x32.grad(), x64.grad(), 1e-4, 1e-5);
    }
  }
}

TEST(NnActivation, NanPropagatesThroughSoftmax) {
  Tensor x = make({1, NAN, 2, 0, 1, 2}, {2, 3});
  Tensor y = F::softmax(x, 1);
  EXPECT_TRUE(y[0].isnan().all().item<bool>());
  EXPECT_TRUE(y[1].isfinite().all().item<bool>());
}

TEST(NnActivation, Gradcheck) {
  using autograd::gradcheck;
  // Random inputs in [-4, 4): away from kinks with probability 1, across all regions.
  Tensor x = (grad_input({3, 5}) * 4).detach().requires_grad_();
  Tensor xt = (grad_input({5, 3}) * 4).detach().t().requires_grad_(); // non-contiguous
  std::vector<std::pair<const char *, UnaryFn>> cases = {
      {"relu", [](const Tensor &t) { return F::relu(t); }},
      {"relu6", [](const Tensor &t) { return F::relu6(t * 2); }},
      {"leaky_relu", [](const Tensor &t) { return F::leaky_relu(t, 0.2); }},
      {"elu", [](const Tensor &t) { return F::elu(t, 0.7); }},
      {"selu", [](const Tensor &t) { return F::selu(t); }},
      {"celu", [](const Tensor &t) { return F::celu(t, 1.5); }},
      {"gelu", [](const Tensor &t) { return F::gelu(t); }},
      {"gelu tanh", [](const Tensor &t) { return F::gelu(t, "tanh"); }},
      {"silu", [](const Tensor &t) { return F::silu(t); }},
      {"mish", [](const Tensor &t) { return F::mish(t); }},
      {"softplus", [](const Tensor &t) { return F::softplus(t, 2.0, 3.0); }},
      {"softsign", [](const Tensor &t) { return F::softsign(t); }},
      {"hardtanh", [](const Tensor &t) { return F::hardtanh(t, -2.0, 1.5); }},
      {"hardsigmoid", [](const Tensor &t) { return F::hardsigmoid(t); }},
      {"hardswish", [](const Tensor &t) { return F::hardswish(t); }},
      {"sigmoid", [](const Tensor &t) { return F::sigmoid(t); }},
      {"tanh", [](const Tensor &t) { return F::tanh(t); }},
      {"logsigmoid", [](const Tensor &t) { return F::logsigmoid(t); }},
      {"glu",
       [](const Tensor &t) {
         return F::glu(t.narrow(0, 0, 2), 0).sum() + F::glu(t.narrow(1, 0, 4), 1);
       }},
      {"softmax 1", [](const Tensor &t) { return F::softmax(t, 1); }},
      {"softmax 0", [](const Tensor &t) { return F::softmax(t, 0); }},
      {"log_softmax 1", [](const Tensor &t) { return F::log_softmax(t, 1); }},
      {"log_softmax 0", [](const Tensor &t) { return F::log_softmax(t, 0); }},
      {"softmin", [](const Tensor &t) { return F::softmin(t, -1); }},
      // Column kernels with several columns per block, and a dim in the middle.
      {"softmax 3-d",
       [](const Tensor &t) {
         return F::softmax(t.reshape({3, 5, 1}) * t.reshape({1, 5, 3}).exp(), 1);
       }},
      {"log_softmax 3-d",
       [](const Tensor &t) {
         return F::log_softmax(t.reshape({5, 3, 1}).expand({5, 3, 2}), 1);
       }},
  };
  for (const auto &[name, fn] : cases)
    for (const Tensor &input : {x, xt})
      EXPECT_TRUE(gradcheck([&](const TensorList &in) { return one(fn(in[0])); }, {input}))
          << name << " on input of shape " << IntArrayRef(input.sizes());
}

TEST(NnActivation, Gradgradcheck) {
  using autograd::gradgradcheck;
  Tensor x = (grad_input({3, 4}) * 3).detach().requires_grad_();
  Tensor xt = (grad_input({4, 3}) * 3).detach().t().requires_grad_();
  std::vector<std::pair<const char *, UnaryFn>> cases = {
      {"softmax", [](const Tensor &t) { return F::softmax(t, 1); }},
      {"softmax 0", [](const Tensor &t) { return F::softmax(t, 0); }},
      {"log_softmax", [](const Tensor &t) { return F::log_softmax(t, -1); }},
      {"log_softmax 0", [](const Tensor &t) { return F::log_softmax(t, 0); }},
      {"gelu", [](const Tensor &t) { return F::gelu(t); }},
      {"gelu tanh", [](const Tensor &t) { return F::gelu(t, "tanh"); }},
      {"silu", [](const Tensor &t) { return F::silu(t); }},
      {"elu", [](const Tensor &t) { return F::elu(t, 0.5); }},
      {"leaky_relu", [](const Tensor &t) { return F::leaky_relu(t, 0.3); }},
      {"softplus", [](const Tensor &t) { return F::softplus(t); }},
  };
  for (const auto &[name, fn] : cases)
    for (const Tensor &input : {x, xt})
      EXPECT_TRUE(gradgradcheck([&](const TensorList &in) { return one(fn(in[0])); }, {input}))
          << name;
}

TEST(NnActivation, Errors) {
  Tensor x = zeros({2, 3});
  EXPECT_THROW_WITH(F::gelu(x, "fast"), "gelu: approximate must be 'none' or 'tanh', got 'fast'");
  EXPECT_THROW_WITH(F::glu(x, 1), "glu: halving dimension must be even, but dimension 1 is size 3");
  EXPECT_THROW_WITH(F::glu(zeros({}), 0), "glu: does not support scalars");
  EXPECT_THROW_WITH(F::softmax(x, 2), "softmax");
  EXPECT_THROW_WITH(F::log_softmax(zeros({2}, dtype(kInt64)), 0),
                    "log_softmax: expected a float32 or float64 tensor, got int64");
  EXPECT_THROW_WITH(F::silu(zeros({2}, dtype(kInt64))), "silu: expected a float32 or float64");
  EXPECT_THROW_WITH(F::hardtanh(x, 1.0, -1.0), "hardtanh: min_val (1) cannot be greater than");
  EXPECT_THROW_WITH(F::celu(x, 0.0), "celu");
}
