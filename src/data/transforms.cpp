// The image transforms and the per-sample generator.
#include "ember/data/transforms.h"

#include <cmath>
#include <cstring>
#include <numbers>

#include "data/random_draws.h"
#include "ember/ops.h"

namespace ember::data {

namespace {
thread_local Generator *current_sample_generator = nullptr;
} // namespace

Generator &sample_generator() {
  return current_sample_generator ? *current_sample_generator : default_generator();
}

SampleGeneratorScope::SampleGeneratorScope(uint64_t seed)
    : generator_(seed), previous_(current_sample_generator) {
  current_sample_generator = &generator_;
}

SampleGeneratorScope::~SampleGeneratorScope() { current_sample_generator = previous_; }

} // namespace ember::data

namespace ember::data::transforms {

namespace {
void check_image(const Tensor &input, const char *op) {
  EMBER_CHECK(input.defined() && input.dim() >= 2, op,
              ": expected an image tensor [..., H, W], got ",
              input.defined() ? input.sizes() : Shape{});
}
} // namespace

Compose::Compose(std::vector<Transform> transforms) : transforms_(std::move(transforms)) {
  for (const Transform &transform : transforms_)
    EMBER_CHECK(transform != nullptr, "Compose: a transform is empty");
}

Tensor Compose::operator()(const Tensor &input) const {
  Tensor output = input;
  for (const Transform &transform : transforms_)
    output = transform(output);
  return output;
}

Lambda::Lambda(Transform function) : function_(std::move(function)) {
  EMBER_CHECK(function_ != nullptr, "Lambda: the function is empty");
}

// ---- ToTensor and Normalize -------------------------------------------------------------------

Tensor ToTensor::operator()(const Tensor &input) const {
  EMBER_CHECK(input.defined() && (input.dim() == 2 || input.dim() == 3),
              "ToTensor: expected an image [H, W], [H, W, C] or [C, H, W], got ",
              input.defined() ? input.sizes() : Shape{});
  Tensor image = input.dim() == 2              ? input.unsqueeze(0)
                 : layout_ == ImageLayout::HWC ? input.permute({2, 0, 1})
                                               : input;
  if (image.dtype() != kUInt8)
    return image.to(kFloat32).contiguous();
  // uint8 to [0, 1] in one pass (the common case on the data path).
  const Tensor source = image.contiguous();
  Tensor output = empty(source.sizes(), dtype(kFloat32));
  // restrict: a uint8_t pointer may alias anything, which would keep the loop from vectorizing.
  const uint8_t *__restrict in = source.data_ptr<uint8_t>();
  float *__restrict out = output.data_ptr<float>();
  const int64_t n = source.numel();
  for (int64_t i = 0; i < n; ++i)
    out[i] = static_cast<float>(in[i]) * (1.0f / 255.0f);
  return output;
}

Normalize::Normalize(std::vector<double> mean, std::vector<double> std)
    : mean_(std::move(mean)), std_(std::move(std)) {
  EMBER_CHECK(!mean_.empty() && mean_.size() == std_.size(),
              "Normalize: expected as many means as standard deviations, got ", mean_.size(),
              " and ", std_.size());
  for (double s : std_)
    EMBER_CHECK(s != 0, "Normalize: std evaluated to zero, leading to division by zero");
}

Tensor Normalize::operator()(const Tensor &input) const {
  EMBER_CHECK(input.defined() && input.dim() >= 3 && input.is_floating_point(),
              "Normalize: expected a float tensor [..., C, H, W], got ",
              input.defined() ? input.sizes() : Shape{});
  const int64_t channels = input.size(-3);
  EMBER_CHECK(mean_.size() == 1 || static_cast<int64_t>(mean_.size()) == channels,
              "Normalize: ", mean_.size(), " means for an image with ", channels, " channels");
  const Tensor source = input.contiguous();
  Tensor output = empty(source.sizes(), dtype(source.dtype()));
  const int64_t plane = input.size(-2) * input.size(-1);
  const int64_t planes = source.numel() / plane;
  dispatch_floating(source.dtype(), "Normalize", [&](auto zero) {
    using T = decltype(zero);
    const T *__restrict in = source.data_ptr<T>();
    T *__restrict out = output.data_ptr<T>();
    for (int64_t p = 0; p < planes; ++p) {
      const size_t c = mean_.size() == 1 ? 0 : static_cast<size_t>(p % channels);
      const T mean = static_cast<T>(mean_[c]);
      const T scale = static_cast<T>(1.0 / std_[c]);
      for (int64_t i = p * plane; i < (p + 1) * plane; ++i)
        out[i] = (in[i] - mean) * scale;
    }
  });
  return output;
}

// ---- RandomCrop ---------------------------------------------------------------------------------

RandomCrop::RandomCrop(int64_t size, std::vector<int64_t> padding, bool pad_if_needed, double fill)
    : RandomCrop(std::vector<int64_t>{size, size}, std::move(padding), pad_if_needed, fill) {}

RandomCrop::RandomCrop(std::vector<int64_t> size, std::vector<int64_t> padding, bool pad_if_needed,
                       double fill)
    : pad_if_needed_(pad_if_needed), fill_(fill) {
  EMBER_CHECK(size.size() == 1 || size.size() == 2,
              "RandomCrop: size must be one or two numbers, got ", size.size());
  height_ = size[0];
  width_ = size.back();
  EMBER_CHECK(height_ > 0 && width_ > 0, "RandomCrop: size must be positive, got ", size);
  switch (padding.size()) {
  case 0:
    break;
  case 1:
    left_ = top_ = right_ = bottom_ = padding[0];
    break;
  case 2:
    left_ = right_ = padding[0];
    top_ = bottom_ = padding[1];
    break;
  case 4:
    left_ = padding[0], top_ = padding[1], right_ = padding[2], bottom_ = padding[3];
    break;
  default:
    EMBER_CHECK(false, "RandomCrop: padding must have 1, 2 or 4 numbers, got ", padding.size());
  }
  EMBER_CHECK(left_ >= 0 && top_ >= 0 && right_ >= 0 && bottom_ >= 0,
              "RandomCrop: padding must be non-negative, got ", padding);
}

Tensor RandomCrop::operator()(const Tensor &input) const {
  check_image(input, "RandomCrop");
  int64_t left = left_, top = top_, right = right_, bottom = bottom_;
  const int64_t h = input.size(-2) + top + bottom;
  const int64_t w = input.size(-1) + left + right;
  if (pad_if_needed_ && h < height_)
    top += height_ - h, bottom += height_ - h;
  if (pad_if_needed_ && w < width_)
    left += width_ - w, right += width_ - w;
  Tensor padded = input;
  if (left || top || right || bottom) {
    Shape shape = input.sizes();
    shape[shape.size() - 2] += top + bottom;
    shape[shape.size() - 1] += left + right;
    padded = full(shape, fill_, dtype(input.dtype()));
    padded.narrow(-2, top, input.size(-2)).narrow(-1, left, input.size(-1)).copy_(input);
  }
  const int64_t padded_h = padded.size(-2), padded_w = padded.size(-1);
  EMBER_CHECK(padded_h >= height_ && padded_w >= width_, "RandomCrop: required crop size [",
              height_, ", ", width_, "] is larger than the (padded) image [", padded_h, ", ",
              padded_w, "]");
  detail::RandomDraws draws(sample_generator(), 2);
  const int64_t i = draws.below(padded_h - height_ + 1);
  const int64_t j = draws.below(padded_w - width_ + 1);
  return padded.narrow(-2, i, height_).narrow(-1, j, width_).contiguous();
}

// ---- RandomHorizontalFlip -----------------------------------------------------------------------

RandomHorizontalFlip::RandomHorizontalFlip(double p) : p_(p) {
  EMBER_CHECK(p >= 0 && p <= 1, "RandomHorizontalFlip: p must be in [0, 1], got ", p);
}

Tensor RandomHorizontalFlip::operator()(const Tensor &input) const {
  check_image(input, "RandomHorizontalFlip");
  detail::RandomDraws draws(sample_generator(), 1);
  return draws.uniform() < p_ ? input.flip({-1}) : input;
}

// ---- rotation -----------------------------------------------------------------------------------

Tensor rotate(const Tensor &input, double degrees, double fill) {
  check_image(input, "rotate");
  const Tensor source = input.contiguous();
  Tensor output = full(source.sizes(), fill, dtype(source.dtype()));
  const int64_t h = source.size(-2), w = source.size(-1);
  const int64_t planes = h * w == 0 ? 0 : source.numel() / (h * w);
  const size_t bytes = source.element_size();
  const double radians = degrees * std::numbers::pi / 180.0;
  const double c = std::cos(radians), s = std::sin(radians);
  const double cx = (w - 1) * 0.5, cy = (h - 1) * 0.5;
  const char *in = static_cast<const char *>(source.data_ptr());
  char *out = static_cast<char *>(output.data_ptr());
  // Each output pixel takes the nearest source pixel of the inverse rotation (y points down, so a
  // counter-clockwise turn on screen maps output (x, y) back to (c x - s y, s x + c y)).
  for (int64_t y = 0; y < h; ++y) {
    for (int64_t x = 0; x < w; ++x) {
      const double dx = x - cx, dy = y - cy;
      const int64_t sx = static_cast<int64_t>(std::nearbyint(c * dx - s * dy + cx));
      const int64_t sy = static_cast<int64_t>(std::nearbyint(s * dx + c * dy + cy));
      if (sx < 0 || sx >= w || sy < 0 || sy >= h)
        continue;
      for (int64_t p = 0; p < planes; ++p)
        std::memcpy(out + ((p * h + y) * w + x) * bytes, in + ((p * h + sy) * w + sx) * bytes,
                    bytes);
    }
  }
  return output;
}

RandomRotation::RandomRotation(double degrees)
    : RandomRotation(-std::abs(degrees), std::abs(degrees)) {}

RandomRotation::RandomRotation(double min_degrees, double max_degrees, double fill)
    : min_(min_degrees), max_(max_degrees), fill_(fill) {
  EMBER_CHECK(min_ <= max_, "RandomRotation: expected min <= max degrees, got [", min_, ", ", max_,
              "]");
}

Tensor RandomRotation::operator()(const Tensor &input) const {
  detail::RandomDraws draws(sample_generator(), 1);
  return rotate(input, min_ + draws.uniform() * (max_ - min_), fill_);
}

} // namespace ember::data::transforms
