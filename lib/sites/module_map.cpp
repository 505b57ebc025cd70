#include "sites/module_map.h"

#include <algorithm>
#include <charconv>

#include <fcntl.h>

#include "base/fd.h"
#include "base/text.h"
#include "sites/hex.h"

namespace lw::sites {
namespace {

constexpr std::string_view kDeletedSuffix = " (deleted)";
// A process with many libraries and thread stacks has maps files of a few hundred KiB; a hostile
// or runaway one is cut off here rather than read whole.
constexpr std::size_t kMaxMapsBytes = std::size_t{64} << 20;

std::optional<std::uint64_t> parse_hex(std::string_view s) {
  std::uint64_t value = 0;
  const char* const end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, value, 16);
  if (s.empty() || ec != std::errc{} || ptr != end) {
    return std::nullopt;
  }
  return value;
}

// "rwxp" or "r--s": four characters, each its letter or '-'.
bool parse_perms(std::string_view perms, Mapping& m) {
  if (perms.size() != 4) {
    return false;
  }
  const auto flag = [](char c, char on) -> std::optional<bool> {
    if (c == on) {
      return true;
    }
    if (c == '-') {
      return false;
    }
    return std::nullopt;
  };
  const auto r = flag(perms[0], 'r');
  const auto w = flag(perms[1], 'w');
  const auto x = flag(perms[2], 'x');
  if (!r || !w || !x || (perms[3] != 'p' && perms[3] != 's')) {
    return false;
  }
  m.readable = *r;
  m.writable = *w;
  m.executable = *x;
  return true;
}

// "fd:01": two hex numbers.
bool valid_device(std::string_view dev) {
  const auto parts = text::split_once(dev, ':');
  return parts && parse_hex(parts->first) && parse_hex(parts->second);
}

}  // namespace

std::optional<Mapping> parse_maps_line(std::string_view line) {
  std::string_view rest = line;
  Mapping m;
  const auto range = text::split_once(text::next_token(rest), '-');
  if (!range) {
    return std::nullopt;
  }
  const auto start = parse_hex(range->first);
  const auto end = parse_hex(range->second);
  if (!start || !end || *end < *start) {
    return std::nullopt;
  }
  m.start = *start;
  m.end = *end;
  if (!parse_perms(text::next_token(rest), m)) {
    return std::nullopt;
  }
  const auto offset = parse_hex(text::next_token(rest));
  if (!offset || !valid_device(text::next_token(rest))) {
    return std::nullopt;
  }
  m.offset = *offset;
  const auto inode = text::parse_u64(text::next_token(rest));
  if (!inode) {
    return std::nullopt;
  }
  m.inode = *inode;
  // The path is the rest of the line after the padding; it may itself contain spaces.
  const auto first = rest.find_first_not_of(" \t");
  std::string_view path = first == std::string_view::npos ? std::string_view{} : rest.substr(first);
  if (path.size() > kDeletedSuffix.size() && path.ends_with(kDeletedSuffix)) {
    m.deleted = true;
    path.remove_suffix(kDeletedSuffix.size());
  }
  m.path = std::string(path);
  return m;
}

ParsedMaps parse_maps(std::string_view text) {
  ParsedMaps out;
  text::for_each_line(text, [&](std::string_view line) {
    if (line.empty()) {
      return;
    }
    if (auto m = parse_maps_line(line)) {
      out.mappings.push_back(std::move(*m));
    } else {
      ++out.malformed_lines;
    }
  });
  return out;
}

std::vector<Module> group_modules(const std::vector<Mapping>& mappings) {
  std::vector<const Mapping*> files;
  for (const auto& m : mappings) {
    if (m.file_backed()) {
      files.push_back(&m);
    }
  }
  std::stable_sort(files.begin(), files.end(),
                   [](const Mapping* a, const Mapping* b) { return a->start < b->start; });
  std::vector<Module> modules;
  for (const Mapping* m : files) {
    // A new module unless this mapping continues the last one: same file, and nothing of
    // another file in between (anonymous gaps such as .bss are fine).
    Module* last = modules.empty() ? nullptr : &modules.back();
    const bool continues = last != nullptr && last->path == m->path && last->inode == m->inode &&
                           m->offset >= last->mappings.back().offset;
    if (!continues) {
      modules.push_back(Module{m->path, m->inode, m->deleted, m->start, m->end, {}, std::nullopt});
      last = &modules.back();
    }
    last->high = std::max(last->high, m->end);
    last->mappings.push_back(*m);
    if (m->offset == 0 && !last->first) {
      last->first = *m;
    }
  }
  return modules;
}

Result<ParsedMaps> read_maps(pid_t pid, const std::string& proc_root) {
  const std::string path = proc_root + "/" + std::to_string(pid) + "/maps";
  std::string buf;
  auto text = read_all_at(AT_FDCWD, path.c_str(), buf, kMaxMapsBytes);
  if (!text) {
    return text.error();
  }
  return parse_maps(*text);
}

std::vector<std::string> module_file_candidates(pid_t pid, const Module& module,
                                                const std::string& proc_root, bool use_map_files) {
  const std::string base = proc_root + "/" + std::to_string(pid);
  std::vector<std::string> out;
  // map_files names a mapping by its exact range; any of the module's mappings opens the file.
  const Mapping& m = module.first ? *module.first : module.mappings.front();
  if (use_map_files) {
    out.push_back(base + "/map_files/" + detail::hex(m.start, false) + "-" +
                  detail::hex(m.end, false));
  }
  out.push_back(base + "/root" + module.path);
  if (!module.deleted) {
    out.push_back(module.path);
  }
  return out;
}

}  // namespace lw::sites
