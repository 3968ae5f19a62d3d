#include "options.h"

#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>

#include "models.h"

namespace ember_train {
namespace {

void print_usage(std::ostream &out) {
  const Options defaults;
  out << "usage: ember-train [options]\n\n"
      << "Trains a classifier on Fashion-MNIST (or any MNIST-format directory) with ember,\n"
      << "evaluates test accuracy after each epoch and writes to the output directory:\n"
      << "  best_model.safetensors  weights of the epoch with the best test accuracy\n"
      << "  checkpoint.safetensors  model, optimizer, scheduler, RNG and loader state (--resume)\n"
      << "  metrics.csv, curves.png per-epoch loss and accuracy, and their plot (gnuplot)\n\n"
      << "options:\n"
      << "  --model NAME        the model (default " << defaults.model << "):\n";
  for (const auto &[name, description] : model_descriptions())
    out << "                        " << name << ": " << description << "\n";
  out << "  --epochs N          epochs to train (default " << defaults.epochs << ")\n"
      << "  --batch-size N      training batch size (default " << defaults.batch_size << ")\n"
      << "  --optimizer NAME    sgd (momentum 0.9), adam or adamw (default " << defaults.optimizer
      << ")\n"
      << "  --lr X              learning rate (default " << defaults.lr << ")\n"
      << "  --scheduler NAME    none, step (x0.1 every 2 epochs), cosine (per epoch) or onecycle\n"
      << "                      (per batch) (default " << defaults.scheduler << ")\n"
      << "  --threads N         compute threads (default: every core)\n"
      << "  --workers N         data loader threads (default " << defaults.workers << ")\n"
      << "  --seed N            seed of weights, shuffling and dropout (default " << defaults.seed
      << ")\n"
      << "  --data-dir DIR      MNIST-format files, optionally gzip'd (default\n"
      << "                      " << defaults.data_dir << ", Debian's dataset-fashion-mnist)\n"
      << "  --output-dir DIR    where results go (default " << defaults.output_dir << ")\n"
      << "  --resume            continue from DIR/checkpoint.safetensors, bit for bit\n"
      << "  --limit-train N     train on the first N samples only (default: all)\n"
      << "  --help              this text\n";
}

[[noreturn]] void fail(const std::string &message) {
  std::cerr << "ember-train: " << message << "\n(see ember-train --help)\n";
  std::exit(2);
}

int64_t parse_integer(const std::string &option, const std::string &text, int64_t minimum) {
  char *end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < minimum)
    fail(option + " expects an integer >= " + std::to_string(minimum) + ", got '" + text + "'");
  return value;
}

double parse_positive(const std::string &option, const std::string &text) {
  char *end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(value > 0))
    fail(option + " expects a positive number, got '" + text + "'");
  return value;
}

std::string parse_choice(const std::string &option, const std::string &text,
                         std::initializer_list<const char *> choices) {
  std::string listed;
  for (const char *choice : choices) {
    if (text == choice)
      return text;
    listed += listed.empty() ? choice : std::string(", ") + choice;
  }
  fail(option + " expects one of " + listed + ", got '" + text + "'");
}

} // namespace

Options parse_options(int argc, char **argv) {
  Options options;
  using Setter = std::function<void(const std::string &, const std::string &)>;
  const std::map<std::string, Setter> valued = {
      {"--model",
       [&](auto &o, auto &v) {
         options.model = parse_choice(o, v, {"mlp", "cnn", "resnet"});
       }},
      {"--epochs", [&](auto &o, auto &v) { options.epochs = parse_integer(o, v, 1); }},
      {"--batch-size", [&](auto &o, auto &v) { options.batch_size = parse_integer(o, v, 1); }},
      {"--optimizer",
       [&](auto &o, auto &v) {
         options.optimizer = parse_choice(o, v, {"sgd", "adam", "adamw"});
       }},
      {"--lr", [&](auto &o, auto &v) { options.lr = parse_positive(o, v); }},
      {"--scheduler",
       [&](auto &o, auto &v) {
         options.scheduler = parse_choice(o, v, {"none", "step", "cosine", "onecycle"});
       }},
      {"--threads", [&](auto &o, auto &v) { options.threads = parse_integer(o, v, 1); }},
      {"--workers", [&](auto &o, auto &v) { options.workers = parse_integer(o, v, 0); }},
      {"--seed", [&](auto &o, auto &v) { options.seed = parse_integer(o, v, 0); }},
      {"--data-dir", [&](auto &, auto &v) { options.data_dir = v; }},
      {"--output-dir", [&](auto &, auto &v) { options.output_dir = v; }},
      {"--limit-train", [&](auto &o, auto &v) { options.limit_train = parse_integer(o, v, 1); }},
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      print_usage(std::cout);
      std::exit(0);
    }
    if (arg == "--resume") {
      options.resume = true;
      continue;
    }
    std::string value;
    bool has_value = false;
    if (const size_t equals = arg.find('='); equals != std::string::npos) {
      value = arg.substr(equals + 1);
      arg = arg.substr(0, equals);
      has_value = true;
    }
    const auto setter = valued.find(arg);
    if (setter == valued.end())
      fail("unknown option '" + arg + "'");
    if (!has_value) {
      if (i + 1 >= argc)
        fail(arg + " needs a value");
      value = argv[++i];
    }
    setter->second(arg, value);
  }
  return options;
}

} // namespace ember_train
