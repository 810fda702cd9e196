// Copyright 2026 The gort Authors.
//
// Shared pieces of the scheduler, channel, select, sync and time suites: sanitizer detection and
// scaling, Tracked (counts live values),
// the Runtime fixture (each test body runs as gort::run's main goroutine under P = 1, 2, 4 and
// 8, with a leak check at the end), and panic_message, which runs a callable inside a gort::func
// and reports what a deferred recover() caught.
//
// Leak check: Runtime::run waits, at the end of main, until main is the only live goroutine
// (failing if others stay alive), and checks goroutines_live is 0 once run returned. Tests
// therefore end every goroutine they start: none may stay blocked on a channel or lock.

#pragma once

#include <any>
#include <atomic>
#include <chrono>
#include <string>
#include <utility>

#include <gtest/gtest.h>
#include <gort/gort.hpp>

namespace gort_test {

using namespace std::chrono_literals;

#if defined(__SANITIZE_THREAD__)
// TSan keeps one fiber per live goroutine and caps live fibers (threads) near 8k; it is also
// 5-15x slower. Tests keep at most ~1000 goroutines alive at once and scale their loops down.
inline constexpr bool kTsan = true;
#else
inline constexpr bool kTsan = false;
#endif
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAsan = true;
#else
inline constexpr bool kAsan = false;
#endif

// scaled returns n, or n / div under a sanitizer.
constexpr int scaled(int n, int div = 10) {
  return kTsan || kAsan ? n / div : n;
}

// Tracked counts its live instances, to check that channels and selects destroy the values they
// hold or did not send (no leak, no double destruction).
struct Tracked {
  static inline std::atomic<int> live{0};
  int v = 0;
  Tracked() noexcept { ++live; }
  explicit Tracked(int x) noexcept : v(x) { ++live; }
  Tracked(const Tracked& o) noexcept : v(o.v) { ++live; }
  Tracked(Tracked&& o) noexcept : v(o.v) { ++live; }
  Tracked& operator=(const Tracked&) = default;
  Tracked& operator=(Tracked&&) = default;
  ~Tracked() { --live; }
};

// describe names what recover() returned: "no panic" (empty), the message of a
// gort::runtime_error, "string: <s>" for a string value, or "other value".
inline std::string describe(const std::any& v) {
  if (!v.has_value()) return "no panic";
  if (auto* e = std::any_cast<gort::runtime_error>(&v)) return e->what();
  if (auto* s = std::any_cast<std::string>(&v)) return "string: " + *s;
  return "other value";
}

// panic_message runs f() inside a gort::func whose deferred call recovers, and returns
// describe() of the recovered value ("no panic" when f returned normally).
template <class F>
std::string panic_message(F&& f) {
  std::string message = "no panic";
  gort::func([&](gort::frame& fr) {
    fr.defer([&message] { message = describe(gort::recover()); });
    std::forward<F>(f)();
  });
  return message;
}

class Runtime : public testing::TestWithParam<int> {
 protected:
  int procs() const { return GetParam(); }

  // run runs body as gort::run's main goroutine with procs() Ps; then (still on main) waits until
  // every other goroutine has ended, and checks run's result and the live count after it.
  template <class Body>
  void run(Body&& body) {
    int rc = gort::run(
        [&] {
          body();
          wait_for_other_goroutines();
        },
        procs());
    EXPECT_EQ(rc, 0);
    EXPECT_EQ(gort::stats().goroutines_live, 0u);
  }

  // wait_for_other_goroutines yields until main is the only live goroutine: a goroutine that
  // signalled the test it was done may still be finishing. Bounded generously (1,000 yields,
  // then 50,000 sleeps of 100 us); a goroutine still alive then is a leak.
  static void wait_for_other_goroutines() {
    for (long i = 0; i < 51'000; ++i) {
      if (gort::stats().goroutines_live == 1) return;
      if (i < 1000)
        gort::yield();
      else
        gort::sleep(100us);
    }
    ADD_FAILURE() << "goroutines still live when main ended: " << gort::stats().goroutines_live - 1;
  }
};

inline std::string procs_name(const testing::TestParamInfo<int>& info) {
  return std::string("P").append(std::to_string(info.param));
}

}  // namespace gort_test

// GORT_INSTANTIATE_PROCS instantiates a Runtime-derived fixture under P = 1, 2, 4 and 8.
#define GORT_INSTANTIATE_PROCS(Fixture) \
  INSTANTIATE_TEST_SUITE_P(Procs, Fixture, testing::Values(1, 2, 4, 8), gort_test::procs_name)
