// Archive: flattening nested keys, and the JSON encoding of non-tensor values in the safetensors
// metadata.
#include "ember/io/archive.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "ember/io/safetensors.h"

namespace ember::io {

namespace {

using Json = nlohmann::json;

const char *type_name(const Value &value) {
  static const char *names[] = {"a bool",   "an integer",        "a number",
                                "a string", "a list of numbers", "a tensor"};
  return names[value.index()];
}

std::string where(const Archive &archive) {
  return archive.source().empty() ? "the archive" : archive.source();
}

// JSON has no NaN or infinity: those go in an object that cannot be mistaken for a number.
Json encode_double(double value) {
  if (std::isfinite(value))
    return value;
  return Json{{"float", std::isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf")}};
}

std::optional<double> decode_double(const Json &json) {
  if (json.is_number())
    return json.get<double>();
  if (json.is_object() && json.size() == 1 && json.contains("float") && json["float"].is_string()) {
    const std::string text = json["float"];
    if (text == "nan")
      return std::numeric_limits<double>::quiet_NaN();
    if (text == "inf" || text == "-inf")
      return text == "inf" ? std::numeric_limits<double>::infinity()
                           : -std::numeric_limits<double>::infinity();
  }
  return std::nullopt;
}

std::string encode(const Value &value) {
  return std::visit(
      [](const auto &v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, double>) {
          return encode_double(v).dump();
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          Json list = Json::array();
          for (double x : v)
            list.push_back(encode_double(x));
          return list.dump();
        } else if constexpr (std::is_same_v<T, Tensor>) {
          throw Error("Archive: internal error: tensors are not metadata");
        } else {
          return Json(v).dump();
        }
      },
      value);
}

Value decode(const std::string &text) {
  const Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_boolean())
    return json.get<bool>();
  if (json.is_number_integer())
    return json.get<int64_t>();
  if (json.is_string())
    return json.get<std::string>();
  if (std::optional<double> number = decode_double(json))
    return *number;
  if (json.is_array()) {
    std::vector<double> values;
    for (const Json &element : json) {
      std::optional<double> number = decode_double(element);
      if (!number)
        return text;
      values.push_back(*number);
    }
    return values;
  }
  return text; // not ember's encoding: keep the text
}

} // namespace

void Archive::write(const std::string &key, Value value) {
  EMBER_CHECK(!key.empty(), "Archive: keys must not be empty");
  if (const Tensor *tensor = std::get_if<Tensor>(&value))
    EMBER_CHECK(tensor->defined(), "Archive: tensor '", key, "' is undefined");
  entries_.set(key, std::move(value));
}

void Archive::write(const std::string &key, const Archive &nested) {
  for (const auto &[name, value] : nested.entries_)
    write(key + "." + name, value);
}

void Archive::write(const std::string &key, const OrderedDict<Tensor> &tensors) {
  for (const auto &[name, tensor] : tensors)
    write(key + "." + name, tensor);
}

const Value &Archive::at(const std::string &key) const {
  const Value *value = entries_.find(key);
  EMBER_CHECK(value != nullptr, "load: ", where(*this), " has no entry '", key, "'");
  return *value;
}

template <typename T> T Archive::get(const std::string &key) const {
  const Value &value = at(key);
  if (const T *typed = std::get_if<T>(&value))
    return *typed;
  if constexpr (std::is_same_v<T, double>)
    if (const int64_t *integer = std::get_if<int64_t>(&value))
      return static_cast<double>(*integer);
  throw Error(detail::concat("load: entry '", key, "' of ", where(*this), " is ", type_name(value),
                             ", not ", type_name(Value(T{}))));
}

template bool Archive::get<bool>(const std::string &) const;
template int64_t Archive::get<int64_t>(const std::string &) const;
template double Archive::get<double>(const std::string &) const;
template std::string Archive::get<std::string>(const std::string &) const;
template std::vector<double> Archive::get<std::vector<double>>(const std::string &) const;
template Tensor Archive::get<Tensor>(const std::string &) const;

Archive Archive::sub(const std::string &key) const {
  Archive result;
  result.source_ = source_;
  const std::string prefix = key + ".";
  for (const auto &[name, value] : entries_)
    if (name.starts_with(prefix))
      result.entries_.set(name.substr(prefix.size()), value);
  return result;
}

OrderedDict<Tensor> Archive::tensors() const {
  OrderedDict<Tensor> result;
  for (const auto &[name, value] : entries_)
    if (const Tensor *tensor = std::get_if<Tensor>(&value))
      result.insert(name, *tensor);
  return result;
}

void Archive::save(const std::string &path) const {
  OrderedDict<Tensor> tensors;
  Metadata metadata;
  for (const auto &[name, value] : entries_) {
    if (const Tensor *tensor = std::get_if<Tensor>(&value))
      tensors.insert(name, *tensor);
    else
      metadata[name] = encode(value);
  }
  save_safetensors(tensors, path, metadata);
}

Archive Archive::load(const std::string &path) {
  SafetensorsContent content = load_safetensors(path);
  Archive archive;
  archive.source_ = path;
  for (auto &[name, tensor] : content.tensors)
    archive.entries_.insert(name, std::move(tensor));
  for (const auto &[name, text] : content.metadata)
    if (!archive.entries_.contains(name))
      archive.entries_.insert(name, decode(text));
  return archive;
}

} // namespace ember::io
