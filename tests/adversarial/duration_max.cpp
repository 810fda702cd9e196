// Copyright 2026 The gort Authors.
//
// Durations too long to represent (Go's when() clamps a deadline past the maximum to the
// maximum, so such a timer never fires). Two goroutines sleep for the maximum while main checks
// timers, after() channels, tickers and after_func timers of the maximum duration: none fires
// within 50 ms and each timer's stop() returns true; then main returns and the program exits 0,
// the sleepers still asleep (their "woke" never appears). gort alone: the same with
// std::chrono::hours::max(), whose conversion to nanoseconds used to overflow (undefined
// behaviour). Before the fix, now + d wrapped into the past: the sleeps returned at once, the
// timers fired at once and stop() returned false.
//
// expect exit 0
// expect stdout ^timer stop: true$
// expect stdout ^after: pending$
// expect stdout ^ticker: no tick$
// expect stdout ^after_func stop: true, ran: false$
// expect stdout ^reset to max: true, stop: true$
// expect stdout ^min: fired$
// expect stdout ^done$
// expect-gort stdout ^hours: true true true false$
// expect no-stderr woke
#include <chrono>
#include <cstdio>

#include <gort/gort.hpp>

using namespace std::chrono_literals;

int main() {
  return gort::run([] {
    using ns = std::chrono::nanoseconds;
    gort::go([] {
      gort::sleep(ns::max());
      std::fputs("woke from sleep(max)\n", stderr);
    });
    gort::go([] {
      gort::sleep(std::chrono::hours::max());
      std::fputs("woke from sleep(hours::max())\n", stderr);
    });

    gort::timer t(ns::max());
    auto after = gort::after(ns::max());
    gort::ticker tk(ns::max());
    std::atomic<bool> ran{false};
    gort::timer f = gort::after_func(ns::max(), [&ran] { ran = true; });
    gort::timer r(1h);
    bool reset_pending = r.reset(ns::max());
    gort::timer h(std::chrono::hours::max());
    auto hafter = gort::after(std::chrono::hours::max());
    gort::ticker htk(std::chrono::hours::max());
    gort::timer min(ns::min());

    gort::sleep(50ms);
    std::printf("timer stop: %s\n", t.stop() ? "true" : "false");
    std::puts(after.try_recv() ? "after: fired" : "after: pending");
    std::puts(tk.c().try_recv() ? "ticker: ticked" : "ticker: no tick");
    tk.stop();
    bool f_stopped = f.stop();
    std::printf("after_func stop: %s, ran: %s\n", f_stopped ? "true" : "false",
                ran ? "true" : "false");
    std::printf("reset to max: %s, stop: %s\n", reset_pending ? "true" : "false",
                r.stop() ? "true" : "false");
    std::puts(min.c().recv().second ? "min: fired" : "min: closed");
    bool h_stopped = h.stop();
    bool hafter_pending = !hafter.try_recv();
    bool htk_silent = !htk.c().try_recv();
    std::printf("hours: %s %s %s %s\n", h_stopped ? "true" : "false",
                hafter_pending ? "true" : "false", htk_silent ? "true" : "false",
                h.reset(std::chrono::hours::max()) ? "true" : "false");
    std::puts("done");
  });
}
