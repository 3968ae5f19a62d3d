// Thread-local grad mode and the global anomaly-detection switch.
#include <atomic>

#include "ember/autograd.h"

namespace ember::autograd {

namespace {
thread_local bool grad_enabled = true;
std::atomic<bool> anomaly_enabled{false};
std::atomic<uint64_t> next_sequence_nr{0};
} // namespace

bool is_grad_enabled() { return grad_enabled; }
void set_grad_enabled(bool enabled) { grad_enabled = enabled; }

bool is_anomaly_enabled() { return anomaly_enabled.load(std::memory_order_relaxed); }
void set_detect_anomaly(bool enabled) { anomaly_enabled.store(enabled); }

Node::Node() : sequence_nr(next_sequence_nr.fetch_add(1, std::memory_order_relaxed)) {}

} // namespace ember::autograd
