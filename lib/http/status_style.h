#pragma once

// The status page's CSS: light and dark colour schemes, no external fonts or assets.

#include <string_view>

namespace lw::http::status {

inline constexpr std::string_view kStyle = R"css(
:root{color-scheme:light dark;--fg:#1d232b;--bg:#fbfbfc;--muted:#6b7480;--line:#d9dde3;--bad:#b42318;--badbg:#fde8e6;--warn:#8a5a00;--warnbg:#fff4d6;--ok:#067647;--okbg:#e3f6ea;--head:#eef1f5}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9ee;--bg:#15181d;--muted:#9aa3ae;--line:#323843;--bad:#ff8a80;--badbg:#3d1d1b;--warn:#ffcf6e;--warnbg:#3a2f12;--ok:#7ee2a8;--okbg:#14321f;--head:#1f242c}}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:1.2rem 1.6rem 3rem}
h1{font-size:1.35rem;margin:0 0 .2rem}h2{font-size:1.05rem;margin:1.8rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
nav a{margin-right:1rem}a{color:inherit}
.muted{color:var(--muted)}.path{font-family:ui-monospace,monospace;font-size:12px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:.3rem .55rem;border-bottom:1px solid var(--line);vertical-align:middle;white-space:nowrap}
th{background:var(--head);font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.03em}
td.num,th.num{text-align:right}td.name{white-space:normal;overflow-wrap:anywhere;min-width:8rem;max-width:24rem}
.tw{overflow-x:auto}
tr.suspect td{background:var(--badbg)}
.badge{display:inline-block;padding:0 .45rem;border-radius:.6rem;background:var(--head);font-size:12px}
.badge.bad{background:var(--bad);color:var(--bg)}.badge.warn{background:var(--warnbg);color:var(--warn)}
.banner{padding:.6rem .9rem;border-radius:.4rem;margin:.8rem 0}.banner.ok{background:var(--okbg);color:var(--ok)}.banner.bad{background:var(--badbg);color:var(--bad)}
.cards{display:flex;flex-wrap:wrap;gap:.8rem}.card{border:1px solid var(--line);border-radius:.5rem;padding:.6rem .9rem;min-width:11rem}
.card .v{font-size:1.25rem;font-weight:600}.card .k{font-size:12px;color:var(--muted);text-transform:uppercase}
svg.spark{color:#2f6fdf;vertical-align:middle}tr.suspect svg.spark{color:var(--bad)}
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1.2rem;margin:0}dt{color:var(--muted)}dd{margin:0}
)css";

}  // namespace lw::http::status
