// parallel_for over OpenMP threads, with exceptions carried out of the parallel region.
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>

#include <omp.h>

namespace ember::cpu {

// Below this many elements of simple work a loop runs on one thread.
constexpr int64_t kGrainSize = 32768;

// Calls fn(chunk_begin, chunk_end) over [begin, end) split into one contiguous chunk per thread
// when the range holds at least grain_size items; otherwise once on the calling thread.
template <typename Fn>
void parallel_for(int64_t begin, int64_t end, int64_t grain_size, const Fn &fn) {
  int64_t range = end - begin;
  if (range <= 0)
    return;
  int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  int64_t useful = std::max<int64_t>(1, range / std::max<int64_t>(grain_size, 1));
  threads = static_cast<int>(std::min<int64_t>(threads, useful));
  if (threads <= 1) {
    fn(begin, end);
    return;
  }
  std::exception_ptr error;
#pragma omp parallel num_threads(threads)
  {
    int64_t count = omp_get_num_threads();
    int64_t id = omp_get_thread_num();
    int64_t chunk = (range + count - 1) / count;
    int64_t chunk_begin = begin + id * chunk;
    int64_t chunk_end = std::min(end, chunk_begin + chunk);
    if (chunk_begin < chunk_end) {
      try {
        fn(chunk_begin, chunk_end);
      } catch (...) {
#pragma omp critical(ember_parallel_error)
        if (!error)
          error = std::current_exception();
      }
    }
  }
  if (error)
    std::rethrow_exception(error);
}

} // namespace ember::cpu
