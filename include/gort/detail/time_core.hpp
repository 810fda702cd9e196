// Copyright 2026 The gort Authors.
//
// The timer machinery behind <gort/time.hpp>: the runtime's timer records (Go's runtime timer,
// in per-P heaps or the outside timer thread) and timer_handle, the owning base of gort::timer
// and gort::ticker (one reference to the record, and the channel). Nothing here is public API;
// defined in src/time/timers.cpp, which explains the design.

#pragma once

#include <chrono>
#include <cstdint>
#include <utility>

#include <gort/chan.hpp>
#include <gort/detail/chan_core.hpp>

namespace gort::internal {

struct timer_rec;
// A timer that sends the time on c (cap 1, dropping the value if full) every `period` ns (0: once).
timer_rec* timer_make_chan(hchan* c, std::int64_t period);
// A timer that starts a goroutine running run(arg) when it fires; free(arg) when the timer dies.
timer_rec* timer_make_func(void (*run)(void*), void* arg, void (*free)(void*));
void timer_start(timer_rec* t, std::int64_t delay_ns);
bool timer_stop(timer_rec* t) noexcept;
bool timer_reset(timer_rec* t, std::int64_t delay_ns, std::int64_t period);
void timer_release(timer_rec* t) noexcept;  // stop and drop the owner's reference
void timer_bad_ticker_interval();

// The owning part of timer and ticker: the timer record (one reference) and its channel.
// Move-only; destroying it releases the record (see timer_release).
class timer_handle {
 public:
  timer_handle(timer_handle&& o) noexcept : t_(std::exchange(o.t_, nullptr)), c_(std::move(o.c_)) {}
  timer_handle& operator=(timer_handle&& o) noexcept {
    if (this != &o) {
      if (t_ != nullptr) timer_release(t_);
      t_ = std::exchange(o.t_, nullptr);
      c_ = std::move(o.c_);
    }
    return *this;
  }
  ~timer_handle() {
    if (t_ != nullptr) timer_release(t_);
  }

  // c is the channel the timer sends on (nil for an after_func timer).
  const chan<std::chrono::steady_clock::time_point>& c() const noexcept { return c_; }

 protected:
  // A channel timer firing every `period` ns (0: once), started after `delay` ns.
  timer_handle(std::int64_t delay, std::int64_t period)
      : c_(make_chan<std::chrono::steady_clock::time_point>(1)) {
    t_ = timer_make_chan(chan_handle(c_), period);
    timer_start(t_, delay);
  }
  timer_handle(timer_rec* t, std::int64_t delay) : t_(t) { timer_start(t_, delay); }

  timer_rec* t_ = nullptr;
  chan<std::chrono::steady_clock::time_point> c_;
};

}  // namespace gort::internal
