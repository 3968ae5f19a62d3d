// Checkpoints: everything needed to resume training exactly, in one safetensors file written
// atomically (a crash or a full disk mid-write leaves the previous checkpoint intact).
//
//   io::Checkpoint checkpoint{.model = model.get(), .optimizer = &optimizer,
//                             .scheduler = &scheduler,
//                             .generators = {{"global", &default_generator()},
//                                            {"loader", &loader.generator()}}};
//   checkpoint.epoch = epoch;
//   checkpoint.extra.write("best_accuracy", best);
//   io::save_checkpoint(checkpoint, "out/checkpoint.safetensors");
//   ...
//   io::load_checkpoint(checkpoint, "out/checkpoint.safetensors");  // restores into the objects
//
// The objects a Checkpoint points to are saved and restored; null pointers are skipped. The file
// is an Archive (see archive.h) with this layout, so any safetensors reader finds the weights:
//   model.<name>                      tensors of model->state_dict()
//   optimizer.state.<i>.<name>        per-parameter state (i counts parameters over all groups)
//   optimizer.param_groups.<g>.params parameter positions of group g; .<option> its options
//   scheduler.<name>                  the scheduler's state_dict()
//   rng.<name>.seed, rng.<name>.offset
//   epoch, step, extra.<key>
#pragma once

#include <map>
#include <string>

#include "ember/io/archive.h"
#include "ember/nn/module.h"
#include "ember/optim/lr_scheduler.h"
#include "ember/optim/optimizer.h"
#include "ember/random.h"

namespace ember::io {

struct Checkpoint {
  nn::Module *model = nullptr;
  optim::Optimizer *optimizer = nullptr;
  optim::LRScheduler *scheduler = nullptr;
  std::map<std::string, Generator *> generators = {};
  int64_t epoch = 0;
  int64_t step = 0;
  // Anything else worth keeping (best accuracy, the run's options, ...).
  Archive extra = {};
};

void save_checkpoint(const Checkpoint &checkpoint, const std::string &path);
// Restores every object the checkpoint points to, and epoch, step and extra. A file that lacks
// an entry or whose tensors do not fit the model raise an Error naming the file and the entries.
void load_checkpoint(Checkpoint &checkpoint, const std::string &path);

// The building blocks, for state the Checkpoint struct does not cover (a second model,
// ReduceLROnPlateau, ...).
Archive to_archive(const optim::OptimizerState &state);
optim::OptimizerState optimizer_state_from(const Archive &archive);
Archive to_archive(const optim::StateDict &state);
optim::StateDict state_dict_from(const Archive &archive);
Archive to_archive(const Generator &generator);
void restore(Generator &generator, const Archive &archive);

} // namespace ember::io
