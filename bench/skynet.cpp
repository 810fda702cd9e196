// Copyright 2026 The gort Authors.
//
// The skynet benchmark (https://github.com/atemerev/skynet) on gort, as in its Go version (the
// twin is bench/go/skynet/main.go). Each node starts 10 children that share one unbuffered
// channel to it; a leaf sends its number, an inner node sums its children's results and sends
// the sum up. With 1,000,000 leaves that is 1,111,111 goroutines, and the sum is 499999500000.
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

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <gort/gort.hpp>

namespace {

void skynet(gort::chan<std::int64_t> c, std::int64_t num, std::int64_t size, std::int64_t div) {
  if (size == 1) {
    c.send(num);
    return;
  }
  auto rc = gort::make_chan<std::int64_t>();
  std::int64_t sum = 0;
  for (std::int64_t i = 0; i < div; ++i) {
    std::int64_t sub_num = num + i * (size / div);
    gort::go(skynet, rc, sub_num, size / div, div);
  }
  for (std::int64_t i = 0; i < div; ++i) sum += rc.recv().first;
  c.send(sum);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3 || std::atoi(argv[1]) < 1 || (argc == 3 && std::atoll(argv[2]) < 1)) {
    std::fprintf(stderr, "usage: gort_skynet <procs> [leaves]\n");
    return 2;
  }
  int procs = std::atoi(argv[1]);
  std::int64_t leaves = argc == 3 ? std::atoll(argv[2]) : 1000000;
  std::int64_t sum = 0, ns = 0;
  int status = gort::run(
      [&] {
        auto c = gort::make_chan<std::int64_t>();
        auto start = std::chrono::steady_clock::now();
        gort::go(skynet, c, std::int64_t{0}, leaves, std::int64_t{10});
        sum = c.recv().first;
        auto took = std::chrono::steady_clock::now() - start;
        ns = std::chrono::duration_cast<std::chrono::nanoseconds>(took).count();
      },
      procs);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::int64_t want = leaves * (leaves - 1) / 2;
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
