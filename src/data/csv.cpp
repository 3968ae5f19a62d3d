// CSVDataset: parses a numeric CSV file into a feature tensor and a target tensor.
#include "ember/data/csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "ember/data/collate.h"
#include "ember/ops.h"

namespace ember::data {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
    text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> split(std::string_view line, char delimiter) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (;;) {
    const size_t end = line.find(delimiter, start);
    fields.push_back(trim(line.substr(start, end == std::string_view::npos ? end : end - start)));
    if (end == std::string_view::npos)
      return fields;
    start = end + 1;
  }
}

std::optional<double> parse_number(std::string_view field) {
  if (!field.empty() && field.front() == '+')
    field.remove_prefix(1);
  double value = 0;
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (field.empty() || error != std::errc() || end != field.data() + field.size())
    return std::nullopt;
  return value;
}

std::string unquote(std::string_view field) {
  if (field.size() >= 2 && field.front() == '"' && field.back() == '"')
    field = field.substr(1, field.size() - 2);
  return std::string(field);
}

} // namespace

CSVDataset::CSVDataset(const std::string &path, CSVOptions options) {
  std::ifstream file(path, std::ios::binary);
  EMBER_CHECK(file.is_open(), "CSVDataset: cannot open ", path);
  std::stringstream buffer;
  buffer << file.rdbuf();
  const std::string text = buffer.str();

  std::vector<std::pair<int64_t, std::string_view>> lines; // (line number, content)
  std::string_view rest(text);
  for (int64_t number = 1; !rest.empty(); ++number) {
    const size_t end = rest.find('\n');
    const std::string_view line = trim(rest.substr(0, end));
    if (!line.empty())
      lines.emplace_back(number, line);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  }
  EMBER_CHECK(!lines.empty(), "CSVDataset: ", path, " is empty");

  const char delimiter = options.delimiter();
  const std::vector<std::string_view> first = split(lines.front().second, delimiter);
  bool header = false;
  for (std::string_view field : first)
    header = header || !parse_number(field);
  header = options.header().value_or(header);
  const int64_t columns = static_cast<int64_t>(first.size());
  EMBER_CHECK(columns >= 2, "CSVDataset: ", path,
              " needs at least two columns (features and a label), found ", columns);

  std::vector<std::string> names;
  if (header)
    for (std::string_view field : first)
      names.push_back(unquote(field));
  int64_t label = options.label_column();
  if (!options.label_name().empty()) {
    EMBER_CHECK(header, "CSVDataset: label_name '", options.label_name(), "' needs a header in ",
                path);
    const auto found = std::find(names.begin(), names.end(), options.label_name());
    EMBER_CHECK(found != names.end(), "CSVDataset: ", path, " has no column named '",
                options.label_name(), "'");
    label = found - names.begin();
  }
  if (label < 0)
    label += columns;
  EMBER_CHECK(label >= 0 && label < columns, "CSVDataset: label column ", options.label_column(),
              " is out of range for ", columns, " columns in ", path);
  for (int64_t c = 0; c < columns; ++c)
    if (header && c != label)
      feature_names_.push_back(names[c]);

  const DType target_dtype = options.target_dtype();
  EMBER_CHECK(target_dtype == kInt64 || is_floating_point(target_dtype),
              "CSVDataset: target_dtype must be int64 or floating point, got ", target_dtype);
  const size_t first_row = header ? 1 : 0;
  const int64_t rows = static_cast<int64_t>(lines.size() - first_row);
  features_ = empty({rows, columns - 1}, dtype(kFloat32));
  Tensor targets = empty({rows}, dtype(kFloat64));
  float *feature_out = features_.data_ptr<float>();
  double *target_out = targets.data_ptr<double>();
  for (int64_t r = 0; r < rows; ++r) {
    const auto &[number, line] = lines[first_row + r];
    const std::vector<std::string_view> fields = split(line, delimiter);
    EMBER_CHECK(static_cast<int64_t>(fields.size()) == columns, "CSVDataset: ", path, ":", number,
                ": expected ", columns, " fields, found ", fields.size());
    for (int64_t c = 0; c < columns; ++c) {
      const std::optional<double> value = parse_number(fields[c]);
      EMBER_CHECK(value.has_value(), "CSVDataset: ", path, ":", number, ": column ", c + 1,
                  header ? " ('" + names[c] + "')" : std::string(), " is not a number: '",
                  std::string(fields[c]), "'");
      if (c == label) {
        EMBER_CHECK(target_dtype != kInt64 || *value == std::floor(*value), "CSVDataset: ", path,
                    ":", number, ": the label '", std::string(fields[c]),
                    "' is not an integer class (use target_dtype(kFloat32) for regression)");
        *target_out++ = *value;
      } else {
        *feature_out++ = static_cast<float>(*value);
      }
    }
  }
  targets_ = targets.to(target_dtype);
}

Example CSVDataset::get(int64_t index) const {
  check_index(index, size(), "CSVDataset");
  return {features_[index], targets_[index]};
}

std::optional<Example> CSVDataset::get_batch(const std::vector<int64_t> &indices) const {
  return Example{gather_rows(features_, indices), gather_rows(targets_, indices)};
}

} // namespace ember::data
