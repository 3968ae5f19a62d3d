// CSVDataset: a table of numbers, one example per line: the label column is the target, every
// other column a float32 feature.
//
//   data::CSVDataset iris("iris.csv", data::CSVOptions().label_name("species"));
//   iris.features();  // float32 [N, F]      iris.targets();  // int64 [N]
//
// A field that is not a number, a line with the wrong number of fields or a non-integral class
// label raise an ember::Error naming the file, the line and the column.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ember/data/dataset.h"
#include "ember/data/options.h"

namespace ember::data {

class CSVOptions {
  EMBER_DATA_OPTION(CSVOptions, char, delimiter, ',')
  // Whether the first line names the columns; unset: it does when any of its fields is not a
  // number.
  EMBER_DATA_OPTION(CSVOptions, std::optional<bool>, header, std::nullopt)
  // The label column by position (negative counts from the end) ...
  EMBER_DATA_OPTION(CSVOptions, int64_t, label_column, -1)
  // ... or by header name, which takes precedence when set.
  EMBER_DATA_OPTION(CSVOptions, std::string, label_name, "")
  // int64 class labels (the default) or float32 / float64 regression targets.
  EMBER_DATA_OPTION(CSVOptions, DType, target_dtype, kInt64)
};

class CSVDataset : public Dataset {
public:
  explicit CSVDataset(const std::string &path, CSVOptions options = {});
  int64_t size() const override { return features_.size(0); }
  Example get(int64_t index) const override;
  std::optional<Example> get_batch(const std::vector<int64_t> &indices) const override;

  const Tensor &features() const { return features_; }
  const Tensor &targets() const { return targets_; }
  // The header's names of the feature columns (empty without a header).
  const std::vector<std::string> &feature_names() const { return feature_names_; }

private:
  Tensor features_;
  Tensor targets_;
  std::vector<std::string> feature_names_;
};

} // namespace ember::data
