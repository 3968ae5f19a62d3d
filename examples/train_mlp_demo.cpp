// A first ember program: fit a small two-layer network to a noisy sine curve with plain
// gradient descent, built only from tensor ops and autograd. `make demo` runs it.
#include <cmath>
#include <cstdio>

#include <ember/ember.h>

int main() {
  using namespace ember;
  manual_seed(0);

  // Data: y = sin(3x) + noise on x in [-1, 1].
  Tensor x = linspace(-1, 1, 256).unsqueeze(1);
  Tensor y = sin(x * 3) + randn({256, 1}) * 0.05;

  // Parameters of a 1 -> 32 -> 1 network, initialized as torch.nn.Linear does (uniform ±1/sqrt(fan_in)).
  Tensor w1 = (rand({1, 32}) * 2 - 1).requires_grad_();
  Tensor b1 = (rand({32}) * 2 - 1).requires_grad_();
  Tensor w2 = ((rand({32, 1}) * 2 - 1) / std::sqrt(32.0)).requires_grad_();
  Tensor b2 = ((rand({1}) * 2 - 1) / std::sqrt(32.0)).requires_grad_();
  const TensorList parameters = {w1, b1, w2, b2};

  const double learning_rate = 0.1;
  for (int step = 0; step <= 2000; ++step) {
    Tensor prediction = matmul(tanh(matmul(x, w1) + b1), w2) + b2;
    Tensor loss = (prediction - y).square().mean();
    for (Tensor parameter : parameters)
      parameter.mutable_grad() = Tensor();
    loss.backward();
    {
      NoGradGuard no_grad;
      for (Tensor parameter : parameters)
        parameter.sub_(parameter.grad() * learning_rate);
    }
    if (step % 200 == 0)
      std::printf("step %4d  loss %.5f\n", step, loss.item<double>());
  }
  return 0;
}
