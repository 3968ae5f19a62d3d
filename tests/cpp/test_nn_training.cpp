// End-to-end training with the layer modules and an optimizer: a small MLP and a small CNN
// (Conv2d + BatchNorm2d + MaxPool2d + Linear) fit synthetic classification data until the
// loss is near zero.
#include "test_util.h"

using namespace ember;

namespace {

// Trains model on (inputs, labels) with Adam and cross entropy; returns the last loss.
template <typename Model>
double train(Model &model, const Tensor &inputs, const Tensor &labels, int steps, double lr) {
  optim::Adam optimizer(model->parameters(), optim::AdamOptions(lr));
  nn::CrossEntropyLoss criterion;
  double loss_value = 0;
  for (int step = 0; step < steps; ++step) {
    optimizer.zero_grad();
    Tensor loss = criterion(model(inputs), labels);
    loss.backward();
    optimizer.step();
    loss_value = loss.item<double>();
  }
  return loss_value;
}

double accuracy(const Tensor &logits, const Tensor &labels) {
  return (logits.argmax(1) == labels).to(kFloat64).mean().item<double>();
}

} // namespace

TEST(NnTraining, MlpFitsSyntheticClasses) {
  manual_seed(0);
  // 128 points in 4-d, labelled by which of 3 fixed directions they align with most.
  const Tensor inputs = randn({128, 4});
  const Tensor directions = randn({4, 3});
  const Tensor labels = matmul(inputs, directions).argmax(1);
  nn::Sequential model(nn::Linear(4, 32), nn::ReLU(), nn::Linear(32, 32), nn::Tanh(),
                       nn::Linear(32, 3));
  const double loss = train(model, inputs, labels, 400, 0.01);
  EXPECT_LT(loss, 0.02);
  EXPECT_EQ(accuracy(model(inputs), labels), 1.0);
}

TEST(NnTraining, CnnFitsSyntheticImages) {
  manual_seed(0);
  // 64 noisy 8x8 images, each with a bright 3x3 blob in one of 4 quadrants: the label.
  const int64_t count = 64;
  Tensor images = randn({count, 1, 8, 8}) * 0.3;
  Tensor labels = randint(0, 4, {count});
  {
    NoGradGuard no_grad;
    for (int64_t i = 0; i < count; ++i) {
      const int64_t quadrant = labels[i].item<int64_t>();
      const int64_t row = (quadrant / 2) * 4 + (i % 2), column = (quadrant % 2) * 4 + (i / 2) % 2;
      images[i][0].narrow(0, row, 3).narrow(1, column, 3).add_(1.5);
    }
  }
  nn::Sequential model(nn::Conv2d(nn::Conv2dOptions(1, 8, 3).padding(1)), nn::BatchNorm2d(8),
                       nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(), nn::Linear(8 * 4 * 4, 4));
  const double loss = train(model, images, labels, 150, 0.02);
  EXPECT_LT(loss, 0.02);
  model->eval(); // running statistics instead of batch statistics
  EXPECT_EQ(accuracy(model(images), labels), 1.0);
}
