#include "metrics.h"

#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ember/error.h"

extern char **environ;

namespace ember_train {
namespace {

constexpr const char *kHeader = "epoch,train_loss,train_accuracy,test_loss,test_accuracy,"
                                "learning_rate,samples_per_second,epoch_seconds,data_wait_seconds";

void write_atomically(const std::string &path, const std::string &contents) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << contents;
    out.flush();
    EMBER_CHECK(out.good(), "ember-train: could not write ", temporary);
  }
  std::filesystem::rename(temporary, path);
}

// Runs argv[0] (found on PATH) with argv and waits: its exit status, or -1 if it did not run.
int run(const std::vector<std::string> &argv) {
  std::vector<char *> args;
  for (const std::string &arg : argv)
    args.push_back(const_cast<char *>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  if (posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0)
    return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0)
    return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace

void write_metrics_csv(const std::string &path, const std::vector<EpochMetrics> &rows) {
  std::ostringstream out;
  out << kHeader << "\n";
  out.precision(6);
  for (const EpochMetrics &row : rows)
    out << row.epoch << "," << row.train_loss << "," << row.train_accuracy << "," << row.test_loss
        << "," << row.test_accuracy << "," << row.learning_rate << "," << row.samples_per_second
        << "," << row.epoch_seconds << "," << row.data_wait_seconds << "\n";
  write_atomically(path, out.str());
}

std::vector<EpochMetrics> read_metrics_csv(const std::string &path) {
  std::ifstream in(path);
  EMBER_CHECK(in.good(), "ember-train: cannot read ", path);
  std::string line;
  std::getline(in, line);
  EMBER_CHECK(line == kHeader, "ember-train: ", path, " is not a metrics file (header '", line,
              "')");
  std::vector<EpochMetrics> rows;
  for (int64_t number = 2; std::getline(in, line); ++number) {
    std::vector<double> values;
    std::istringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');) {
      char *end = nullptr;
      values.push_back(std::strtod(cell.c_str(), &end));
      EMBER_CHECK(!cell.empty() && *end == '\0', "ember-train: ", path, " line ", number, ": '",
                  cell, "' is not a number");
    }
    EMBER_CHECK(values.size() == 9, "ember-train: ", path, " line ", number, " has ", values.size(),
                " fields, expected 9");
    rows.push_back({static_cast<int64_t>(values[0]), values[1], values[2], values[3], values[4],
                    values[5], values[6], values[7], values[8]});
  }
  return rows;
}

bool plot_metrics(const std::string &csv_path, const std::string &png_path,
                  const std::string &title, std::string *error) {
  const std::string script_path = png_path + ".gp";
  std::ostringstream script;
  script << "set terminal pngcairo size 1100,440 font 'sans,10'\n"
         << "set output '" << png_path << "'\n"
         << "set datafile separator ','\n"
         << "set key bottom right\n"
         << "set grid\n"
         << "set xlabel 'epoch'\n"
         << "set xrange [0:*]\n"
         << "set multiplot layout 1,2 title '" << title << "'\n"
         << "set title 'loss'\n"
         << "set key top right\n"
         << "plot '" << csv_path << "' using 1:2 skip 1 with linespoints title 'train', \\\n"
         << "     '' using 1:4 skip 1 with linespoints title 'test'\n"
         << "set title 'accuracy (%)'\n"
         << "set key bottom right\n"
         << "plot '" << csv_path << "' using 1:($3*100) skip 1 with linespoints title 'train', \\\n"
         << "     '' using 1:($5*100) skip 1 with linespoints title 'test'\n"
         << "unset multiplot\n";
  write_atomically(script_path, script.str());
  const int status = run({"gnuplot", script_path});
  if (status == 0)
    return true;
  *error = status < 0 ? "gnuplot is not installed (apt-get install gnuplot-nox)"
                      : "gnuplot failed on " + script_path;
  return false;
}

} // namespace ember_train
