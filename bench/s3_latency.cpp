// Copyright 2026 The gort Authors.
//
// S3 (article 003): runnable-to-running latency, with and without defer-heavy goroutines in the
// background. The Go twin is bench/go/s3/main.go; both print the same JSON, one object per line
// and configuration, and tools/bench/run.sh runs them in alternating rounds.
//
//   gort_s3_latency [milliseconds per configuration (250)] [background goroutines (1000)]
//
// Configurations: P = 1 and 2, each with no background goroutines, with N goroutines that loop
// {10 plain calls; yield} ("plain"), and with N goroutines that loop {a gort::func with 10
// deferred calls; yield} ("defer": the article's "high defer density"; Go runs 10 defers through
// stack records, gort keeps 8 inline and 2 in a pooled chunk).
//
// Two latencies are measured on a pair of goroutines, W (the main goroutine) and R:
//   wake   W takes a timestamp and sends on an unbuffered channel R waits on (as Go's twin
//          does), then waits for R's acknowledgement on another; R takes a timestamp as soon as it
//          runs. This is the runnext path: the woken goroutine runs next on W's P, ahead of the
//          queue.
//   yield  W takes a timestamp, yields and takes another when it runs again: how long a
//          goroutine at the back of the run queue waits behind the background goroutines.
// One round is one of each; the first tenth of the time is warm-up and not recorded. The
// scheduler's counters over the recorded rounds come from gort::stats() (Go has none).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include <gort/gort.hpp>

#include "cases.hpp"

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

enum class background { none, plain, defer };
const char* name(background b) {
  switch (b) {
    case background::none:
      return "none";
    case background::plain:
      return "plain";
    case background::defer:
      return "defer";
  }
  return "?";
}

constexpr std::size_t kCalls = 10;  // calls (or deferred calls) per background function

GORT_BENCH_NOINLINE void background_call(background b) {
  if (b == background::defer)
    gort_bench::gort_n(std::make_index_sequence<kCalls>());
  else
    gort_bench::manual_n(std::make_index_sequence<kCalls>());
}

// Percentiles as index floor(q * n) of the sorted samples (the Go twin uses the same rule).
std::string distribution(std::vector<std::int64_t>& v) {
  if (v.empty()) return "null";
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    std::size_t i = static_cast<std::size_t>(q * static_cast<double>(v.size()));
    return v[std::min(i, v.size() - 1)];
  };
  double sum = 0;
  for (std::int64_t x : v) sum += static_cast<double>(x);
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "{\"p50\": %lld, \"p90\": %lld, \"p95\": %lld, \"p99\": %lld, \"max\": %lld, "
                "\"mean\": %.1f}",
                static_cast<long long>(at(0.50)), static_cast<long long>(at(0.90)),
                static_cast<long long>(at(0.95)), static_cast<long long>(at(0.99)),
                static_cast<long long>(v.back()), sum / static_cast<double>(v.size()));
  return buf;
}

void measure(int procs, background bg, int n_background, std::int64_t budget_ns) {
  constexpr std::size_t kMaxRounds = 200000;
  std::vector<std::int64_t> wake_ns, yield_ns;
  wake_ns.reserve(kMaxRounds);
  yield_ns.reserve(kMaxRounds);
  gort::runtime_stats d;
  std::uint64_t background_calls = 0;
  double seconds = 0;

  gort::run(
      [&] {
        int n = bg == background::none ? 0 : n_background;
        std::atomic<bool> stop{false};
        std::atomic<std::uint64_t> calls{0};
        gort::waitgroup background_done;
        background_done.add(n);
        for (int i = 0; i < n; ++i) {
          gort::go([&] {
            std::uint64_t mine = 0;
            while (!stop.load(std::memory_order_relaxed)) {
              background_call(bg);
              ++mine;
              gort::yield();
            }
            calls.fetch_add(mine, std::memory_order_relaxed);
            background_done.done();
          });
        }

        // The pair. t0 is written by W before the send and read by R after its receive: the
        // channel orders the two.
        auto wake = gort::make_chan<int>();
        auto ack = gort::make_chan<int>();
        auto receiver_done = gort::make_chan<int>();
        std::int64_t t0 = 0;
        bool recording = false, quit = false;
        gort::go([&] {
          for (;;) {
            wake.recv();
            std::int64_t t1 = now_ns();
            if (quit) break;
            if (recording) wake_ns.push_back(t1 - t0);
            ack.send(0);
          }
          receiver_done.send(0);
        });

        std::int64_t start = now_ns();
        std::int64_t warm_until = start + budget_ns / 10;
        std::int64_t end = start + budget_ns;
        gort::runtime_stats before{};
        std::uint64_t calls_before = 0;
        std::int64_t recording_since = 0;
        for (;;) {
          std::int64_t y0 = now_ns();
          if (!recording && y0 >= warm_until) {
            recording = true;
            before = gort::stats();
            calls_before = calls.load(std::memory_order_relaxed);
            recording_since = y0;
          }
          if (y0 >= end || yield_ns.size() == kMaxRounds) break;
          gort::yield();
          std::int64_t y1 = now_ns();
          if (recording) yield_ns.push_back(y1 - y0);
          t0 = now_ns();
          wake.send(0);
          ack.recv();
        }
        d = gort::stats() - before;
        seconds = static_cast<double>(now_ns() - recording_since) / 1e9;
        quit = true;
        wake.send(0);
        receiver_done.recv();
        stop.store(true, std::memory_order_relaxed);
        background_done.wait();
        background_calls = calls.load(std::memory_order_relaxed) - calls_before;
      },
      procs);

  std::size_t rounds = yield_ns.size();
  std::printf(
      "{\"impl\": \"gort\", \"procs\": %d, \"background\": \"%s\", \"goroutines\": %d, "
      "\"calls_per_function\": %zu, \"rounds\": %zu, \"seconds\": %.3f, \"wake_ns\": %s, "
      "\"yield_ns\": %s, \"background_calls\": %llu, \"runnext_hits\": %llu, "
      "\"context_switches\": %llu, \"steals\": %llu, \"stolen_goroutines\": %llu, "
      "\"global_runq_gets\": %llu}\n",
      procs, name(bg), bg == background::none ? 0 : n_background, kCalls, rounds, seconds,
      distribution(wake_ns).c_str(), distribution(yield_ns).c_str(),
      static_cast<unsigned long long>(background_calls),
      static_cast<unsigned long long>(d.runnext_hits),
      static_cast<unsigned long long>(d.context_switches),
      static_cast<unsigned long long>(d.steals),
      static_cast<unsigned long long>(d.stolen_goroutines),
      static_cast<unsigned long long>(d.global_runq_gets));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t ms = argc > 1 ? std::atoll(argv[1]) : 250;
  int n = argc > 2 ? std::atoi(argv[2]) : 1000;
  // A third argument selects configurations, "P:background" comma-separated ("2:none,2:defer"):
  // the traced runs of tools/bench/run.sh (GORT_DEBUG=trace=<path>) and its overhead runs.
  std::string configs = argc > 3 ? argv[3] : "";
  if (ms <= 0 || n <= 0 || argc > 4) {
    std::fprintf(stderr,
                 "usage: gort_s3_latency [ms per configuration] [background goroutines] "
                 "[configurations P:background,...]\n");
    return 2;
  }
  auto selected = [&](int procs, background bg) {
    if (configs.empty()) return true;
    std::string want = std::to_string(procs) + ":" + name(bg);
    std::size_t at = 0;
    while (at <= configs.size()) {
      std::size_t end = configs.find(',', at);
      if (end == std::string::npos) end = configs.size();
      if (configs.compare(at, end - at, want) == 0) return true;
      at = end + 1;
    }
    return false;
  };
  for (int procs : {1, 2})
    for (background bg : {background::none, background::plain, background::defer})
      if (selected(procs, bg)) measure(procs, bg, n, ms * 1000000);
  return 0;
}
