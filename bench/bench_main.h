// The main() shared by ember's Google Benchmark programs: it accepts --threads=N (ember's thread
// count, which Google Benchmark's own flags do not cover) and records it in the JSON context.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "ember/ops.h"

namespace ember::bench {

// Takes --threads=N out of argv (Google Benchmark rejects flags it does not know).
inline int take_threads_flag(int &argc, char **argv) {
  int threads = 0;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--threads=", 10) == 0)
      threads = std::atoi(argv[i] + 10);
    else
      argv[kept++] = argv[i];
  }
  argc = kept;
  return threads;
}

// Sets the thread count, registers the program's benchmarks and runs them.
inline int run(int argc, char **argv, void (*register_all)()) {
  if (int threads = take_threads_flag(argc, argv); threads > 0)
    ember::set_num_threads(threads);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::AddCustomContext("ember_threads", std::to_string(ember::get_num_threads()));
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

} // namespace ember::bench
