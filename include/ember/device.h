// Where a tensor's memory lives. Only the CPU backend exists now; the type is ready for more.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace ember {

enum class DeviceType : uint8_t { CPU, OpenCL };

struct Device {
  DeviceType type = DeviceType::CPU;
  int16_t index = -1;

  Device() = default;
  Device(DeviceType type, int16_t index = -1) : type(type), index(index) {}
  // Parses "cpu", "opencl", "opencl:1".
  Device(const std::string &spec);

  bool is_cpu() const { return type == DeviceType::CPU; }
  bool operator==(const Device &other) const = default;
  std::string str() const;
};

constexpr DeviceType kCPU = DeviceType::CPU;

std::ostream &operator<<(std::ostream &out, const Device &device);

} // namespace ember
