// Per-epoch metrics of a training run: kept as rows, written as CSV (metrics.csv) and drawn as
// loss and accuracy curves (curves.png) by gnuplot.
#pragma once

#include <string>
#include <vector>

namespace ember_train {

struct EpochMetrics {
  int64_t epoch = 0;
  double train_loss = 0, train_accuracy = 0; // accuracy as a fraction in [0, 1]
  double test_loss = 0, test_accuracy = 0;
  double learning_rate = 0;
  double samples_per_second = 0; // training samples over the epoch's training time
  double epoch_seconds = 0;      // training time of the epoch, evaluation excluded
  double data_wait_seconds = 0;  // part of epoch_seconds spent waiting for the data loader
};

// Writes rows to path as CSV with a header, atomically (a temporary file renamed over path).
void write_metrics_csv(const std::string &path, const std::vector<EpochMetrics> &rows);

// Reads a file written by write_metrics_csv; an ember::Error naming the file if it is malformed.
std::vector<EpochMetrics> read_metrics_csv(const std::string &path);

// Draws train and test loss and accuracy per epoch from the CSV at csv_path into png_path by
// running gnuplot. Returns false (with the reason in *error) when gnuplot is missing or fails.
bool plot_metrics(const std::string &csv_path, const std::string &png_path,
                  const std::string &title, std::string *error);

} // namespace ember_train
