// Copyright 2026 The gort Authors.
//
// What the tracer's test files share: a temporary directory for their traces (removed when every
// test of the executable passed; a failure leaves the traces to look at) and Go's verdict on a
// trace, `go tool trace -d`. GORT_GO is the go executable (tests/CMakeLists.txt).

#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace trace_test {

// temp_path: a file name in this executable's temporary directory.
inline std::string temp_path(const std::string& name) {
  static std::string dir = [] {
    char tmpl[] = "/tmp/gort-trace-test-XXXXXX";
    const char* d = mkdtemp(tmpl);
    return std::string(d != nullptr ? d : "/tmp");
  }();
  return dir + "/" + name;
}

// go_parse_error runs `go tool trace -d` on the file; "" when it parsed, else Go's complaint.
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

// Removes the temporary directory when every test passed.
class temp_dir_cleanup : public ::testing::Environment {
 public:
  void TearDown() override {
    if (::testing::UnitTest::GetInstance()->Passed())
      std::filesystem::remove_all(std::filesystem::path(temp_path("x")).parent_path());
  }
};
[[maybe_unused]] inline const auto* cleanup_env =
    ::testing::AddGlobalTestEnvironment(new temp_dir_cleanup);

}  // namespace trace_test
