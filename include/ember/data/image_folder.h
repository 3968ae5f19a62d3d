// ImageFolder (torchvision.datasets.ImageFolder): root/<class>/<image>, one folder per class.
// Classes are the folder names in sorted order (class_to_idx); images are PNG, JPEG, BMP, GIF,
// TGA, PPM or PGM files, decoded with stb_image when get() asks for them, as uint8 [H, W, C]
// (ToTensor makes them float [C, H, W]). The target is the class index as a 0-d int64 tensor.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ember/data/dataset.h"
#include "ember/data/transforms.h"

namespace ember::data {

class ImageFolder : public Dataset {
public:
  // channels: decode every image to this many channels (1 gray, 3 RGB, 4 RGBA); 0 keeps each
  // file's own (then images of a batch must agree).
  explicit ImageFolder(const std::string &root, Transform transform = nullptr,
                       Transform target_transform = nullptr, int channels = 0);

  int64_t size() const override { return static_cast<int64_t>(samples_.size()); }
  Example get(int64_t index) const override;

  const std::vector<std::string> &classes() const { return classes_; }
  const std::map<std::string, int64_t> &class_to_idx() const { return class_to_idx_; }
  // (path, class index) per image, sorted by class then file name.
  const std::vector<std::pair<std::string, int64_t>> &samples() const { return samples_; }

private:
  std::vector<std::string> classes_;
  std::map<std::string, int64_t> class_to_idx_;
  std::vector<std::pair<std::string, int64_t>> samples_;
  Transform transform_;
  Transform target_transform_;
  int channels_;
};

// Decodes one image file to uint8 [H, W, C] (channels 0 keeps the file's own).
Tensor read_image(const std::string &path, int channels = 0);

} // namespace ember::data
