// Copyright 2026 The gort Authors.
//
// go_parse_error: runs Go's own trace parser (`go tool trace -d`, GORT_GO is the go binary) on a
// trace file; "" when it parsed, else Go's complaint. Shared by the tracer's test executables.
#pragma once

#include <cstdio>
#include <string>

namespace trace_test {

inline std::string go_parse_error(const std::string& path) {
  std::string cmd = std::string(GORT_GO) + " tool trace -d " + path + " 2>&1 >/dev/null";
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return "popen failed";
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, f) != nullptr) out += buf;
  int status = pclose(f);
  // It prints "Parsing trace..." first; a parse error says "failed to parse trace".
  if (status != 0 || out.find("failed") != std::string::npos) return out.empty() ? "exit" : out;
  return "";
}

}  // namespace trace_test
