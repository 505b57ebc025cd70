#include "http/status_page.h"

#include <string>

#include <catch2/catch.hpp>

#include "http/report_fixture.h"

using lw::http::html_escape;
using lw::http::render_status_page;

TEST_CASE("status page: html_escape escapes markup and quotes and repairs UTF-8", "[http][html]") {
  CHECK(html_escape(lw::testing::kHostileComm) ==
        "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;&#39;");
  CHECK(html_escape("a\xFF"
                    "b") ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK(html_escape("x\ny") == "x?y");
  CHECK(html_escape("plain caf\xC3\xA9") == "plain caf\xC3\xA9");
}

TEST_CASE("status page: before the first scan it says it is waiting", "[http][html]") {
  const std::string page = render_status_page(lw::analysis::Report{}, {true, ""}, 0);
  CHECK(page.starts_with("<!DOCTYPE html>"));
  CHECK(page.find("Waiting for the first scan") != std::string::npos);
  CHECK(page.find("Leak suspects") == std::string::npos);
}

TEST_CASE("status page: shows suspects, top processes, cgroups, OOM kills and self",
          "[http][html]") {
  const lw::analysis::Report report = lw::testing::sample_report();
  const std::string page =
      render_status_page(report, {true, "last scan 3 s ago"}, lw::testing::kGeneratedAt + 5);
  // The hostile name appears only escaped; the page never contains a script element.
  CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;&#39;") != std::string::npos);
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("oom&lt;victim&gt;") != std::string::npos);
  CHECK(page.find("web&amp;co") != std::string::npos);
  // The sanitised invalid-UTF-8 name is shown with replacement characters.
  CHECK(page.find("bad\xEF\xBF\xBD\xEF\xBF\xBD name") != std::string::npos);
  // Suspect row: pid link, pattern, score, time to limit, rate per hour of the 1h window.
  CHECK(page.find("<a href=\"/process/4242\">4242</a>") != std::string::npos);
  CHECK(page.find("0.93") != std::string::npos);
  CHECK(page.find("1h 0m <span class=\"muted\">(cgroup)</span>") != std::string::npos);
  CHECK(page.find("+7.0 MiB/h") != std::string::npos);  // 2048.5 B/s * 3600
  CHECK(page.find("710.0 MiB") != std::string::npos);   // private = anon + swap
  CHECK(page.find("<svg class=\"spark\"") != std::string::npos);
  // Host memory and time to exhaustion.
  CHECK(page.find("16.0 GiB") != std::string::npos);
  CHECK(page.find("2h 0m") != std::string::npos);
  // Cgroup and OOM post-mortem.
  CHECK(page.find("/system.slice/leaky.service") != std::string::npos);
  CHECK(page.find("CONSTRAINT_MEMCG") != std::string::npos);
  CHECK(page.find("10m 0s before") != std::string::npos);
  CHECK(page.find("1h 30m") != std::string::npos);  // lifetime 5400 s
  // Self and links.
  CHECK(page.find("0.1.0-test") != std::string::npos);
  CHECK(page.find("last scan 3 s ago") != std::string::npos);
  for (const char* link :
       {"/metrics", "/api/v1/processes", "/api/v1/cgroups", "/api/v1/oom-kills", "/healthz"}) {
    CHECK(page.find(std::string("href=\"") + link + "\"") != std::string::npos);
  }
  // Self-contained: nothing is loaded from elsewhere.
  CHECK(page.find("src=") == std::string::npos);
  CHECK(page.find("http://") == std::string::npos);
  CHECK(page.find("https://") == std::string::npos);
  // The untracked process is not in the top table.
  CHECK(page.find(">sshd<") == std::string::npos);
}

TEST_CASE("status page: an unhealthy daemon shows the detail, escaped", "[http][html]") {
  const std::string page =
      render_status_page(lw::testing::sample_report(), {false, "scan stuck <5>"}, 0);
  CHECK(page.find("Unhealthy: scan stuck &lt;5&gt;") != std::string::npos);
}
