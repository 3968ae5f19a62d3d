// Transforms (torchvision.transforms) on image tensors laid out [..., C, H, W], and the
// per-sample generator that makes the random ones reproducible.
//
// A Transform is any callable Tensor(const Tensor &): the classes below, a lambda, or a Compose of
// them. Transforms are shared by the DataLoader's threads, so they must not keep mutable state.
//
//   auto transform = Compose({ToTensor(), RandomCrop(28, 4), RandomHorizontalFlip(),
//                             Normalize({0.2860}, {0.3530})});
//
// Random transforms draw from sample_generator(). Inside a DataLoader that is a generator seeded
// from the loader's seed, the epoch and the sample's position in the epoch, so the augmented
// batches are the same whatever num_workers is; elsewhere it is ember::default_generator().
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "ember/random.h"
#include "ember/tensor.h"

namespace ember::data {

using Transform = std::function<Tensor(const Tensor &)>;

// The generator random transforms draw from (see above).
Generator &sample_generator();

// Makes a generator seeded with seed this thread's sample_generator() while it lives.
class SampleGeneratorScope {
public:
  explicit SampleGeneratorScope(uint64_t seed);
  ~SampleGeneratorScope();
  SampleGeneratorScope(const SampleGeneratorScope &) = delete;
  SampleGeneratorScope &operator=(const SampleGeneratorScope &) = delete;

private:
  Generator generator_;
  Generator *previous_;
};

} // namespace ember::data

namespace ember::data::transforms {

using ember::data::Transform;

// Applies transforms in order.
class Compose {
public:
  explicit Compose(std::vector<Transform> transforms);
  Tensor operator()(const Tensor &input) const;

private:
  std::vector<Transform> transforms_;
};

// A function as a transform (torchvision.transforms.Lambda).
class Lambda {
public:
  explicit Lambda(Transform function);
  Tensor operator()(const Tensor &input) const { return function_(input); }

private:
  Transform function_;
};

enum class ImageLayout { HWC, CHW };

// An image to a float32 [C, H, W] tensor: uint8 values are scaled to [0, 1], other dtypes are
// converted without scaling. A [H, W] image gets one channel; a 3-D image is read as [H, W, C]
// (torchvision's ndarray convention) unless layout says CHW.
class ToTensor {
public:
  explicit ToTensor(ImageLayout layout = ImageLayout::HWC) : layout_(layout) {}
  Tensor operator()(const Tensor &input) const;

private:
  ImageLayout layout_;
};

// (input - mean[c]) / std[c] per channel c of a float [..., C, H, W] tensor; one value applies
// to every channel.
class Normalize {
public:
  Normalize(std::vector<double> mean, std::vector<double> std);
  Tensor operator()(const Tensor &input) const;

private:
  std::vector<double> mean_;
  std::vector<double> std_;
};

// Pads the last two dimensions with fill (padding = {all}, {left/right, top/bottom} or
// {left, top, right, bottom}, as torchvision), then cuts a random height x width window.
// pad_if_needed pads images smaller than the window.
class RandomCrop {
public:
  RandomCrop(int64_t size, std::vector<int64_t> padding = {}, bool pad_if_needed = false,
             double fill = 0);
  RandomCrop(std::vector<int64_t> size, std::vector<int64_t> padding = {},
             bool pad_if_needed = false, double fill = 0);
  Tensor operator()(const Tensor &input) const;

private:
  int64_t height_, width_;
  int64_t left_ = 0, top_ = 0, right_ = 0, bottom_ = 0;
  bool pad_if_needed_;
  double fill_;
};

// Mirrors the last dimension with probability p.
class RandomHorizontalFlip {
public:
  explicit RandomHorizontalFlip(double p = 0.5);
  Tensor operator()(const Tensor &input) const;

private:
  double p_;
};

// Rotates the last two dimensions about the image centre by an angle drawn uniformly from
// [min, max] degrees (counter-clockwise, as torchvision), nearest-neighbour, filling uncovered
// pixels with fill. RandomRotation(15) means [-15, 15].
class RandomRotation {
public:
  explicit RandomRotation(double degrees);
  RandomRotation(double min_degrees, double max_degrees, double fill = 0);
  Tensor operator()(const Tensor &input) const;

private:
  double min_, max_, fill_;
};

// Rotation by a fixed angle with RandomRotation's conventions (torchvision.transforms.functional
// .rotate with nearest interpolation).
Tensor rotate(const Tensor &input, double degrees, double fill = 0);

} // namespace ember::data::transforms
