#pragma once

// The store's snapshot on disk (paths.state_dir): a sealed container around an opaque payload,
// written atomically, so a crash mid-write leaves either the old snapshot or the new one, and a
// corrupt or foreign file is recognised and discarded (the daemon logs one warning).
//
// Container layout (little-endian):
//   offset  0  "LWSNAP01"              8-byte magic
//   offset  8  u32 format version      the payload's format, chosen by the caller
//   offset 12  u64 payload length
//   offset 20  u32 CRC-32 of payload   IEEE 802.3 polynomial (as zlib's crc32)
//   offset 24  payload

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"
#include "store/atomic_file.h"

namespace lw::store {

inline constexpr std::string_view kSnapshotMagic = "LWSNAP01";
inline constexpr std::size_t kSnapshotHeaderBytes = 24;

// CRC-32 (IEEE, reflected, init and final xor 0xFFFFFFFF): crc32("123456789") == 0xCBF43926.
// Pass a previous result as `crc` to continue over several pieces.
std::uint32_t crc32(std::string_view bytes, std::uint32_t crc = 0);

// A sealed snapshot written to `path` in pieces, never whole in memory: room for the header, then
// the payload as it comes, then the header from the payload's length and CRC, then
// AtomicFile::commit(). Errors are AtomicFile's.
class SnapshotFileWriter {
 public:
  static Result<SnapshotFileWriter> create(const std::string& path);

  // Appends payload bytes. After a failure every append does nothing and commit() returns it.
  void append(std::string_view payload);
  // Seals and renames the file into place: its size in bytes.
  Result<std::uint64_t> commit(std::uint32_t format_version);

 private:
  explicit SnapshotFileWriter(AtomicFile file) : file_(std::move(file)) {}

  AtomicFile file_;
  std::uint64_t length_ = 0;
  std::uint32_t crc_ = 0;
  Status status_ = Ok{};
};

// Header + payload, ready for write_file_atomically().
std::string seal_snapshot(std::uint32_t format_version, std::string_view payload);

// The same without a copy: `buffer` holds kSnapshotHeaderBytes of room followed by the payload,
// and the header is written into that room. (A history snapshot is as large as the store: a copy
// would double the daemon's peak memory while it saves.)
void seal_snapshot_in_place(std::uint32_t format_version, std::string& buffer);

// Validates the container and returns a view of the payload inside file_bytes. Each failure is
// kMalformed with its own detail: "bad magic", "truncated header", "foreign version",
// "truncated payload", "trailing bytes", "CRC mismatch".
Result<std::string_view> open_snapshot(std::string_view file_bytes, std::uint32_t expected_version);

// Reads a whole file. A missing file is kGone (no snapshot yet: normal on first start); a file
// larger than about max_bytes is kIo (see lw::read_all).
Result<std::string> read_file(const std::string& path, std::size_t max_bytes);

}  // namespace lw::store
