// Checkpoints: bit-identical resume (2 epochs straight against 1 + save + load into fresh
// objects + 1), atomic writes that survive a failing write, and clear reports for files that do
// not fit the model.
#include <sys/resource.h>

#include <csignal>
#include <filesystem>

#include "ember/data.h"
#include "ember/io.h"
#include "ember/nn/functional.h"
#include "ember/optim.h"
#include "test_data_files.h"
#include "test_util.h"

using namespace ember;
using ember::testing::TempDir;
namespace F = ember::nn::functional;

namespace {

// A linear layer from registered parameters.
class Affine : public nn::Module {
public:
  Affine(int64_t in, int64_t out) : nn::Module("Affine") {
    weight = register_parameter("weight", randn({out, in}) * 0.5);
    bias = register_parameter("bias", zeros({out}));
  }
  Tensor forward(const Tensor &x) { return F::linear(x, weight, bias); }
  Tensor weight, bias;
};

// Affine -> ReLU -> Affine, with dotted parameter names (fc1.weight, ...).
class TinyNet : public nn::Module {
public:
  explicit TinyNet(int64_t hidden = 8) : nn::Module("TinyNet") {
    fc1 = register_module("fc1", std::make_shared<Affine>(4, hidden));
    fc2 = register_module("fc2", std::make_shared<Affine>(hidden, 3));
  }
  Tensor forward(const Tensor &x) { return fc2->forward(F::relu(fc1->forward(x))); }
  std::shared_ptr<Affine> fc1, fc2;
};

// Examples with per-sample noise from the sample generator, as a random augmentation adds.
class NoisyDataset : public data::Dataset {
public:
  NoisyDataset() {
    Generator generator(5);
    x_ = randn({48, 4}, generator);
    y_ = (x_.select(1, 0) > 0).to(kInt64) + (x_.select(1, 1) > 0.5).to(kInt64);
  }
  int64_t size() const override { return 48; }
  data::Example get(int64_t i) const override {
    return {x_[i] + randn({4}, data::sample_generator()) * 0.1, y_[i]};
  }

private:
  Tensor x_, y_;
};

// Everything one training run owns.
struct TrainingRun {
  std::shared_ptr<TinyNet> model;
  std::unique_ptr<optim::Adam> optimizer;
  std::unique_ptr<optim::StepLR> scheduler;
  std::unique_ptr<data::DataLoader> loader;

  TrainingRun(uint64_t init_seed, uint64_t loader_seed, int64_t workers) {
    manual_seed(init_seed);
    model = std::make_shared<TinyNet>();
    optimizer = std::make_unique<optim::Adam>(model->parameters(), optim::AdamOptions(0.05));
    scheduler = std::make_unique<optim::StepLR>(*optimizer, 1, 0.5);
    loader = std::make_unique<data::DataLoader>(std::make_shared<NoisyDataset>(),
                                                data::DataLoaderOptions()
                                                    .batch_size(8)
                                                    .shuffle(true)
                                                    .seed(loader_seed)
                                                    .num_workers(workers));
  }

  void train_epoch() {
    for (data::Example &batch : *loader) {
      optimizer->zero_grad();
      Tensor loss = F::cross_entropy(model->forward(batch.data), batch.target);
      loss.backward();
      optimizer->step();
    }
    scheduler->step();
  }

  io::Checkpoint checkpoint(int64_t epoch) {
    io::Checkpoint checkpoint{.model = model.get(),
                              .optimizer = optimizer.get(),
                              .scheduler = scheduler.get(),
                              .generators = {{"loader", &loader->generator()}}};
    checkpoint.epoch = epoch;
    return checkpoint;
  }
};

} // namespace

TEST(IoCheckpoint, ResumeIsBitIdentical) {
  TempDir dir;
  const std::string path = dir.file("checkpoint.safetensors");

  TrainingRun straight(1, 7, 0);
  straight.train_epoch();
  straight.train_epoch();

  TrainingRun first_half(1, 7, 2);
  first_half.train_epoch();
  io::Checkpoint saved = first_half.checkpoint(1);
  saved.step = 6;
  saved.extra.write("best_accuracy", 0.75);
  io::save_checkpoint(saved, path);

  // Fresh objects with other initial weights and another loader seed: everything must come from
  // the file.
  TrainingRun resumed(99, 12345, 1);
  io::Checkpoint restored = resumed.checkpoint(0);
  io::load_checkpoint(restored, path);
  EXPECT_EQ(restored.epoch, 1);
  EXPECT_EQ(restored.step, 6);
  EXPECT_EQ(restored.extra.get<double>("best_accuracy"), 0.75);
  EXPECT_EQ(resumed.optimizer->param_groups()[0].options().get_lr(), 0.025);
  resumed.train_epoch();

  const auto expected = straight.model->named_parameters();
  const auto actual = resumed.model->named_parameters();
  ASSERT_EQ(actual.size(), expected.size());
  for (const auto &[name, tensor] : expected)
    EXPECT_TRUE(equal(actual[name], tensor)) << name << " differs after resuming";
  EXPECT_EQ(resumed.scheduler->get_last_lr(), straight.scheduler->get_last_lr());
}

TEST(IoCheckpoint, AFailingWriteLeavesThePreviousFileIntact) {
  TempDir dir;
  const std::string path = dir.file("checkpoint.safetensors");
  TrainingRun run(1, 7, 0);
  io::Checkpoint checkpoint = run.checkpoint(1);
  checkpoint.extra.write("padding", randn({4096})); // 16 KiB: more than the limit below
  io::save_checkpoint(checkpoint, path);
  const std::string before = ember::testing::read_file(path);

  // The file size limit makes the next write fail part-way, as a full disk would.
  checkpoint.epoch = 2;
  struct rlimit saved_limit;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved_limit), 0);
  auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved_limit;
  small.rlim_cur = 4096;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  EXPECT_THROW_WITH(io::save_checkpoint(checkpoint, path), "the previous file is unchanged");
  setrlimit(RLIMIT_FSIZE, &saved_limit);
  std::signal(SIGXFSZ, previous_handler);

  EXPECT_EQ(ember::testing::read_file(path), before);
  int64_t files = 0;
  for (const auto &entry : std::filesystem::directory_iterator(dir.path()))
    files += entry.is_regular_file();
  EXPECT_EQ(files, 1) << "the temporary file was left behind";
  io::load_checkpoint(checkpoint, path);
  EXPECT_EQ(checkpoint.epoch, 1);
}

TEST(IoCheckpoint, FilesThatDoNotFitAreReportedClearly) {
  TempDir dir;
  const std::string path = dir.file("small.safetensors");
  TrainingRun small(1, 7, 0);
  io::save_checkpoint(small.checkpoint(1), path);

  // A model whose hidden layer is wider: every mismatched shape is listed.
  manual_seed(2);
  TinyNet wide(16);
  io::Checkpoint into_wide{.model = &wide};
  EXPECT_THROW_WITH(io::load_checkpoint(into_wide, path), path);
  EXPECT_THROW_WITH(io::load_checkpoint(into_wide, path),
                    "size mismatch for fc1.weight: copying a param with shape [8, 4] from "
                    "checkpoint, the shape in current model is [16, 4]");
  EXPECT_THROW_WITH(load(wide, path), "fc2.weight");

  // A file with a missing entry.
  OrderedDict<Tensor> partial = small.model->state_dict();
  OrderedDict<Tensor> without_bias;
  for (const auto &[name, tensor] : partial)
    if (name != "fc2.bias")
      without_bias.insert(name, tensor);
  save(without_bias, dir.file("partial.safetensors"));
  TinyNet model;
  EXPECT_THROW_WITH(load(model, dir.file("partial.safetensors")),
                    "Missing key(s) in state_dict: \"fc2.bias\"");
  EXPECT_EQ(load(model, dir.file("partial.safetensors"), false).missing_keys,
            (std::vector<std::string>{"fc2.bias"}));

  // A checkpoint without optimizer state, or the generator asked for.
  io::save_checkpoint(io::Checkpoint{.model = small.model.get()}, path);
  io::Checkpoint wants_more = small.checkpoint(0);
  EXPECT_THROW_WITH(io::load_checkpoint(wants_more, path), "holds no optimizer state");
  io::Checkpoint wants_generator{.generators = {{"loader", &small.loader->generator()}}};
  EXPECT_THROW_WITH(io::load_checkpoint(wants_generator, path), "has no entry 'seed'");
}
