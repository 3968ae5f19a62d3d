// The thread count shared by ember's OpenMP loops and OpenBLAS (OpenMP build: same pool).
#include <omp.h>

#include "ember/ops.h"

extern "C" void openblas_set_num_threads(int threads);

namespace ember {

void set_num_threads(int threads) {
  EMBER_CHECK(threads > 0, "set_num_threads: expected a positive number of threads, got ", threads);
  omp_set_num_threads(threads);
  openblas_set_num_threads(threads);
}

int get_num_threads() { return omp_get_max_threads(); }

} // namespace ember
