// The models ember-train can train on 28x28 grey images with 10 classes.
#pragma once

#include <string>
#include <vector>

#include "ember/nn/container.h"

namespace ember_train {

// The model names --model accepts, with a one-line description each.
const std::vector<std::pair<std::string, std::string>> &model_descriptions();

// Builds the model called name (one of model_descriptions()): it maps a batch [N, 1, 28, 28] to
// logits [N, 10]. An unknown name is an ember::Error.
ember::nn::Sequential make_model(const std::string &name);

} // namespace ember_train
