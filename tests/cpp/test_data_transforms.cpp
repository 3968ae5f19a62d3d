// Transforms: values, shapes, reproducibility through the sample generator.
#include "ember/data.h"
#include "test_util.h"

using namespace ember;
using namespace ember::data;
using namespace ember::data::transforms;
using ember::testing::expect_close;
using ember::testing::make;

TEST(DataTransforms, ToTensorScalesAndReorders) {
  // A 2 x 2 RGB image, HWC.
  Tensor hwc = make({0, 51, 255, 102, 153, 204, 1, 2, 3, 4, 5, 6}, {2, 2, 3}, kUInt8);
  Tensor chw = ToTensor()(hwc);
  EXPECT_EQ(chw.sizes(), (Shape{3, 2, 2}));
  EXPECT_EQ(chw.dtype(), kFloat32);
  expect_close(chw[0], make({0, 102, 1, 4}, {2, 2}) / 255.0);
  expect_close(chw[2], make({255, 204, 3, 6}, {2, 2}) / 255.0);
  // CHW input keeps its layout; a gray [H, W] image gets one channel.
  expect_close(ToTensor(ImageLayout::CHW)(hwc.permute({2, 0, 1})), chw);
  EXPECT_EQ(ToTensor()(zeros({28, 28}, dtype(kUInt8))).sizes(), (Shape{1, 28, 28}));
  EXPECT_THROW_WITH(ToTensor()(zeros({5})), "expected an image");
}

TEST(DataTransforms, NormalizePerChannel) {
  Tensor image = ones({2, 1, 2}, dtype(kFloat32));
  Tensor normalized = Normalize({0.5, 2.0}, {0.25, 4.0})(image);
  expect_close(normalized, make({2, 2, -0.25, -0.25}, {2, 1, 2}));
  expect_close(Normalize({1.0}, {2.0})(image), zeros({2, 1, 2}));
  EXPECT_THROW_WITH(Normalize({0.0, 0.0, 0.0}, {1, 1, 1})(image), "3 means for an image with 2");
  EXPECT_THROW_WITH(Normalize({0.0}, {0.0}), "division by zero");
}

TEST(DataTransforms, RandomCropWithPaddingIsAWindowOfThePaddedImage) {
  Tensor image = arange(1, 17, 1, dtype(kFloat32)).reshape({1, 4, 4});
  for (uint64_t seed = 0; seed < 20; ++seed) {
    SampleGeneratorScope scope(seed);
    Tensor crop = RandomCrop(4, {2})(image);
    ASSERT_EQ(crop.sizes(), (Shape{1, 4, 4}));
    // Padding is zero and every image value is positive: the nonzero part is a contiguous block
    // of the image, shifted by at most 2 pixels.
    Tensor padded = zeros({1, 8, 8});
    padded.narrow(1, 2, 4).narrow(2, 2, 4).copy_(image);
    bool found = false;
    for (int64_t i = 0; i <= 4 && !found; ++i)
      for (int64_t j = 0; j <= 4 && !found; ++j)
        found = equal(padded.narrow(1, i, 4).narrow(2, j, 4), crop);
    EXPECT_TRUE(found) << "seed " << seed;
  }
  EXPECT_EQ(RandomCrop({2, 3})(image).sizes(), (Shape{1, 2, 3}));
  EXPECT_EQ(RandomCrop(6, {}, true)(image).sizes(), (Shape{1, 6, 6}));
  EXPECT_THROW_WITH(RandomCrop(5)(image), "larger than the (padded) image");
}

TEST(DataTransforms, FlipAndRotation) {
  Tensor image = arange(6, dtype(kFloat32)).reshape({1, 2, 3});
  expect_close(RandomHorizontalFlip(1.0)(image), image.flip({-1}));
  expect_close(RandomHorizontalFlip(0.0)(image), image);
  // 90 degrees counter-clockwise, as torchvision: out[i][j] = in[j][W - 1 - i] (numpy's rot90).
  Tensor square = arange(16, dtype(kFloat32)).reshape({1, 4, 4});
  expect_close(rotate(square, 90), square.flip({-1}).transpose(-2, -1));
  expect_close(rotate(square, -90), square.transpose(-2, -1).flip({-1}));
  expect_close(RandomRotation(0, 0)(square), square);
  // 45 degrees on a 3 x 3 image: the corners leave the frame and are filled.
  Tensor small = ones({1, 3, 3}, dtype(kUInt8));
  Tensor turned = rotate(small, 45, 7);
  EXPECT_EQ(turned[0][1][1].item<int64_t>(), 1);
  EXPECT_EQ(turned.dtype(), kUInt8);
}

TEST(DataTransforms, ComposeLambdaAndSeededRandomness) {
  auto pipeline = Compose({ToTensor(), RandomRotation(30), RandomHorizontalFlip(),
                           Lambda([](const Tensor &x) { return x * 2; })});
  Tensor image = randint(0, 256, {8, 8}, dtype(kUInt8));
  Tensor a, b, c;
  {
    SampleGeneratorScope scope(5);
    a = pipeline(image);
  }
  {
    SampleGeneratorScope scope(5);
    b = pipeline(image);
  }
  {
    SampleGeneratorScope scope(6);
    c = pipeline(image);
  }
  EXPECT_TRUE(equal(a, b));
  EXPECT_EQ(a.sizes(), (Shape{1, 8, 8}));
  EXPECT_LE(a.max().item<float>(), 2.0f);
  EXPECT_FALSE(equal(a, c));
}
