#include "progress.h"

#include <cstdio>
#include <string>

namespace ember_train {
namespace {

constexpr int kBarWidth = 24;
constexpr double kRedrawSeconds = 0.1;

std::string format_duration(double seconds) {
  const auto total = static_cast<int64_t>(seconds + 0.5);
  char text[32];
  if (total >= 3600)
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", static_cast<long long>(total / 3600),
                  static_cast<long long>(total / 60 % 60), static_cast<long long>(total % 60));
  else
    std::snprintf(text, sizeof text, "%lld:%02lld", static_cast<long long>(total / 60),
                  static_cast<long long>(total % 60));
  return text;
}

} // namespace

void Progress::start_epoch(int64_t epoch, int64_t epochs, int64_t batches) {
  epoch_ = epoch;
  epochs_ = epochs;
  batches_ = batches;
  next_logged_batch_ = std::max<int64_t>(1, batches / 10);
  start_ = last_draw_ = Clock::now();
}

void Progress::update(int64_t batch, int64_t samples, double mean_loss) {
  const auto now = Clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (interactive_) {
    if (batch != batches_ &&
        std::chrono::duration<double>(now - last_draw_).count() < kRedrawSeconds)
      return;
    last_draw_ = now;
  } else {
    if (batch < next_logged_batch_ && batch != batches_)
      return;
    next_logged_batch_ += std::max<int64_t>(1, batches_ / 10);
  }
  draw(batch, samples, mean_loss, elapsed);
}

void Progress::draw(int64_t batch, int64_t samples, double mean_loss, double elapsed) {
  const double rate = elapsed > 0 ? static_cast<double>(samples) / elapsed : 0.0;
  const double eta =
      batch > 0 ? elapsed / static_cast<double>(batch) * static_cast<double>(batches_ - batch)
                : 0.0;
  char stats[160];
  std::snprintf(stats, sizeof stats, "%5lld/%lld  %7.0f samples/s  loss %.4f  ETA %s",
                static_cast<long long>(batch), static_cast<long long>(batches_), rate, mean_loss,
                format_duration(eta).c_str());
  if (interactive_) {
    const int filled = batches_ > 0 ? static_cast<int>(kBarWidth * batch / batches_) : kBarWidth;
    out_ << "\r\x1b[Kepoch " << epoch_ << "/" << epochs_ << " [" << std::string(filled, '#')
         << std::string(kBarWidth - filled, '.') << "] " << stats << std::flush;
  } else {
    out_ << "epoch " << epoch_ << "/" << epochs_ << " batch " << stats << std::endl;
  }
}

void Progress::finish_epoch() {
  if (interactive_)
    out_ << "\n";
  out_.flush();
}

} // namespace ember_train
