// Copyright 2026 The gort Authors.
//
// The skynet benchmark (https://github.com/atemerev/skynet) on gort, as in its Go version (the
// twin is bench/go/skynet/main.go); the tree is skynet.hpp's, shared with pprof_overhead.cpp.
//
// Usage: gort_skynet <procs> [leaves]   (leaves: a power of 10, default 1000000)
//
// Prints one JSON line, the same fields as the Go twin's:
//
//   {"impl": "gort", "procs": P, "leaves": N, "sum": S, "ok": true, "ns": T, "maxrss_kb": R,
//    "stack_bytes": B}
//
// ns is the wall-clock time from starting the root goroutine to receiving its sum (the runtime
// is already up, as Go's is when main starts); maxrss_kb the peak resident set of the process
// (getrusage RUSAGE_SELF, read after gort::run returned); stack_bytes the size of a goroutine
// stack (address space reserved per goroutine, committed as touched). Exit status 1 if the sum is
// wrong.

#include <sys/resource.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <gort/gort.hpp>

#include "skynet.hpp"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3 || std::atoi(argv[1]) < 1 || (argc == 3 && std::atoll(argv[2]) < 1)) {
    std::fprintf(stderr, "usage: gort_skynet <procs> [leaves]\n");
    return 2;
  }
  int procs = std::atoi(argv[1]);
  std::int64_t leaves = argc == 3 ? std::atoll(argv[2]) : 1000000;
  skynet::result r;
  int status = gort::run([&] { r = skynet::run_tree(leaves); }, procs);
  const std::int64_t sum = r.sum, ns = r.ns;
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const std::int64_t want = skynet::want(leaves);
  std::printf(
      "{\"impl\": \"gort\", \"procs\": %d, \"leaves\": %lld, \"sum\": %lld, \"ok\": %s, "
      "\"ns\": %lld, \"maxrss_kb\": %ld, \"stack_bytes\": %zu}\n",
      procs, static_cast<long long>(leaves), static_cast<long long>(sum),
      sum == want ? "true" : "false", static_cast<long long>(ns), ru.ru_maxrss, gort::stack_size());
  if (sum != want) {
    std::fprintf(stderr, "skynet: sum %lld, want %lld\n", static_cast<long long>(sum),
                 static_cast<long long>(want));
    return 1;
  }
  return status;
}
