#include "cgroup/mountinfo.h"

#include <array>
#include <cstddef>
#include <optional>

#include "base/text.h"
#include "cgroup/flat_keyed.h"

namespace lw::cgroup {

namespace {

constexpr bool is_octal(char c) {
  return c >= '0' && c <= '7';
}

// Splits at the first single space; the kernel separates fields by exactly one.
std::optional<std::string_view> pop_field(std::string_view& rest) {
  if (rest.empty()) {
    return std::nullopt;
  }
  const auto pos = rest.find(' ');
  const std::string_view field = rest.substr(0, pos);
  rest = pos == std::string_view::npos ? std::string_view{} : rest.substr(pos + 1);
  return field;
}

bool parse_dev(std::string_view field, MountEntry& out) {
  const auto parts = text::split_once(field, ':');
  if (!parts) {
    return false;
  }
  const auto major = text::parse_int<std::uint32_t>(parts->first);
  const auto minor = text::parse_int<std::uint32_t>(parts->second);
  if (!major || !minor) {
    return false;
  }
  out.major = *major;
  out.minor = *minor;
  return true;
}

}  // namespace

std::string unescape_mount_field(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && is_octal(field[i + 1]) &&
        is_octal(field[i + 2]) && is_octal(field[i + 3])) {
      const int value = (field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0');
      if (value <= 0xFF) {
        out.push_back(static_cast<char>(value));
        i += 3;
        continue;
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

bool has_option(std::string_view options, std::string_view option) {
  while (!options.empty()) {
    const auto comma = options.find(',');
    const std::string_view item = options.substr(0, comma);
    if (item == option) {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    options.remove_prefix(comma + 1);
  }
  return false;
}

Result<MountEntry> parse_mountinfo_line(std::string_view line) {
  const auto bad = [&] { return bad_line("mountinfo", line); };
  // The separator is the first lone "-" field: no field before it can contain a raw space.
  const auto sep = line.find(" - ");
  if (sep == std::string_view::npos) {
    return bad();
  }
  std::string_view left = line.substr(0, sep);
  std::string_view right = line.substr(sep + 3);

  MountEntry out;
  std::array<std::string_view, 6> fixed{};
  for (auto& field : fixed) {
    const auto f = pop_field(left);
    if (!f || f->empty()) {
      return bad();
    }
    field = *f;
  }
  const auto mount_id = text::parse_int<std::uint32_t>(fixed[0]);
  const auto parent_id = text::parse_int<std::uint32_t>(fixed[1]);
  if (!mount_id || !parent_id || !parse_dev(fixed[2], out)) {
    return bad();
  }
  out.mount_id = *mount_id;
  out.parent_id = *parent_id;
  out.root = unescape_mount_field(fixed[3]);
  out.mount_point = unescape_mount_field(fixed[4]);
  out.mount_options = std::string(fixed[5]);
  while (const auto f = pop_field(left)) {
    if (f->empty()) {
      return bad();
    }
    out.optional_fields.emplace_back(*f);
  }

  // (9) fs type and (11) super options are never empty; (10) the source may be ("" is printed
  // as nothing, leaving two spaces).
  const auto fs_type = pop_field(right);
  const auto source = pop_field(right);
  if (!fs_type || fs_type->empty() || !source || right.empty() ||
      right.find(' ') != std::string_view::npos) {
    return bad();
  }
  out.fs_type = unescape_mount_field(*fs_type);
  out.source = unescape_mount_field(*source);
  out.super_options = std::string(right);
  return out;
}

MountTable parse_mountinfo(std::string_view text) {
  MountTable out;
  text::for_each_line(text, [&](std::string_view line) {
    auto entry = parse_mountinfo_line(line);
    if (!entry) {
      if (out.malformed_lines++ == 0) {
        out.first_malformed = std::string(line);
      }
      return;
    }
    out.mounts.push_back(std::move(*entry));
  });
  return out;
}

}  // namespace lw::cgroup
