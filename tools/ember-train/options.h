// ember-train's command line: every option with its default, parsed from argv, and --help.
#pragma once

#include <cstdint>
#include <string>

namespace ember_train {

struct Options {
  std::string model = "cnn";
  int64_t epochs = 5;
  int64_t batch_size = 64;
  std::string optimizer = "adam"; // sgd (momentum 0.9), adam, adamw
  double lr = 1e-3;
  std::string scheduler = "cosine"; // none, step, cosine, onecycle
  int64_t threads = 0;              // 0: every core
  int64_t workers = 1;              // data loader threads
  uint64_t seed = 0;
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  std::string output_dir = "runs/fashion-mnist";
  bool resume = false;
  int64_t limit_train = 0; // use only the first N training samples (0: all); for quick runs
};

// Parses argv; prints usage and exits on --help, prints the problem and exits with status 2 on a
// bad option.
Options parse_options(int argc, char **argv);

} // namespace ember_train
