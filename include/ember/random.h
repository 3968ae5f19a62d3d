// Random number generators. ember uses counter-based Philox4x32-10: element i of a fill takes
// counter (offset + i), so the numbers depend on the seed alone, never on the thread count.
#pragma once

#include <cstdint>
#include <mutex>

#include "ember/tensor.h"

namespace ember {

class Generator {
public:
  explicit Generator(uint64_t seed = 67280421310721ULL);
  void manual_seed(uint64_t seed);
  uint64_t initial_seed() const { return seed_; }

  // The full state (seed, offset), for checkpoints: restoring it replays the same numbers.
  struct State {
    uint64_t seed;
    uint64_t offset;
  };
  State get_state() const;
  void set_state(State state);

  // Reserves count consecutive 128-bit counters for one fill and returns the first.
  uint64_t reserve_counters(uint64_t count);

private:
  mutable std::mutex mutex_;
  uint64_t seed_;
  uint64_t offset_ = 0;
};

// The generator used when none is passed.
Generator &default_generator();
// Seeds the default generator (torch.manual_seed).
void manual_seed(uint64_t seed);

} // namespace ember
