#!/usr/bin/env python3
"""Extract and check the PromQL queries of config/grafana/leakwatch-dashboard.json.

  dashboard_queries.py [--dashboard FILE]
      Prints every panel target's expr, one per line, with Grafana's variables
      substituted so that Prometheus can run it as is: $instance -> .* (it is
      only ever used as instance=~"$instance"), $__rate_interval and $__interval
      -> 1m, $__range -> 1h, $__range_s -> 3600. The e2e test feeds each line to
      a real Prometheus that scrapes a real leakwatchd.

  dashboard_queries.py --check [--dashboard FILE] [--spec SPEC.md]
      Checks that the JSON parses and is importable (uid, schemaVersion,
      datasource and instance variables, every panel and target on ${datasource},
      unique panel ids, unique refIds), that every selector filters on
      instance=~"$instance", and that every metric name used is listed in the
      "Metrics" section of SPEC.md. Prints what it checked; exits 1 on any
      problem.

Standard library only.
"""

import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
DEFAULT_DASHBOARD = os.path.join(ROOT, "config", "grafana", "leakwatch-dashboard.json")
DEFAULT_SPEC = os.path.normpath(os.path.join(ROOT, "..", "shared", "SPEC.md"))

SUBSTITUTIONS = [
    ("${instance}", ".*"),
    ("$instance", ".*"),
    ("$__rate_interval", "1m"),
    ("$__interval_ms", "60000"),
    ("$__interval", "1m"),
    ("$__range_s", "3600"),
    ("$__range_ms", "3600000"),
    ("$__range", "1h"),
]

HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
INSTANCE_MATCHER = 'instance=~"$instance"'


def substitute(expr):
    for var, value in SUBSTITUTIONS:
        expr = expr.replace(var, value)
    return expr


def iter_panels(panels):
    for p in panels:
        yield p
        # collapsed rows keep their panels inside
        yield from iter_panels(p.get("panels", []))


def targets(dashboard):
    """(panel, target) for every panel target, in dashboard order."""
    for p in iter_panels(dashboard.get("panels", [])):
        for t in p.get("targets", []):
            yield p, t


def strip_strings(expr):
    """expr with the contents of string literals blanked (metric-like words inside label values
    are not metric names)."""
    return re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)


def metric_names(expr):
    return set(re.findall(r"\bleakwatch_[a-zA-Z0-9_]+", strip_strings(expr)))


def selectors(expr):
    """(metric name, label matcher text or None) for every leakwatch_ selector in expr."""
    out = []
    for m in re.finditer(r"\b(leakwatch_[a-zA-Z0-9_]+)\s*(\{[^}]*\})?", expr):
        start = m.start()
        # skip label names such as `by (leakwatch_x)`: never used, but be exact
        before = expr[:start].rstrip()
        if before.endswith("=") or before.endswith('"'):
            continue
        out.append((m.group(1), m.group(2)))
    return out


def spec_metrics(spec_text):
    """Metric names from SPEC.md's Metrics section and its "Version 2 additions" (the names
    that section adds are the public API too). Understands the shorthand
    `leakwatch_a_stalled_seconds_total` / `_waiting_seconds_total`."""
    m = re.search(r"^## Metrics.*?$(.*?)(?=^## )", spec_text, re.S | re.M)
    if not m:
        raise ValueError("SPEC.md has no '## Metrics' section")
    section = m.group(1)
    v2 = re.search(r"^## Version 2 additions.*?$(.*?)(?=^## |\Z)", spec_text, re.S | re.M)
    if v2:
        section += "\n" + v2.group(1)
    names = set()
    prev = None
    prev_end = 0
    for tok in re.finditer(r"`([^`]+)`", section):
        text = tok.group(1).strip()
        between = section[prev_end:tok.start()]
        prev_end = tok.end()
        nm = re.match(r"leakwatch_[a-zA-Z0-9_]+", text)
        if nm:
            prev = nm.group(0)
            names.add(prev)
            continue
        if prev and re.fullmatch(r"_[a-zA-Z0-9_]+", text) and between.strip() == "/":
            n = len(text.split("_")) - 1
            base = "_".join(prev.split("_")[:-n])
            names.add(base + text)
    return names


def check(dashboard_path, spec_path):
    problems = []
    checked = []

    def need(cond, what):
        if not cond:
            problems.append(what)
        return cond

    try:
        with open(dashboard_path, encoding="utf-8") as f:
            dash = json.load(f)
    except (OSError, ValueError) as e:
        print(f"FAIL: {dashboard_path}: {e}")
        return 1
    checked.append(f"{dashboard_path} parses as JSON")

    with open(spec_path, encoding="utf-8") as f:
        known = spec_metrics(f.read())
    need(len(known) > 50, f"only {len(known)} metric names found in {spec_path}: parser out of date?")
    checked.append(f"{len(known)} metric names read from {spec_path}")

    need(dash.get("uid") == "leakwatch", 'uid must be "leakwatch"')
    sv = dash.get("schemaVersion")
    need(isinstance(sv, int) and 36 <= sv <= 41, f"schemaVersion {sv!r} not in 36..41")
    need(dash.get("id") is None, "id must be null for import")
    checked.append(f'uid "leakwatch", schemaVersion {sv}')

    variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    ds = variables.get("datasource", {})
    need(ds.get("type") == "datasource" and ds.get("query") == "prometheus",
         "variable datasource must be of type datasource, query prometheus")
    inst = variables.get("instance", {})
    q = inst.get("query")
    qtext = q.get("query") if isinstance(q, dict) else q
    need(inst.get("type") == "query" and qtext == "label_values(leakwatch_build_info, instance)",
         "variable instance must be label_values(leakwatch_build_info, instance)")
    need((inst.get("datasource") or {}).get("uid") == "${datasource}",
         "variable instance must use ${datasource}")
    for name in metric_names(qtext or ""):
        need(name in known, f"variable instance: metric {name} is not in SPEC.md")
    checked.append("variables: datasource (prometheus), instance (label_values(leakwatch_build_info, instance))")

    ids = []
    n_panels = 0
    for p in iter_panels(dash.get("panels", [])):
        ids.append(p.get("id"))
        title = p.get("title", "?")
        gp = p.get("gridPos", {})
        need(all(k in gp for k in ("h", "w", "x", "y")) and gp.get("x", 0) + gp.get("w", 0) <= 24,
             f"panel {title!r}: bad gridPos {gp}")
        if p.get("type") == "row":
            continue
        n_panels += 1
        need((p.get("datasource") or {}).get("uid") == "${datasource}",
             f"panel {title!r}: datasource must be ${{datasource}}")
        need(p.get("targets"), f"panel {title!r}: no targets")
        refs = [t.get("refId") for t in p.get("targets", [])]
        need(len(refs) == len(set(refs)), f"panel {title!r}: duplicate refIds {refs}")
    need(len(ids) == len(set(ids)) and None not in ids, f"panel ids not unique: {ids}")
    checked.append(f"{n_panels} panels (plus rows): ids unique, gridPos valid, datasource ${{datasource}}")

    n_targets = 0
    used = set()
    for p, t in targets(dash):
        title = p.get("title", "?")
        expr = t.get("expr", "")
        n_targets += 1
        if not need(expr.strip(), f"panel {title!r} target {t.get('refId')}: empty expr"):
            continue
        need((t.get("datasource") or {}).get("uid") == "${datasource}",
             f"panel {title!r} target {t.get('refId')}: datasource must be ${{datasource}}")
        names = metric_names(expr)
        need(names, f"panel {title!r}: expr uses no leakwatch_ metric: {expr}")
        for name in names:
            used.add(name)
            base = name
            for suf in HISTOGRAM_SUFFIXES:
                if name.endswith(suf) and name[: -len(suf)] in known:
                    base = name[: -len(suf)]
            need(base in known, f"panel {title!r}: metric {name} is not in SPEC.md")
        for name, matchers in selectors(expr):
            need(matchers is not None and INSTANCE_MATCHER in matchers,
                 f'panel {title!r}: selector {name} does not filter on {INSTANCE_MATCHER}')
        sub = substitute(expr)
        need("$" not in sub, f"panel {title!r}: unsubstituted variable in {sub}")
        need(sub.count("(") == sub.count(")") and sub.count("{") == sub.count("}"),
             f"panel {title!r}: unbalanced brackets in {sub}")
    checked.append(f"{n_targets} targets, {len(used)} distinct metric names, all in SPEC.md and filtered by $instance")

    for c in checked:
        print(f"checked: {c}")
    for pr in problems:
        print(f"FAIL: {pr}")
    if problems:
        print(f"dashboard check: {len(problems)} problem(s)")
        return 1
    print("dashboard check: OK")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dashboard", default=DEFAULT_DASHBOARD)
    ap.add_argument("--spec", default=DEFAULT_SPEC)
    ap.add_argument("--check", action="store_true", help="validate instead of printing queries")
    args = ap.parse_args()
    if args.check:
        return check(args.dashboard, args.spec)
    with open(args.dashboard, encoding="utf-8") as f:
        dash = json.load(f)
    for _, t in targets(dash):
        expr = t.get("expr", "").strip()
        if expr:
            print(" ".join(substitute(expr).split()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
