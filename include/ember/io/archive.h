// Archive: nested containers of tensors, numbers and strings saved as one safetensors file
// (libtorch's serialize::OutputArchive / InputArchive in one class).
//
// Nesting is encoded in the key names: writing archive "optimizer" into a checkpoint stores its
// entry "state.0.exp_avg" as "optimizer.state.0.exp_avg", and sub("optimizer") gives it back.
// Tensors become the file's tensors under their full key, so any safetensors reader sees them;
// every other value is stored in the header's "__metadata__" map under its full key as JSON text
// (true, 3, 0.5, "text", [1.0, 2.0]; non-finite numbers as {"float": "inf"}). A metadata value
// that is not JSON, as in files from other tools, reads back as a string.
//
//   io::Archive archive;
//   archive.write("epoch", 3);
//   archive.write("model", model->state_dict());
//   archive.save("run.safetensors");            // atomic
//   io::Archive back = io::Archive::load("run.safetensors");
//   int64_t epoch = back.get<int64_t>("epoch");
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "ember/ordered_dict.h"
#include "ember/tensor.h"

namespace ember::io {

// The same type as optim::StateValue, so optimizer and scheduler state store without conversion.
using Value = std::variant<bool, int64_t, double, std::string, std::vector<double>, Tensor>;

class Archive {
public:
  // ---- writing (an existing key is replaced) -------------------------------------------------
  void write(const std::string &key, Value value);
  void write(const std::string &key, const char *text) { write(key, Value(std::string(text))); }
  void write(const std::string &key, bool flag) { write(key, Value(flag)); }
  void write(const std::string &key, double number) { write(key, Value(number)); }
  template <typename T>
  requires std::is_integral_v<T> &&
      (!std::is_same_v<T, bool>)void write(const std::string &key, T integer) {
    write(key, Value(static_cast<int64_t>(integer)));
  }
  // Every entry of nested, under key + ".".
  void write(const std::string &key, const Archive &nested);
  // Every tensor of a state dict, under key + ".".
  void write(const std::string &key, const OrderedDict<Tensor> &tensors);

  // ---- reading
  // -----------------------------------------------------------------------------------
  bool contains(const std::string &key) const { return entries_.contains(key); }
  // The value at key; an Error naming the key and the file when absent.
  const Value &at(const std::string &key) const;
  // The value at key as T (bool, int64_t, double, std::string, std::vector<double>, Tensor); an
  // Error naming the key, the file and the stored type when it holds something else. Integers
  // read as double too.
  template <typename T> T get(const std::string &key) const;
  // The entries under key + ".", with that prefix removed (empty when there are none).
  Archive sub(const std::string &key) const;
  // The tensor entries, e.g. a state dict from sub("model").tensors().
  OrderedDict<Tensor> tensors() const;
  std::vector<std::string> keys() const { return entries_.keys(); }
  const OrderedDict<Value> &entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  // ---- files
  // ------------------------------------------------------------------------------------- Writes a
  // safetensors file atomically (the previous file survives any failure).
  void save(const std::string &path) const;
  static Archive load(const std::string &path);
  // The file this archive was loaded from ("" otherwise), named by errors.
  const std::string &source() const { return source_; }

private:
  OrderedDict<Value> entries_;
  std::string source_;
};

extern template bool Archive::get<bool>(const std::string &) const;
extern template int64_t Archive::get<int64_t>(const std::string &) const;
extern template double Archive::get<double>(const std::string &) const;
extern template std::string Archive::get<std::string>(const std::string &) const;
extern template std::vector<double> Archive::get<std::vector<double>>(const std::string &) const;
extern template Tensor Archive::get<Tensor>(const std::string &) const;

} // namespace ember::io
