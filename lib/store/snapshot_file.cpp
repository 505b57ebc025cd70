#include "store/snapshot_file.h"

#include <algorithm>
#include <string>
#include <utility>

#include <fcntl.h>
#include <zlib.h>

#include "base/fd.h"

namespace lw::store {

namespace {

void put_le(std::string& out, std::uint64_t v, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
}

std::uint64_t get_le(std::string_view in, std::size_t offset, std::size_t bytes) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < bytes; ++i) {
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[offset + i])) << (8 * i);
  }
  return v;
}

std::string hex32(std::uint32_t v) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::string s = "0x00000000";
  for (std::size_t i = 0; i < 8; ++i) {
    s[9 - i] = kDigits[(v >> (4 * i)) & 0xF];
  }
  return s;
}

// The container header of a payload of `length` bytes with CRC `crc`.
std::string header_of(std::uint32_t format_version, std::uint64_t length, std::uint32_t crc) {
  std::string header;
  header.append(kSnapshotMagic);
  put_le(header, format_version, 4);
  put_le(header, length, 8);
  put_le(header, crc, 4);
  return header;
}

}  // namespace

std::uint32_t crc32(std::string_view bytes, std::uint32_t crc) {
  // zlib's crc32_z takes a size_t length, so payloads above 4 GiB need no chunking.
  return static_cast<std::uint32_t>(
      ::crc32_z(crc, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

std::string seal_snapshot(std::uint32_t format_version, std::string_view payload) {
  std::string out;
  out.reserve(kSnapshotHeaderBytes + payload.size());
  out.append(kSnapshotHeaderBytes, '\0');
  out.append(payload);
  seal_snapshot_in_place(format_version, out);
  return out;
}

void seal_snapshot_in_place(std::uint32_t format_version, std::string& buffer) {
  const std::string_view payload = std::string_view(buffer).substr(kSnapshotHeaderBytes);
  buffer.replace(0, kSnapshotHeaderBytes,
                 header_of(format_version, payload.size(), crc32(payload)));
}

Result<SnapshotFileWriter> SnapshotFileWriter::create(const std::string& path) {
  auto file = AtomicFile::create(path);
  if (!file) {
    return file.error();
  }
  SnapshotFileWriter writer(std::move(*file));
  writer.status_ = writer.file_.write(std::string(kSnapshotHeaderBytes, '\0'));
  return writer;
}

void SnapshotFileWriter::append(std::string_view payload) {
  if (!status_) {
    return;
  }
  crc_ = crc32(payload, crc_);
  length_ += payload.size();
  status_ = file_.write(payload);
}

Result<std::uint64_t> SnapshotFileWriter::commit(std::uint32_t format_version) {
  if (status_) {
    status_ = file_.write_at(0, header_of(format_version, length_, crc_));
  }
  if (status_) {
    status_ = file_.commit();
  }
  if (!status_) {
    return status_.error();
  }
  return kSnapshotHeaderBytes + length_;
}

Result<std::string_view> open_snapshot(std::string_view file_bytes,
                                       std::uint32_t expected_version) {
  const std::size_t magic_len = std::min(file_bytes.size(), kSnapshotMagic.size());
  if (file_bytes.empty() ||
      file_bytes.substr(0, magic_len) != kSnapshotMagic.substr(0, magic_len)) {
    return malformed("snapshot: bad magic (not a leakwatch snapshot)");
  }
  if (file_bytes.size() < kSnapshotHeaderBytes) {
    return malformed("snapshot: truncated header (" + std::to_string(file_bytes.size()) +
                     " bytes)");
  }
  const auto version = static_cast<std::uint32_t>(get_le(file_bytes, 8, 4));
  if (version != expected_version) {
    return malformed("snapshot: foreign version " + std::to_string(version) + " (expected " +
                     std::to_string(expected_version) + ")");
  }
  const std::uint64_t length = get_le(file_bytes, 12, 8);
  const std::size_t have = file_bytes.size() - kSnapshotHeaderBytes;
  if (length > have) {
    return malformed("snapshot: truncated payload (header says " + std::to_string(length) +
                     " bytes, file has " + std::to_string(have) + ")");
  }
  if (length < have) {
    return malformed("snapshot: " + std::to_string(have - length) +
                     " trailing bytes after the payload");
  }
  const std::string_view payload = file_bytes.substr(kSnapshotHeaderBytes);
  const auto stored = static_cast<std::uint32_t>(get_le(file_bytes, 20, 4));
  const std::uint32_t computed = crc32(payload);
  if (stored != computed) {
    return malformed("snapshot: CRC mismatch (stored " + hex32(stored) + ", computed " +
                     hex32(computed) + ")");
  }
  return payload;
}

Result<std::string> read_file(const std::string& path, std::size_t max_bytes) {
  std::string buf;
  if (auto text = read_all_at(AT_FDCWD, path.c_str(), buf, max_bytes); !text) {
    return text.error();
  }
  return buf;
}

}  // namespace lw::store
