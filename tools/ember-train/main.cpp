// ember-train: the main job. Trains an MLP, a CNN or a small residual network on Fashion-MNIST
// with ember's C++ API, showing progress as it goes; evaluates test accuracy after each epoch;
// keeps the best model, a checkpoint to resume from, per-epoch metrics and their plot.
// `ember-train --help` lists the options; the README shows a typical run.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>

#include "ember/data.h"
#include "ember/ember.h"
#include "ember/io.h"
#include "ember/nn/functional.h"
#include "ember/optim.h"
#include "metrics.h"
#include "models.h"
#include "options.h"
#include "progress.h"

namespace ember_train {
namespace {

using namespace ember;
namespace F = ember::nn::functional;

// Fashion-MNIST's training-set pixel mean and standard deviation (of values in [0, 1]).
constexpr double kPixelMean = 0.2860;
constexpr double kPixelStd = 0.3530;
constexpr int64_t kEvalBatch = 1000;

// uint8 images [N, 28, 28] as normalized float [N, 1, 28, 28], normalized in place so that the
// data set exists once in float (no temporaries of its size).
Tensor normalize_images(const Tensor &images) {
  Tensor normalized = images.to(kFloat32).unsqueeze(1);
  normalized.div_(255.0).sub_(kPixelMean).div_(kPixelStd);
  return normalized;
}

std::unique_ptr<optim::Optimizer> make_optimizer(const Options &options, nn::Module &model) {
  if (options.optimizer == "sgd")
    return std::make_unique<optim::SGD>(model.parameters(),
                                        optim::SGDOptions(options.lr).momentum(0.9));
  if (options.optimizer == "adamw")
    return std::make_unique<optim::AdamW>(model.parameters(), optim::AdamWOptions(options.lr));
  return std::make_unique<optim::Adam>(model.parameters(), optim::AdamOptions(options.lr));
}

// The scheduler and whether it steps after every batch (onecycle) rather than every epoch.
std::pair<std::unique_ptr<optim::LRScheduler>, bool>
make_scheduler(const Options &options, optim::Optimizer &optimizer, int64_t batches_per_epoch) {
  if (options.scheduler == "step")
    return {std::make_unique<optim::StepLR>(optimizer, 2, 0.1), false};
  if (options.scheduler == "cosine")
    return {std::make_unique<optim::CosineAnnealingLR>(optimizer, options.epochs), false};
  if (options.scheduler == "onecycle")
    return {
        std::make_unique<optim::OneCycleLR>(
            optimizer, optim::OneCycleLROptions(options.lr, options.epochs * batches_per_epoch)),
        true};
  return {nullptr, false};
}

struct Evaluation {
  double loss = 0, accuracy = 0;
};

Evaluation evaluate(nn::Module &model, nn::Sequential &network, const Tensor &images,
                    const Tensor &labels) {
  NoGradGuard no_grad;
  model.eval();
  double loss_sum = 0;
  int64_t correct = 0;
  const int64_t count = images.size(0);
  for (int64_t start = 0; start < count; start += kEvalBatch) {
    const int64_t length = std::min(kEvalBatch, count - start);
    Tensor logits = network->forward(images.narrow(0, start, length));
    Tensor target = labels.narrow(0, start, length);
    loss_sum += F::cross_entropy(logits, target, {}, -100, "sum").item<double>();
    correct += logits.argmax(1).eq(target).sum().item<int64_t>();
  }
  model.train();
  return {loss_sum / static_cast<double>(count),
          static_cast<double>(correct) / static_cast<double>(count)};
}

int64_t count_parameters(const nn::Module &model) {
  int64_t total = 0;
  for (const Tensor &p : model.parameters())
    total += p.numel();
  return total;
}

int train(const Options &options) {
  if (options.threads > 0)
    set_num_threads(static_cast<int>(options.threads));
  manual_seed(options.seed);
  std::filesystem::create_directories(options.output_dir);
  const std::filesystem::path out_dir(options.output_dir);
  const std::string checkpoint_path = out_dir / "checkpoint.safetensors";
  const std::string best_model_path = out_dir / "best_model.safetensors";
  const std::string metrics_path = out_dir / "metrics.csv";
  const std::string plot_path = out_dir / "curves.png";

  Tensor train_images, train_labels, test_images, test_labels;
  { // the uint8 copies are released once normalized
    const data::MNIST train_set(options.data_dir, /*train=*/true);
    const data::MNIST test_set(options.data_dir, /*train=*/false);
    train_images = normalize_images(train_set.data());
    train_labels = train_set.targets();
    test_images = normalize_images(test_set.data());
    test_labels = test_set.targets();
  }
  if (options.limit_train > 0 && options.limit_train < train_images.size(0)) {
    train_images = train_images.narrow(0, 0, options.limit_train);
    train_labels = train_labels.narrow(0, 0, options.limit_train);
  }
  data::DataLoader loader(data::TensorDataset(train_images, train_labels),
                          data::DataLoaderOptions()
                              .batch_size(options.batch_size)
                              .shuffle(true)
                              .num_workers(options.workers)
                              .seed(options.seed));

  nn::Sequential network = make_model(options.model);
  nn::Module &model = *network;
  auto optimizer = make_optimizer(options, model);
  auto [scheduler, per_batch_schedule] = make_scheduler(options, *optimizer, loader.size());

  // Everything a resumed run needs to continue bit for bit: the default generator drives
  // dropout, the loader's generator the shuffling.
  io::Checkpoint checkpoint{
      .model = &model,
      .optimizer = optimizer.get(),
      .scheduler = scheduler.get(),
      .generators = {{"global", &default_generator()}, {"loader", &loader.generator()}},
      .extra = {}};
  double best_accuracy = 0;
  std::vector<EpochMetrics> history;
  if (options.resume) {
    // The model name first: a clearer message than every mismatched weight of another model.
    const auto saved_model = io::Archive::load(checkpoint_path).get<std::string>("extra.model");
    EMBER_CHECK(saved_model == options.model, "ember-train: ", checkpoint_path, " holds a ",
                saved_model, " model, not ", options.model, " (pass --model ", saved_model, ")");
    io::load_checkpoint(checkpoint, checkpoint_path);
    best_accuracy = checkpoint.extra.get<double>("best_accuracy");
    history = read_metrics_csv(metrics_path);
    std::erase_if(history, [&](const EpochMetrics &row) { return row.epoch > checkpoint.epoch; });
    std::cout << "resumed from " << checkpoint_path << " after epoch " << checkpoint.epoch << "\n";
  }

  std::cout << "ember-train: " << options.model << " (" << count_parameters(model)
            << " parameters) on " << train_images.size(0) << " training and " << test_images.size(0)
            << " test images from " << options.data_dir << "\n"
            << "  " << options.optimizer << " lr " << options.lr << ", scheduler "
            << options.scheduler << ", batch " << options.batch_size << ", " << get_num_threads()
            << " thread(s), " << options.workers << " loader worker(s), seed " << options.seed
            << "\n";

  Progress progress(std::cerr, isatty(STDERR_FILENO));
  for (int64_t epoch = checkpoint.epoch + 1; epoch <= options.epochs; ++epoch) {
    model.train();
    progress.start_epoch(epoch, options.epochs, loader.size());
    loader.reset_stats();
    const double lr = optimizer->param_groups()[0].options().get_lr();
    const auto start = std::chrono::steady_clock::now();
    double loss_sum = 0;
    int64_t correct = 0, samples = 0, batch_number = 0;
    for (data::Example &batch : loader) {
      optimizer->zero_grad();
      Tensor logits = network->forward(batch.data);
      Tensor loss = F::cross_entropy(logits, batch.target);
      loss.backward();
      optimizer->step();
      if (per_batch_schedule)
        scheduler->step();
      const int64_t n = batch.target.size(0);
      loss_sum += loss.item<double>() * static_cast<double>(n);
      correct += logits.argmax(1).eq(batch.target).sum().item<int64_t>();
      samples += n;
      progress.update(++batch_number, samples, loss_sum / static_cast<double>(samples));
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress.finish_epoch();
    if (scheduler && !per_batch_schedule)
      scheduler->step();

    const Evaluation test = evaluate(model, network, test_images, test_labels);
    EpochMetrics row{epoch,
                     loss_sum / static_cast<double>(samples),
                     static_cast<double>(correct) / static_cast<double>(samples),
                     test.loss,
                     test.accuracy,
                     lr,
                     static_cast<double>(samples) / seconds,
                     seconds,
                     loader.wait_seconds()};
    history.push_back(row);
    std::cout << std::fixed << std::setprecision(4) << "epoch " << epoch << "/" << options.epochs
              << "  train loss " << row.train_loss << "  acc " << std::setprecision(2)
              << 100 * row.train_accuracy << "%  |  test loss " << std::setprecision(4)
              << row.test_loss << "  acc " << std::setprecision(2) << 100 * row.test_accuracy
              << "%  |  " << std::setprecision(0) << row.samples_per_second << " samples/s, "
              << std::setprecision(1) << row.epoch_seconds << " s (waited " << std::setprecision(2)
              << row.data_wait_seconds << " s for data)" << std::endl;
    std::cout.unsetf(std::ios::floatfield);

    if (test.accuracy > best_accuracy) {
      best_accuracy = test.accuracy;
      save(model, best_model_path);
    }
    checkpoint.epoch = epoch;
    checkpoint.extra.write("model", options.model);
    checkpoint.extra.write("best_accuracy", best_accuracy);
    io::save_checkpoint(checkpoint, checkpoint_path);
    write_metrics_csv(metrics_path, history);
    std::string plot_error;
    if (!plot_metrics(metrics_path, plot_path,
                      "ember-train: " + options.model + " on Fashion-MNIST", &plot_error))
      std::cerr << "ember-train: no plot: " << plot_error << "\n";
  }
  std::cout << "best test accuracy " << std::fixed << std::setprecision(2) << 100 * best_accuracy
            << "%; wrote " << best_model_path << ", " << checkpoint_path << ", " << metrics_path
            << ", " << plot_path << "\n";
  return 0;
}

// libgomp reads how idle threads wait once, when it is loaded: before main. Its default spins
// for long and collapses throughput when anything else shares the cores; OMP_WAIT_POLICY=PASSIVE
// sleeps at once but makes every parallel region pay a wake-up (~50 us here, a quarter of the
// MLP's time at 2 threads). Unless the user chose, the program restarts itself once with a short
// spin before sleeping.
void ensure_short_spin_wait(char **argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr)
    return;
  setenv("GOMP_SPINCOUNT", "10000", 1);
  execv("/proc/self/exe", argv);
  // exec failed (no /proc): carry on with libgomp's default policy.
}

} // namespace
} // namespace ember_train

int main(int argc, char **argv) {
  ember_train::ensure_short_spin_wait(argv);
  const ember_train::Options options = ember_train::parse_options(argc, argv);
  try {
    return ember_train::train(options);
  } catch (const std::exception &error) {
    const std::string message = error.what();
    std::cerr << (message.starts_with("ember-train:") ? "" : "ember-train: ") << message << "\n";
    return 1;
  }
}
