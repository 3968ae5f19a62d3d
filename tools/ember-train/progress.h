// Live training progress: on a terminal, one bar redrawn in place (epoch, batch, samples/s, loss,
// ETA); otherwise plain log lines every tenth of an epoch, which read well in files and CI logs.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>

namespace ember_train {

class Progress {
public:
  Progress(std::ostream &out, bool interactive) : out_(out), interactive_(interactive) {}

  void start_epoch(int64_t epoch, int64_t epochs, int64_t batches);
  // After batch number `batch` (1-based) of the epoch; samples and mean_loss cover the epoch so
  // far.
  void update(int64_t batch, int64_t samples, double mean_loss);
  // Ends the bar's line on a terminal.
  void finish_epoch();

private:
  using Clock = std::chrono::steady_clock;
  void draw(int64_t batch, int64_t samples, double mean_loss, double elapsed);

  std::ostream &out_;
  bool interactive_;
  int64_t epoch_ = 0, epochs_ = 0, batches_ = 0;
  int64_t next_logged_batch_ = 0;
  Clock::time_point start_, last_draw_;
};

} // namespace ember_train
