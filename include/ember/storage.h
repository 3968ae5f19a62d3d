// Storage: a reference-counted block of memory that tensors view. Large CPU blocks come from a
// caching allocator, because a first touch of fresh pages costs more than the arithmetic on them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "ember/device.h"

namespace ember {

class Storage {
public:
  // Uninitialized memory of nbytes on device, aligned to 64 bytes.
  Storage(size_t nbytes, Device device);
  // Wraps external memory; deleter (may be empty) runs when the last tensor lets go.
  Storage(void *data, size_t nbytes, std::function<void(void *)> deleter, Device device);
  ~Storage();
  Storage(const Storage &) = delete;
  Storage &operator=(const Storage &) = delete;

  void *data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

  // Bumped by every in-place write; autograd compares it with the version a saved tensor had.
  // Views share their base's storage and so its version, as in torch.
  uint32_t version() const { return version_; }
  void bump_version() { ++version_; }
  // For storage that replaces another under the same tensor (resize_): versions keep rising.
  void continue_version_of(const Storage &previous) { version_ = previous.version_; }

private:
  void *data_;
  size_t nbytes_;
  Device device_;
  uint32_t version_ = 0;
  std::function<void(void *)> external_deleter_;
  bool owned_;
};

namespace memory {
// Bytes currently held in the CPU allocator's cache (free for reuse, not returned to the OS).
size_t cached_bytes();
// Returns every cached block to the operating system.
void empty_cache();
} // namespace memory

} // namespace ember
