// Copyright 2026 The gort Authors.
//
// Timers (Go's time.After, time.Timer, time.Ticker, time.AfterFunc). Inside gort::run, timers
// live in per-P heaps that the scheduler runs when it looks for work and sleeps on when idle
// (src/time/timers.cpp); a program waiting on a timer is not deadlocked. Outside gort::run a
// timer thread started on first use serves them. Channels carry std::chrono::steady_clock time
// points, have a buffer of one, and a tick that finds the buffer full is dropped (Go 1.19's
// semantics: a slow ticker reader skips ticks).
//
// Example:
//
//   gort::timer t(std::chrono::milliseconds(50));
//   gort::select(
//       gort::recv(results, [&](int v) { use(v); }),
//       gort::recv(t.c(), [] { std::puts("timed out"); }));
//
// Timer callbacks never run user code on the scheduler: after_func starts a goroutine.
//
// Thread safety: stop() and reset() may be called on one timer or ticker from several goroutines
// or threads at once, also while it fires (as in Go); destroying it must not race with other
// calls on it. Durations: each function taking a duration also accepts hours, milliseconds and
// the other whole-nanosecond units, converted without overflow (saturating, detail/duration.hpp);
// a deadline past the clock's range (nanoseconds::max(), hours::max()) is never reached: the
// timer never fires and stop() returns true.

#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

#include <gort/chan.hpp>
#include <gort/detail/defer_core.hpp>
#include <gort/detail/duration.hpp>
#include <gort/detail/time_core.hpp>

namespace gort {

using time_point = std::chrono::steady_clock::time_point;

// after returns a channel that receives the current time once d has passed (Go's time.After).
chan<time_point> after(std::chrono::nanoseconds d);
template <internal::coarse_duration D>
chan<time_point> after(D d) {
  return after(internal::saturated_ns(d));
}

// timer fires once after d, sending the time on c() (Go's time.NewTimer). Move-only; destroying
// it stops it (nobody could receive from its channel any more), except after_func's.
class timer : public internal::timer_handle {
 public:
  // c is the channel the timer sends on (nil for an after_func timer).
  using timer_handle::c;

  explicit timer(std::chrono::nanoseconds d) : timer_handle(d.count(), 0) {}
  template <internal::coarse_duration D>
  explicit timer(D d) : timer(internal::saturated_ns(d)) {}

  // stop prevents the timer from firing: true if it was pending, false if it had already fired
  // or been stopped. As in Go, it does not drain c(); a value being sent as it stops (on another
  // thread) is in c() once it returns, and nothing is sent after. Does not block otherwise.
  bool stop() noexcept { return internal::timer_stop(t_); }
  // reset makes the timer fire after d from now; returns whether it was pending. As in Go, call
  // it on a stopped or fired timer whose channel has been drained.
  bool reset(std::chrono::nanoseconds d) { return internal::timer_reset(t_, d.count(), 0); }
  template <internal::coarse_duration D>
  bool reset(D d) {
    return reset(internal::saturated_ns(d));
  }

 private:
  template <class F>
  friend timer after_func(std::chrono::nanoseconds d, F&& f);
  timer(internal::timer_rec* t, std::chrono::nanoseconds d) : timer_handle(t, d.count()) {}
};

// after_func starts a goroutine running f() once d has passed (Go's time.AfterFunc); stop()
// on the returned timer cancels it if it has not fired. Unlike a channel timer, destroying the
// returned timer does not cancel it (Go's AfterFunc fires even if its *Timer is dropped).
template <class F>
timer after_func(std::chrono::nanoseconds d, F&& f) {
  using C = std::decay_t<F>;
  static_assert(std::is_invocable_v<C&>, "gort::after_func: f must be callable as f()");
  auto* fn = new C(std::forward<F>(f));
  internal::timer_rec* t = internal::timer_make_func([](void* p) { (*static_cast<C*>(p))(); }, fn,
                                                     [](void* p) { delete static_cast<C*>(p); });
  return timer(t, d);
}
template <internal::coarse_duration D, class F>
timer after_func(D d, F&& f) {
  return after_func(internal::saturated_ns(d), std::forward<F>(f));
}

// ticker sends the time on c() every d (Go's time.NewTicker); ticks a slow reader misses are
// dropped. d <= 0 panics ("non-positive interval for NewTicker"). Destroying it stops it.
class ticker : public internal::timer_handle {
 public:
  // c is the channel the ticks arrive on.
  using timer_handle::c;

  explicit ticker(std::chrono::nanoseconds d) : timer_handle(checked(d), checked(d)) {}
  template <internal::coarse_duration D>
  explicit ticker(D d) : ticker(internal::saturated_ns(d)) {}

  // stop turns the ticker off; no tick is sent after it returns (a tick being sent as it stops is
  // in c() by then, or dropped if c() was full).
  void stop() noexcept { internal::timer_stop(t_); }
  // reset stops the ticker and restarts it with period d. d <= 0 panics.
  void reset(std::chrono::nanoseconds d) { internal::timer_reset(t_, checked(d), checked(d)); }
  template <internal::coarse_duration D>
  void reset(D d) {
    reset(internal::saturated_ns(d));
  }

 private:
  static std::int64_t checked(std::chrono::nanoseconds d) {
    if (d.count() <= 0) internal::timer_bad_ticker_interval();
    return d.count();
  }
};

}  // namespace gort
