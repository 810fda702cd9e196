// Copyright 2026 The gort Authors.
//
// The tracer's cheap paths (docs/trace.md, "Time", "Streams and buffers", "Defer attribution"):
// traces that need many writer wake-ups, a mix of serialized and unserialized clock reads across
// Ps, and G reuse under the defer snapshot's generation check. Each trace is read by gort-trace's
// reader (gort::trace_file) and by `go tool trace -d`, whose ordering pass rejects a trace whose
// merged events are not sorted by time.

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include <gort/gort.hpp>
#include <gort/trace.hpp>

#include "trace_file.hpp"
#include "trace_test_util.hpp"

namespace {

using trace_test::go_parse_error;
using trace_test::temp_path;

// Yields on 4 Ps, with goroutines handed between them by channels: a trace larger than one
// writer batch, GoSched and GoStartLocal on plain RDTSC, GoStart and GoUnblock across Ps on
// RDTSCP. Every yield is one GoSched; Go's reader accepts the order.
TEST(TraceCost, ManyBuffersAndMixedClocksParse) {
  // About 7 bytes per yield: 1.75 MB, 27 buffers, so the writer is woken for a full batch of 16
  // while the Ps go on writing, and writes the rest at stop.
  for (int procs : {4}) {
    std::string path = temp_path("yields-" + std::to_string(procs) + ".trace");
    constexpr int kGoroutines = 64;
    constexpr int kYields = 4000;
    constexpr int kPings = 2000;
    ASSERT_FALSE(gort::trace::start(path));
    gort::run(
        [&] {
          gort::waitgroup wg;
          wg.add(kGoroutines + 2);
          for (int i = 0; i < kGoroutines; ++i) {
            gort::go([&] {
              for (int j = 0; j < kYields; ++j) gort::yield();
              wg.done();
            });
          }
          auto ping = gort::make_chan<int>();
          auto pong = gort::make_chan<int>();
          gort::go([&] {
            for (int j = 0; j < kPings; ++j) pong.send(ping.recv().first);
            wg.done();
          });
          gort::go([&] {
            for (int j = 0; j < kPings; ++j) {
              ping.send(j);
              (void)pong.recv();
            }
            wg.done();
          });
          wg.wait();
        },
        procs);
    gort::trace::stop();
    gort::trace_file::trace t = gort::trace_file::parse_file(path);
    EXPECT_EQ(t.count(gort::trace_file::ev_go_sched), std::size_t{kGoroutines} * kYields) << path;
    EXPECT_GT(t.count(gort::trace_file::ev_go_start), std::size_t{kGoroutines} * kYields) << path;
    EXPECT_EQ(go_parse_error(path), "") << path;
  }
}

// Goroutines run one after another, so that each reuses the G the previous one ended on: the
// defer counters of a G reused in the trace are not read again at GoCreate (its GoEnd left the
// snapshot current), those of a G last used before the trace are. Each goroutine's gort.defer
// records must add up to exactly its own deferred calls, and the totals to the workload's.
TEST(TraceCost, DeferLogsOfReusedGoroutinesCountOnlyTheirOwn) {
  std::string path = temp_path("reused.trace");
  constexpr int kRounds = 300;
  std::error_code started;
  gort::run(
      [&] {
        // Before the trace: goroutines that defer and end, leaving their Gs with counters that
        // the trace must not count (its GoCreate of a reused G has to read them).
        for (int i = 0; i < 50; ++i) {
          auto done = gort::make_chan<int>();
          gort::go([&done] {
            gort::func([&](gort::frame& f) {
              for (int j = 0; j < 5; ++j) f.defer([] {});
            });
            done.send(0);
          });
          (void)done.recv();
        }
        started = gort::trace::start(path);
        for (int i = 0; i < kRounds; ++i) {
          auto done = gort::make_chan<int>();
          int n = 1 + i % 11;  // the inline slots, and a pooled chunk beyond 8
          gort::go([&done, n] {
            gort::func([&](gort::frame& f) {
              for (int j = 0; j < n; ++j) f.defer([] {});
            });
            done.send(0);
          });
          (void)done.recv();
        }
        gort::trace::stop();
      },
      1);
  ASSERT_FALSE(started);
  gort::trace_file::trace t = gort::trace_file::parse_file(path);
  std::map<std::uint64_t, std::uint64_t> per_goroutine;  // deferred calls, inline + pooled
  std::uint64_t total = 0;
  for (const auto& ev : t.events) {
    if (ev.type != gort::trace_file::ev_user_log || ev.sargs[0] != "gort.defer") continue;
    std::string text(ev.sargs[1]);
    unsigned long long v[6];
    ASSERT_EQ(std::sscanf(text.c_str(),
                          "inline=%llu pooled=%llu heap=%llu heap_bytes=%llu panics=%llu "
                          "recovers=%llu",
                          &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]),
              6)
        << text;
    per_goroutine[ev.g] += v[0] + v[1];
    total += v[0] + v[1];
  }
  std::uint64_t want = 0;
  for (int i = 0; i < kRounds; ++i) want += 1 + i % 11;
  EXPECT_EQ(total, want);
  EXPECT_EQ(per_goroutine.size(), std::size_t{kRounds});
  // Goroutine ids follow the spawn order, so the i-th spawned goroutine deferred 1 + i % 11.
  int i = 0;
  for (const auto& [g, n] : per_goroutine) {
    EXPECT_EQ(n, std::uint64_t(1 + i % 11)) << "goroutine " << g;
    ++i;
  }
  EXPECT_EQ(go_parse_error(path), "") << path;
}

}  // namespace
