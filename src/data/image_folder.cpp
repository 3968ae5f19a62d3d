// ImageFolder and read_image (stb_image from Debian's libstb-dev).
#include "ember/data/image_folder.h"

#include <stb_image.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>

#include "ember/ops.h"

namespace ember::data {

namespace {
bool is_image_file(const std::filesystem::path &path) {
  static const std::set<std::string> extensions = {".png", ".jpg", ".jpeg", ".bmp",
                                                   ".gif", ".tga", ".ppm",  ".pgm"};
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return extensions.count(extension) != 0;
}
} // namespace

Tensor read_image(const std::string &path, int channels) {
  EMBER_CHECK(channels >= 0 && channels <= 4, "read_image: channels must be 0 to 4, got ",
              channels);
  int width = 0, height = 0, file_channels = 0;
  std::unique_ptr<stbi_uc, void (*)(void *)> pixels(
      stbi_load(path.c_str(), &width, &height, &file_channels, channels), stbi_image_free);
  EMBER_CHECK(pixels != nullptr, "read_image: cannot decode ", path, " (",
              stbi_failure_reason() ? stbi_failure_reason() : "unknown error", ")");
  const int64_t c = channels == 0 ? file_channels : channels;
  Tensor image = empty({height, width, c}, dtype(kUInt8));
  std::memcpy(image.data_ptr(), pixels.get(), static_cast<size_t>(height) * width * c);
  return image;
}

ImageFolder::ImageFolder(const std::string &root, Transform transform, Transform target_transform,
                         int channels)
    : transform_(std::move(transform)), target_transform_(std::move(target_transform)),
      channels_(channels) {
  namespace fs = std::filesystem;
  EMBER_CHECK(fs::is_directory(root), "ImageFolder: ", root, " is not a directory");
  for (const fs::directory_entry &entry : fs::directory_iterator(root))
    if (entry.is_directory())
      classes_.push_back(entry.path().filename().string());
  std::sort(classes_.begin(), classes_.end());
  EMBER_CHECK(!classes_.empty(), "ImageFolder: no class folders in ", root);
  for (size_t label = 0; label < classes_.size(); ++label) {
    class_to_idx_[classes_[label]] = static_cast<int64_t>(label);
    std::vector<std::string> files;
    for (const fs::directory_entry &entry :
         fs::recursive_directory_iterator(fs::path(root) / classes_[label]))
      if (entry.is_regular_file() && is_image_file(entry.path()))
        files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    for (std::string &file : files)
      samples_.emplace_back(std::move(file), static_cast<int64_t>(label));
  }
  EMBER_CHECK(!samples_.empty(), "ImageFolder: no image files under ", root,
              " (expected root/<class>/<image>.png or .jpg)");
}

Example ImageFolder::get(int64_t index) const {
  check_index(index, size(), "ImageFolder");
  const auto &[path, label] = samples_[index];
  Tensor image = read_image(path, channels_);
  Tensor target = scalar_tensor(label, dtype(kInt64));
  return {transform_ ? transform_(image) : image,
          target_transform_ ? target_transform_(target) : target};
}

} // namespace ember::data
