// MNIST-format datasets (torchvision.datasets.MNIST and FashionMNIST): the IDX files
// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte in one directory, each optionally gzip'd (name + ".gz").
//
// The whole split is held as one uint8 tensor [N, 28, 28] (data()) and one int64 tensor [N]
// (targets()). get(i) returns the image [28, 28] (uint8) through the transform (ToTensor makes it
// float [1, 28, 28]) and the label as a 0-d int64 tensor; without transforms the DataLoader
// gathers whole batches with one memcpy per row.
//
// A missing, truncated or corrupt file, a wrong magic number or image and label counts that do not
// match raise an ember::Error naming the file and what is wrong.
#pragma once

#include <string>
#include <vector>

#include "ember/data/dataset.h"
#include "ember/data/transforms.h"

namespace ember::data {

// Where Debian's dataset-fashion-mnist package installs Fashion-MNIST.
inline constexpr const char *kFashionMNISTRoot = "/usr/share/datasets/fashion-mnist";

class MNIST : public Dataset {
public:
  explicit MNIST(const std::string &root = kFashionMNISTRoot, bool train = true,
                 Transform transform = nullptr, Transform target_transform = nullptr);

  int64_t size() const override { return targets_.size(0); }
  Example get(int64_t index) const override;
  std::optional<Example> get_batch(const std::vector<int64_t> &indices) const override;

  // uint8 [N, rows, columns] and int64 [N], as torchvision's .data and .targets.
  const Tensor &data() const { return data_; }
  const Tensor &targets() const { return targets_; }
  // Class names ("0" ... "9" for MNIST).
  virtual std::vector<std::string> classes() const;

private:
  Tensor data_;
  Tensor targets_;
  Transform transform_;
  Transform target_transform_;
};

// Fashion-MNIST: MNIST's format with clothing classes, by default from kFashionMNISTRoot.
class FashionMNIST : public MNIST {
public:
  using MNIST::MNIST;
  std::vector<std::string> classes() const override;
};

// Reads one IDX file (gzip'd or not) of unsigned bytes with the expected number of dimensions:
// returns a uint8 tensor of the shape its header gives.
Tensor read_idx_file(const std::string &path, int64_t expected_dims);

} // namespace ember::data
