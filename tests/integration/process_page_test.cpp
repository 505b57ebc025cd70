// The per-process page (/process/{pid}) of the real leakwatchd over a real leaking process, at
// 1/60 time: its charts have their series, its evidence section explains the verdict, names are
// escaped, and it renders in a headless browser (Debian's chromium) without external assets.

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <zlib.h>

#include <catch2/catch.hpp>

#include "support/daemon.h"
#include "support/skip.h"

using namespace lw::testing;
using namespace std::chrono_literals;

namespace {

// 11 bytes, within comm's 15: markup, a quote, an ampersand and an apostrophe.
constexpr const char* kHostileName = "lw-pp<i>\"&'";
constexpr const char* kEscapedName = "lw-pp&lt;i&gt;&quot;&amp;&#39;";

Child start_leaker() {
  Child c = Child::spawn({workload_path(), "--mode", "leak", "--name", kHostileName, "--base", "20",
                          "--rate", std::to_string(1 << 20), "--fds", "5"});
  REQUIRE(c.wait_for_line("ready", 30s));
  return c;
}

std::string page_config() {
  return fast_config_yaml("export:\n  include:\n    - comm: \"lw-pp.*\"\n");
}

// How many "x,y" points the polyline of `series` has; 0 when there is none.
std::size_t polyline_points(const std::string& page, const std::string& series) {
  const auto at = page.find("<polyline data-series=\"" + series + "\"");
  if (at == std::string::npos) {
    return 0;
  }
  const auto begin = page.find("points=\"", at) + 8;
  const auto end = page.find('"', begin);
  const std::string points = page.substr(begin, end - begin);
  return points.empty()
             ? 0
             : 1 + static_cast<std::size_t>(std::count(points.begin(), points.end(), ' '));
}

std::string fetch(Daemon& d, const std::string& path, int* status) {
  *status = 0;
  return d.get(path, status).value_or("");
}

// A decoded 8-bit RGB or RGBA PNG (what Chromium writes): width, height and RGB per pixel.
struct Image {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::vector<std::array<std::uint8_t, 3>> pixels;
};

std::uint32_t be32(const std::string& s, std::size_t at) {
  return (std::uint32_t{static_cast<unsigned char>(s[at])} << 24) |
         (std::uint32_t{static_cast<unsigned char>(s[at + 1])} << 16) |
         (std::uint32_t{static_cast<unsigned char>(s[at + 2])} << 8) |
         std::uint32_t{static_cast<unsigned char>(s[at + 3])};
}

int paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = std::abs(p - a);
  const int pb = std::abs(p - b);
  const int pc = std::abs(p - c);
  return pa <= pb && pa <= pc ? a : (pb <= pc ? b : c);
}

// PNG (RFC 2083): IHDR, the IDAT chunks inflated together, each row unfiltered.
std::optional<Image> decode_png(const std::string& file) {
  if (file.size() < 33 || file.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) {
    return std::nullopt;
  }
  Image img;
  int channels = 0;
  std::string idat;
  for (std::size_t at = 8; at + 12 <= file.size();) {
    const std::uint32_t len = be32(file, at);
    const std::string type = file.substr(at + 4, 4);
    if (at + 12 + len > file.size()) {
      return std::nullopt;
    }
    if (type == "IHDR") {
      img.width = be32(file, at + 8);
      img.height = be32(file, at + 12);
      const int depth = file[at + 16];
      const int color = file[at + 17];
      channels = color == 2 ? 3 : color == 6 ? 4 : 0;
      if (depth != 8 || channels == 0 || file[at + 20] != 0) {
        return std::nullopt;  // palette, 16-bit or interlaced: not what Chromium writes
      }
    } else if (type == "IDAT") {
      idat.append(file, at + 8, len);
    }
    at += 12 + len;
  }
  const std::size_t stride = std::size_t{img.width} * static_cast<std::size_t>(channels);
  std::vector<std::uint8_t> raw((stride + 1) * img.height);
  uLongf raw_len = raw.size();
  if (channels == 0 ||
      uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) !=
          Z_OK ||
      raw_len != raw.size()) {
    return std::nullopt;
  }
  std::vector<std::uint8_t> prev(stride, 0);
  std::vector<std::uint8_t> row(stride);
  img.pixels.reserve(std::size_t{img.width} * img.height);
  for (std::uint32_t y = 0; y < img.height; ++y) {
    const std::uint8_t filter = raw[y * (stride + 1)];
    const std::uint8_t* in = &raw[y * (stride + 1) + 1];
    for (std::size_t x = 0; x < stride; ++x) {
      const int a = x >= static_cast<std::size_t>(channels) ? row[x - channels] : 0;
      const int b = prev[x];
      const int c = x >= static_cast<std::size_t>(channels) ? prev[x - channels] : 0;
      const int pred = filter == 1   ? a
                       : filter == 2 ? b
                       : filter == 3 ? (a + b) / 2
                       : filter == 4 ? paeth(a, b, c)
                                     : 0;
      row[x] = static_cast<std::uint8_t>(in[x] + pred);
    }
    for (std::size_t x = 0; x < stride; x += static_cast<std::size_t>(channels)) {
      img.pixels.push_back({row[x], row[x + 1], row[x + 2]});
    }
    prev = row;
  }
  return img;
}

// How many pixel columns hold a pixel for which `is_colour(r, g, b)` holds: a chart line spans
// hundreds of columns, whatever its shape; a badge a few dozen. Hue tests rather than exact
// colours, because antialiasing blends a thin line with the background.
template <class Pred>
std::size_t columns_with(const Image& img, Pred is_colour) {
  std::vector<bool> hit(img.width, false);
  for (std::size_t i = 0; i < img.pixels.size(); ++i) {
    const auto& p = img.pixels[i];
    if (is_colour(int{p[0]}, int{p[1]}, int{p[2]})) {
      hit[i % img.width] = true;
    }
  }
  return static_cast<std::size_t>(std::count(hit.begin(), hit.end(), true));
}

}  // namespace

TEST_CASE("process page: a real leaker's page has its charts, its evidence and escaped names",
          "[integration][process_page]") {
  Child leaker = start_leaker();
  Daemon d(page_config());
  const std::string path = "/process/" + std::to_string(leaker.pid());
  std::string page;
  int status = 0;
  // A leak of 1 MiB/s is flagged about min_observed (15 s) after the daemon first sees it.
  const bool flagged = wait_until(
      [&] {
        page = fetch(d, path, &status);
        return status == 200 && page.find("<b>a leak suspect</b>") != std::string::npos &&
               polyline_points(page, "private") >= 40;
      },
      90s, 500ms);
  INFO(page.substr(0, 4000));
  REQUIRE(flagged);
  CHECK(polyline_points(page, "RSS") >= 40);
  CHECK(polyline_points(page, "open FDs") >= 40);
  CHECK(polyline_points(page, "floor of private") >= 2);
  CHECK(polyline_points(page, "private") <= 400);
  // The evidence: trends, the score's terms and every condition of "suspect" holding.
  CHECK(page.find("Trend of the floor") != std::string::npos);
  CHECK(page.find("m, margin") != std::string::npos);
  // Every condition of "suspect" holds for memory (the FD verdict, flat, fails some).
  const auto memory_from = page.find("<h3>Memory (private");
  const auto memory_to = page.find("<h3>Open file descriptors</h3>", memory_from);
  REQUIRE(memory_to != std::string::npos);
  CHECK(page.substr(memory_from, memory_to - memory_from).find("<td class=\"no\">") ==
        std::string::npos);
  CHECK(page.find("<td class=\"yes\">✓</td><td>the pattern is leak</td>") != std::string::npos);
  CHECK(page.find("limit, at the current growth rate") != std::string::npos);
  // Names escaped; nothing executable or external.
  CHECK(page.find(kEscapedName) != std::string::npos);
  CHECK(page.find(kHostileName) == std::string::npos);
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("src=") == std::string::npos);

  // The status page links the row to the page and shows the daemon's version.
  const std::string status_page = fetch(d, "/", &status);
  CHECK(status_page.find("<a href=\"" + path + "\">") != std::string::npos);
  CHECK(status_page.find("<dt>Version</dt><dd></dd>") == std::string::npos);
  CHECK(status_page.find("<dt>Version</dt><dd>0.") != std::string::npos);

  fetch(d, "/process/abc", &status);
  CHECK(status == 400);
  // Once the process has exited, its page is a 404.
  REQUIRE(leaker.stop(SIGTERM, 10s).has_value());
  CHECK(wait_until(
      [&] {
        fetch(d, path, &status);
        return status == 404;
      },
      20s));
}

TEST_CASE("process page: renders in headless Chromium with its chart series drawn",
          "[integration][process_page]") {
  const auto [which_rc, which_out] = run_command("command -v chromium");
  if (which_rc != 0) {
    LW_SKIP("chromium is not installed (packaging/install-deps.sh --test installs it)");
  }
  Child leaker = start_leaker();
  Daemon d(page_config());
  const std::string url =
      "http://127.0.0.1:" + std::to_string(d.port()) + "/process/" + std::to_string(leaker.pid());
  int status = 0;
  REQUIRE(wait_until(
      [&] {
        const std::string page = fetch(d, "/process/" + std::to_string(leaker.pid()), &status);
        return status == 200 && polyline_points(page, "private") >= 20 &&
               page.find("Trend of the floor") != std::string::npos;
      },
      60s, 250ms));
  const std::string png = (d.dir() / "page.png").string();
  const std::string profile = (d.dir() / "chromium").string();
  const auto [rc, out] = run_command(
      "timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars "
      "--user-data-dir=" +
      profile + " --screenshot=" + png + " --window-size=1200,1600 '" + url + "' 2>&1");
  INFO(out);
  REQUIRE(rc == 0);
  std::ifstream in(png, std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto img = decode_png(file);
  REQUIRE(img.has_value());
  CHECK(img->width == 1200);
  CHECK(img->height == 1600);
  // Non-trivial: text, cards and lines, not a blank or an error page...
  std::vector<std::uint32_t> colours;
  colours.reserve(img->pixels.size());
  for (const auto& p : img->pixels) {
    colours.push_back((std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2]);
  }
  std::sort(colours.begin(), colours.end());
  const auto distinct = std::unique(colours.begin(), colours.end()) - colours.begin();
  CHECK(distinct >= 50);
  // ...with the private (blue), RSS (green) and FD (red) lines drawn in their colours.
  // Blue #2f6fdf (not the purple PSS, whose red is high), green #16a34a, red #dc2626.
  CHECK(columns_with(*img, [](int r, int g, int b) { return b - r >= 100 && b - g >= 60; }) >= 300);
  CHECK(columns_with(*img, [](int r, int g, int b) { return g - std::max(r, b) >= 40; }) >= 300);
  CHECK(columns_with(*img, [](int r, int g, int b) { return r - std::max(g, b) >= 60; }) >= 300);
  // A copy for people to look at, when asked for.
  if (const char* keep = std::getenv("LW_PROCESS_PAGE_SCREENSHOT"); keep != nullptr) {
    std::filesystem::copy_file(png, keep, std::filesystem::copy_options::overwrite_existing);
  }
}
