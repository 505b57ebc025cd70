#include "support/metrics_text.h"

#include <cstdlib>
#include <set>

namespace lw::testing {

std::vector<MetricSample> parse_exposition(const std::string& text) {
  std::vector<MetricSample> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string::npos) {
      nl = text.size();
    }
    const std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty() || line[0] == '#') {
      continue;
    }
    MetricSample s;
    s.raw_line = line;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') {
      ++i;
    }
    s.name = line.substr(0, i);
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const auto eq = line.find('=', i);
        if (eq == std::string::npos) {
          break;
        }
        const std::string key = line.substr(i, eq - i);
        i = eq + 2;  // skip ="
        std::string value;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\' && i + 1 < line.size()) {
            const char c = line[i + 1];
            value.push_back(c == 'n' ? '\n' : c);
            i += 2;
          } else {
            value.push_back(line[i++]);
          }
        }
        ++i;  // closing quote
        if (i < line.size() && line[i] == ',') {
          ++i;
        }
        s.labels[key] = value;
      }
      ++i;  // '}'
    }
    while (i < line.size() && line[i] == ' ') {
      ++i;
    }
    s.value = std::strtod(line.c_str() + i, nullptr);
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<double> find_sample(const std::vector<MetricSample>& samples, const std::string& name,
                                  const std::map<std::string, std::string>& labels) {
  for (const auto& s : samples) {
    if (s.name != name) {
      continue;
    }
    bool ok = true;
    for (const auto& [k, v] : labels) {
      const auto it = s.labels.find(k);
      ok = ok && it != s.labels.end() && it->second == v;
    }
    if (ok) {
      return s.value;
    }
  }
  return std::nullopt;
}

std::vector<std::string> duplicate_series(const std::vector<MetricSample>& samples) {
  std::set<std::string> seen;
  std::vector<std::string> dups;
  for (const auto& s : samples) {
    std::string key = s.name;
    for (const auto& [k, v] : s.labels) {
      key += "|" + k + "=" + v;
    }
    if (!seen.insert(key).second) {
      dups.push_back(key);
    }
  }
  return dups;
}

}  // namespace lw::testing
