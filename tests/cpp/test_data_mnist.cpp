// MNIST-format reading: fixture IDX files (plain and gzip'd) written by the tests, every kind of
// damaged file, and the installed Fashion-MNIST when it is there.
#include <zlib.h>

#include <filesystem>

#include "ember/data.h"
#include "test_data_files.h"
#include "test_util.h"

using namespace ember;
using namespace ember::data;
using ember::testing::TempDir;
using ember::testing::write_file;

namespace {

std::string big_endian(uint32_t value) {
  return {static_cast<char>(value >> 24), static_cast<char>(value >> 16),
          static_cast<char>(value >> 8), static_cast<char>(value)};
}

// An IDX file of unsigned bytes: magic 0x0000080N, N sizes, then the values.
std::string idx(const std::vector<uint32_t> &shape, const std::string &values) {
  std::string bytes = big_endian(0x0800u | static_cast<uint32_t>(shape.size()));
  for (uint32_t size : shape)
    bytes += big_endian(size);
  return bytes + values;
}

std::string pattern(size_t n) {
  std::string values(n, '\0');
  for (size_t i = 0; i < n; ++i)
    values[i] = static_cast<char>(i * 7 % 256);
  return values;
}

void write_gzip(const std::string &path, const std::string &bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  gzclose(file);
}

// A 3-image, 2 x 2 training split (images plain, labels gzip'd).
void write_split(const TempDir &dir) {
  write_file(dir.file("train-images-idx3-ubyte"), idx({3, 2, 2}, pattern(12)));
  write_gzip(dir.file("train-labels-idx1-ubyte.gz"), idx({3}, std::string("\x07\x00\x09", 3)));
}

} // namespace

TEST(DataMNIST, ReadsPlainAndGzippedFiles) {
  TempDir dir;
  write_split(dir);
  MNIST mnist(dir.path().string(), true);
  ASSERT_EQ(mnist.size(), 3);
  EXPECT_EQ(mnist.data().sizes(), (Shape{3, 2, 2}));
  EXPECT_EQ(mnist.data().dtype(), kUInt8);
  EXPECT_EQ(mnist.targets().dtype(), kInt64);
  Example example = mnist.get(1);
  EXPECT_EQ(example.data.sizes(), (Shape{2, 2}));
  EXPECT_EQ(example.data[0][1].item<int64_t>(), 5 * 7);
  EXPECT_EQ(example.target.item<int64_t>(), 0);
  EXPECT_EQ(mnist.get(2).target.item<int64_t>(), 9);
  // Without a transform the batch path gathers rows; with one, get() applies it.
  Example batch = *mnist.get_batch({2, 0});
  EXPECT_EQ(batch.data.sizes(), (Shape{2, 2, 2}));
  EXPECT_EQ(batch.target[0].item<int64_t>(), 9);
  MNIST transformed(dir.path().string(), true, transforms::ToTensor());
  EXPECT_FALSE(transformed.get_batch({0}).has_value());
  EXPECT_EQ(transformed.get(0).data.sizes(), (Shape{1, 2, 2}));
  EXPECT_FLOAT_EQ(transformed.get(0).data[0][0][1].item<float>(), 7.0f / 255.0f);
}

TEST(DataMNIST, DamagedFilesNameTheFileAndTheProblem) {
  TempDir dir;
  write_split(dir);
  const std::string images = dir.file("train-images-idx3-ubyte");
  const std::string root = dir.path().string();

  write_file(images, idx({3, 2, 2}, pattern(11)));
  EXPECT_THROW_WITH(MNIST(root, true), images + " is truncated: expected 12 bytes of data, got 11");
  write_file(images, idx({3, 2, 2}, pattern(13)));
  EXPECT_THROW_WITH(MNIST(root, true), images + " has data after the 12 bytes");
  write_file(images, idx({3, 2}, pattern(6)));
  EXPECT_THROW_WITH(MNIST(root, true), images + " has magic number 2050");
  write_file(images, std::string("\x00\x00", 2));
  EXPECT_THROW_WITH(MNIST(root, true), images + " is truncated: expected 4 bytes of header");
  write_file(images, idx({4, 2, 2}, pattern(16)));
  EXPECT_THROW_WITH(MNIST(root, true), "has 4 images but");

  // A gzip stream cut short, and one with garbage in the middle.
  write_file(images, idx({3, 2, 2}, pattern(12)));
  const std::string labels = dir.file("train-labels-idx1-ubyte.gz");
  std::string compressed = ember::testing::read_file(labels);
  write_file(labels, compressed.substr(0, compressed.size() - 12));
  EXPECT_THROW_WITH(MNIST(root, true), labels);
  compressed[12] ^= 0x55;
  compressed[14] ^= 0x55;
  write_file(labels, compressed);
  EXPECT_THROW_WITH(MNIST(root, true), labels);

  EXPECT_THROW_WITH(MNIST(root, false), "t10k-images-idx3-ubyte.gz exists");
}

TEST(DataMNIST, InstalledFashionMNIST) {
  if (!std::filesystem::exists(kFashionMNISTRoot))
    GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed";
  FashionMNIST test(kFashionMNISTRoot, false);
  EXPECT_EQ(test.size(), 10000);
  EXPECT_EQ(test.data().sizes(), (Shape{10000, 28, 28}));
  EXPECT_EQ(test.classes()[9], "Ankle boot");
  // Each class has 1000 test images.
  for (int64_t label = 0; label < 10; ++label)
    EXPECT_EQ(test.targets().eq(label).sum().item<int64_t>(), 1000);
}
