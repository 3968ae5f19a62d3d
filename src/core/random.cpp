// Random number generation: the Philox Generator, the default generator, and every op that draws
// from one (rand, randn, randint, randperm, bernoulli, multinomial, normal and the in-place fills).
//
// Layout of a fill: element i of an n-element tensor takes lane i % K of Philox block
// (first + i / K), where first comes from Generator::reserve_counters and K is the number of
// values one 128-bit block yields (4 for 32-bit types, 2 for float64 and 64-bit integers). The
// numbers therefore depend on the seed and the generator's offset alone, never on how the range
// is split over threads.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <numeric>
#include <vector>

#include "backend/cpu/elementwise_kernels.h"
#include "backend/cpu/parallel.h"
#include "core/philox.h"
#include "ember/autograd.h"
#include "ember/ops.h"
#include "ember/random.h"

namespace ember {

// ---- Generator ---------------------------------------------------------------------------------

Generator::Generator(uint64_t seed) : seed_(seed) {}

void Generator::manual_seed(uint64_t seed) {
  std::lock_guard lock(mutex_);
  seed_ = seed;
  offset_ = 0;
}

Generator::State Generator::get_state() const {
  std::lock_guard lock(mutex_);
  return {seed_, offset_};
}

void Generator::set_state(State state) {
  std::lock_guard lock(mutex_);
  seed_ = state.seed;
  offset_ = state.offset;
}

uint64_t Generator::reserve_counters(uint64_t count) {
  std::lock_guard lock(mutex_);
  uint64_t first = offset_;
  offset_ += count;
  return first;
}

Generator &default_generator() {
  static Generator generator;
  return generator;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

namespace {

// ---- bits to numbers ---------------------------------------------------------------------------

// A uniform value in [0, 1) from the top `bits` bits of word (exact in float for bits <= 24).
inline float uniform_from_bits(uint32_t word, int bits) {
  return static_cast<float>(word >> (32 - bits)) * std::ldexp(1.0f, -bits);
}

inline uint64_t join64(uint32_t low, uint32_t high) {
  return (static_cast<uint64_t>(high) << 32) | low;
}

// A uniform double in [0, 1) with 53 random bits.
inline double uniform53(uint32_t low, uint32_t high) {
  return static_cast<double>(join64(low, high) >> 11) * 0x1.0p-53;
}

// A uniform double in [0, 1) with 32 bits: precise enough to compare against any probability.
inline double uniform32(uint32_t word) { return static_cast<double>(word) * 0x1.0p-32; }

// An integer in [0, bound) from 64 random bits by multiply-shift (Lemire), which avoids a
// division; the bias is at most bound / 2^64.
inline uint64_t below(uint64_t word, uint64_t bound) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(word) * bound) >> 64);
}

// Random mantissa bits per type: a uniform with more bits than the type holds could round up to
// 1.0, which [0, 1) excludes.
template <typename T> constexpr int kUniformBits = 24;
template <> constexpr int kUniformBits<Half> = 11;
template <> constexpr int kUniformBits<BFloat16> = 8;

// Values one Philox block yields for type T: float64 needs 64 bits per value.
template <typename T> constexpr int kPerBlock = std::is_same_v<T, double> ? 2 : 4;

// The type floating fills compute in: the 16-bit types compute in float32 and round once.
template <typename T> using AccOf = std::conditional_t<std::is_same_v<T, double>, double, float>;

// Blocks per group for the floating fills: 16 blocks fill whole AVX-512 vectors, so the
// arithmetic on the numbers vectorizes.
constexpr int kGroupBlocks = 16;
template <size_t B> using BlockGroup = std::array<philox::Block, B>;

// Writes the uniforms in [0, 1) of a group of blocks to u in element order: 53-bit doubles, two
// per block, or floats with `bits` random bits, four per block.
template <typename Acc, size_t B>
void group_uniforms(const BlockGroup<B> &group, int bits, Acc *u) {
  for (size_t j = 0; j < B; ++j) {
    const philox::Block &block = group[j];
    if constexpr (std::is_same_v<Acc, double>) {
      u[2 * j] = uniform53(block[0], block[1]);
      u[2 * j + 1] = uniform53(block[2], block[3]);
    } else {
      for (int lane = 0; lane < 4; ++lane)
        u[4 * j + lane] = uniform_from_bits(block[lane], bits);
    }
  }
}

// Box-Muller over P pairs: (u1[p], u2[p]) -> (radius * cos, radius * sin) with
// radius = sqrt(-2 log u1), u1 in (0, 1] so that the log stays finite. Whole groups go through
// SLEEF's vector functions, so every element of a fill takes the same code path.
template <typename Acc, int P>
void box_muller(const Acc (&u1)[P], const Acc (&u2)[P], Acc (&cosines)[P], Acc (&sines)[P]) {
  constexpr Acc kTwoPi = static_cast<Acc>(2 * std::numbers::pi);
#if EMBER_HAVE_VECTOR_MATH
  using V = cpu::Vec<Acc>;
  constexpr int kLanes = sizeof(V) / sizeof(Acc);
  static_assert(P % kLanes == 0, "a group must fill whole vectors");
  for (int p = 0; p < P; p += kLanes) {
    V a, b;
    std::memcpy(&a, u1 + p, sizeof(V));
    std::memcpy(&b, u2 + p, sizeof(V));
    const V radius = cpu::sleef::sqrt(Acc(-2) * cpu::sleef::log(a));
    const V angle = kTwoPi * b;
    const V c = radius * cpu::sleef::cos(angle);
    const V s = radius * cpu::sleef::sin(angle);
    std::memcpy(cosines + p, &c, sizeof(V));
    std::memcpy(sines + p, &s, sizeof(V));
  }
#else
  for (int p = 0; p < P; ++p) {
    const Acc radius = std::sqrt(Acc(-2) * std::log(u1[p]));
    cosines[p] = radius * std::cos(kTwoPi * u2[p]);
    sines[p] = radius * std::sin(kTwoPi * u2[p]);
  }
#endif
}

// ---- the fill driver ---------------------------------------------------------------------------

// Draws the Philox blocks for n elements from generator (element i is lane i % K of block i / K)
// and calls make(group, first_index, count) for each run of B consecutive blocks, where count
// (at most B * K) is the number of elements the run covers. With B == 1, make receives the single
// block. Grouping blocks only lets kernels vectorize across them; it never changes which number an
// element gets, and neither does the split over threads.
template <int K, int B = 1, typename Make>
void for_each_block(int64_t n, Generator &generator, int64_t grain_size, const Make &make) {
  const int64_t blocks = (n + K - 1) / K;
  const uint64_t first = generator.reserve_counters(static_cast<uint64_t>(blocks));
  // Read after reserving: a concurrent manual_seed between the two calls may pair the new seed
  // with the old offset, which is harmless (the numbers stay valid, only not replayable).
  const uint64_t seed = generator.get_state().seed;
  const int64_t groups = (blocks + B - 1) / B;
  auto run = [&](int64_t begin, int64_t end) {
    std::array<philox::Block, B> group;
    for (int64_t g = begin; g < end; ++g) {
      // The last group may compute blocks past the reservation; their values are never stored.
      for (int j = 0; j < B; ++j)
        group[j] = philox::block(seed, first + static_cast<uint64_t>(g * B + j));
      const int64_t index = g * B * K;
      const int64_t count = std::min<int64_t>(B * K, n - index);
      if constexpr (B == 1)
        make(group[0], index, count);
      else
        make(group, index, count);
    }
  };
  cpu::parallel_for(0, groups, std::max<int64_t>(1, grain_size / (K * B)), run);
}

// Fills self: fill(group, out, count) writes count values of T for one group of B blocks (see
// for_each_block). Non-contiguous targets are filled through a contiguous buffer so that element
// i of the logical (row-major) order always gets the same number.
template <typename T, int K, int B = 1, typename Fill>
void fill_tensor(Tensor &self, Generator &generator, const Fill &fill) {
  Tensor target = self.is_contiguous() ? self : empty(self.sizes(), dtype(self.dtype()));
  T *out = target.data_ptr<T>();
  for_each_block<K, B>(
      self.numel(), generator, cpu::kGrainSize,
      [&](const auto &group, int64_t index, int64_t count) { fill(group, out + index, count); });
  if (!target.is_same(self))
    self.copy_(target);
  self.impl()->storage()->bump_version();
}

// In-place fills do not record history: filling a tensor that autograd tracks would silently cut
// its gradient, so it is allowed only with grad mode off (as in nn.init, under no_grad).
void check_fill_target(const Tensor &self, const char *op) {
  EMBER_CHECK(self.defined(), op, ": tensor is undefined");
  EMBER_CHECK(!(self.requires_grad() && autograd::is_grad_enabled()), op,
              ": cannot fill a tensor that requires grad in place while grad mode is on "
              "(wrap the call in ember::NoGradGuard)");
}

void check_floating(DType dtype, const char *op) {
  EMBER_CHECK(is_floating_point(dtype), op, ": expected a floating point dtype, got ",
              dtype_name(dtype));
}

// Calls fn with a value of the C++ type of a floating dtype, 16-bit storage types included.
template <typename Fn> void dispatch_any_floating(DType dtype, const char *op, Fn &&fn) {
  check_floating(dtype, op);
  switch (dtype) {
  case DType::Float16:
    return fn(Half{});
  case DType::BFloat16:
    return fn(BFloat16{});
  case DType::Float32:
    return fn(float{});
  default:
    return fn(double{});
  }
}

void uniform_fill(Tensor &self, double from, double to, Generator &generator, const char *op) {
  check_fill_target(self, op);
  EMBER_CHECK(from <= to, op, ": expected from <= to, got from=", from, " > to=", to);
  EMBER_CHECK(std::isfinite(to - from), op, ": range [", from, ", ", to, ") is not finite");
  dispatch_any_floating(self.dtype(), op, [&](auto zero) {
    using T = decltype(zero);
    using Acc = AccOf<T>;
    constexpr int K = kPerBlock<T>;
    const Acc low = static_cast<Acc>(from);
    const Acc high = static_cast<Acc>(to);
    const Acc span = static_cast<Acc>(to - from);
    fill_tensor<T, K, kGroupBlocks>(
        self, generator, [&](const BlockGroup<kGroupBlocks> &group, T *out, int64_t count) {
          Acc u[kGroupBlocks * kPerBlock<T>];
          group_uniforms(group, kUniformBits<T>, u);
          for (int64_t i = 0; i < count; ++i) {
            // Rounding low + span * u to T can land on `to`; that value maps back to `from` so
            // the result stays in [from, to), as torch does.
            const T value = static_cast<T>(low + span * u[i]);
            out[i] = static_cast<Acc>(value) >= high ? static_cast<T>(low) : value;
          }
        });
  });
}

void normal_fill(Tensor &self, double mean, double std, Generator &generator, const char *op) {
  check_fill_target(self, op);
  EMBER_CHECK(std >= 0, op, ": expected std >= 0, got ", std);
  dispatch_any_floating(self.dtype(), op, [&](auto zero) {
    using T = decltype(zero);
    using Acc = AccOf<T>;
    constexpr int K = kPerBlock<T>;
    // Uniforms 2p and 2p + 1 of a group form pair p, which yields elements 2p (cos) and
    // 2p + 1 (sin).
    constexpr int kPairs = kGroupBlocks * K / 2;
    const Acc m = static_cast<Acc>(mean);
    const Acc s = static_cast<Acc>(std);
    fill_tensor<T, K, kGroupBlocks>(
        self, generator, [&](const BlockGroup<kGroupBlocks> &group, T *out, int64_t count) {
          Acc u[2 * kPairs], u1[kPairs], u2[kPairs], cosines[kPairs], sines[kPairs];
          group_uniforms(group, 24, u);
          for (int p = 0; p < kPairs; ++p) {
            u1[p] = Acc(1) - u[2 * p];
            u2[p] = u[2 * p + 1];
          }
          box_muller(u1, u2, cosines, sines);
          for (int64_t i = 0; i < count; ++i) {
            const Acc z = i % 2 == 0 ? cosines[i / 2] : sines[i / 2];
            out[i] = static_cast<T>(m + s * z);
          }
        });
  });
}

void bernoulli_fill(Tensor &self, double p, Generator &generator, const char *op) {
  check_fill_target(self, op);
  EMBER_CHECK(p >= 0 && p <= 1, op, ": expected 0 <= p <= 1, got p=", p);
  dispatch_all(self.dtype(), op, [&](auto zero) {
    using T = decltype(zero);
    // word / 2^32 < p exactly when word < ceil(p * 2^32): an integer compare per element.
    const uint64_t threshold = static_cast<uint64_t>(std::ceil(std::ldexp(p, 32)));
    fill_tensor<T, 4>(self, generator, [&](const philox::Block &block, T *out, int64_t count) {
      for (int64_t j = 0; j < count; ++j)
        out[j] = static_cast<T>(block[j] < threshold ? 1 : 0);
    });
  });
}

// Options for a fresh tensor to fill: requires_grad is applied after the fill, since filling a
// tensor that already requires grad is refused.
TensorOptions without_grad(const TensorOptions &options) { return options.requires_grad(false); }

Tensor finish(Tensor result, const TensorOptions &options) {
  if (options.requires_grad_)
    result.requires_grad_(true);
  return result;
}

TensorOptions like_options(const Tensor &other, const TensorOptions &options) {
  TensorOptions merged = options;
  if (!merged.dtype_)
    merged.dtype_ = other.dtype();
  return merged;
}

} // namespace

// ---- creation ----------------------------------------------------------------------------------

Tensor rand(IntArrayRef sizes, Generator &generator, const TensorOptions &options) {
  check_floating(options.dtype_or_default(), "rand");
  Tensor result = empty(sizes, without_grad(options));
  uniform_fill(result, 0, 1, generator, "rand");
  return finish(result, options);
}

Tensor randn(IntArrayRef sizes, Generator &generator, const TensorOptions &options) {
  check_floating(options.dtype_or_default(), "randn");
  Tensor result = empty(sizes, without_grad(options));
  normal_fill(result, 0, 1, generator, "randn");
  return finish(result, options);
}

Tensor rand(IntArrayRef sizes, const TensorOptions &options) {
  return rand(sizes, default_generator(), options);
}

Tensor randn(IntArrayRef sizes, const TensorOptions &options) {
  return randn(sizes, default_generator(), options);
}

Tensor rand_like(const Tensor &other, const TensorOptions &options) {
  return rand(other.sizes(), like_options(other, options));
}

Tensor randn_like(const Tensor &other, const TensorOptions &options) {
  return randn(other.sizes(), like_options(other, options));
}

Tensor normal(double mean, double std, IntArrayRef sizes, const TensorOptions &options) {
  check_floating(options.dtype_or_default(), "normal");
  Tensor result = empty(sizes, without_grad(options));
  normal_fill(result, mean, std, default_generator(), "normal");
  return finish(result, options);
}

Tensor randint(int64_t low, int64_t high, IntArrayRef sizes, const TensorOptions &options) {
  EMBER_CHECK(low < high, "randint: expected low < high, got low=", low, ", high=", high);
  const DType out_dtype = options.dtype_.value_or(kInt64);
  Tensor result = empty(sizes, without_grad(options).dtype(out_dtype));
  // The span fits in uint64 even when high - low overflows int64.
  const uint64_t span = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  dispatch_all(out_dtype, "randint", [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_integral_v<T>) {
      EMBER_CHECK(low >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                      high - 1 <= static_cast<int64_t>(std::numeric_limits<T>::max()),
                  "randint: range [", low, ", ", high, ") does not fit dtype ",
                  dtype_name(out_dtype));
    }
    fill_tensor<T, 2>(
        result, default_generator(), [&](const philox::Block &block, T *out, int64_t count) {
          const uint64_t words[2] = {join64(block[0], block[1]), join64(block[2], block[3])};
          for (int64_t j = 0; j < count; ++j)
            out[j] = static_cast<T>(
                static_cast<int64_t>(static_cast<uint64_t>(low) + below(words[j], span)));
        });
  });
  return finish(result, options);
}

Tensor randint(int64_t high, IntArrayRef sizes, const TensorOptions &options) {
  return randint(0, high, sizes, options);
}

Tensor randperm(int64_t n, const TensorOptions &options) {
  EMBER_CHECK(n >= 0, "randperm: expected n >= 0, got ", n);
  const DType out_dtype = options.dtype_.value_or(kInt64);
  // Every value below n must be exact in the output dtype.
  const int64_t largest_exact = dispatch_all(out_dtype, "randperm", [](auto zero) -> int64_t {
    using T = decltype(zero);
    if constexpr (std::is_same_v<T, Half>)
      return int64_t{1} << 11;
    else if constexpr (std::is_same_v<T, BFloat16>)
      return int64_t{1} << 8;
    else if constexpr (std::is_floating_point_v<T>)
      return int64_t{1} << std::numeric_limits<T>::digits;
    else
      return static_cast<int64_t>(std::numeric_limits<T>::max());
  });
  EMBER_CHECK(n == 0 || n - 1 <= largest_exact, "randperm: n=", n, " is too large for dtype ",
              dtype_name(out_dtype));

  // Fisher-Yates: step i swaps position i with a uniform position in [0, i]. The draws come
  // from one reserved run of counters (two 64-bit draws per block), so the permutation depends on
  // the seed only.
  std::vector<int64_t> permutation(static_cast<size_t>(n));
  std::iota(permutation.begin(), permutation.end(), int64_t{0});
  Generator &generator = default_generator();
  const uint64_t first = generator.reserve_counters(static_cast<uint64_t>((n + 1) / 2));
  const uint64_t seed = generator.get_state().seed;
  philox::Block block{};
  for (int64_t i = n - 1; i > 0; --i) {
    const int64_t draw = n - 1 - i; // 0, 1, 2, ...
    if (draw % 2 == 0)
      block = philox::block(seed, first + static_cast<uint64_t>(draw / 2));
    const uint64_t word = draw % 2 == 0 ? join64(block[0], block[1]) : join64(block[2], block[3]);
    const int64_t j = static_cast<int64_t>(below(word, static_cast<uint64_t>(i + 1)));
    std::swap(permutation[i], permutation[j]);
  }

  Tensor result = empty({n}, without_grad(options).dtype(out_dtype));
  dispatch_all(out_dtype, "randperm", [&](auto zero) {
    using T = decltype(zero);
    T *out = result.data_ptr<T>();
    for (int64_t i = 0; i < n; ++i)
      out[i] = static_cast<T>(permutation[i]);
  });
  return finish(result, options);
}

// ---- bernoulli ---------------------------------------------------------------------------------

Tensor bernoulli(const Tensor &p, Generator &generator) {
  EMBER_CHECK(p.defined(), "bernoulli: p is undefined");
  check_floating(p.dtype(), "bernoulli");
  const Tensor probabilities = p.contiguous();
  Tensor result = empty(p.sizes(), dtype(p.dtype()));
  dispatch_all(p.dtype(), "bernoulli", [&](auto zero) {
    using T = decltype(zero);
    const T *prob = probabilities.data_ptr<T>();
    T *out = result.data_ptr<T>();
    for_each_block<4>(p.numel(), generator, cpu::kGrainSize,
                      [&](const philox::Block &block, int64_t index, int64_t count) {
                        for (int64_t j = 0; j < count; ++j) {
                          const double probability = static_cast<double>(prob[index + j]);
                          EMBER_CHECK(probability >= 0 && probability <= 1,
                                      "bernoulli: expected all probabilities in [0, 1], got ",
                                      probability);
                          out[index + j] = static_cast<T>(uniform32(block[j]) < probability);
                        }
                      });
  });
  return result;
}

Tensor bernoulli(const Tensor &p) { return bernoulli(p, default_generator()); }

// ---- multinomial -------------------------------------------------------------------------------

Tensor multinomial(const Tensor &probs, int64_t num_samples, bool replacement) {
  EMBER_CHECK(probs.defined(), "multinomial: probs is undefined");
  EMBER_CHECK(probs.dim() == 1 || probs.dim() == 2,
              "multinomial: expected probs to be 1-D or 2-D, got ", probs.dim(), "-D");
  check_floating(probs.dtype(), "multinomial");
  EMBER_CHECK(num_samples > 0, "multinomial: num_samples must be positive, got ", num_samples);
  const int64_t rows = probs.dim() == 2 ? probs.size(0) : 1;
  const int64_t categories = probs.size(-1);
  EMBER_CHECK(categories > 0, "multinomial: probs has no categories");
  EMBER_CHECK(replacement || num_samples <= categories, "multinomial: cannot draw ", num_samples,
              " samples without replacement from ", categories, " categories");

  // Weights in float64, row-major, validated before any draw.
  std::vector<double> weights(static_cast<size_t>(rows * categories));
  const Tensor source = probs.contiguous();
  dispatch_all(probs.dtype(), "multinomial", [&](auto zero) {
    using T = decltype(zero);
    const T *data = source.data_ptr<T>();
    for (size_t i = 0; i < weights.size(); ++i)
      weights[i] = static_cast<double>(data[i]);
  });
  for (int64_t r = 0; r < rows; ++r) {
    const double *row = weights.data() + r * categories;
    double total = 0;
    int64_t positive = 0;
    for (int64_t c = 0; c < categories; ++c) {
      EMBER_CHECK(std::isfinite(row[c]) && row[c] >= 0, "multinomial: row ", r,
                  " has a negative, infinite or NaN probability (", row[c], ")");
      total += row[c];
      positive += row[c] > 0;
    }
    EMBER_CHECK(total > 0, "multinomial: probabilities of row ", r, " sum to zero");
    EMBER_CHECK(replacement || positive >= num_samples, "multinomial: row ", r, " has only ",
                positive, " categories with nonzero probability, fewer than the ", num_samples,
                " samples requested without replacement");
  }

  Tensor result = probs.dim() == 2 ? empty({rows, num_samples}, dtype(kInt64))
                                   : empty({num_samples}, dtype(kInt64));
  int64_t *out = result.data_ptr<int64_t>();
  // Each row owns a fixed run of counters (two 53-bit uniforms per block), so rows can be drawn
  // in parallel with the same result as one thread.
  const int64_t draws_per_row = replacement ? num_samples : categories;
  const int64_t blocks_per_row = (draws_per_row + 1) / 2;
  Generator &generator = default_generator();
  const uint64_t first = generator.reserve_counters(static_cast<uint64_t>(rows * blocks_per_row));
  const uint64_t seed = generator.get_state().seed;
  auto uniform = [&](int64_t row, int64_t draw) {
    const philox::Block block =
        philox::block(seed, first + static_cast<uint64_t>(row * blocks_per_row + draw / 2));
    return draw % 2 == 0 ? uniform53(block[0], block[1]) : uniform53(block[2], block[3]);
  };

  const int64_t grain = std::max<int64_t>(1, cpu::kGrainSize / draws_per_row);
  cpu::parallel_for(0, rows, grain, [&](int64_t begin, int64_t end) {
    std::vector<double> scratch(static_cast<size_t>(categories));
    std::vector<int64_t> order(static_cast<size_t>(categories));
    for (int64_t r = begin; r < end; ++r) {
      const double *row = weights.data() + r * categories;
      int64_t *row_out = out + r * num_samples;
      if (replacement) {
        // Inverse CDF: the first category whose cumulative weight exceeds u * total.
        std::partial_sum(row, row + categories, scratch.begin());
        const double total = scratch.back();
        int64_t last_positive = categories - 1;
        while (row[last_positive] == 0)
          --last_positive;
        for (int64_t s = 0; s < num_samples; ++s) {
          const double target = uniform(r, s) * total;
          const int64_t pick =
              std::upper_bound(scratch.begin(), scratch.end(), target) - scratch.begin();
          row_out[s] = std::min(pick, last_positive); // rounding can push target onto total
        }
      } else {
        // Efraimidis-Spirakis: the categories with the smallest E / w, E exponential, form a
        // weighted sample without replacement, in the order sequential draws would pick them.
        for (int64_t c = 0; c < categories; ++c) {
          const double exponential = -std::log(1.0 - uniform(r, c));
          scratch[c] = row[c] > 0 ? exponential / row[c] : std::numeric_limits<double>::infinity();
        }
        std::iota(order.begin(), order.end(), int64_t{0});
        std::partial_sort(order.begin(), order.begin() + num_samples, order.end(),
                          [&](int64_t a, int64_t b) { return scratch[a] < scratch[b]; });
        std::copy(order.begin(), order.begin() + num_samples, row_out);
      }
    }
  });
  return result;
}

// ---- Tensor methods ----------------------------------------------------------------------------

Tensor &Tensor::uniform_(double from, double to) {
  uniform_fill(*this, from, to, default_generator(), "uniform_");
  return *this;
}

Tensor &Tensor::normal_(double mean, double std) {
  normal_fill(*this, mean, std, default_generator(), "normal_");
  return *this;
}

Tensor &Tensor::bernoulli_(double p) {
  bernoulli_fill(*this, p, default_generator(), "bernoulli_");
  return *this;
}

Tensor Tensor::bernoulli() const { return ember::bernoulli(*this); }

} // namespace ember
