// Storage and the CPU caching allocator.
//
// Fresh pages cost a page fault on first touch (about 2 us per 4 KiB here), which makes
// `c = a + b` on large tensors several times slower than the arithmetic. Blocks of at least
// kCachedMinimum bytes are therefore kept on free lists by size class when released and handed
// out again. Small blocks recycle through per-thread free lists instead: glibc's aligned_alloc
// takes its slow memalign path on every call, which dominated the cost of ops on tiny tensors.
// The cache is bounded: past kCacheLimit bytes, released blocks go back to the OS.
// Blocks of kHugePage bytes and more are aligned to 2 MiB and advised to use transparent huge
// pages (Debian's kernels default to THP on madvise only): one fault then maps 2 MiB instead of
// 4 KiB, and streaming kernels over large tensors stop missing the TLB.
#include "ember/storage.h"

#include <sys/mman.h>

#include <array>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <vector>

#include "ember/error.h"

namespace ember {
namespace {

constexpr size_t kAlignment = 64;
constexpr size_t kCachedMinimum = 1 << 16;
constexpr size_t kCacheLimit = size_t{2} << 30;
constexpr size_t kHugePage = size_t{2} << 20;

// Rounds up to one of four classes per power of two, so a reused block wastes at most 25%.
size_t size_class(size_t nbytes) {
  if (nbytes < kCachedMinimum)
    return (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  size_t power = size_t{1} << (63 - __builtin_clzll(nbytes));
  size_t step = power / 4;
  return (nbytes + step - 1) / step * step;
}

// Per-thread free lists of blocks up to kMaxBytes, one list per size class, each bounded.
class SmallBlockCache {
public:
  static constexpr size_t kMaxBytes = 4096;

  void *take(size_t bytes) {
    std::vector<void *> &blocks = free_[bytes / kAlignment - 1];
    if (blocks.empty())
      return nullptr;
    void *block = blocks.back();
    blocks.pop_back();
    return block;
  }

  // False when the list is full: the caller frees the block.
  bool keep(void *block, size_t bytes) {
    std::vector<void *> &blocks = free_[bytes / kAlignment - 1];
    if (blocks.size() >= kMaxPerClass)
      return false;
    if (blocks.capacity() == 0)
      blocks.reserve(kMaxPerClass);
    blocks.push_back(block);
    return true;
  }

  ~SmallBlockCache() {
    for (auto &blocks : free_)
      for (void *block : blocks)
        std::free(block);
  }

private:
  static constexpr size_t kMaxPerClass = 64;
  std::array<std::vector<void *>, kMaxBytes / kAlignment> free_;
};

thread_local SmallBlockCache small_blocks;

class CpuAllocator {
public:
  void *allocate(size_t nbytes) {
    size_t bytes = size_class(std::max<size_t>(nbytes, 1));
    if (bytes <= SmallBlockCache::kMaxBytes)
      if (void *block = small_blocks.take(bytes))
        return block;
    if (bytes >= kCachedMinimum) {
      std::lock_guard<std::mutex> lock(mutex_);
      auto found = free_.find(bytes);
      if (found != free_.end() && !found->second.empty()) {
        void *block = found->second.back();
        found->second.pop_back();
        cached_ -= bytes;
        return block;
      }
    }
    void *block = system_allocate(bytes);
    if (block == nullptr) {
      empty_cache();
      block = system_allocate(bytes);
    }
    if (block == nullptr)
      throw Error(detail::concat("out of memory: failed to allocate ", nbytes, " bytes"));
    return block;
  }

  void release(void *block, size_t nbytes) {
    size_t bytes = size_class(std::max<size_t>(nbytes, 1));
    if (bytes <= SmallBlockCache::kMaxBytes && small_blocks.keep(block, bytes))
      return;
    if (bytes >= kCachedMinimum) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (cached_ + bytes <= kCacheLimit) {
        free_[bytes].push_back(block);
        cached_ += bytes;
        return;
      }
    }
    std::free(block);
  }

  void empty_cache() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto &[bytes, blocks] : free_)
      for (void *block : blocks)
        std::free(block);
    free_.clear();
    cached_ = 0;
  }

  size_t cached_bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_;
  }

  ~CpuAllocator() { empty_cache(); }

private:
  static void *system_allocate(size_t bytes) {
    if (bytes < kHugePage)
      return std::aligned_alloc(kAlignment, bytes);
    // aligned_alloc wants a size that is a multiple of the alignment.
    void *block = std::aligned_alloc(kHugePage, (bytes + kHugePage - 1) / kHugePage * kHugePage);
    if (block != nullptr)
      madvise(block, bytes, MADV_HUGEPAGE); // advice only: failure leaves ordinary pages
    return block;
  }

  std::mutex mutex_;
  std::map<size_t, std::vector<void *>> free_;
  size_t cached_ = 0;
};

CpuAllocator &cpu_allocator() {
  // Never destroyed: tensors in static objects may be released after other statics.
  static CpuAllocator *allocator = new CpuAllocator();
  return *allocator;
}

} // namespace

Storage::Storage(size_t nbytes, Device device)
    : data_(nullptr), nbytes_(nbytes), device_(device), owned_(true) {
  EMBER_CHECK(device.is_cpu(), "Storage: device ", device, " has no backend in this build");
  data_ = cpu_allocator().allocate(nbytes);
}

Storage::Storage(void *data, size_t nbytes, std::function<void(void *)> deleter, Device device)
    : data_(data), nbytes_(nbytes), device_(device), external_deleter_(std::move(deleter)),
      owned_(false) {}

Storage::~Storage() {
  if (owned_)
    cpu_allocator().release(data_, nbytes_);
  else if (external_deleter_)
    external_deleter_(data_);
}

namespace memory {
size_t cached_bytes() { return cpu_allocator().cached_bytes(); }
void empty_cache() { cpu_allocator().empty_cache(); }
} // namespace memory

} // namespace ember
