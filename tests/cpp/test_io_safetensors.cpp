// safetensors: a reference file assembled byte by byte from the published format, read by ember
// and reproduced exactly by ember's writer; damaged files; round trips of every dtype.
#include <cstring>

#include "ember/io.h"
#include "test_data_files.h"
#include "test_util.h"

using namespace ember;
using ember::testing::make;
using ember::testing::TempDir;

namespace {

template <typename T> std::string little_endian(std::initializer_list<T> values) {
  std::string bytes;
  for (T value : values) {
    unsigned char raw[sizeof(T)];
    std::memcpy(raw, &value, sizeof(T));
    // x86 is little-endian already; spelling the order out keeps the fixture host-independent.
    uint64_t bits = 0;
    for (size_t i = 0; i < sizeof(T); ++i)
      bits |= static_cast<uint64_t>(raw[i]) << (8 * i);
    for (size_t i = 0; i < sizeof(T); ++i)
      bytes.push_back(static_cast<char>(bits >> (8 * i)));
  }
  return bytes;
}

// Same dtype, shape and values (compared in float64: the 16-bit types have no comparison ops).
bool same(const Tensor &a, const Tensor &b) {
  return a.dtype() == b.dtype() && equal(a.to(kFloat64), b.to(kFloat64));
}

// 8-byte little-endian length, then the header padded with spaces to a multiple of 8.
std::string with_header(std::string header, const std::string &data) {
  header.append((8 - header.size() % 8) % 8, ' ');
  return little_endian<uint64_t>({header.size()}) + header + data;
}

// Eight tensors, one per dtype, with metadata. The reference implementation orders tensors by
// dtype alignment, largest first (I64 > F64 > F32 > I32 > BF16 > F16 > U8 > BOOL), then by name.
std::string reference_file() {
  const std::string header = R"({"__metadata__":{"format":"pt","note":"made by hand"},)"
                             R"("bias":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},)"
                             R"("d":{"dtype":"F64","shape":[],"data_offsets":[16,24]},)"
                             R"("weight":{"dtype":"F32","shape":[2,2],"data_offsets":[24,40]},)"
                             R"("i":{"dtype":"I32","shape":[1,1],"data_offsets":[40,44]},)"
                             R"("bf":{"dtype":"BF16","shape":[2],"data_offsets":[44,48]},)"
                             R"("half":{"dtype":"F16","shape":[1],"data_offsets":[48,50]},)"
                             R"("u":{"dtype":"U8","shape":[2],"data_offsets":[50,52]},)"
                             R"("mask":{"dtype":"BOOL","shape":[3],"data_offsets":[52,55]}})";
  const std::string data = little_endian<int64_t>({-1, 7}) + little_endian<double>({0.5}) +
                           little_endian<float>({1, 2, 3, 4}) + little_endian<int32_t>({-3}) +
                           little_endian<uint16_t>({0x3F80, 0xC000}) + // bfloat16 1, -2
                           little_endian<uint16_t>({0x3C00}) +         // float16 1
                           std::string("\x00\xff", 2) + std::string("\x01\x00\x01", 3);
  return with_header(header, data);
}

// The same tensors as ember values, inserted in another order; weight is a transposed view.
OrderedDict<Tensor> reference_tensors() {
  OrderedDict<Tensor> tensors;
  tensors.insert("weight", make({1, 3, 2, 4}, {2, 2}, kFloat32).t());
  tensors.insert("mask", make({1, 0, 1}, {3}, kBool));
  tensors.insert("u", make({0, 255}, {2}, kUInt8));
  tensors.insert("half", make({1}, {1}, kFloat16));
  tensors.insert("bf", make({1, -2}, {2}, kBFloat16));
  tensors.insert("i", make({-3}, {1, 1}, kInt32));
  tensors.insert("d", scalar_tensor(0.5, dtype(kFloat64)));
  tensors.insert("bias", make({-1, 7}, {2}, kInt64));
  return tensors;
}

} // namespace

TEST(IoSafetensors, ReadsTheReferenceFile) {
  io::SafetensorsContent content = io::deserialize_safetensors(reference_file());
  EXPECT_EQ(content.metadata, (io::Metadata{{"format", "pt"}, {"note", "made by hand"}}));
  ASSERT_EQ(content.tensors.keys(),
            (std::vector<std::string>{"bias", "d", "weight", "i", "bf", "half", "u", "mask"}));
  const OrderedDict<Tensor> expected = reference_tensors();
  for (const auto &[name, tensor] : content.tensors) {
    EXPECT_TRUE(same(tensor, expected[name])) << name;
  }
  EXPECT_EQ(content.tensors["d"].dim(), 0);
}

TEST(IoSafetensors, WritesTheReferenceFileByteForByte) {
  EXPECT_EQ(
      io::serialize_safetensors(reference_tensors(), {{"note", "made by hand"}, {"format", "pt"}}),
      reference_file());
  // The cases the reference implementation's own tests spell out: one tensor, and no tensors.
  OrderedDict<Tensor> attention;
  attention.insert("attn.0", arange(6, dtype(kFloat32)).reshape({1, 2, 3}));
  EXPECT_EQ(io::serialize_safetensors(attention),
            with_header(R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})",
                        little_endian<float>({0, 1, 2, 3, 4, 5})));
  EXPECT_EQ(io::serialize_safetensors({}), std::string("\x08\0\0\0\0\0\0\0{}      ", 16));
}

TEST(IoSafetensors, FileRoundTripKeepsValuesAndViews) {
  TempDir dir;
  OrderedDict<Tensor> tensors = reference_tensors();
  Tensor big = randn({5, 6});
  tensors.insert("sliced", big.slice(1, 1, 5, 2)); // strided view: saved row-major
  tensors.insert("empty", zeros({0, 3}));
  io::save_safetensors(tensors, dir.file("t.safetensors"), {{"k", "v"}});
  io::SafetensorsContent back = io::load_safetensors(dir.file("t.safetensors"));
  EXPECT_EQ(back.metadata.at("k"), "v");
  ASSERT_EQ(back.tensors.size(), tensors.size());
  for (const auto &[name, tensor] : tensors) {
    EXPECT_EQ(back.tensors[name].sizes(), tensor.sizes()) << name;
    EXPECT_TRUE(same(back.tensors[name], tensor)) << name;
  }
}

TEST(IoSafetensors, DamagedFilesNameTheFileAndTheProblem) {
  TempDir dir;
  const std::string path = dir.file("bad.safetensors");
  const std::string good = reference_file();
  auto expect_error = [&](const std::string &bytes, const std::string &problem) {
    ember::testing::write_file(path, bytes);
    EXPECT_THROW_WITH(io::load_safetensors(path), path);
    EXPECT_THROW_WITH(io::load_safetensors(path), problem);
  };
  expect_error(good.substr(0, good.size() - 1), "holds 54 (truncated?)");
  expect_error(good.substr(0, 100), "only 92 follow (truncated?)");
  expect_error(good.substr(0, 5), "fewer than the 8-byte header length");
  expect_error(little_endian<uint64_t>({uint64_t{1} << 40}) + "{}", "exceeds the 100 MB limit");
  expect_error(good + "x", "accounts for 55 bytes of tensor data but the file holds 56");
  expect_error(with_header("{\"a\":", ""), "not valid JSON");
  expect_error(with_header("[1]", ""), "does not start with '{'");
  expect_error(with_header(R"({"a":{"dtype":"I8","shape":[1],"data_offsets":[0,1]}})", "x"),
               "tensor 'a' has dtype I8");
  expect_error(with_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", "abcd"),
               "needs 8 bytes but its data_offsets [0, 4] span 4");
  expect_error(with_header(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})", "ab"),
               "tensor 'a' starts at byte 1");
  expect_error(with_header(R"({"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}})", "a"),
               "invalid shape");
  expect_error(with_header(R"({"a":{"dtype":"U8"}})", ""), "needs dtype, shape and data_offsets");
  expect_error(with_header(R"({"__metadata__":{"a":1}})", ""), "'a' is not a string");
  EXPECT_THROW_WITH(io::load_safetensors(dir.file("missing")), "cannot open");
}

TEST(IoSerialize, SaveAndLoadTensorsAndStateDicts) {
  TempDir dir;
  Tensor tensor = randn({3, 4}).t();
  save(tensor, dir.file("t.safetensors"));
  Tensor loaded;
  load(loaded, dir.file("t.safetensors"));
  EXPECT_TRUE(equal(loaded, tensor));

  OrderedDict<Tensor> state;
  state.insert("encoder.0.weight", randn({2, 2}));
  state.insert("encoder.0.bias", zeros({2}, dtype(kFloat64)));
  save(state, dir.file("state.safetensors"));
  OrderedDict<Tensor> back;
  load(back, dir.file("state.safetensors"));
  EXPECT_EQ(back.size(), 2u);
  EXPECT_TRUE(equal(back["encoder.0.weight"], state["encoder.0.weight"]));
  EXPECT_THROW_WITH(load(loaded, dir.file("state.safetensors")), "holds 2 tensors, not one");
}

TEST(IoArchive, NestedValuesRoundTrip) {
  TempDir dir;
  io::Archive inner;
  inner.write("lr", 0.001);
  inner.write("betas", std::vector<double>{0.9, 0.999});
  inner.write("best", std::numeric_limits<double>::infinity());
  inner.write("nan", std::vector<double>{std::numeric_limits<double>::quiet_NaN()});
  io::Archive archive;
  archive.write("optimizer", inner);
  archive.write("epoch", 3);
  archive.write("name", "mlp");
  archive.write("amsgrad", false);
  archive.write("weights", ones({2}));
  archive.save(dir.file("a.safetensors"));

  io::Archive back = io::Archive::load(dir.file("a.safetensors"));
  EXPECT_EQ(back.get<int64_t>("epoch"), 3);
  EXPECT_EQ(back.get<double>("epoch"), 3.0);
  EXPECT_EQ(back.get<std::string>("name"), "mlp");
  EXPECT_FALSE(back.get<bool>("amsgrad"));
  EXPECT_TRUE(equal(back.get<Tensor>("weights"), ones({2})));
  const io::Archive optimizer = back.sub("optimizer");
  EXPECT_EQ(optimizer.size(), 4u);
  EXPECT_EQ(optimizer.get<double>("lr"), 0.001);
  EXPECT_EQ(optimizer.get<std::vector<double>>("betas"), (std::vector<double>{0.9, 0.999}));
  EXPECT_EQ(optimizer.get<double>("best"), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(optimizer.get<std::vector<double>>("nan")[0]));
  EXPECT_THROW_WITH(back.get<double>("name"),
                    "entry 'name' of " + dir.file("a.safetensors") + " is a string, not a number");
  EXPECT_THROW_WITH(back.get<int64_t>("missing"), "has no entry 'missing'");

  // The weights are plain safetensors tensors; the other values are JSON metadata.
  io::SafetensorsContent raw = io::load_safetensors(dir.file("a.safetensors"));
  EXPECT_EQ(raw.tensors.keys(), (std::vector<std::string>{"weights"}));
  EXPECT_EQ(raw.metadata.at("optimizer.betas"), "[0.9,0.999]");
  EXPECT_EQ(raw.metadata.at("name"), "\"mlp\"");
  // Metadata written by other tools is not JSON: it reads back as text.
  io::save_safetensors({}, dir.file("foreign.safetensors"), {{"format", "pt"}});
  EXPECT_EQ(io::Archive::load(dir.file("foreign.safetensors")).get<std::string>("format"), "pt");
}
