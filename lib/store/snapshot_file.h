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

#include "base/result.h"

namespace lw::store {

inline constexpr std::string_view kSnapshotMagic = "LWSNAP01";
inline constexpr std::size_t kSnapshotHeaderBytes = 24;

// CRC-32 (IEEE, reflected, init and final xor 0xFFFFFFFF): crc32("123456789") == 0xCBF43926.
// Pass a previous result as `crc` to continue over several pieces.
std::uint32_t crc32(std::string_view bytes, std::uint32_t crc = 0);

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

// Writes path + ".tmp.<pid>" (mode 0600), fsyncs it, renames it over path and fsyncs the
// directory. On failure the temp file is removed and the result is kIo with the step and errno
// text; the target is then either untouched or (only if the final directory fsync failed) fully
// replaced, never half-written.
Status write_file_atomically(const std::string& path, std::string_view bytes);

// Reads a whole file. A missing file is kGone (no snapshot yet: normal on first start); a file
// larger than about max_bytes is kIo (see lw::read_all).
Result<std::string> read_file(const std::string& path, std::size_t max_bytes);

}  // namespace lw::store
