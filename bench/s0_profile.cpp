// Copyright 2026 The gort Authors.
//
// S0's CPU profile (article 000: "the flame graph shows deferproc/deferreturn at 8-12% of the
// CPU"): one goroutine runs the report's main loop case, gort_loop_plain(100) (100 defers of an
// argument-less call registered in a loop, the twin of Go's BenchmarkLoopDeferPlain/100), for a
// fixed time inside one gort::run. tools/bench/run.sh runs it under
// GORT_DEBUG=cpuprofile=<path> and reads the profile with `go tool pprof -top`; the share of the
// samples in the frame core (gort::frame, gort::func, gort::internal) is the report's figure.
//
//   gort_s0_profile [milliseconds (500)]
//
// Prints one JSON line: the defers run and the seconds they took (the rate the report scales the
// profile's share with).

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <gort/gort.hpp>

#include "cases.hpp"

int main(int argc, char** argv) {
  std::int64_t ms = argc > 1 ? std::atoll(argv[1]) : 500;
  if (ms <= 0 || argc > 2) {
    std::fprintf(stderr, "usage: gort_s0_profile [milliseconds]\n");
    return 2;
  }
  constexpr int kDefers = 100;
  std::int64_t calls = 0;
  double seconds = 0;
  gort::run(
      [&] {
        auto start = std::chrono::steady_clock::now();
        auto until = start + std::chrono::milliseconds(ms);
        for (;;) {
          for (int i = 0; i < 1000; ++i) gort_bench::gort_loop_plain(kDefers);
          calls += 1000;
          if (std::chrono::steady_clock::now() >= until) break;
        }
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      },
      1);
  std::printf(
      "{\"case\": \"gort_loop_plain\", \"defers_per_call\": %d, \"calls\": %lld, "
      "\"defers\": %lld, \"seconds\": %.6f}\n",
      kDefers, static_cast<long long>(calls), static_cast<long long>(calls * kDefers), seconds);
  return 0;
}
