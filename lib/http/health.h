#pragma once

// What /healthz answers. The daemon decides (ok while the last scan is younger than three scan
// intervals); the HTTP layer only reports it: 200 "ok" or 503 with the detail.

#include <string>

namespace lw::http {

struct Health {
  bool ok = false;
  std::string detail;  // shown on 503 and on the status page; must not contain secrets
};

}  // namespace lw::http
