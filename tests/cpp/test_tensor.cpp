// Tensor basics: creation, dtypes, views sharing storage, copies, conversion and printing.
#include <cstring>

#include "test_util.h"

using namespace ember;
using ember::testing::expect_close;
using ember::testing::grad_input;
using ember::testing::make;

TEST(Tensor, EmptyHasShapeStridesAndDtype) {
  Tensor t = empty({2, 3, 4});
  EXPECT_EQ(t.sizes(), (Shape{2, 3, 4}));
  EXPECT_EQ(t.strides(), (Shape{12, 4, 1}));
  EXPECT_EQ(t.dtype(), kFloat32);
  EXPECT_EQ(t.numel(), 24);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(empty({3}, dtype(kInt32)).element_size(), 4u);
}

TEST(Tensor, CreationValues) {
  expect_close(zeros({2}), make({0, 0}, {2}));
  expect_close(ones({2, 1}), make({1, 1}, {2, 1}));
  expect_close(full({3}, 2.5), make({2.5, 2.5, 2.5}, {3}));
  EXPECT_EQ(full({1}, 7).dtype(), kInt64);
  EXPECT_EQ(full({1}, 7.0).dtype(), kFloat32);
  EXPECT_EQ(full({1}, true).dtype(), kBool);
  expect_close(eye(2, 3), make({1, 0, 0, 0, 1, 0}, {2, 3}));
  EXPECT_EQ(zeros_like(ones({2}, dtype(kFloat64))).dtype(), kFloat64);
}

TEST(Tensor, ArangeAndLinspaceMatchTorch) {
  Tensor a = arange(5);
  EXPECT_EQ(a.dtype(), kInt64);
  expect_close(a, make({0, 1, 2, 3, 4}, {5}));
  expect_close(arange(1, 2, 0.25), make({1, 1.25, 1.5, 1.75}, {4}));
  expect_close(arange(10, 0, -3), make({10, 7, 4, 1}, {4}));
  // torch.linspace(0, 1, 5)
  expect_close(linspace(0, 1, 5), make({0, 0.25, 0.5, 0.75, 1}, {5}));
  EXPECT_EQ(linspace(0, 1, 5).dtype(), kFloat32);
  EXPECT_THROW_WITH(arange(0, 5, -1), "upper bound and larger bound inconsistent with step sign");
  EXPECT_THROW_WITH(arange(0, 5, 0), "step must be nonzero");
}

TEST(Tensor, LiteralsInferDtypeAndShape) {
  Tensor f = tensor({{1.0, 2.0}, {3.0, 4.0}});
  EXPECT_EQ(f.sizes(), (Shape{2, 2}));
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_EQ(tensor({1, 2, 3}).dtype(), kInt64);
  EXPECT_EQ(tensor({true, false}).dtype(), kBool);
  EXPECT_EQ(tensor({1, 2}, dtype(kFloat64)).dtype(), kFloat64);
  EXPECT_EQ(tensor(3.5).dim(), 0);
  EXPECT_DOUBLE_EQ(f[1][0].item<double>(), 3.0);
  EXPECT_THROW_WITH(tensor({{1, 2}, {3}}), "rows have different lengths");
}

TEST(Tensor, NegativeSizeIsAnError) {
  EXPECT_THROW_WITH(empty({2, -1}), "negative dimension -1");
}

TEST(Tensor, FromBlobSharesExternalMemory) {
  float data[6] = {0, 1, 2, 3, 4, 5};
  bool deleted = false;
  {
    Tensor t = from_blob(data, {2, 3}, {3, 1}, [&](void *) { deleted = true; });
    EXPECT_FLOAT_EQ(t[1][2].item<float>(), 5.0f);
    t[0][0].fill_(42);
  }
  EXPECT_EQ(data[0], 42.0f);
  EXPECT_TRUE(deleted);
}

TEST(Tensor, ItemChecksNumel) {
  EXPECT_EQ(tensor({7}).item<int64_t>(), 7);
  EXPECT_THROW_WITH(zeros({2}).item(), "a Tensor with 2 elements cannot be converted to Scalar");
}

TEST(Tensor, HalfAndBFloat16RoundTrip) {
  // numpy.float16 / torch.bfloat16 values of these floats.
  EXPECT_EQ(Half(1.0f).bits, 0x3c00);
  EXPECT_EQ(Half(-2.5f).bits, 0xc100);
  EXPECT_EQ(Half(65504.0f).bits, 0x7bff);
  EXPECT_EQ(Half(1e6f).bits, 0x7c00);         // overflow -> inf
  EXPECT_EQ(Half(5.960464477539063e-08f).bits, 0x0001); // smallest subnormal
  EXPECT_FLOAT_EQ(static_cast<float>(Half(0.1f)), 0.0999755859375f);
  EXPECT_EQ(BFloat16(1.0f).bits, 0x3f80);
  EXPECT_FLOAT_EQ(static_cast<float>(BFloat16(3.14159f)), 3.140625f);
  Tensor x = tensor({0.5, -1.25, 1000.0});
  expect_close(x.to(kFloat16).to(kFloat32), x);
  expect_close(x.to(kBFloat16).to(kFloat32), x);
}

TEST(Tensor, DtypePromotionTable) {
  EXPECT_EQ(promote_types(kInt32, kFloat32), kFloat32);
  EXPECT_EQ(promote_types(kInt64, kInt32), kInt64);
  EXPECT_EQ(promote_types(kBool, kUInt8), kUInt8);
  EXPECT_EQ(promote_types(kFloat16, kBFloat16), kFloat32);
  EXPECT_EQ(promote_types(kInt64, kFloat16), kFloat16);
  EXPECT_EQ(promote_types(kFloat32, kFloat64), kFloat64);
}

TEST(Tensor, ConversionsBetweenDtypes) {
  Tensor x = tensor({-1.5, 0.0, 2.7});
  expect_close(x.to(kInt64), make({-1, 0, 2}, {3}));
  expect_close(x.to(kBool), make({1, 0, 1}, {3}));
  EXPECT_TRUE(x.to(kFloat32).is_same(x));
  EXPECT_FALSE(x.to(kFloat32, /*copy=*/true).is_same(x));
}

TEST(View, ViewsShareStorage) {
  Tensor base = arange(12, dtype(kFloat32)).view({3, 4});
  Tensor row = base[1];
  row.fill_(-1);
  expect_close(base.select(1, 0), make({0, -1, 8}, {3}));
  Tensor column = base.slice(1, 1, 4, 2);
  EXPECT_EQ(column.sizes(), (Shape{3, 2}));
  EXPECT_EQ(column.strides(), (Shape{4, 2}));
  EXPECT_FALSE(column.is_contiguous());
  expect_close(column, make({1, 3, -1, -1, 9, 11}, {3, 2}));
}

TEST(View, ShapeOpsMatchTorch) {
  Tensor x = arange(24).view({2, 3, 4});
  EXPECT_EQ(x.permute({2, 0, 1}).sizes(), (Shape{4, 2, 3}));
  EXPECT_EQ(x.permute({2, 0, 1}).strides(), (Shape{1, 12, 4}));
  EXPECT_EQ(x.transpose(0, 2).sizes(), (Shape{4, 3, 2}));
  EXPECT_EQ(x.unsqueeze(1).sizes(), (Shape{2, 1, 3, 4}));
  EXPECT_EQ(x.unsqueeze(-1).sizes(), (Shape{2, 3, 4, 1}));
  EXPECT_EQ(x.unsqueeze(0).squeeze().sizes(), (Shape{2, 3, 4}));
  EXPECT_EQ(x.flatten(1).sizes(), (Shape{2, 12}));
  EXPECT_EQ(x.flatten().unflatten(0, {4, -1}).sizes(), (Shape{4, 6}));
  EXPECT_EQ(x.movedim(0, -1).sizes(), (Shape{3, 4, 2}));
  EXPECT_EQ(x.narrow(2, 1, 2).sizes(), (Shape{2, 3, 2}));
  EXPECT_EQ(x.reshape({-1, 4}).sizes(), (Shape{6, 4}));
  EXPECT_EQ(ones({3, 1}).expand({2, 3, 5}).strides(), (Shape{0, 1, 0}));
  // torch.arange(9).view(3, 3).diagonal(1) == [1, 5]
  expect_close(arange(9).view({3, 3}).diagonal(1), make({1, 5}, {2}));
  expect_close(arange(9).view({3, 3}).diagonal(-1), make({3, 7}, {2}));
  // torch.arange(7).unfold(0, 3, 2) == [[0, 1, 2], [2, 3, 4], [4, 5, 6]]
  expect_close(arange(7).unfold(0, 3, 2), make({0, 1, 2, 2, 3, 4, 4, 5, 6}, {3, 3}));
  expect_close(arange(6).as_strided({2, 2}, {1, 2}, 1), make({1, 3, 2, 4}, {2, 2}));
  expect_close(arange(10).slice(0, -3), make({7, 8, 9}, {3}));
}

TEST(View, ReshapeCopiesOnlyWhenNeeded) {
  Tensor x = arange(6).view({2, 3});
  EXPECT_EQ(x.reshape({3, 2}).impl()->storage(), x.impl()->storage());
  Tensor t = x.t();
  EXPECT_NE(t.reshape({6}).impl()->storage(), x.impl()->storage());
  expect_close(t.reshape({6}), make({0, 3, 1, 4, 2, 5}, {6}));
  EXPECT_THROW_WITH(t.view({6}), "view size [6] is not compatible with input tensor's size");
}

TEST(View, ErrorsNameTheOpAndShapes) {
  Tensor x = zeros({2, 3});
  EXPECT_THROW_WITH(x.view({4, 2}), "shape [4, 2] is invalid for input of size 6");
  EXPECT_THROW_WITH(x.permute({0}), "number of dims don't match");
  EXPECT_THROW_WITH(x.expand({3, 3}), "must match the existing size (2) at non-singleton dimension 0");
  EXPECT_THROW_WITH(x.select(1, 3), "index 3 is out of bounds for dimension 1 with size 3");
  EXPECT_THROW_WITH(x.transpose(0, 2), "dimension out of range (expected to be in range of [-2, 1], but got 2)");
  EXPECT_THROW_WITH(x.t().t().unsqueeze(4), "dimension out of range");
  EXPECT_THROW_WITH(zeros({2, 2, 2}).t(), "expects a tensor with <= 2 dimensions");
  try {
    x.select(0, 5);
    ADD_FAILURE() << "expected IndexError";
  } catch (const IndexError &) {
  }
}

TEST(View, GradientsFlowBackToTheBase) {
  using autograd::gradcheck;
  auto check = [](std::function<Tensor(const Tensor &)> view, Shape shape) {
    Tensor x = grad_input(shape);
    EXPECT_TRUE(gradcheck([&](const TensorList &in) { return TensorList{view(in[0])}; }, {x}));
  };
  check([](const Tensor &t) { return t.view({6, 2}); }, {3, 4});
  check([](const Tensor &t) { return t.t().reshape({12}); }, {3, 4});
  check([](const Tensor &t) { return t.permute({1, 2, 0}); }, {2, 3, 2});
  check([](const Tensor &t) { return t.expand({2, 3, 4}); }, {3, 1});
  check([](const Tensor &t) { return t.unsqueeze(1).squeeze(1); }, {3, 4});
  check([](const Tensor &t) { return t.slice(1, 0, 4, 2); }, {3, 4});
  check([](const Tensor &t) { return t.t().select(0, 1); }, {3, 4});
  check([](const Tensor &t) { return t.narrow(0, 1, 2); }, {3, 4});
  check([](const Tensor &t) { return t.diagonal(1); }, {3, 4});
  check([](const Tensor &t) { return t.unfold(1, 3, 1); }, {2, 5});
  check([](const Tensor &t) { return t.as_strided({3, 3}, {1, 1}); }, {6});
  check([](const Tensor &t) { return t.flatten().unflatten(0, {2, 6}); }, {3, 4});
  check([](const Tensor &t) { return t.movedim(0, 1).contiguous(); }, {3, 4});
  Tensor x = grad_input({3, 4});
  EXPECT_TRUE(autograd::gradgradcheck(
      [](const TensorList &in) { return TensorList{in[0].slice(1, 1, 3).square()}; }, {x}));
}

TEST(Copy, CopyBroadcastsAndConverts) {
  Tensor dst = zeros({2, 3}, dtype(kInt32));
  dst.copy_(tensor({1.9, 2.1, -3.5}));
  expect_close(dst, make({1, 2, -3, 1, 2, -3}, {2, 3}));
  uint32_t version = dst._version();
  dst.t().copy_(ones({3, 2}));
  EXPECT_EQ(dst._version(), version + 1);
  EXPECT_THROW_WITH(dst.copy_(ones({4})), "cannot be broadcast");
}

TEST(Copy, OverlappingSelfCopyReadsBeforeWriting) {
  Tensor x = arange(5, dtype(kFloat32));
  x.slice(0, 1).copy_(x.slice(0, 0, 4));
  expect_close(x, make({0, 0, 1, 2, 3}, {5}));
}

TEST(Copy, CloneAndContiguous) {
  Tensor x = arange(6, dtype(kFloat64)).view({2, 3}).t();
  Tensor c = x.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  expect_close(c, x);
  Tensor d = c.contiguous();
  EXPECT_TRUE(d.is_same(c));
  Tensor a = grad_input({2, 3});
  EXPECT_TRUE(autograd::gradcheck(
      [](const TensorList &in) { return TensorList{in[0].t().clone().contiguous()}; }, {a}));
  // Converting to float32 passes the gradient back in the input's dtype.
  (a.to(kFloat32) * 3).sum().backward();
  EXPECT_EQ(a.grad().dtype(), kFloat64);
  expect_close(a.grad(), full({2, 3}, 3.0));
}

TEST(Print, MatchesTorchFormat) {
  EXPECT_EQ(tensor({1.0, 2.5, -3.0}).toString(), "tensor([ 1.0000,  2.5000, -3.0000])");
  EXPECT_EQ(tensor({{1, 2}, {3, 40}}).toString(), "tensor([[ 1,  2],\n        [ 3, 40]])");
  EXPECT_EQ(tensor({1.0, 2.0}).toString(), "tensor([1., 2.])");
  EXPECT_EQ(tensor({1.0, 2.0}, dtype(kFloat64)).toString(), "tensor([1., 2.], dtype=torch.float64)");
  EXPECT_EQ(tensor({true, false}).toString(), "tensor([ True, False])");
  EXPECT_EQ(tensor(3.5).toString(), "tensor(3.5000)");
  EXPECT_EQ(zeros({0}).toString(), "tensor([])");
  EXPECT_EQ(ones({2}).requires_grad_().toString(), "tensor([1., 1.], requires_grad=True)");
  EXPECT_EQ(tensor({1e-5, 1.0}).toString(), "tensor([1.0000e-05, 1.0000e+00])");
  std::string big = arange(2000).toString();
  EXPECT_NE(big.find("0,    1,    2,  ..., 1997, 1998, 1999"), std::string::npos) << big;
}

TEST(Memory, CachingAllocatorReusesLargeBlocks) {
  memory::empty_cache();
  void *first;
  {
    Tensor a = empty({1 << 20});
    first = a.data_ptr();
  }
  EXPECT_GE(memory::cached_bytes(), size_t{4} << 20);
  Tensor b = empty({1 << 20});
  EXPECT_EQ(b.data_ptr(), first);
  memory::empty_cache();
  EXPECT_EQ(memory::cached_bytes(), 0u);
}

TEST(Tensor, ResizeKeepsIdentityAndValues) {
  Tensor t = arange(0, 4, 1, dtype(kFloat32));
  Tensor handle = t;
  const auto version = t._version();
  t.resize_({2, 2});
  EXPECT_EQ(handle.sizes(), (Shape{2, 2}));
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_GT(t._version(), version);
  expect_close(t, make({0, 1, 2, 3}, {2, 2}));
  t.resize_({3, 3}); // grows: the first four values survive, the version keeps rising
  EXPECT_EQ(t.sizes(), (Shape{3, 3}));
  EXPECT_GT(t._version(), version + 1);
  expect_close(t.flatten().narrow(0, 0, 4), make({0, 1, 2, 3}, {4}));
  t.resize_({0});
  EXPECT_EQ(t.numel(), 0);
  EXPECT_THROW_WITH(t.resize_({-1}), "resize_: negative size");
  EXPECT_THROW_WITH(ones({2}).requires_grad_().resize_({3}), "cannot resize a tensor that requires grad");
}
