// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): a
// counter-based generator. Block k of a stream is a pure function of (key, counter k), so any
// thread can produce any part of a fill without touching shared state.
#pragma once

#include <array>
#include <cstdint>

namespace ember::philox {

using Block = std::array<uint32_t, 4>;

constexpr uint32_t kMultiplier0 = 0xD2511F53u;
constexpr uint32_t kMultiplier1 = 0xCD9E8D57u;
constexpr uint32_t kWeyl0 = 0x9E3779B9u; // golden ratio
constexpr uint32_t kWeyl1 = 0xBB67AE85u; // sqrt(3) - 1
constexpr int kRounds = 10;

// The four 32-bit outputs for counter (low 64 bits = counter, high 64 bits = 0) under seed.
inline Block block(uint64_t seed, uint64_t counter) {
  uint32_t key0 = static_cast<uint32_t>(seed);
  uint32_t key1 = static_cast<uint32_t>(seed >> 32);
  uint32_t x0 = static_cast<uint32_t>(counter);
  uint32_t x1 = static_cast<uint32_t>(counter >> 32);
  uint32_t x2 = 0;
  uint32_t x3 = 0;
  for (int round = 0; round < kRounds; ++round) {
    uint64_t product0 = static_cast<uint64_t>(kMultiplier0) * x0;
    uint64_t product1 = static_cast<uint64_t>(kMultiplier1) * x2;
    uint32_t y0 = static_cast<uint32_t>(product1 >> 32) ^ x1 ^ key0;
    uint32_t y1 = static_cast<uint32_t>(product1);
    uint32_t y2 = static_cast<uint32_t>(product0 >> 32) ^ x3 ^ key1;
    uint32_t y3 = static_cast<uint32_t>(product0);
    x0 = y0;
    x1 = y1;
    x2 = y2;
    x3 = y3;
    key0 += kWeyl0;
    key1 += kWeyl1;
  }
  return {x0, x1, x2, x3};
}

} // namespace ember::philox
