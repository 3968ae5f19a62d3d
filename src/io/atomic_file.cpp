// AtomicFile: temporary file, fsync, rename, fsync of the directory.
#include "ember/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>
#include <sstream>

#include "ember/error.h"

namespace ember::io {

namespace {
std::string error_text() { return std::strerror(errno); }
} // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  const std::filesystem::path target(path_);
  std::random_device entropy;
  // Same directory as the target, so that the rename never crosses file systems.
  std::ostringstream name;
  name << '.' << target.filename().string() << ".tmp." << getpid() << '.' << entropy();
  temporary_ = (target.parent_path() / name.str()).string();
  file_ = std::fopen(temporary_.c_str(), "wbx");
  EMBER_CHECK(file_ != nullptr, "save: cannot create ", temporary_, " to write ", path_, " (",
              error_text(), ")");
}

AtomicFile::~AtomicFile() {
  if (file_ != nullptr) {
    std::fclose(file_);
    std::remove(temporary_.c_str());
  }
}

void AtomicFile::write(const void *data, size_t size) {
  EMBER_CHECK(file_ != nullptr, "save: ", path_, " was already committed");
  EMBER_CHECK(size == 0 || std::fwrite(data, 1, size, file_) == size, "save: writing ", path_,
              " failed (", error_text(), "); the previous file is unchanged");
}

void AtomicFile::commit() {
  EMBER_CHECK(file_ != nullptr, "save: ", path_, " was already committed");
  const bool flushed = std::fflush(file_) == 0 && fsync(fileno(file_)) == 0;
  const std::string flush_error = flushed ? "" : error_text();
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!flushed || !closed) {
    std::remove(temporary_.c_str());
    EMBER_CHECK(false, "save: writing ", path_, " failed (", flushed ? error_text() : flush_error,
                "); the previous file is unchanged");
  }
  if (std::rename(temporary_.c_str(), path_.c_str()) != 0) {
    const std::string reason = error_text();
    std::remove(temporary_.c_str());
    EMBER_CHECK(false, "save: cannot rename ", temporary_, " to ", path_, " (", reason, ")");
  }
  std::filesystem::path directory = std::filesystem::path(path_).parent_path();
  if (directory.empty())
    directory = std::filesystem::current_path();
  const int fd = open(directory.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

void write_file_atomically(const std::string &path, std::string_view bytes) {
  AtomicFile file(path);
  file.write(bytes);
  file.commit();
}

} // namespace ember::io
