// Copyright 2026 The gort Authors.
//
// std::exit(3) inside gort::blocking (no Go twin: Go has no user-visible blocking call; the
// nearest, os.Exit in a goroutine, is exit_in_goroutine), long enough in the call that sysmon
// has handed the P to another M, which keeps running a busy goroutine: status 3, output flushed,
// no deferred call runs.
//
// expect exit 3
// expect stdout ^before exit$
// expect no-stderr terminate called
// expect no-stderr deferred
// expect no-stderr ERROR: (Address|Leak|Thread)Sanitizer
// expect no-stderr WARNING: ThreadSanitizer
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <gort/gort.hpp>

int main() {
  return gort::run(
      [] {
        gort::func([](gort::frame& f) {
          f.defer([] { std::fputs("main's deferred call ran\n", stderr); });
          static std::atomic<long> spins{0};
          gort::go([] {
            for (;;) {
              spins.fetch_add(1, std::memory_order_relaxed);
              gort::yield();
            }
          });
          gort::blocking([] {
            // Wait until the busy goroutine runs while this M is in the call (its P was handed
            // over; with one P that needs sysmon's retake).
            long seen = spins.load(std::memory_order_relaxed);
            while (spins.load(std::memory_order_relaxed) < seen + 100)
              std::this_thread::sleep_for(std::chrono::milliseconds(1));
            std::fputs("before exit\n", stdout);  // buffered: exit must flush it
            std::exit(3);
          });
        });
      },
      1);
}
