// Helpers shared by the nn module tests.
#pragma once

#include "test_util.h"

namespace ember::testing {

// Fills every floating tensor of the module's state dict with ramp(shape) * scale, as the fill()
// of tests/reference/nn_modules_reference.py, so both sides hold the same weights.
inline void fill(nn::Module &module, double scale) {
  NoGradGuard no_grad;
  for (auto &[name, tensor] : module.state_dict())
    if (tensor.is_floating_point())
      Tensor(tensor).copy_(ramp(tensor.sizes()) * scale);
}

} // namespace ember::testing
