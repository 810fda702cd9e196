// Copyright 2026 The gort Authors.
//
// Panics and C++ exceptions in flight across yields and sleeps, on many goroutines over four
// Ps: a goroutine can move to another M between the throw and the catch of an exception caught
// while a deferred call yields, and each must find its own panic and its own exception state.
// The Go twin does the same with panic/recover and Gosched.
//
// expect exit 0
// expect stdout ^recovered 400 of 400$
// expect stdout ^caught 400 of 400$
// env-gort GORT_MAXPROCS=4
// env-go GOMAXPROCS=4
#include <atomic>
#include <cstdio>
#include <stdexcept>
#include <string>

#include <gort/gort.hpp>

namespace {

// tagged is prefix followed by i (appended: GCC 12's -Wrestrict misfires on "p" + to_string(i)).
std::string tagged(const char* prefix, int i) {
  std::string s = prefix;
  s += std::to_string(i);
  return s;
}

}  // namespace

int main() {
  return gort::run([] {
    constexpr int n = 400;
    std::atomic<int> recovered{0}, caught{0};
    gort::waitgroup wg;
    for (int i = 0; i < n; ++i) {
      wg.add(1);
      gort::go([&, i] {
        gort::func([&](gort::frame& f) {
          f.defer([&] { wg.done(); });
          f.defer([&, i] {
            gort::yield();  // the panic is processing while this goroutine moves around
            std::any v = gort::recover();
            if (auto* s = std::any_cast<std::string>(&v); s && *s == tagged("p", i))
              recovered.fetch_add(1);
          });
          try {
            try {
              throw std::runtime_error(tagged("e", i));
            } catch (const std::runtime_error& e) {
              gort::yield();
              gort::sleep(std::chrono::microseconds(10 + i % 7));
              if (e.what() == tagged("e", i)) caught.fetch_add(1);
              throw;
            }
          } catch (...) {
            gort::yield();
          }
          gort::panic(tagged("p", i));
        });
      });
    }
    wg.wait();
    std::printf("recovered %d of %d\ncaught %d of %d\n", recovered.load(), n, caught.load(), n);
  });
}
