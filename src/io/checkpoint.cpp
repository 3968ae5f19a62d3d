// Checkpoints: model, optimizer, scheduler and generator state flattened into one Archive.
#include "ember/io/checkpoint.h"

#include <charconv>

namespace ember::io {

static_assert(std::is_same_v<Value, optim::StateValue>,
              "archive values and optimizer state values must be the same type");

namespace {

// Splits "12.exp_avg" into (12, "exp_avg").
std::pair<int64_t, std::string> split_position(const std::string &key, const Archive &archive) {
  const size_t dot = key.find('.');
  int64_t position = -1;
  const char *end = key.data() + (dot == std::string::npos ? key.size() : dot);
  const auto parsed = std::from_chars(key.data(), end, position);
  EMBER_CHECK(dot != std::string::npos && parsed.ec == std::errc() && parsed.ptr == end &&
                  position >= 0,
              "load: ", archive.source().empty() ? "the archive" : archive.source(),
              " has a malformed optimizer entry '", key, "'");
  return {position, key.substr(dot + 1)};
}

template <typename Fn> auto naming_file(const std::string &path, const char *what, Fn &&fn) {
  try {
    return fn();
  } catch (const Error &error) {
    throw Error(detail::concat("load_checkpoint: ", path, ": cannot restore the ", what, ": ",
                               error.what()));
  }
}

} // namespace

Archive to_archive(const optim::StateDict &state) {
  Archive archive;
  for (const auto &[name, value] : state)
    archive.write(name, value);
  return archive;
}

optim::StateDict state_dict_from(const Archive &archive) {
  optim::StateDict state;
  for (const auto &[name, value] : archive.entries())
    state[name] = value;
  return state;
}

Archive to_archive(const optim::OptimizerState &state) {
  Archive archive;
  for (const auto &[position, values] : state.state)
    archive.write("state." + std::to_string(position), to_archive(values));
  for (size_t g = 0; g < state.param_groups.size(); ++g) {
    const optim::ParamGroupState &group = state.param_groups[g];
    const std::string prefix = "param_groups." + std::to_string(g);
    archive.write(prefix + ".params",
                  std::vector<double>(group.params.begin(), group.params.end()));
    archive.write(prefix, to_archive(group.options));
  }
  return archive;
}

optim::OptimizerState optimizer_state_from(const Archive &archive) {
  optim::OptimizerState state;
  const Archive per_parameter = archive.sub("state");
  for (const auto &[key, value] : per_parameter.entries()) {
    auto [position, name] = split_position(key, archive);
    state.state[position][name] = value;
  }
  std::map<int64_t, optim::ParamGroupState> groups;
  const Archive group_entries = archive.sub("param_groups");
  for (const auto &[key, value] : group_entries.entries()) {
    auto [index, name] = split_position(key, archive);
    if (name == "params") {
      for (double position : group_entries.get<std::vector<double>>(key))
        groups[index].params.push_back(static_cast<int64_t>(position));
    } else {
      groups[index].options[name] = value;
    }
  }
  for (auto &[index, group] : groups) {
    EMBER_CHECK(index == static_cast<int64_t>(state.param_groups.size()),
                "load: ", archive.source(), " lacks optimizer param group ",
                state.param_groups.size());
    state.param_groups.push_back(std::move(group));
  }
  return state;
}

Archive to_archive(const Generator &generator) {
  const Generator::State state = generator.get_state();
  Archive archive;
  // Stored as the int64 with the same bits: JSON readers lose precision above 2^53 otherwise.
  archive.write("seed", static_cast<int64_t>(state.seed));
  archive.write("offset", static_cast<int64_t>(state.offset));
  return archive;
}

void restore(Generator &generator, const Archive &archive) {
  generator.set_state({static_cast<uint64_t>(archive.get<int64_t>("seed")),
                       static_cast<uint64_t>(archive.get<int64_t>("offset"))});
}

void save_checkpoint(const Checkpoint &checkpoint, const std::string &path) {
  Archive archive;
  if (checkpoint.model)
    archive.write("model", checkpoint.model->state_dict());
  if (checkpoint.optimizer)
    archive.write("optimizer", to_archive(checkpoint.optimizer->state_dict()));
  if (checkpoint.scheduler)
    archive.write("scheduler", to_archive(checkpoint.scheduler->state_dict()));
  for (const auto &[name, generator] : checkpoint.generators)
    if (generator)
      archive.write("rng." + name, to_archive(*generator));
  archive.write("epoch", checkpoint.epoch);
  archive.write("step", checkpoint.step);
  archive.write("extra", checkpoint.extra);
  archive.save(path);
}

void load_checkpoint(Checkpoint &checkpoint, const std::string &path) {
  const Archive archive = Archive::load(path);
  // Everything is read and checked before anything is restored where that is possible: a model
  // that does not fit is reported before the optimizer or the generators change.
  if (checkpoint.model) {
    const OrderedDict<Tensor> state = archive.sub("model").tensors();
    EMBER_CHECK(!state.empty(), "load_checkpoint: ", path, " holds no model state");
    naming_file(path, "model", [&] { return checkpoint.model->load_state_dict(state, true); });
  }
  if (checkpoint.optimizer) {
    const Archive optimizer = archive.sub("optimizer");
    EMBER_CHECK(!optimizer.empty(), "load_checkpoint: ", path, " holds no optimizer state");
    naming_file(path, "optimizer", [&] {
      checkpoint.optimizer->load_state_dict(optimizer_state_from(optimizer));
      return 0;
    });
  }
  if (checkpoint.scheduler) {
    const Archive scheduler = archive.sub("scheduler");
    EMBER_CHECK(!scheduler.empty(), "load_checkpoint: ", path, " holds no scheduler state");
    naming_file(path, "scheduler", [&] {
      checkpoint.scheduler->load_state_dict(state_dict_from(scheduler));
      return 0;
    });
  }
  for (const auto &[name, generator] : checkpoint.generators)
    if (generator)
      restore(*generator, archive.sub("rng." + name));
  checkpoint.epoch = archive.get<int64_t>("epoch");
  checkpoint.step = archive.get<int64_t>("step");
  checkpoint.extra = archive.sub("extra");
}

} // namespace ember::io
