// Tests for src/ops/elementwise.cpp: values against PyTorch, broadcasting, type promotion,
// in-place forms, non-contiguous inputs, gradients (gradcheck / gradgradcheck) and error paths.
// Expected numbers were produced by torch 1.13 (Debian's python3-torch) in float64.
#include <cmath>
#include <limits>

#include "test_util.h"

namespace ember {
namespace {

using testing::expect_close;
using testing::grad_input;
using testing::make;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Uniform values in [low, high) that require grad, for ops with a restricted domain.
Tensor grad_input_in(Shape sizes, double low, double high) {
  return (rand(sizes, dtype(kFloat64)) * (high - low) + low).detach().requires_grad_();
}

bool check_gradients(const std::function<Tensor(const TensorList &)> &fn, const TensorList &inputs,
                     bool second_order = false) {
  auto wrapped = [&](const TensorList &in) { return TensorList{fn(in)}; };
  bool ok = autograd::gradcheck(wrapped, inputs);
  if (second_order)
    ok = ok && autograd::gradgradcheck(wrapped, inputs);
  return ok;
}

// ---- unary --------------------------------------------------------------------------------------
struct UnaryCase {
  const char *name;
  Tensor (*fn)(const Tensor &);
  std::vector<double> expected;
};

// torch.<op>(torch.tensor([-1.5, -0.5, 0.25, 0.5, 2.5], dtype=torch.float64))
const std::vector<UnaryCase> &unary_cases() {
  static const std::vector<UnaryCase> cases = {
      {"neg", neg, {1.5, 0.5, -0.25, -0.5, -2.5}},
      {"abs", abs, {1.5, 0.5, 0.25, 0.5, 2.5}},
      {"sign", sign, {-1.0, -1.0, 1.0, 1.0, 1.0}},
      {"sqrt", sqrt, {kNaN, kNaN, 0.5, 0.7071067811865476, 1.5811388300841898}},
      {"rsqrt", rsqrt, {kNaN, kNaN, 2.0, 1.414213562373095, 0.6324555320336759}},
      {"square", square, {2.25, 0.25, 0.0625, 0.25, 6.25}},
      {"reciprocal", reciprocal, {-0.6666666666666666, -2.0, 4.0, 2.0, 0.4}},
      {"exp",
       exp,
       {0.22313016014842982, 0.6065306597126334, 1.2840254166877414, 1.6487212707001282,
        12.182493960703473}},
      {"exp2",
       exp2,
       {0.3535533905932738, 0.7071067811865476, 1.189207115002721, 1.4142135623730951,
        5.656854249492381}},
      {"expm1",
       expm1,
       {-0.7768698398515702, -0.3934693402873666, 0.2840254166877415, 0.6487212707001282,
        11.182493960703473}},
      {"log", log, {kNaN, kNaN, -1.3862943611198906, -0.6931471805599453, 0.9162907318741551}},
      {"log2", log2, {kNaN, kNaN, -2.0, -1.0, 1.3219280948873624}},
      {"log10", log10, {kNaN, kNaN, -0.6020599913279624, -0.3010299956639812, 0.3979400086720376}},
      {"log1p",
       log1p,
       {kNaN, -0.6931471805599453, 0.22314355131420976, 0.4054651081081644, 1.252762968495368}},
      {"sin",
       sin,
       {-0.9974949866040544, -0.479425538604203, 0.24740395925452294, 0.479425538604203,
        0.5984721441039564}},
      {"cos",
       cos,
       {0.0707372016677029, 0.8775825618903728, 0.9689124217106447, 0.8775825618903728,
        -0.8011436155469337}},
      {"tan",
       tan,
       {-14.101419947171719, -0.5463024898437905, 0.25534192122103627, 0.5463024898437905,
        -0.7470222972386603}},
      {"asin", asin, {kNaN, -0.5235987755982989, 0.25268025514207865, 0.5235987755982989, kNaN}},
      {"acos", acos, {kNaN, 2.0943951023931957, 1.318116071652818, 1.0471975511965976, kNaN}},
      {"atan",
       atan,
       {-0.982793723247329, -0.4636476090008061, 0.24497866312686414, 0.4636476090008061,
        1.1902899496825317}},
      {"sinh",
       sinh,
       {-2.1292794550948173, -0.5210953054937474, 0.2526123168081683, 0.5210953054937474,
        6.0502044810397875}},
      {"cosh",
       cosh,
       {2.352409615243247, 1.1276259652063807, 1.0314130998795732, 1.1276259652063807,
        6.132289479663686}},
      {"tanh",
       tanh,
       {-0.9051482536448664, -0.46211715726000974, 0.24491866240370913, 0.46211715726000974,
        0.9866142981514303}},
      {"sigmoid",
       sigmoid,
       {0.18242552380635635, 0.3775406687981454, 0.5621765008857981, 0.6224593312018546,
        0.9241418199787566}},
      {"relu", relu, {0.0, 0.0, 0.25, 0.5, 2.5}},
      {"erf",
       erf,
       {-0.9661051464753108, -0.5204998778130465, 0.27632639016823696, 0.5204998778130465,
        0.999593047982555}},
      {"floor", floor, {-2.0, -1.0, 0.0, 0.0, 2.0}},
      {"ceil", ceil, {-1.0, -0.0, 1.0, 1.0, 3.0}},
      {"round", round, {-2.0, -0.0, 0.0, 0.0, 2.0}},
      {"trunc", trunc, {-1.0, -0.0, 0.0, 0.0, 2.0}},
      {"frac", frac, {-0.5, -0.5, 0.25, 0.5, 0.5}},
  };
  return cases;
}

TEST(ElementwiseUnary, ValuesMatchTorchInFloat64AndFloat32) {
  const Tensor x = make({-1.5, -0.5, 0.25, 0.5, 2.5}, {5});
  for (const UnaryCase &c : unary_cases()) {
    SCOPED_TRACE(c.name);
    const Tensor expected = make(c.expected, {5});
    Tensor result64 = c.fn(x);
    EXPECT_EQ(result64.dtype(), kFloat64);
    expect_close(result64, expected, 1e-12, 1e-12);
    Tensor result32 = c.fn(x.to(kFloat32));
    EXPECT_EQ(result32.dtype(), kFloat32);
    expect_close(result32, expected, 2e-6, 1e-6);
  }
}

TEST(ElementwiseUnary, VectorPathMatchesStridedPath) {
  // 37 x 19 elements: the contiguous run takes SLEEF vectors plus a tail, the transposed view
  // takes the scalar strided loop; both must agree.
  for (DType dtype : {kFloat32, kFloat64}) {
    Tensor base = (rand({19, 37}, ember::dtype(dtype)) * 4 - 2);
    Tensor strided = base.t();
    Tensor dense = strided.contiguous();
    for (const UnaryCase &c : unary_cases()) {
      SCOPED_TRACE(c.name);
      EXPECT_TRUE(allclose(c.fn(dense), c.fn(strided), 1e-5, 1e-6, /*equal_nan=*/true));
    }
  }
}

TEST(ElementwiseUnary, InPlaceFormsMatchOutOfPlace) {
  Tensor x = make({0.25, 0.5, 0.75, 0.1}, {2, 2});
  Tensor y = x.clone();
  x.exp_();
  expect_close(x, exp(y));
  x.copy_(y);
  x.sigmoid_().neg_().abs_();
  expect_close(x, sigmoid(y));
}

TEST(ElementwiseUnary, DtypeRules) {
  Tensor ints = tensor({1, -2, 3});
  EXPECT_EQ(exp(ints).dtype(), kFloat32); // float ops on integers use the default dtype
  expect_close(sqrt(tensor({4, 9})), make({2, 3}, {2}));
  EXPECT_EQ(abs(ints).dtype(), kInt64);
  EXPECT_TRUE(equal(abs(ints), tensor({1, 2, 3})));
  EXPECT_TRUE(equal(floor(ints), ints));
  EXPECT_EQ(sign(tensor({true, false})).dtype(), kBool);
  EXPECT_EQ(square(tensor({true, false})).dtype(), kInt64);
  EXPECT_TRUE(equal(relu(ints), tensor({1, 0, 3})));
  EXPECT_TRUE(equal(neg(tensor({1, 2}, dtype(kUInt8))), tensor({255, 254}, dtype(kUInt8))));
  EXPECT_THROW_WITH(neg(tensor({true})), "neg: not supported for bool tensors");
  EXPECT_THROW_WITH(frac(ints), "frac: expected a floating point tensor");
  EXPECT_THROW_WITH(exp(ones({2}, dtype(kFloat16))), "exp");
  EXPECT_THROW_WITH(ints.exp_(), "result type Float can't be cast to the desired output type Long");
}

TEST(ElementwiseUnary, Predicates) {
  const double inf = std::numeric_limits<double>::infinity();
  Tensor x = make({1.0, kNaN, inf, -inf}, {4});
  EXPECT_TRUE(equal(isnan(x), tensor({false, true, false, false})));
  EXPECT_TRUE(equal(isinf(x), tensor({false, false, true, true})));
  EXPECT_TRUE(equal(isfinite(x), tensor({true, false, false, false})));
  EXPECT_TRUE(equal(isfinite(x.to(kFloat16)), tensor({true, false, false, false})));
  EXPECT_TRUE(equal(isnan(tensor({1, 2})), tensor({false, false})));
  EXPECT_TRUE(equal(logical_not(tensor({0.0, 2.0})), tensor({true, false})));
  EXPECT_TRUE(equal(!tensor({true, false}), tensor({false, true})));
}

// ---- binary -------------------------------------------------------------------------------------
struct BinaryCase {
  const char *name;
  Tensor (*fn)(const Tensor &, const Tensor &);
  std::vector<double> expected;
};

TEST(ElementwiseBinary, ValuesMatchTorch) {
  // a = [-7, 7, -7.5, 7.5, 2, 0.5], b = [2, -2, 2, -2, 0.5, 3] in torch, float64
  const Tensor a = make({-7., 7., -7.5, 7.5, 2., 0.5}, {6});
  const Tensor b = make({2., -2., 2., -2., 0.5, 3.}, {6});
  const std::vector<BinaryCase> cases = {
      {"add",
       [](const Tensor &x, const Tensor &y) { return add(x, y); },
       {-5.0, 5.0, -5.5, 5.5, 2.5, 3.5}},
      {"sub",
       [](const Tensor &x, const Tensor &y) { return sub(x, y); },
       {-9.0, 9.0, -9.5, 9.5, 1.5, -2.5}},
      {"mul", mul, {-14.0, -14.0, -15.0, -15.0, 1.0, 1.5}},
      {"div",
       [](const Tensor &x, const Tensor &y) { return div(x, y); },
       {-3.5, -3.5, -3.75, -3.75, 4.0, 0.16666666666666666}},
      {"remainder", remainder, {1.0, -1.0, 0.5, -0.5, 0.0, 0.5}},
      {"fmod", fmod, {-1.0, 1.0, -1.5, 1.5, 0.0, 0.5}},
      {"floor_divide", floor_divide, {-4.0, -4.0, -4.0, -4.0, 4.0, 0.0}},
      {"atan2",
       atan2,
       {-1.2924966677897853, 1.849095985800008, -1.3101939350475555, 1.8313987185422376,
        1.3258176636680326, 0.16514867741462683}},
      {"minimum", minimum, {-7.0, -2.0, -7.5, -2.0, 0.5, 0.5}},
      {"maximum", maximum, {2.0, 7.0, 2.0, 7.5, 2.0, 3.0}},
  };
  for (const BinaryCase &c : cases) {
    SCOPED_TRACE(c.name);
    expect_close(c.fn(a, b), make(c.expected, {6}), 1e-12, 1e-12);
    expect_close(c.fn(a.to(kFloat32), b.to(kFloat32)), make(c.expected, {6}), 1e-6, 1e-6);
  }
  // torch.pow([0.5, 1.5, 2, 3, 0.25, 4], b)
  expect_close(pow(make({0.5, 1.5, 2., 3., 0.25, 4.}, {6}), b),
               make({0.25, 0.4444444444444444, 4.0, 0.1111111111111111, 0.5, 64.0}, {6}));
  expect_close(div(a, b, "trunc"), make({-3, -3, -3, -3, 4, 0}, {6}));
  // torch.add(x, y, alpha=-0.5) and torch.rsub(x, 5, alpha=2)
  expect_close(add(make({1, 2}, {2}), make({3, 4}, {2}), -0.5), make({-0.5, 0}, {2}));
  expect_close(rsub(make({1, 2}, {2}), 5, 2), make({3, 1}, {2}));
  expect_close(5 - make({1, 2}, {2}), make({4, 3}, {2}));
  expect_close(1 / make({4, 0.5}, {2}), make({0.25, 2}, {2}));
  expect_close(pow(2, tensor({0.5, 3.0})), make({1.4142135623730951, 8.0}, {2}));
  expect_close(pow(make({1.5, -2}, {2}), 3), make({3.375, -8.0}, {2}));
}

TEST(ElementwiseBinary, IntegerDivisionFamily) {
  // torch on a = [-7, 7, -7, 7, 5, 0], b = [2, -2, -3, 3, 5, 3] (int64)
  Tensor a = tensor({-7, 7, -7, 7, 5, 0});
  Tensor b = tensor({2, -2, -3, 3, 5, 3});
  EXPECT_TRUE(equal(remainder(a, b), tensor({1, -1, -1, 1, 0, 0})));
  EXPECT_TRUE(equal(a % b, tensor({1, -1, -1, 1, 0, 0})));
  EXPECT_TRUE(equal(fmod(a, b), tensor({-1, 1, -1, 1, 0, 0})));
  EXPECT_TRUE(equal(floor_divide(a, b), tensor({-4, -4, 2, 2, 1, 0})));
  EXPECT_TRUE(equal(div(a, b, "floor"), tensor({-4, -4, 2, 2, 1, 0})));
  EXPECT_TRUE(equal(div(a, b, "trunc"), tensor({-3, -3, 2, 2, 1, 0})));
  Tensor quotient = a / b; // true division of integers gives the default float dtype
  EXPECT_EQ(quotient.dtype(), kFloat32);
  expect_close(quotient, make({-3.5, -3.5, 2.3333333, 2.3333333, 1.0, 0.0}, {6}), 1e-6);
  EXPECT_TRUE(equal(pow(tensor({2, -3, 1, -1, 2, 0}), tensor({10, 3, -2, -3, -1, 0})),
                    tensor({1024, -27, 1, -1, 0, 1})));
  EXPECT_THROW_WITH(floor_divide(a, zeros_like(a)), "floor_divide: ZeroDivisionError");
  EXPECT_THROW_WITH(a % 0, "remainder: ZeroDivisionError");
  EXPECT_THROW_WITH(pow(a, -1), "pow: integers to negative integer powers are not allowed");
  // Floats divide by zero the IEEE way.
  Tensor float_quotient = floor_divide(make({-7, 7}, {2}), make({0, 0}, {2}));
  EXPECT_TRUE(equal(isinf(float_quotient), tensor({true, true})));
}

TEST(ElementwiseBinary, ComparisonsAndLogic) {
  Tensor a = make({1, 2, 3}, {3});
  Tensor b = make({3, 2, 1}, {3});
  EXPECT_TRUE(equal(a == b, tensor({false, true, false})));
  EXPECT_TRUE(equal(a != b, tensor({true, false, true})));
  EXPECT_TRUE(equal(a < b, tensor({true, false, false})));
  EXPECT_TRUE(equal(a <= b, tensor({true, true, false})));
  EXPECT_TRUE(equal(a > 1.5, tensor({false, true, true})));
  EXPECT_TRUE(equal(a >= 2, tensor({false, true, true})));
  EXPECT_TRUE(equal(tensor({1, 2, 3}) < 2.5, tensor({true, true, false})));
  Tensor p = tensor({0.0, 1.5, 0.0, -2.0});
  Tensor q = tensor({0, 0, 3, 4});
  EXPECT_TRUE(equal(logical_and(p, q), tensor({false, false, false, true})));
  EXPECT_TRUE(equal(logical_or(p, q), tensor({false, true, true, true})));
  EXPECT_TRUE(equal(logical_xor(p, q), tensor({false, true, true, false})));
  EXPECT_TRUE(equal(p && q, logical_and(p, q)));
  // NaN propagates through minimum and maximum.
  Tensor with_nan = make({kNaN, 1}, {2});
  EXPECT_TRUE(equal(isnan(maximum(with_nan, make({1, kNaN}, {2}))), tensor({true, true})));
}

TEST(ElementwiseBinary, Broadcasting) {
  Tensor a = arange(6, dtype(kFloat64)).reshape({2, 1, 3});
  Tensor b = make({1, 10, 100, 1000}, {4, 1});
  Tensor product = a * b; // torch: shape [2, 4, 3]
  EXPECT_EQ(product.sizes(), Shape({2, 4, 3}));
  expect_close(product.flatten(), make({0, 1, 2, 0,  10, 20, 0,   100, 200, 0,    1000, 2000,
                                        3, 4, 5, 30, 40, 50, 300, 400, 500, 3000, 4000, 5000},
                                       {24}));
  EXPECT_EQ((make({1}, {1}) + scalar_tensor(2.0)).sizes(), Shape({1}));
  EXPECT_EQ((scalar_tensor(2.0) + scalar_tensor(3.0)).dim(), 0);
  expect_close(b + 0.5, make({1.5, 10.5, 100.5, 1000.5}, {4, 1}));
}

TEST(ElementwiseBinary, NonContiguousInputs) {
  Tensor base = rand({5, 7}, dtype(kFloat64));
  Tensor other = rand({7, 5}, dtype(kFloat64));
  Tensor transposed = base.t();
  Tensor sliced = other.slice(0, 0, 7, 2); // [4, 5], row stride 10
  expect_close(transposed * other, transposed.contiguous() * other);
  expect_close(add(transposed, other, 2), add(transposed.contiguous(), other, 2));
  expect_close(pow(transposed, 1.5), pow(transposed.contiguous(), 1.5));
  expect_close(sliced - transposed.slice(0, 0, 4),
               sliced.contiguous() - transposed.slice(0, 0, 4).contiguous());
  expect_close(exp(sliced), exp(sliced.contiguous()));
}

TEST(ElementwiseBinary, LargeTensorsUseEveryPath) {
  // Larger than one grain, so the loops split across threads; odd sizes leave vector tails.
  Tensor a = rand({301, 257});
  Tensor b = rand({257});
  Tensor sum = a + b;
  Tensor expected = a.contiguous() + b.expand({301, 257}).contiguous();
  EXPECT_TRUE(allclose(sum, expected));
  EXPECT_TRUE(allclose(2 * a, a + a));
  EXPECT_TRUE(allclose(pow(a, 2.0), a * a, 1e-5, 1e-6));
  EXPECT_TRUE(allclose(pow(a, b), exp(b * log(a)), 1e-4, 1e-6));
}

// ---- type promotion
// -------------------------------------------------------------------------------
TEST(ElementwisePromotion, ResultTypeTable) {
  // Each row checked against torch.result_type / the dtype of torch's result.
  Tensor i64 = tensor({1, 2});
  Tensor i32 = tensor({1, 2}, dtype(kInt32));
  Tensor u8 = tensor({1, 2}, dtype(kUInt8));
  Tensor f32 = tensor({1.0, 2.0});
  Tensor f16 = tensor({1.0, 2.0}, dtype(kFloat16));
  Tensor b = tensor({true, false});
  Tensor zero_d_i64 = scalar_tensor(5);
  Tensor zero_d_f64 = scalar_tensor(5.0, dtype(kFloat64));
  Tensor zero_d_u8 = scalar_tensor(5, dtype(kUInt8));
  EXPECT_EQ(result_type(i64, 2.5), kFloat32);
  EXPECT_EQ(result_type(f32, 2), kFloat32);
  EXPECT_EQ(result_type(i32, 2), kInt32);
  EXPECT_EQ(result_type(b, 2), kInt64);
  EXPECT_EQ(result_type(b, 2.5), kFloat32);
  EXPECT_EQ(result_type(b, true), kBool);
  EXPECT_EQ(result_type(i32, i64), kInt64);
  EXPECT_EQ(result_type(i32, zero_d_i64), kInt32);
  EXPECT_EQ(result_type(u8, zero_d_i64), kUInt8);
  EXPECT_EQ(result_type(i32, zero_d_f64), kFloat64);
  EXPECT_EQ(result_type(f32, zero_d_f64), kFloat32);
  EXPECT_EQ(result_type(f16, zero_d_f64), kFloat16);
  EXPECT_EQ(result_type(zero_d_u8, i32), kInt32);
  EXPECT_EQ(result_type(zero_d_f64, scalar_tensor(2.0f)), kFloat64);
  EXPECT_EQ(result_type(u8, i32), kInt32);
  EXPECT_EQ(result_type(f32, tensor({1.0}, dtype(kFloat64))), kFloat64);
  EXPECT_EQ(result_type(f16, tensor({1.0}, dtype(kBFloat16))), kFloat32);
  EXPECT_EQ(result_type(scalar_tensor(5, dtype(kInt32)), 2.5), kFloat32);

  EXPECT_EQ((i64 + 2.5).dtype(), kFloat32);
  EXPECT_EQ((i32 * zero_d_f64).dtype(), kFloat64);
  EXPECT_EQ((b + b).dtype(), kBool);
  EXPECT_TRUE(equal(b * true, b));
  EXPECT_EQ((i64 == 2.5).dtype(), kBool);
  EXPECT_EQ(atan2(i64, i64).dtype(), kFloat32);
  EXPECT_EQ(maximum(b, b).dtype(), kBool);
  // uint8 arithmetic wraps around, as in torch.
  EXPECT_TRUE(equal(u8 - 3, tensor({254, 255}, dtype(kUInt8))));
  EXPECT_THROW_WITH(f16 + f16, "add: unsupported dtype float16");
}

TEST(ElementwisePromotion, DefaultDtypeDecidesWrappedFloats) {
  set_default_dtype(kFloat64);
  Tensor result = tensor({1, 2}) * 0.5;
  set_default_dtype(kFloat32);
  EXPECT_EQ(result.dtype(), kFloat64);
}

// ---- in-place -----------------------------------------------------------------------------------
TEST(ElementwiseInPlace, WritesThroughTransposedView) {
  Tensor base = make({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor view = base.t(); // [3, 2], shares base's memory
  uint32_t version = base._version();
  view.add_(make({10, 20}, {2})); // row vector broadcast over the view's rows
  view.mul_(2);
  EXPECT_GT(base._version(), version);
  // torch: b = tensor([[1,2,3],[4,5,6.]]); v = b.t(); v.add_(tensor([10,20.])); v.mul_(2)
  expect_close(base, make({22, 24, 26, 48, 50, 52}, {2, 3}));
  view.clamp_(30, 50);
  expect_close(base, make({30, 30, 30, 48, 50, 50}, {2, 3}));
}

TEST(ElementwiseInPlace, OverlappingOperandIsReadBeforeWritten) {
  Tensor x = make({1, 2, 3, 4}, {2, 2});
  x.add_(x.t()); // torch: [[2, 5], [5, 8]]
  expect_close(x, make({2, 5, 5, 8}, {2, 2}));
}

TEST(ElementwiseInPlace, CastRules) {
  Tensor ints = tensor({1, 2});
  EXPECT_THROW_WITH(ints.mul_(2.5),
                    "mul_: result type Float can't be cast to the desired output type Long");
  EXPECT_THROW_WITH(ints.div_(2),
                    "result type Float can't be cast to the desired output type Long");
  EXPECT_THROW_WITH(tensor({true}).add_(tensor({1})),
                    "result type Long can't be cast to the desired output type Bool");
  EXPECT_THROW_WITH(ints.clamp_(1.5), "clamp_: result type Float can't be cast");
  Tensor i32 = tensor({1, 2}, dtype(kInt32));
  i32.add_(tensor({1, 2})); // int64 result, cast back to int32
  EXPECT_TRUE(equal(i32, tensor({2, 4}, dtype(kInt32))));
  ints.div_(2, "floor");
  EXPECT_TRUE(equal(ints, tensor({0, 1})));
  Tensor floats = tensor({1.0, 2.0});
  floats.eq_(tensor({1, 3}));
  EXPECT_TRUE(equal(floats, tensor({1.0, 0.0})));
  Tensor f32 = tensor({1.0, 2.0});
  f32 += tensor({0.5, 0.25}, dtype(kFloat64));
  expect_close(f32, make({1.5, 2.25}, {2}));
  Tensor masked = tensor({1, 2});
  masked.masked_fill_(tensor({true, false}), 3.5); // torch truncates the value to int: [3, 2]
  EXPECT_TRUE(equal(masked, tensor({3, 2})));
}

TEST(ElementwiseInPlace, ShapeMustMatchBroadcast) {
  Tensor x = zeros({2, 3});
  EXPECT_THROW_WITH(x.add_(zeros({4, 2, 3})),
                    "add_: output with shape [2, 3] doesn't match the broadcast shape [4, 2, 3]");
  EXPECT_THROW_WITH(zeros({2}).masked_fill_(tensor({{true}, {false}}), 1),
                    "doesn't match the broadcast shape [2, 2]");
}

TEST(ElementwiseInPlace, RecordsThroughAutograd) {
  Tensor x = grad_input({3});
  Tensor y = x * 2;
  y.exp_();
  y.add_(x, 3);
  y.sum().backward();
  // d/dx (exp(2x) + 3x) = 2 exp(2x) + 3
  expect_close(x.grad(), 2 * exp(2 * x.detach()) + 3);
}

// ---- clamp, lerp, where, masked_fill
// --------------------------------------------------------------
TEST(ElementwiseClamp, Values) {
  Tensor x = make({-2, 0.5, 3, kNaN}, {4});
  expect_close(clamp(x, -1, 1), make({-1, 0.5, 1, kNaN}, {4})); // torch keeps NaN
  expect_close(clamp_min(x, 0), make({0, 0.5, 3, kNaN}, {4}));
  expect_close(clamp_max(x, 0), make({-2, 0, 0, kNaN}, {4}));
  expect_close(x.clamp(3, 1), make({1, 1, 1, kNaN}, {4})); // min > max: max wins
  EXPECT_EQ(clamp(tensor({1, 2, 3}), 1.5, 2).dtype(), kFloat32);
  EXPECT_TRUE(equal(clamp(tensor({1, 2, 3}), 1, 2), tensor({1, 2, 2})));
  Tensor bounded = clamp(tensor({1, 5}), tensor({2}), tensor({3.0}));
  EXPECT_EQ(bounded.dtype(), kFloat32);
  expect_close(bounded, make({2, 3}, {2}));
  expect_close(clamp(make({1, 5, 9}, {3}), make({2}, {1}), Tensor()), make({2, 5, 9}, {3}));
  EXPECT_THROW_WITH(clamp(x, std::nullopt, std::nullopt), "clamp: at least one of");
}

TEST(ElementwiseLerpWhereMaskedFill, Values) {
  // torch.lerp([1, 2, 3], [5, -2, 3.5], 0.3) and with weight [0, 0.75, 1]
  Tensor start = make({1, 2, 3}, {3});
  Tensor end = make({5, -2, 3.5}, {3});
  expect_close(lerp(start, end, 0.3), make({2.2, 0.8, 3.15}, {3}), 1e-12);
  expect_close(lerp(start, end, make({0, 0.75, 1}, {3})), make({1, -1, 3.5}, {3}));
  Tensor s = start.clone();
  s.lerp_(end, 0.3);
  expect_close(s, make({2.2, 0.8, 3.15}, {3}), 1e-12);
  EXPECT_THROW_WITH(lerp(start, end.to(kFloat32), 0.5), "lerp: expected dtype float64 for `end`");

  Tensor condition = tensor({true, false});
  Tensor chosen = where(condition, tensor({1, 2}), tensor({1.5, 2.5}));
  EXPECT_EQ(chosen.dtype(), kFloat32);
  expect_close(chosen, make({1, 2.5}, {2}));
  EXPECT_EQ(where(condition, 2, make({1.5, 2.5}, {2})).dtype(), kFloat64);
  expect_close(where(condition, tensor({1, 2}), 2.5), make({1, 2.5}, {2}));
  expect_close(make({7, 8}, {2}).where(condition, make({0, 0}, {2})), make({7, 0}, {2}));
  EXPECT_THROW_WITH(where(tensor({1.0}), start, end),
                    "where: expected condition to be a boolean tensor");

  // torch.tensor([1., 2.]).masked_fill(torch.tensor([[True], [False]]), 3.5)
  expect_close(masked_fill(make({1, 2}, {2}), tensor({{true}, {false}}), 3.5),
               make({3.5, 3.5, 1, 2}, {2, 2}));
  expect_close(make({1, 2}, {2}).masked_fill(condition, scalar_tensor(9.0)), make({9, 2}, {2}));
  EXPECT_TRUE(equal(tensor({true, false}).masked_fill(condition, 0), tensor({false, false})));
  EXPECT_THROW_WITH(masked_fill(start, tensor({true, false, true}), make({1}, {1})),
                    "masked_fill: only supports a 0-dimensional value tensor");
  EXPECT_THROW_WITH(masked_fill(start, tensor({1, 0, 1}), 1.0),
                    "masked_fill: expected a bool mask");
}

// ---- whole-tensor comparisons
// --------------------------------------------------------------------
TEST(ElementwiseAllclose, AllcloseAndEqual) {
  const double inf = std::numeric_limits<double>::infinity();
  Tensor a = make({1, 2, inf}, {3});
  EXPECT_TRUE(allclose(a, make({1 + 1e-9, 2, inf}, {3})));
  EXPECT_FALSE(allclose(a, make({1.1, 2, inf}, {3})));
  EXPECT_FALSE(allclose(a, make({1, 2, -inf}, {3})));
  EXPECT_TRUE(allclose(make({1, 1}, {2}), make({1}, {1}))); // broadcasts, as torch
  EXPECT_FALSE(allclose(make({kNaN}, {1}), make({kNaN}, {1})));
  EXPECT_TRUE(allclose(make({kNaN}, {1}), make({kNaN}, {1}), 1e-5, 1e-8, true));
  EXPECT_TRUE(equal(tensor({1}), tensor({1.0})));
  EXPECT_FALSE(equal(tensor({1, 2}), tensor({1})));
  EXPECT_FALSE(equal(tensor({1, 2}), tensor({1, 3})));
}

// ---- errors
// -------------------------------------------------------------------------------------------
TEST(ElementwiseErrors, MessagesNameTheOpAndShapes) {
  EXPECT_THROW_WITH(zeros({2, 3}) + zeros({4, 3}),
                    "add: shapes [2, 3] and [4, 3] cannot be broadcast");
  EXPECT_THROW_WITH(mul(zeros({2}), zeros({3})), "mul: shapes [2] and [3]");
  EXPECT_THROW_WITH(div(zeros({2}), 2, "bad"),
                    "div: expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                    "'bad'");
  EXPECT_THROW_WITH(tensor({true}) - tensor({true}),
                    "sub: subtraction, the `-` operator, with two bool");
  EXPECT_THROW_WITH(add(tensor({1}), 2, 0.5), "add: for integral input tensors, argument alpha");
  EXPECT_THROW_WITH(add(tensor({1.0}), 2, true), "add: boolean alpha only supported");
  EXPECT_THROW_WITH(remainder(tensor({true}), tensor({true})), "remainder: not supported for bool");
}

// ---- gradients
// -------------------------------------------------------------------------------------
TEST(ElementwiseGrad, UnaryGradcheck) {
  struct Case {
    const char *name;
    Tensor (*fn)(const Tensor &);
    double low, high;
  };
  const std::vector<Case> cases = {
      {"neg", neg, -1, 1},
      {"abs", abs, -1, 1},
      {"sign", sign, -1, 1},
      {"sqrt", sqrt, 0.5, 2},
      {"rsqrt", rsqrt, 0.5, 2},
      {"square", square, -1, 1},
      {"reciprocal", reciprocal, 0.5, 2},
      {"exp", exp, -1, 1},
      {"exp2", exp2, -1, 1},
      {"expm1", expm1, -1, 1},
      {"log", log, 0.5, 2},
      {"log2", log2, 0.5, 2},
      {"log10", log10, 0.5, 2},
      {"log1p", log1p, -0.5, 1},
      {"sin", sin, -2, 2},
      {"cos", cos, -2, 2},
      {"tan", tan, -1, 1},
      {"asin", asin, -0.8, 0.8},
      {"acos", acos, -0.8, 0.8},
      {"atan", atan, -2, 2},
      {"sinh", sinh, -1, 1},
      {"cosh", cosh, -1, 1},
      {"tanh", tanh, -2, 2},
      {"sigmoid", sigmoid, -3, 3},
      {"relu", relu, -1, 1},
      {"erf", erf, -1.5, 1.5},
      {"floor", floor, -2, 2},
      {"ceil", ceil, -2, 2},
      {"round", round, -2, 2},
      {"trunc", trunc, -2, 2},
      {"frac", frac, -2, 2},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name);
    Tensor x = grad_input_in({3, 2}, c.low, c.high);
    EXPECT_TRUE(check_gradients([&](const TensorList &in) { return c.fn(in[0]); }, {x}));
    // Transposed: the op reads a non-contiguous input.
    EXPECT_TRUE(check_gradients([&](const TensorList &in) { return c.fn(in[0].t()); }, {x}));
  }
}

TEST(ElementwiseGrad, UnaryGradgradcheck) {
  for (auto fn : {exp, tanh, sigmoid, log, sqrt, sin}) {
    Tensor x = grad_input_in({4}, 0.5, 1.5);
    EXPECT_TRUE(check_gradients([&](const TensorList &in) { return fn(in[0]); }, {x}, true));
  }
}

TEST(ElementwiseGrad, BinaryGradcheckWithBroadcastAndStrides) {
  struct Case {
    const char *name;
    std::function<Tensor(const Tensor &, const Tensor &)> fn;
    double low, high;
    bool second_order;
  };
  const std::vector<Case> cases = {
      {"add", [](const Tensor &a, const Tensor &b) { return add(a, b, 2.5); }, -1, 1, false},
      {"sub", [](const Tensor &a, const Tensor &b) { return sub(a, b, 0.5); }, -1, 1, false},
      {"mul", [](const Tensor &a, const Tensor &b) { return a * b; }, -1, 1, true},
      {"div", [](const Tensor &a, const Tensor &b) { return a / b; }, 0.5, 2, true},
      {"pow", [](const Tensor &a, const Tensor &b) { return pow(a, b); }, 0.5, 2, true},
      {"atan2", [](const Tensor &a, const Tensor &b) { return atan2(a, b); }, 0.5, 2, false},
      {"remainder", [](const Tensor &a, const Tensor &b) { return remainder(a * 3, b); }, 0.5, 2,
       false},
      {"fmod", [](const Tensor &a, const Tensor &b) { return fmod(a * 3, b); }, 0.5, 2, false},
      {"minimum", [](const Tensor &a, const Tensor &b) { return minimum(a, b); }, -1, 1, false},
      {"maximum", [](const Tensor &a, const Tensor &b) { return maximum(a, b); }, -1, 1, false},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name);
    Tensor a = grad_input_in({2, 3}, c.low, c.high);
    Tensor b = grad_input_in({3}, c.low, c.high);
    Tensor tall = grad_input_in({3, 2}, c.low, c.high);
    EXPECT_TRUE(check_gradients([&](const TensorList &in) { return c.fn(in[0], in[1]); }, {a, b},
                                c.second_order));
    EXPECT_TRUE(
        check_gradients([&](const TensorList &in) { return c.fn(in[0].t(), in[1]); }, {tall, a}));
  }
}

TEST(ElementwiseGrad, ScalarOperands) {
  Tensor x = grad_input_in({4}, 0.5, 2);
  EXPECT_TRUE(check_gradients([](const TensorList &in) { return pow(in[0], 3); }, {x}, true));
  EXPECT_TRUE(check_gradients([](const TensorList &in) { return pow(2.5, in[0]); }, {x}, true));
  EXPECT_TRUE(check_gradients([](const TensorList &in) { return 3 / in[0]; }, {x}, true));
  EXPECT_TRUE(check_gradients([](const TensorList &in) { return rsub(in[0], 2, 3); }, {x}));
  EXPECT_TRUE(check_gradients([](const TensorList &in) { return in[0] * 2 - 1; }, {x}));
}

TEST(ElementwiseGrad, TiesAndBoundaries) {
  // torch: maximum/minimum split the gradient of a tie; clamp passes it at the bounds;
  // relu'(0) = 0 and abs'(0) = 0.
  Tensor a = make({1, 2, 3}, {3}).requires_grad_();
  Tensor b = make({1, 5, 0}, {3}).requires_grad_();
  maximum(a, b).sum().backward();
  expect_close(a.grad(), make({0.5, 0, 1}, {3}));
  expect_close(b.grad(), make({0.5, 1, 0}, {3}));

  Tensor x = make({-1, 0, 0.5, 1, 2}, {5}).requires_grad_();
  clamp(x, 0, 1).sum().backward();
  expect_close(x.grad(), make({0, 1, 1, 1, 0}, {5}));

  Tensor z = make({-1, 0, 1}, {3}).requires_grad_();
  (relu(z) + abs(z)).sum().backward();
  expect_close(z.grad(), make({-1, 0, 2}, {3}));

  Tensor quotient_input = make({1.5, 2.5}, {2}).requires_grad_();
  div(quotient_input, 2, "floor").sum().backward();
  expect_close(quotient_input.grad(), make({0, 0}, {2}));
}

TEST(ElementwiseGrad, ClampLerpWhereMaskedFill) {
  Tensor x = grad_input({2, 3});
  Tensor low = grad_input({3});
  Tensor high = (grad_input_in({2, 3}, 0.5, 1.5));
  EXPECT_TRUE(check_gradients([](const TensorList &in) { return clamp(in[0], -0.5, 0.5); }, {x}));
  EXPECT_TRUE(check_gradients([](const TensorList &in) { return in[0].clamp_min(0.1); }, {x}));
  EXPECT_TRUE(check_gradients([](const TensorList &in) { return clamp(in[0], in[1] * 0.5, in[2]); },
                              {x, low, high}));
  EXPECT_TRUE(check_gradients([](const TensorList &in) { return clamp(in[0], Tensor(), in[1]); },
                              {x, low}));

  Tensor end = grad_input({2, 3});
  Tensor weight = grad_input({3});
  EXPECT_TRUE(
      check_gradients([](const TensorList &in) { return lerp(in[0], in[1], 0.3); }, {x, end}));
  EXPECT_TRUE(check_gradients([](const TensorList &in) { return lerp(in[0], in[1], in[2]); },
                              {x, end, weight}));

  Tensor condition = rand({2, 3}) > 0.5;
  EXPECT_TRUE(check_gradients([&](const TensorList &in) { return where(condition, in[0], in[1]); },
                              {x, low}));
  EXPECT_TRUE(
      check_gradients([&](const TensorList &in) { return where(condition, in[0], 2); }, {x}));
  Tensor mask = tensor({true, false, true});
  Tensor value = scalar_tensor(0.5, dtype(kFloat64)).requires_grad_();
  EXPECT_TRUE(
      check_gradients([&](const TensorList &in) { return in[0].masked_fill(mask, 2.0); }, {x}));
  EXPECT_TRUE(check_gradients([&](const TensorList &in) { return masked_fill(in[0], mask, in[1]); },
                              {x, value}));
}

TEST(ElementwiseGrad, IntegerResultsAreNotRecorded) {
  Tensor x = grad_input({3});
  EXPECT_FALSE((x > 0).requires_grad());
  EXPECT_FALSE(isnan(x).requires_grad());
  EXPECT_TRUE((x * 2).requires_grad());
  {
    NoGradGuard no_grad;
    EXPECT_FALSE((x * 2).requires_grad());
  }
  EXPECT_EQ((x * 2).grad_fn()->name(), "MulBackward");
  EXPECT_EQ(floor_divide(x, 2).grad_fn()->name(), "FloorDivideBackward");
}

} // namespace
} // namespace ember
