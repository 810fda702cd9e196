// Copyright 2026 The gort Authors.
//
// std::exit(3) on the main goroutine (Go: os.Exit(3) in main) while another goroutine is parked
// and another is busy: the process exits with status 3 at once, what was printed before is
// flushed, and no deferred call runs (os.Exit runs none). Memory still held by main()'s own
// frame and by the parked goroutine is not a leak (LeakSanitizer: clean). Before the fix the exit
// handlers met the sysmon thread's std::thread still joinable: "terminate called without an active
// exception", status 134.
//
// expect exit 3
// expect stdout ^before exit$
// expect no-stderr terminate called
// expect no-stderr deferred
// expect no-stderr ERROR: (Address|Leak|Thread)Sanitizer
// expect no-stderr WARNING: ThreadSanitizer
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <gort/gort.hpp>

int main() {
  // Heap memory held only by main()'s frame, below gort::run.
  std::vector<std::string> caller(4, std::string(100, 'y'));
  int rc = gort::run([] {
    gort::func([](gort::frame& f) {
      f.defer([] { std::fputs("deferred call ran\n", stderr); });
      auto never = gort::make_chan<int>();
      gort::go([=] {
        // Heap memory reachable only from this goroutine's stack when the process exits.
        std::vector<std::string> held(8, std::string(100, 'x'));
        never.recv();
        std::fputs(held[0].c_str(), stderr);
      });
      static std::atomic<bool> stop{false};
      gort::go([] {
        while (!stop.load(std::memory_order_relaxed)) gort::yield();
      });
      gort::sleep(std::chrono::milliseconds(5));
      std::fputs("before exit\n", stdout);  // buffered: exit must flush it
      std::exit(3);
    });
  });
  std::fputs(caller[0].c_str(), stderr);
  return rc;
}
