// Copyright 2026 The gort Authors.
//
// Two goroutines reset one timer over and over while it keeps firing (deadlines of 0..49 us), a
// third stops it, and a ticker is reset and stopped the same way: Go allows Reset and Stop on a
// timer from any goroutine at once. Before the fix, reset removed the timer and re-added it with
// nothing holding the two together, so two resets could add one record twice; the heap then
// held it twice and the next removal overran the heap (SIGSEGV; ASan: heap-buffer-overflow in
// remove_at). The program must end normally and print "ok".
//
// expect exit 0
// expect stdout ^ok$
#include <chrono>
#include <cstdio>

#include <gort/gort.hpp>

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kResets = 20000;
#else
constexpr int kResets = 200000;
#endif

int main() {
  return gort::run(
      [] {
        gort::timer t(std::chrono::hours(1));
        gort::ticker tk(std::chrono::hours(1));
        gort::waitgroup wg;
        for (int g = 0; g < 2; ++g) {
          wg.add(1);
          gort::go([&] {
            for (int i = 0; i < kResets; ++i) {
              t.reset(std::chrono::microseconds(i % 50));
              tk.reset(std::chrono::microseconds(1 + i % 50));
            }
            wg.done();
          });
        }
        wg.add(1);
        gort::go([&] {
          for (int i = 0; i < kResets / 10; ++i) {
            t.stop();
            tk.stop();
            gort::yield();
          }
          wg.done();
        });
        wg.wait();
        t.stop();
        tk.stop();
        std::puts("ok");
      },
      2);
}
