// Random numbers drawn from an ember::Generator for the data pipeline (samplers, random_split,
// random transforms). Each RandomDraws reserves a fixed run of Philox counters up front, so what
// a sampler or transform draws depends on the generator's state alone, never on threads.
#pragma once

#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include "core/philox.h"
#include "ember/error.h"
#include "ember/random.h"

namespace ember::data::detail {

class RandomDraws {
public:
  // Reserves room for `count` 64-bit draws (two per Philox block).
  RandomDraws(Generator &generator, int64_t count)
      : seed_(generator.get_state().seed), remaining_(count),
        first_(generator.reserve_counters(static_cast<uint64_t>((count + 1) / 2))) {}

  uint64_t next() {
    EMBER_INTERNAL_ASSERT(remaining_ > 0);
    --remaining_;
    if (drawn_ % 2 == 0)
      block_ = philox::block(seed_, first_ + drawn_ / 2);
    const bool low = drawn_++ % 2 == 0;
    const uint32_t a = low ? block_[0] : block_[2];
    const uint32_t b = low ? block_[1] : block_[3];
    return (static_cast<uint64_t>(b) << 32) | a;
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, bound), by multiply-shift (bias at most bound / 2^64).
  int64_t below(int64_t bound) {
    return static_cast<int64_t>(
        (static_cast<unsigned __int128>(next()) * static_cast<uint64_t>(bound)) >> 64);
  }

private:
  uint64_t seed_;
  int64_t remaining_;
  uint64_t first_;
  uint64_t drawn_ = 0;
  philox::Block block_{};
};

// A uniformly random permutation of 0..n-1 (Fisher-Yates).
inline std::vector<int64_t> permutation(int64_t n, Generator &generator) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t{0});
  RandomDraws draws(generator, n);
  for (int64_t i = n - 1; i > 0; --i)
    std::swap(order[i], order[draws.below(i + 1)]);
  return order;
}

// Mixes values into one well-spread 64-bit seed (splitmix64 finalizer over each value).
inline uint64_t mix_seed(uint64_t seed, uint64_t value) {
  uint64_t z = seed ^ (value + 0x9E3779B97F4A7C15ULL + (seed << 6) + (seed >> 2));
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

} // namespace ember::data::detail
