// The safetensors format (https://github.com/huggingface/safetensors), read and written exactly as
// published, so files interoperate with PyTorch, JAX, Candle and the Hugging Face tools:
//
//   8 bytes     N, the header length, unsigned little-endian
//   N bytes     a UTF-8 JSON object: for each tensor "name": {"dtype": "F32", "shape": [2, 3],
//               "data_offsets": [begin, end]} (offsets into the data section), plus an optional
//               "__metadata__" map of strings to strings; padded with spaces to a multiple of 8
//   the rest    the tensors' bytes, little-endian, row-major, back to back with no gaps
//
// Writing follows the reference implementation byte for byte: compact JSON with "__metadata__"
// first, then the tensors ordered by dtype alignment (largest first) and name, which is also
// their order in the data section. dtypes: F64 F32 F16 BF16 I64 I32 U8 BOOL.
//
// Reading checks everything (lengths, JSON, dtypes, shapes, offsets covering the data exactly)
// and reports a damaged file as an ember::Error naming the file and the problem.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "ember/ordered_dict.h"
#include "ember/tensor.h"

namespace ember::io {

using Metadata = std::map<std::string, std::string>;

struct SafetensorsContent {
  // In the order of the data section.
  OrderedDict<Tensor> tensors;
  Metadata metadata;
};

// The file's bytes. Tensors may be non-contiguous views; they are written row-major.
std::string serialize_safetensors(const OrderedDict<Tensor> &tensors,
                                  const Metadata &metadata = {});
// Parses bytes; `source` names them in errors (a path, or "<memory>").
SafetensorsContent deserialize_safetensors(std::string_view bytes,
                                           const std::string &source = "<memory>");

// Writes atomically (see atomic_file.h): the previous file survives any failure.
void save_safetensors(const OrderedDict<Tensor> &tensors, const std::string &path,
                      const Metadata &metadata = {});
SafetensorsContent load_safetensors(const std::string &path);

// safetensors' name of a dtype ("F32") and back (an Error for names ember has no dtype for).
std::string_view safetensors_dtype_name(DType dtype);

} // namespace ember::io
