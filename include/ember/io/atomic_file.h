// AtomicFile: writes a file so that readers see either the old content or the complete new one,
// never a mix, whatever happens mid-write (a crash, a full disk, an exception).
//
// The bytes go to a temporary file in the same directory; commit() flushes and fsyncs it, renames
// it over the destination (atomic on POSIX file systems) and fsyncs the directory so the rename
// itself is durable. Destroying an uncommitted AtomicFile removes the temporary file.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace ember::io {

class AtomicFile {
public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile &) = delete;
  AtomicFile &operator=(const AtomicFile &) = delete;

  // Appends bytes; an Error naming the file when the write fails (e.g. the disk is full).
  void write(const void *data, size_t size);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  // Makes the new content the file's.
  void commit();

  const std::string &path() const { return path_; }

private:
  std::string path_;
  std::string temporary_;
  std::FILE *file_ = nullptr;
};

// Writes bytes to path atomically.
void write_file_atomically(const std::string &path, std::string_view bytes);

} // namespace ember::io
