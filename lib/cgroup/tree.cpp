#include "cgroup/tree.h"

#include <algorithm>
#include <cerrno>
#include <functional>
#include <system_error>
#include <utility>

#include <sys/stat.h>

#include "base/fd.h"
#include "base/text.h"
#include "cgroup/flat_keyed.h"

namespace lw::cgroup {

namespace {

bool is_vanished(int err) {
  return err == ENOENT || err == ENODEV;
}

std::string child_path(const std::string& parent, const std::string& name) {
  std::string out = parent == "/" ? std::string{} : parent;
  out += '/';
  out += name;
  return out;
}

// Names of the subdirectories of `dir`, sorted in reverse. Returns the errno that stopped the
// listing, 0 if none.
int list_subdirs(const std::filesystem::path& dir, std::vector<std::string>& names) {
  names.clear();
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  const std::filesystem::directory_iterator end;
  while (!ec && it != end) {
    // symlink_status: a symlink to a directory is not a child cgroup.
    const auto type = it->symlink_status(ec).type();
    if (!ec && type == std::filesystem::file_type::directory) {
      names.push_back(it->path().filename().string());
    }
    ec.clear();  // an entry that vanished before its type was read is simply not a child
    it.increment(ec);
  }
  std::sort(names.begin(), names.end(), std::greater<>());
  return ec ? ec.value() : 0;
}

}  // namespace

Result<CgroupTree> walk_cgroup_tree(const std::filesystem::path& root, std::uint32_t max_depth) {
  struct ::stat st {};
  if (::lstat(root.c_str(), &st) != 0) {
    return error_from_errno(errno, root.string());
  }
  if (!S_ISDIR(st.st_mode)) {
    return Error{ErrorKind::kIo, root.string() + ": not a directory"};
  }

  CgroupTree tree;
  struct Pending {
    std::string rel;
    std::uint32_t depth;
    std::uint64_t inode;
  };
  std::vector<Pending> stack{{"/", 0, st.st_ino}};
  std::vector<std::string> names;
  while (!stack.empty()) {
    Pending cur = std::move(stack.back());
    stack.pop_back();
    const std::filesystem::path full = cur.rel == "/" ? root : root / cur.rel.substr(1);
    int list_err = 0;
    if (cur.depth < max_depth) {
      list_err = list_subdirs(full, names);
      if (list_err != 0 && is_vanished(list_err)) {
        if (cur.depth == 0) {
          return error_from_errno(ENOENT, root.string());
        }
        ++tree.vanished;
        continue;
      }
      if (list_err != 0) {
        ++tree.errors;
        names.clear();
      }
    } else {
      names.clear();
    }
    // names is sorted in reverse, so the children pop off the stack in name order.
    for (const std::string& name : names) {
      const std::filesystem::path child = full / name;
      struct ::stat cst {};
      if (::lstat(child.c_str(), &cst) != 0) {
        if (is_vanished(errno)) {
          ++tree.vanished;
        } else {
          ++tree.errors;
        }
        continue;
      }
      if (!S_ISDIR(cst.st_mode)) {
        continue;
      }
      stack.push_back({child_path(cur.rel, name), cur.depth + 1, cst.st_ino});
    }
    tree.dirs.push_back({std::move(cur.rel), cur.depth, cur.inode});
  }
  return tree;
}

}  // namespace lw::cgroup
