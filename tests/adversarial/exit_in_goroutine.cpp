// Copyright 2026 The gort Authors.
//
// std::exit(3) in a goroutine other than main (Go: os.Exit(3) there), while main waits on a
// channel, another goroutine is parked holding heap memory and another keeps writing to a file:
// the process exits with status 3, what was printed before is flushed, and no deferred call
// runs, neither the exiting goroutine's nor main's (os.Exit runs none).
//
// expect exit 3
// expect stdout ^before exit$
// expect no-stderr terminate called
// expect no-stderr deferred
// expect no-stderr ERROR: (Address|Leak|Thread)Sanitizer
// expect no-stderr WARNING: ThreadSanitizer
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <gort/gort.hpp>

int main() {
  return gort::run([] {
    gort::func([](gort::frame& f) {
      f.defer([] { std::fputs("main's deferred call ran\n", stderr); });
      auto never = gort::make_chan<int>();
      gort::go([=] {
        std::vector<std::string> held(8, std::string(100, 'x'));
        never.recv();
        std::fputs(held[0].c_str(), stderr);
      });
      gort::go([] {
        std::FILE* sink = std::fopen("/dev/null", "w");
        for (long i = 0;; ++i) {
          std::fprintf(sink, "line %ld\n", i);
          if (i % 64 == 0) gort::yield();
        }
      });
      gort::go([] {
        gort::func([](gort::frame& g) {
          g.defer([] { std::fputs("the goroutine's deferred call ran\n", stderr); });
          gort::sleep(std::chrono::milliseconds(5));
          std::fputs("before exit\n", stdout);  // buffered: exit must flush it
          std::exit(3);
        });
      });
      never.recv();
    });
  });
}
