// Device parsing and printing.
#include "ember/device.h"

#include "ember/error.h"

namespace ember {

Device::Device(const std::string &spec) {
  std::string kind = spec.substr(0, spec.find(':'));
  if (kind == "cpu")
    type = DeviceType::CPU;
  else if (kind == "opencl")
    type = DeviceType::OpenCL;
  else
    throw Error("Device: expected \"cpu\" or \"opencl[:index]\", got \"" + spec + "\"");
  if (auto colon = spec.find(':'); colon != std::string::npos) {
    try {
      index = static_cast<int16_t>(std::stoi(spec.substr(colon + 1)));
    } catch (const std::exception &) {
      throw Error("Device: invalid device index in \"" + spec + "\"");
    }
  }
}

std::string Device::str() const {
  std::string name = type == DeviceType::CPU ? "cpu" : "opencl";
  return index >= 0 ? name + ":" + std::to_string(index) : name;
}

std::ostream &operator<<(std::ostream &out, const Device &device) { return out << device.str(); }

} // namespace ember
