#include "procfs/pid_status.h"

#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

#include "base/keyed.h"
#include "base/text.h"

namespace lw::procfs {

namespace {

// The keys this parser keeps, as bits of a "seen" mask.
enum class Key : unsigned {
  kName,
  kUid,
  kVmSize,
  kVmRss,
  kRssAnon,
  kRssFile,
  kRssShmem,
  kVmSwap,
  kCount,  // any other key
};

constexpr unsigned bit(Key key) {
  return 1U << static_cast<unsigned>(key);
}
constexpr unsigned kAllKeys = bit(Key::kCount) - 1;

constexpr std::array<std::string_view, static_cast<std::size_t>(Key::kCount)> kKeyNames{
    "Name", "Uid", "VmSize", "VmRSS", "RssAnon", "RssFile", "RssShmem", "VmSwap"};

std::string_view name_of(Key key) {
  return kKeyNames.at(static_cast<std::size_t>(key));
}

// Whether `line` is "<key>:...". The key is everything before the first ':', and no kept key
// contains one, so this is the same test as splitting at ':' and comparing the key.
bool has_key(std::string_view line, Key key) {
  const std::string_view name = name_of(key);
  return line.size() > name.size() && line[name.size()] == ':' && line.starts_with(name);
}

// Which kept key `line` has. A status file has ~55 lines and we keep 8: switching on the first
// byte rejects most lines after one comparison, without looking for their ':' or their value.
Key which_key(std::string_view line) {
  if (line.empty()) {
    return Key::kCount;
  }
  const auto first_of = [&](std::initializer_list<Key> candidates) {
    for (const Key key : candidates) {
      if (has_key(line, key)) {
        return key;
      }
    }
    return Key::kCount;
  };
  switch (line.front()) {
    case 'N':
      return first_of({Key::kName});
    case 'U':
      return first_of({Key::kUid});
    case 'V':
      return first_of({Key::kVmSize, Key::kVmRss, Key::kVmSwap});
    case 'R':
      return first_of({Key::kRssAnon, Key::kRssFile, Key::kRssShmem});
    default:
      return Key::kCount;
  }
}

// "VmRSS:\t  524288 kB" -> bytes, read as keyed::kProcKib reads it; false when it is not a size.
bool store_kib(std::string_view value, std::optional<std::uint64_t>& field) {
  field = keyed::parse_number(text::trim(value), keyed::Unit::kKib);
  return field.has_value();
}

// "Uid:\t1000\t1000\t1000\t1000": real, effective, saved, filesystem. All four must be ids.
std::optional<std::uint32_t> parse_real_uid(std::string_view value) {
  std::optional<std::uint32_t> real;
  for (int i = 0; i < 4; ++i) {
    const auto id = text::parse_int<std::uint32_t>(text::next_token(value));
    if (!id) {
      return std::nullopt;
    }
    if (i == 0) {
      real = id;
    }
  }
  if (!text::trim(value).empty()) {
    return std::nullopt;
  }
  return real;
}

// The kernel prints "Name:\t<name>"; the name itself may start or end with a space.
std::string_view name_value(std::string_view value) {
  if (!value.empty() && value.front() == '\t') {
    value.remove_prefix(1);
    return value;
  }
  return text::trim(value);
}

// Stores one kept line's value; false when it is bad.
bool store(Key key, std::string_view value, PidStatus& out) {
  switch (key) {
    case Key::kName:
      out.name = std::string(name_value(value));
      return true;
    case Key::kUid:
      out.real_uid = parse_real_uid(value);
      return out.real_uid.has_value();
    case Key::kVmSize:
      return store_kib(value, out.vm_size_bytes);
    case Key::kVmRss:
      return store_kib(value, out.vm_rss_bytes);
    case Key::kRssAnon:
      return store_kib(value, out.rss_anon_bytes);
    case Key::kRssFile:
      return store_kib(value, out.rss_file_bytes);
    case Key::kRssShmem:
      return store_kib(value, out.rss_shmem_bytes);
    case Key::kVmSwap:
      return store_kib(value, out.vm_swap_bytes);
    case Key::kCount:
      break;
  }
  return true;
}

}  // namespace

// The same lines as keyed::parse_into with kProcKib would read ("Key:value", other shapes and
// keys ignored), but the scan stops once all eight kept keys were seen, in whatever order the
// kernel printed them: VmSwap is about halfway through the file. Kernels without a key (RssAnon
// before 4.5, Vm* of a kernel thread) read to the end, as before.
Result<PidStatus> parse_pid_status(std::string_view text) {
  PidStatus out;
  unsigned seen = 0;
  while (!text.empty() && seen != kAllKeys) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    const Key key = which_key(line);
    if (key == Key::kCount) {
      continue;
    }
    if (!store(key, line.substr(name_of(key).size() + 1), out)) {
      return keyed::problem_error("status", keyed::kProcKib, keyed::Problem{line, name_of(key)});
    }
    seen |= bit(key);
  }
  if ((seen & bit(Key::kName)) == 0) {
    return malformed("status: no Name line");
  }
  return out;
}

}  // namespace lw::procfs
