#include "sites/hex.h"
#include "sites/unwinder.h"

namespace lw::sites {
std::string frame_key(const Frame& frame) {
  std::string key = frame.build_id.empty() ? frame.module : frame.build_id;
  key += '+';
  key += detail::hex(frame.offset);
  if (frame.inlined) {
    key += ' ';
    key += frame.function;
  }
  return key;
}

std::string frame_label(const Frame& frame) {
  if (frame.function.empty()) {
    std::string out = frame.module.empty() ? std::string("?") : frame.module;
    out += '+';
    out += detail::hex(frame.offset);
    if (!frame.build_id.empty()) {
      out += " [" + frame.build_id + "]";
    }
    return out;
  }
  std::string out = frame.function;
  if (frame.inlined) {
    out += " [inlined]";
  }
  if (!frame.file.empty()) {
    out += " (" + frame.file + ":" + std::to_string(frame.line) + ")";
  }
  return out;
}

}  // namespace lw::sites
