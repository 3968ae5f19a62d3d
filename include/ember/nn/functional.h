// torch.nn.functional for C++: ember::nn::functional (alias ember::F).
#pragma once

#include "ember/nn/functional/activation.h"
#include "ember/nn/functional/conv.h"
#include "ember/nn/functional/layers.h"
#include "ember/nn/functional/loss.h"
#include "ember/nn/functional/norm.h"

namespace ember {
namespace F = nn::functional;
} // namespace ember
