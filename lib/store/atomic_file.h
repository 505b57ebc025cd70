#pragma once

// A file replaced atomically, written in pieces: the bytes go to path + ".tmp.<pid>" (mode 0600),
// which commit() fsyncs and renames over path before it fsyncs the directory. A crash or an error
// before the rename leaves the target untouched; the temp file is removed unless the rename
// happened (a crash leaves it behind: the daemon removes such leftovers at start).
//
// Written in pieces so that a large file (the history snapshot is as large as the store) never has
// to be whole in memory. write_at() fills a range written earlier, such as a header whose length
// and checksum are known only at the end.
//
// Every failure is kIo with the step and the errno text ("create PATH: ...", "write PATH: ...",
// "fsync PATH: ...", "close PATH: ...", "rename to PATH: ...", "fsync directory DIR: ..."),
// including ENOENT for a missing directory: unlike a /proc file vanishing, that is a configuration
// or disk problem, not a normal race.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/fd.h"
#include "base/result.h"

namespace lw::store {

class AtomicFile {
 public:
  // Creates the temp file beside `path`.
  static Result<AtomicFile> create(const std::string& path);

  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();  // removes the temp file unless commit() renamed it

  // Appends `bytes` at the end.
  Status write(std::string_view bytes);
  // Writes at `offset`: over bytes already written (a header), or (from write()) at the end.
  Status write_at(std::uint64_t offset, std::string_view bytes);
  // fsync, close, rename over the target, fsync its directory. Call at most once.
  Status commit();

 private:
  AtomicFile(std::string path, std::string temp, UniqueFd fd);

  std::string path_;
  std::string temp_;
  UniqueFd fd_;
  std::uint64_t end_ = 0;  // where write() appends
  bool renamed_ = false;
};

// The whole of `bytes` as the new contents of `path`, through AtomicFile.
Status write_file_atomically(const std::string& path, std::string_view bytes);

}  // namespace lw::store
