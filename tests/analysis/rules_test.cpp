#include "analysis/rules.h"

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "base/pattern.h"

using namespace lw;

namespace {
Pattern pattern(std::string_view p) {
  auto r = Pattern::compile(p);
  INFO(p);
  REQUIRE(r.has_value());
  return *r;
}

analysis::ProcessFacts facts(std::string_view comm, std::string_view cgroup,
                             std::string_view cmdline = {}) {
  analysis::ProcessFacts f;
  f.comm = comm;
  f.cgroup = cgroup;
  f.cmdline = cmdline;
  f.pid = 42;
  return f;
}
}  // namespace

TEST_CASE("rules: a 64 KiB cmdline is matched against a rule", "[analysis][rules]") {
  // The size a long Java classpath reaches; std::regex recursed per character on it and could
  // overflow the scanner thread's stack.
  std::string cmdline = "/usr/bin/java -cp ";
  while (cmdline.size() < 64 * 1024) {
    cmdline += "/opt/app/lib/dependency-with-a-long-name-1.2.3.jar:";
  }
  cmdline += " com.example.Server";
  REQUIRE(cmdline.size() > 64 * 1024);

  analysis::ProcessRules rules;
  rules.by = analysis::GroupBy::kRules;
  analysis::Matcher java;
  java.cmdline = pattern(".*java .*com\\.example\\.Server");
  rules.group_rules.push_back({java, "java-{comm}"});
  analysis::Matcher exclude;
  exclude.cmdline = pattern("(.|\n)*-XX:\\+Ignore(.|\n)*");
  rules.exclude.push_back(exclude);

  const analysis::ProcessFacts java_facts = facts("java", "/system.slice/app.service", cmdline);
  CHECK(rules.group_of(java_facts) == "java-java");
  CHECK_FALSE(rules.excluded(java_facts));
}

TEST_CASE("rules: every set field must match the whole value", "[analysis][rules]") {
  analysis::Matcher m;
  m.comm = pattern("svc-[0-9]+");
  m.cgroup = pattern("/system\\.slice/.*");
  CHECK(m.matches(facts("svc-1", "/system.slice/a.service")));
  CHECK_FALSE(m.matches(facts("svc-1x", "/system.slice/a.service")));
  CHECK_FALSE(m.matches(facts("svc-1", "/user.slice/a")));
  CHECK(analysis::Matcher{}.matches(facts("anything", "")));
}
