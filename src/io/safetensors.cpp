// safetensors reading and writing (the format is described in ember/io/safetensors.h).
#include "ember/io/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "ember/io/atomic_file.h"
#include "ember/ops.h"

namespace ember::io {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; a big-endian host would need byte swapping");

namespace {

using Json = nlohmann::ordered_json;

struct DTypeName {
  DType dtype;
  const char *name;
  int rank; // the reference implementation's Dtype order (increasing alignment)
};

constexpr DTypeName kDTypeNames[] = {
    {kBool, "BOOL", 0}, {kUInt8, "U8", 1},     {kFloat16, "F16", 7},  {kBFloat16, "BF16", 8},
    {kInt32, "I32", 9}, {kFloat32, "F32", 11}, {kFloat64, "F64", 12}, {kInt64, "I64", 13},
};

const DTypeName &entry_for(DType dtype) {
  for (const DTypeName &entry : kDTypeNames)
    if (entry.dtype == dtype)
      return entry;
  throw Error(detail::concat("safetensors: no name for dtype ", dtype));
}

// The header and the tensors in data order: what both the file and the in-memory writer emit.
struct Plan {
  std::string header; // length prefix included, padded
  std::vector<Tensor> tensors;
};

Plan plan(const OrderedDict<Tensor> &tensors, const Metadata &metadata) {
  std::vector<std::pair<std::string, Tensor>> items(tensors.begin(), tensors.end());
  for (const auto &[name, tensor] : items) {
    EMBER_CHECK(tensor.defined(), "save: tensor '", name, "' is undefined");
    EMBER_CHECK(name != "__metadata__",
                "save: '__metadata__' is reserved and cannot name a tensor");
  }
  std::stable_sort(items.begin(), items.end(), [](const auto &a, const auto &b) {
    const int rank_a = entry_for(a.second.dtype()).rank, rank_b = entry_for(b.second.dtype()).rank;
    return rank_a != rank_b ? rank_a > rank_b : a.first < b.first;
  });

  Json header = Json::object();
  if (!metadata.empty())
    header["__metadata__"] = metadata;
  Plan result;
  uint64_t offset = 0;
  for (const auto &[name, tensor] : items) {
    const uint64_t bytes = tensor.nbytes();
    header[name] = {{"dtype", entry_for(tensor.dtype()).name},
                    {"shape", tensor.sizes()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    result.tensors.push_back(tensor.contiguous());
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception &error) {
    throw Error(detail::concat("save: cannot encode the safetensors header (", error.what(), ")"));
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  const uint64_t length = text.size();
  result.header.resize(8);
  std::memcpy(result.header.data(), &length, 8);
  result.header += text;
  return result;
}

[[noreturn]] void corrupt(const std::string &source, const std::string &problem) {
  throw Error(detail::concat("load: ", source, " is not a valid safetensors file: ", problem));
}

DType dtype_from_name(const std::string &name, const std::string &tensor,
                      const std::string &source) {
  for (const DTypeName &entry : kDTypeNames)
    if (name == entry.name)
      return entry.dtype;
  corrupt(source, detail::concat("tensor '", tensor, "' has dtype ", name,
                                 ", which ember does not support"));
}

} // namespace

std::string_view safetensors_dtype_name(DType dtype) { return entry_for(dtype).name; }

std::string serialize_safetensors(const OrderedDict<Tensor> &tensors, const Metadata &metadata) {
  Plan p = plan(tensors, metadata);
  std::string bytes = std::move(p.header);
  for (const Tensor &tensor : p.tensors)
    bytes.append(static_cast<const char *>(tensor.data_ptr()), tensor.nbytes());
  return bytes;
}

void save_safetensors(const OrderedDict<Tensor> &tensors, const std::string &path,
                      const Metadata &metadata) {
  const Plan p = plan(tensors, metadata);
  AtomicFile file(path);
  file.write(p.header);
  for (const Tensor &tensor : p.tensors)
    file.write(tensor.data_ptr(), tensor.nbytes());
  file.commit();
}

namespace {

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin, end;
};

struct Header {
  std::vector<Entry> entries; // in data order
  Metadata metadata;
  uint64_t length = 0; // of the JSON text, padding included
};

// Reads the 8-byte length and the JSON header from the first bytes of a file of file_size bytes,
// and checks that the entries tile the data section exactly.
Header parse_header(std::string_view prefix, uint64_t file_size,
                    const std::function<std::string(uint64_t)> &read_text,
                    const std::string &source) {
  if (file_size < 8)
    corrupt(source, detail::concat("it has ", file_size,
                                   " bytes, fewer than the 8-byte header length (truncated?)"));
  Header result;
  std::memcpy(&result.length, prefix.data(), 8);
  // The reference implementation refuses headers over 100 MB; so does ember, before allocating.
  if (result.length > 100'000'000)
    corrupt(source, detail::concat("the header length ", result.length,
                                   " exceeds the 100 MB limit of the format's reference reader"));
  if (result.length > file_size - 8)
    corrupt(source, detail::concat("the header length is ", result.length, " bytes but only ",
                                   file_size - 8, " follow (truncated?)"));
  const std::string text = read_text(result.length);
  if (text.empty() || text.front() != '{')
    corrupt(source, "the header does not start with '{'");
  Json header;
  try {
    header = Json::parse(text);
  } catch (const nlohmann::json::exception &error) {
    corrupt(source, detail::concat("the header is not valid JSON (", error.what(), ")"));
  }
  if (!header.is_object())
    corrupt(source, "the header is not a JSON object");

  for (const auto &[name, info] : header.items()) {
    if (name == "__metadata__") {
      if (!info.is_object())
        corrupt(source, "__metadata__ is not a map of strings");
      for (const auto &[key, value] : info.items()) {
        if (!value.is_string())
          corrupt(source, detail::concat("__metadata__ entry '", key, "' is not a string"));
        result.metadata[key] = value.get<std::string>();
      }
      continue;
    }
    const bool well_formed = info.is_object() && info.contains("dtype") &&
                             info["dtype"].is_string() && info.contains("shape") &&
                             info["shape"].is_array() && info.contains("data_offsets") &&
                             info["data_offsets"].is_array() && info["data_offsets"].size() == 2 &&
                             info["data_offsets"][0].is_number_unsigned() &&
                             info["data_offsets"][1].is_number_unsigned();
    if (!well_formed)
      corrupt(source, detail::concat("the entry for tensor '", name,
                                     "' needs dtype, shape and data_offsets [begin, end]"));
    Entry entry{name,
                dtype_from_name(info["dtype"].get<std::string>(), name, source),
                {},
                info["data_offsets"][0].get<uint64_t>(),
                info["data_offsets"][1].get<uint64_t>()};
    uint64_t numel = 1;
    for (const Json &size : info["shape"]) {
      if (!size.is_number_unsigned())
        corrupt(source,
                detail::concat("tensor '", name, "' has an invalid shape ", info["shape"].dump()));
      entry.shape.push_back(static_cast<int64_t>(size.get<uint64_t>()));
      numel *= size.get<uint64_t>();
      if (size.get<uint64_t>() > (uint64_t{1} << 48) || numel > (uint64_t{1} << 48))
        corrupt(source, detail::concat("tensor '", name, "' has an implausible shape ",
                                       info["shape"].dump()));
    }
    const uint64_t expected = numel * element_size(entry.dtype);
    if (entry.end < entry.begin || entry.end - entry.begin != expected)
      corrupt(source,
              detail::concat("tensor '", name, "' of dtype ", info["dtype"].get<std::string>(),
                             " and shape ", entry.shape, " needs ", expected,
                             " bytes but its data_offsets [", entry.begin, ", ", entry.end,
                             "] span ", entry.end - entry.begin));
    result.entries.push_back(std::move(entry));
  }

  // The tensors must tile the data section exactly, in offset order.
  std::stable_sort(result.entries.begin(), result.entries.end(),
                   [](const Entry &a, const Entry &b) { return a.begin < b.begin; });
  const uint64_t data_size = file_size - 8 - result.length;
  uint64_t position = 0;
  for (const Entry &entry : result.entries) {
    if (entry.begin != position)
      corrupt(source, detail::concat("tensor '", entry.name, "' starts at byte ", entry.begin,
                                     " of the data but the previous one ends at ", position));
    position = entry.end;
  }
  if (position != data_size)
    corrupt(source, detail::concat("the header accounts for ", position,
                                   " bytes of tensor data but the file holds ", data_size,
                                   position > data_size ? " (truncated?)" : ""));
  return result;
}

// Fills a new tensor for entry with read(destination, bytes), mapping BOOL bytes to 0 and 1.
Tensor make_tensor(const Entry &entry, const std::function<void(char *, uint64_t)> &read) {
  Tensor tensor = empty(entry.shape, dtype(entry.dtype));
  char *out = static_cast<char *>(tensor.data_ptr());
  read(out, entry.end - entry.begin);
  if (entry.dtype == kBool)
    for (uint64_t i = 0; i < entry.end - entry.begin; ++i)
      out[i] = out[i] != 0;
  return tensor;
}

} // namespace

SafetensorsContent deserialize_safetensors(std::string_view bytes, const std::string &source) {
  const Header header = parse_header(
      bytes, bytes.size(), [&](uint64_t length) { return std::string(bytes.substr(8, length)); },
      source);
  const std::string_view data = bytes.substr(8 + header.length);
  SafetensorsContent content{{}, header.metadata};
  for (const Entry &entry : header.entries)
    content.tensors.insert(entry.name, make_tensor(entry, [&](char *out, uint64_t size) {
                             std::memcpy(out, data.data() + entry.begin, size);
                           }));
  return content;
}

SafetensorsContent load_safetensors(const std::string &path) {
  // Reads straight into the tensors: loading never holds the file twice in memory.
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  EMBER_CHECK(file.is_open(), "load: cannot open ", path);
  const uint64_t size = static_cast<uint64_t>(file.tellg());
  file.seekg(0);
  char prefix[8] = {};
  file.read(prefix, std::min<uint64_t>(size, 8));
  const Header header = parse_header(
      std::string_view(prefix, 8), size,
      [&](uint64_t length) {
        std::string text(length, '\0');
        file.read(text.data(), static_cast<std::streamsize>(length));
        return text;
      },
      path);
  SafetensorsContent content{{}, header.metadata};
  for (const Entry &entry : header.entries)
    content.tensors.insert(entry.name, make_tensor(entry, [&](char *out, uint64_t bytes) {
                             EMBER_CHECK(file.read(out, static_cast<std::streamsize>(bytes)),
                                         "load: reading ", path, " failed");
                           }));
  return content;
}

} // namespace ember::io
