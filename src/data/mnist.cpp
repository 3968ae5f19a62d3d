// The IDX file reader (through zlib, which reads plain files as well as gzip'd ones) and the
// MNIST / Fashion-MNIST datasets.
#include "ember/data/mnist.h"

#include <zlib.h>

#include <filesystem>
#include <memory>

#include "ember/data/collate.h"
#include "ember/ops.h"

namespace ember::data {

namespace {

// A gzFile that closes itself, with reads that report short reads and zlib errors by file name.
class GzipReader {
public:
  explicit GzipReader(const std::string &path) : path_(path), file_(gzopen(path.c_str(), "rb")) {
    EMBER_CHECK(file_ != nullptr, "MNIST: cannot open ", path);
    gzbuffer(file_, 1 << 17);
  }
  ~GzipReader() { gzclose(file_); }
  GzipReader(const GzipReader &) = delete;
  GzipReader &operator=(const GzipReader &) = delete;

  // Reads up to bytes bytes; returns how many were read (fewer only at the end of the file).
  size_t read_some(void *out, size_t bytes) {
    size_t total = 0;
    char *destination = static_cast<char *>(out);
    while (total < bytes) {
      const unsigned chunk = static_cast<unsigned>(std::min<size_t>(bytes - total, 1u << 30));
      const int got = gzread(file_, destination + total, chunk);
      if (got < 0) {
        int code = 0;
        const char *message = gzerror(file_, &code);
        EMBER_CHECK(false, "MNIST: ", path_, " is corrupt (zlib: ", message, ")");
      }
      if (got == 0)
        break;
      total += static_cast<size_t>(got);
    }
    return total;
  }

  void read_exactly(void *out, size_t bytes, const char *what) {
    const size_t got = read_some(out, bytes);
    EMBER_CHECK(got == bytes, "MNIST: ", path_, " is truncated: expected ", bytes, " bytes of ",
                what, ", got ", got);
  }

  bool at_end() {
    char byte;
    return read_some(&byte, 1) == 0;
  }

private:
  std::string path_;
  gzFile file_;
};

uint32_t big_endian(const unsigned char *bytes) {
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
         uint32_t{bytes[3]};
}

// The file name as given, or with .gz when only the compressed file exists.
std::string find_idx_file(const std::string &root, const std::string &name) {
  const std::filesystem::path plain = std::filesystem::path(root) / name;
  if (std::filesystem::exists(plain))
    return plain.string();
  const std::filesystem::path gzipped = std::filesystem::path(root) / (name + ".gz");
  EMBER_CHECK(std::filesystem::exists(gzipped), "MNIST: neither ", plain.string(), " nor ",
              gzipped.string(), " exists (expected an MNIST-format directory)");
  return gzipped.string();
}

} // namespace

Tensor read_idx_file(const std::string &path, int64_t expected_dims) {
  GzipReader reader(path);
  unsigned char magic[4];
  reader.read_exactly(magic, 4, "header");
  // Magic: two zero bytes, the element type (0x08 = unsigned byte), the number of dimensions.
  const uint32_t expected_magic = 0x0800u | static_cast<uint32_t>(expected_dims);
  EMBER_CHECK(big_endian(magic) == expected_magic, "MNIST: ", path, " has magic number ",
              big_endian(magic), " but an IDX file of unsigned bytes with ", expected_dims,
              " dimensions has ", expected_magic);
  Shape shape;
  int64_t total = 1;
  for (int64_t d = 0; d < expected_dims; ++d) {
    unsigned char size[4];
    reader.read_exactly(size, 4, "header");
    shape.push_back(static_cast<int64_t>(big_endian(size)));
    total *= shape.back();
    EMBER_CHECK(total <= (int64_t{1} << 40), "MNIST: ", path, " declares an implausible shape ",
                shape);
  }
  Tensor result = empty(shape, dtype(kUInt8));
  reader.read_exactly(result.data_ptr(), static_cast<size_t>(total), "data");
  EMBER_CHECK(reader.at_end(), "MNIST: ", path, " has data after the ", total,
              " bytes its header declares (shape ", shape, ")");
  return result;
}

MNIST::MNIST(const std::string &root, bool train, Transform transform, Transform target_transform)
    : transform_(std::move(transform)), target_transform_(std::move(target_transform)) {
  const std::string prefix = train ? "train" : "t10k";
  const std::string images_path = find_idx_file(root, prefix + "-images-idx3-ubyte");
  const std::string labels_path = find_idx_file(root, prefix + "-labels-idx1-ubyte");
  data_ = read_idx_file(images_path, 3);
  const Tensor labels = read_idx_file(labels_path, 1);
  EMBER_CHECK(data_.size(0) == labels.size(0), "MNIST: ", images_path, " has ", data_.size(0),
              " images but ", labels_path, " has ", labels.size(0), " labels");
  targets_ = labels.to(kInt64);
}

Example MNIST::get(int64_t index) const {
  check_index(index, size(), "MNIST");
  Tensor image = data_[index];
  Tensor target = targets_[index];
  return {transform_ ? transform_(image) : image,
          target_transform_ ? target_transform_(target) : target};
}

std::optional<Example> MNIST::get_batch(const std::vector<int64_t> &indices) const {
  if (transform_ || target_transform_)
    return std::nullopt;
  return Example{gather_rows(data_, indices), gather_rows(targets_, indices)};
}

std::vector<std::string> MNIST::classes() const {
  return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
}

std::vector<std::string> FashionMNIST::classes() const {
  return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
}

} // namespace ember::data
