// mlp: two hidden layers; cnn: two conv + batch norm + pooling blocks and two linear layers (the
// published Fashion-MNIST benchmark's "2 conv + pooling + BN" shape); resnet: a small residual
// network with two stages and global average pooling.
#include "models.h"

#include "ember/error.h"
#include "ember/nn/functional.h"
#include "ember/nn/modules/activation.h"
#include "ember/nn/modules/conv.h"
#include "ember/nn/modules/dropout.h"
#include "ember/nn/modules/linear.h"
#include "ember/nn/modules/normalization.h"
#include "ember/nn/modules/pooling.h"
#include "ember/nn/modules/shape.h"

namespace ember_train {
namespace {

using namespace ember;

nn::Sequential mlp() {
  return nn::Sequential(nn::Flatten(), nn::Linear(784, 256), nn::ReLU(), nn::Linear(256, 128),
                        nn::ReLU(), nn::Linear(128, 10));
}

nn::Sequential cnn() {
  return nn::Sequential(
      nn::Conv2d(nn::Conv2dOptions(1, 32, 3).padding(1)), nn::BatchNorm2d(32), nn::ReLU(),
      nn::MaxPool2d(2), // 32 x 14 x 14
      nn::Conv2d(nn::Conv2dOptions(32, 64, 3).padding(1)), nn::BatchNorm2d(64), nn::ReLU(),
      nn::MaxPool2d(2), // 64 x 7 x 7
      nn::Flatten(), nn::Linear(64 * 7 * 7, 128), nn::ReLU(), nn::Dropout(0.25),
      nn::Linear(128, 10));
}

// conv-bn-relu-conv-bn plus the (projected, when the shape changes) input, then relu.
class ResidualBlockImpl : public nn::Module {
public:
  ResidualBlockImpl(int64_t in_channels, int64_t out_channels, int64_t stride)
      : nn::Module("ResidualBlock") {
    conv1 = register_module(
        "conv1",
        nn::Conv2d(
            nn::Conv2dOptions(in_channels, out_channels, 3).stride(stride).padding(1).bias(false)));
    bn1 = register_module("bn1", nn::BatchNorm2d(out_channels));
    conv2 = register_module(
        "conv2",
        nn::Conv2d(nn::Conv2dOptions(out_channels, out_channels, 3).padding(1).bias(false)));
    bn2 = register_module("bn2", nn::BatchNorm2d(out_channels));
    if (stride != 1 || in_channels != out_channels)
      shortcut = register_module(
          "shortcut",
          nn::Sequential(
              nn::Conv2d(
                  nn::Conv2dOptions(in_channels, out_channels, 1).stride(stride).bias(false)),
              nn::BatchNorm2d(out_channels)));
  }

  Tensor forward(const Tensor &x) {
    Tensor out = nn::functional::relu(bn1(conv1(x)));
    out = bn2(conv2(out));
    return nn::functional::relu(out + (shortcut.is_empty() ? x : shortcut(x)));
  }

  nn::Conv2d conv1{nullptr}, conv2{nullptr};
  nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  nn::Sequential shortcut{nullptr};
};
EMBER_MODULE(ResidualBlock);

nn::Sequential resnet() {
  return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(1, 32, 3).padding(1).bias(false)),
                        nn::BatchNorm2d(32),
                        nn::ReLU(),                                         // 32 x 28 x 28
                        ResidualBlock(32, 32, 2), ResidualBlock(32, 32, 1), // 32 x 14 x 14
                        ResidualBlock(32, 64, 2), ResidualBlock(64, 64, 1), // 64 x 7 x 7
                        nn::AdaptiveAvgPool2d(1), nn::Flatten(), nn::Linear(64, 10));
}

} // namespace

const std::vector<std::pair<std::string, std::string>> &model_descriptions() {
  static const std::vector<std::pair<std::string, std::string>> descriptions = {
      {"mlp", "784-256-128-10 perceptron with ReLU"},
      {"cnn", "2 x (conv 3x3 + batch norm + ReLU + max pool), then 3136-128-10 with dropout"},
      {"resnet", "conv stem and four residual blocks (32 and 64 channels), average pool, linear"},
  };
  return descriptions;
}

nn::Sequential make_model(const std::string &name) {
  if (name == "mlp")
    return mlp();
  if (name == "cnn")
    return cnn();
  if (name == "resnet")
    return resnet();
  throw ember::Error("ember-train: unknown model '" + name + "' (choose mlp, cnn or resnet)");
}

} // namespace ember_train
