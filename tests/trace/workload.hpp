// Copyright 2026 The gort Authors.
//
// The trace tests' workload: something of every kind the tracer records (spawns, channel sends
// and receives that park, select, mutex, waitgroup, cond, sleep, yield, blocking calls long
// enough for sysmon to retake the P, user tasks, regions and logs, defers on every path).

#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include <gort/gort.hpp>
#include <gort/trace.hpp>

namespace trace_test {

// workload runs on a goroutine; `scale` multiplies the amount of work.
inline void workload(int scale) {
  using namespace std::chrono_literals;
  const std::uint64_t live_before = gort::stats().goroutines_live;
  gort::trace::task t("workload");
  gort::waitgroup wg;
  auto ch = gort::make_chan<int>();
  auto done = gort::make_chan<int>(1);
  gort::mutex mu;
  gort::cond cv;
  int shared = 0;
  bool ready = false;
  // Producers and a consumer on an unbuffered channel (GoBlockSend / GoBlockRecv, unblocks).
  for (int i = 0; i < 4; ++i) {
    wg.add(1);
    gort::go([&, i] {
      gort::func([&](gort::frame& f) {
        f.defer([&] { wg.done(); });
        gort::trace::region r("produce");
        for (int k = 0; k < 20 * scale; ++k) ch.send(i * 1000 + k);
      });
    });
  }
  wg.add(1);
  gort::go([&] {
    gort::func([&](gort::frame& f) {
      f.defer(&gort::waitgroup::done, &wg);
      for (int k = 0; k < 80 * scale; ++k) {
        auto [v, ok] = ch.recv();
        (void)v;
        (void)ok;
        if (k % 16 == 0) gort::trace::log("consumer", "got=" + std::to_string(k));
      }
    });
  });
  // Mutex contention and yields (GoBlockSync, GoSched), defers in a loop (pooled).
  for (int i = 0; i < 4; ++i) {
    wg.add(1);
    gort::go([&] {
      gort::func([&](gort::frame& f) {
        f.defer([&] { wg.done(); });
        for (int k = 0; k < 10 * scale; ++k) {
          for (int j = 0; j < 12; ++j) f.defer([] {});
          std::lock_guard lk(mu);
          ++shared;
          gort::yield();
        }
      });
    });
  }
  // Cond (GoBlockCond), sleep (GoSleep), select (GoBlockSelect), a recovered panic.
  wg.add(2);
  gort::go([&] {
    std::unique_lock lk(mu);
    while (!ready) cv.wait(lk);
    lk.unlock();
    gort::func([&](gort::frame& f) {
      f.defer([] { (void)gort::recover(); });
      gort::panic("traced panic");
    });
    wg.done();
  });
  gort::go([&] {
    gort::sleep(2ms);
    {
      std::lock_guard lk(mu);
      ready = true;
    }
    cv.signal();
    gort::select(gort::recv(done, [](int, bool) {}),
                 gort::recv(gort::after(1ms), [](auto, bool) {}));
    wg.done();
  });
  // Blocking calls: short ones, and ones long enough (over 10 ms) for sysmon to retake the P.
  for (int i = 0; i < 2; ++i) {
    wg.add(1);
    gort::go([&, i] {
      for (int k = 0; k < 3; ++k) gort::blocking([&] { ::usleep(i == 0 ? 10 : 11000); });
      wg.done();
    });
  }
  wg.wait();
  // Each goroutine calls done() just before it ends: wait until every one has ended (its GoEnd is
  // written before the runtime counts it as exited), so that the trace's counts are exact.
  while (gort::stats().goroutines_live > live_before) gort::yield();
  t.end();
}

}  // namespace trace_test
