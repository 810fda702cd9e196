// Copyright 2026 The gort Authors.
//
// Tests of timers (include/gort/time.hpp, src/time/): sleep, after, timer (stop, reset),
// after_func, ticker, many timers at once, timers keeping a program from being a deadlock, stop
// and reset from several goroutines at once, durations too long to represent, and the same calls
// on plain threads. Goroutine tests run under P = 1, 2, 4 and 8 (the Time
// fixture, tests/test_support.hpp, which also fails a test that leaves a goroutine alive).
//
// No test asserts an upper bound on time: a timer's value and the time it is received are
// checked against lower bounds only. A test that stops a short timer accepts both outcomes of
// the race with its firing, and checks that they are consistent; where a deterministic outcome
// is needed, the timer is an hour long.

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <gort/gort.hpp>

#include "sched/lock.hpp"
#include "test_support.hpp"
#include "time/timer.hpp"

namespace {

using namespace std::chrono_literals;
using gort_test::kAsan;
using gort_test::kTsan;
using gort_test::panic_message;
using gort_test::scaled;
using Clock = std::chrono::steady_clock;

class Time : public gort_test::Runtime {};
GORT_INSTANTIATE_PROCS(Time);

// ---------------------------------------------------------------------------------------------
// sleep and after

TEST_P(Time, SleepingGoroutinesAllWakeNoEarlierThanTheirDuration) {
  // Checks: many goroutines sleep for 0..9 ms each (all at once); each measures its own sleep
  // and reports whether it lasted at least the duration. Main counts the reports.
  const int kGoroutines = kTsan ? 200 : 1000;
  int reports = 0, early = 0;
  run([&] {
    auto report = gort::make_chan<bool>(kGoroutines);
    for (int i = 0; i < kGoroutines; ++i)
      gort::go([report, i] {
        auto d = std::chrono::milliseconds(i % 10);
        auto t0 = Clock::now();
        gort::sleep(d);
        report.send(Clock::now() - t0 >= d);
      });
    for (int i = 0; i < kGoroutines; ++i) {
      ++reports;
      early += !report.recv().first;
    }
  });
  EXPECT_EQ(reports, kGoroutines);
  EXPECT_EQ(early, 0);
}

TEST_P(Time, AfterDeliversATimeNoEarlierThanTheDeadline) {
  // Checks: after(d) delivers one time point t with start + d <= t <= the time it was received;
  // its channel has a buffer of one; nothing else arrives later (try_recv after a sleep).
  bool in_range = false;
  std::size_t cap = 0;
  bool second = true;
  run([&] {
    auto start = Clock::now();
    auto c = gort::after(10ms);
    cap = c.cap();
    auto [t, ok] = c.recv();
    auto received = Clock::now();
    in_range = ok && t >= start + 10ms && t <= received;
    gort::sleep(15ms);
    second = c.try_recv().has_value();
  });
  EXPECT_TRUE(in_range);
  EXPECT_EQ(cap, 1u);
  EXPECT_FALSE(second);
}

TEST_P(Time, AfterWithZeroOrNegativeDurationFiresAtOnce) {
  // Checks (Go: a non-positive duration fires immediately): after(0) and after(-1ms) deliver a
  // value (main alone: if they never fired the runtime would report a deadlock).
  int delivered = 0;
  run([&] {
    delivered += gort::after(0ns).recv().second;
    delivered += gort::after(-1ms).recv().second;
  });
  EXPECT_EQ(delivered, 2);
}

TEST_P(Time, WaitingOnlyForATimerIsNotADeadlock) {
  // Checks: main's only goroutine receives from after(50ms): every goroutine is blocked, but a
  // timer can wake one, so the runtime must not report a deadlock (a false report kills the
  // process). Also with goroutines blocked on channels that only a timer-woken goroutine
  // releases.
  bool done = false;
  run([&] {
    gort::after(50ms).recv();
    auto c = gort::make_chan<int>();
    auto out = gort::make_chan<int>();
    gort::go([c, out] { out.send(c.recv().first + 1); });
    gort::go([c] {
      gort::sleep(20ms);
      c.send(1);
    });
    done = out.recv().first == 2;
  });
  EXPECT_TRUE(done);
}

TEST_P(Time, SelectWithATimeout) {
  // Checks (Go's timeout idiom): select between a channel nobody sends on and after(5ms) picks
  // the timer; with a ready channel and an hour-long timer it picks the channel.
  std::vector<int> picks;
  run([&] {
    auto never = gort::make_chan<int>();
    picks.push_back(gort::select(gort::recv(never), gort::recv(gort::after(5ms))));
    auto ready = gort::make_chan<int>(1);
    ready.send(1);
    gort::timer t(1h);
    picks.push_back(gort::select(gort::recv(ready), gort::recv(t.c())));
  });
  EXPECT_EQ(picks, (std::vector<int>{1, 0}));
}

TEST_P(Time, ManyTimersAllFire) {
  // Checks: 10,000 after() timers (timers are not goroutines) with deadlines spread over 0..19
  // ms, created at once by main; main receives from every channel, checking each time against
  // its deadline.
  const int kTimers = kTsan ? 2000 : 10000;
  int fired = 0, early = 0;
  run([&] {
    std::vector<gort::chan<gort::time_point>> cs;
    std::vector<Clock::time_point> deadlines;
    cs.reserve(kTimers);
    for (int i = 0; i < kTimers; ++i) {
      auto d = std::chrono::microseconds((i * 7919) % 20000);
      deadlines.push_back(Clock::now() + d);
      cs.push_back(gort::after(d));
    }
    for (int i = 0; i < kTimers; ++i) {
      auto [t, ok] = cs[i].recv();
      fired += ok;
      early += t < deadlines[i];
    }
  });
  EXPECT_EQ(fired, kTimers);
  EXPECT_EQ(early, 0);
}

TEST_P(Time, TimersFromManyGoroutinesAllFire) {
  // Checks: goroutines on every P each start several timers and wait for them in select with
  // each other; every goroutine reports the number it received.
  const int kGoroutines = kTsan ? 50 : 200;
  constexpr int kPerGoroutine = 5;
  int total = 0;
  run([&] {
    auto report = gort::make_chan<int>(kGoroutines);
    for (int g = 0; g < kGoroutines; ++g)
      gort::go([report, g] {
        int got = 0;
        std::vector<gort::timer> ts;
        for (int k = 0; k < kPerGoroutine; ++k)
          ts.emplace_back(std::chrono::microseconds(100 * ((g + k) % 30)));
        for (auto& t : ts) got += t.c().recv().second;
        report.send(got);
      });
    for (int g = 0; g < kGoroutines; ++g) total += report.recv().first;
  });
  EXPECT_EQ(total, kGoroutines * kPerGoroutine);
}

// ---------------------------------------------------------------------------------------------
// timer

TEST_P(Time, TimerStopBeforeItFiresReturnsTrueAndNothingArrives) {
  // Checks: an hour-long timer stops with true, then false (already stopped); nothing is on its
  // channel. A 20 ms timer stopped at once races with its firing: stop() == true must mean
  // nothing arrives (try_recv after 40 ms finds nothing); false means it fired, so its value
  // arrives (a blocking recv returns).
  bool first = false, second = true;
  bool long_timer_empty = false;
  bool nothing_after_stop = true;
  run([&] {
    gort::timer t(1h);
    first = t.stop();
    second = t.stop();
    long_timer_empty = !t.c().try_recv().has_value();

    gort::timer s(20ms);
    if (s.stop()) {
      gort::sleep(40ms);
      nothing_after_stop = !s.c().try_recv().has_value();
    } else {
      EXPECT_TRUE(s.c().recv().second);
    }
  });
  EXPECT_TRUE(first);
  EXPECT_FALSE(second);
  EXPECT_TRUE(long_timer_empty);
  EXPECT_TRUE(nothing_after_stop);
}

TEST_P(Time, TimerStopAfterItFiredReturnsFalse) {
  // Checks: once the timer's value was received, stop() returns false.
  bool stopped = true;
  run([&] {
    gort::timer t(1ms);
    t.c().recv();
    stopped = t.stop();
  });
  EXPECT_FALSE(stopped);
}

TEST_P(Time, TimerResetReschedulesIt) {
  // Checks: reset of a pending hour-long timer returns true and makes it fire after the new
  // duration (value >= reset time + d); reset of the fired, drained timer returns false and it
  // fires again; reset of a stopped timer returns false and it fires.
  std::vector<bool> results;
  bool first_in_range = false, second_in_range = false, third_arrived = false;
  run([&] {
    gort::timer t(1h);
    auto t0 = Clock::now();
    results.push_back(t.reset(5ms));
    auto [v1, ok1] = t.c().recv();
    first_in_range = ok1 && v1 >= t0 + 5ms;
    auto t1 = Clock::now();
    results.push_back(t.reset(2ms));
    auto [v2, ok2] = t.c().recv();
    second_in_range = ok2 && v2 >= t1 + 2ms;
    gort::timer s(1h);
    results.push_back(s.stop());
    results.push_back(s.reset(1ms));
    third_arrived = s.c().recv().second;
  });
  EXPECT_EQ(results, (std::vector<bool>{true, false, true, false}));
  EXPECT_TRUE(first_in_range);
  EXPECT_TRUE(second_in_range);
  EXPECT_TRUE(third_arrived);
}

TEST_P(Time, DestroyingATimerStopsIt) {
  // Checks: a copy of a 20 ms timer's channel outlives the timer, destroyed at once. If the
  // destructor returned before the deadline (it almost always does), nothing arrives on the
  // channel (try_recv after 40 ms). Moving a timer keeps it running.
  bool arrived = false;
  bool moved_fired = false;
  run([&] {
    gort::chan<gort::time_point> c;
    auto deadline = Clock::now() + 20ms;
    {
      gort::timer t(20ms);
      c = t.c();
    }
    bool destroyed_in_time = Clock::now() < deadline;
    gort::sleep(40ms);
    arrived = destroyed_in_time && c.try_recv().has_value();
    gort::timer a(1ms);
    gort::timer b(std::move(a));
    moved_fired = b.c().recv().second;
  });
  EXPECT_FALSE(arrived);
  EXPECT_TRUE(moved_fired);
}

// ---------------------------------------------------------------------------------------------
// after_func

TEST_P(Time, AfterFuncRunsItsFunctionInANewGoroutine) {
  // Checks: after_func(2ms, f) runs f on a goroutine that is not main (goid != 1 and != 0), no
  // earlier than 2 ms after the call; f reports through a channel. Afterwards stop() is false.
  std::uint64_t id = 0;
  bool late_enough = false;
  bool stopped = true;
  run([&] {
    auto report = gort::make_chan<std::uint64_t>(1);
    auto t0 = Clock::now();
    std::atomic<bool> on_time{false};
    gort::timer t = gort::after_func(2ms, [report, t0, &on_time] {
      on_time = Clock::now() >= t0 + 2ms;
      report.send(gort::goid());
    });
    id = report.recv().first;
    late_enough = on_time.load();
    stopped = t.stop();
  });
  EXPECT_NE(id, 0u);
  EXPECT_NE(id, 1u);
  EXPECT_TRUE(late_enough);
  EXPECT_FALSE(stopped);
}

TEST_P(Time, AfterFuncStoppedBeforeItFiresNeverRuns) {
  // Checks: an hour-long after_func timer stops with true and its function has not run (after a
  // 30 ms sleep); a 10 ms one stopped at once races with firing: stop() == true must mean f
  // never runs (nothing on its buffered report channel after 30 ms); false means it fired, so
  // its report arrives (a blocking recv returns).
  bool stopped_long = false;
  int long_ran = -1;
  bool short_ran_after_stop = false;
  run([&] {
    std::atomic<int> ran{0};
    gort::timer t = gort::after_func(1h, [&ran] { ++ran; });
    stopped_long = t.stop();
    auto report = gort::make_chan<int>(1);
    gort::timer s = gort::after_func(10ms, [report] { report.send(1); });
    if (s.stop()) {
      gort::sleep(30ms);
      short_ran_after_stop = report.try_recv().has_value();
    } else {
      EXPECT_EQ(report.recv().first, 1);
    }
    long_ran = ran.load();
  });
  EXPECT_TRUE(stopped_long);
  EXPECT_EQ(long_ran, 0);
  EXPECT_FALSE(short_ran_after_stop);
}

TEST_P(Time, DroppedAfterFuncTimerStillFires) {
  // Checks: the timer after_func returns is discarded at once, yet f runs (Go's AfterFunc fires
  // even if its *Timer is dropped): main receives f's report.
  int got = 0;
  run([&] {
    auto report = gort::make_chan<int>(1);
    (void)gort::after_func(1ms, [report] { report.send(7); });
    got = report.recv().first;
  });
  EXPECT_EQ(got, 7);
}

// ---------------------------------------------------------------------------------------------
// ticker

TEST_P(Time, TickerDeliversTicksUntilStopped) {
  // Checks: a 2 ms ticker delivers 5 ticks, strictly increasing, the i-th no earlier than
  // start + i * 2 ms (ticks a slow reader misses are dropped, so later ticks only come later).
  // After stop(), at most two ticks may still be received: one buffered before the stop and one
  // that was being sent as it stopped. Main drains the channel after each of three 10 ms
  // sleeps: a ticker still running would deliver one per sleep, three in all.
  bool increasing = true, not_early = true;
  int after_stop = -1;
  run([&] {
    auto start = Clock::now();
    gort::ticker tk(2ms);
    gort::time_point prev{};
    for (int i = 1; i <= 5; ++i) {
      auto [t, ok] = tk.c().recv();
      increasing = increasing && ok && t > prev;
      not_early = not_early && t >= start + i * 2ms;
      prev = t;
    }
    tk.stop();
    after_stop = 0;
    for (int i = 0; i < 3; ++i) {
      gort::sleep(10ms);
      after_stop += tk.c().try_recv().has_value();
    }
  });
  EXPECT_TRUE(increasing);
  EXPECT_TRUE(not_early);
  EXPECT_GE(after_stop, 0);
  EXPECT_LE(after_stop, 2);
}

TEST_P(Time, TickerResetChangesThePeriod) {
  // Checks: an hour-long ticker reset to 1 ms ticks (three ticks received, each no earlier than
  // the reset time plus its multiple of 1 ms).
  bool ok_all = true;
  run([&] {
    gort::ticker tk(1h);
    auto t0 = Clock::now();
    tk.reset(1ms);
    for (int i = 1; i <= 3; ++i) {
      auto [t, ok] = tk.c().recv();
      ok_all = ok_all && ok && t >= t0 + i * 1ms;
    }
  });
  EXPECT_TRUE(ok_all);
}

TEST_P(Time, TickerWithANonPositiveIntervalPanics) {
  // Checks: ticker(0), ticker(-1ms) and reset(0) panic with a gort::runtime_error
  // "non-positive interval for NewTicker" (Go's message).
  std::vector<std::string> messages;
  run([&] {
    messages.push_back(panic_message([] { gort::ticker t(0ns); }));
    messages.push_back(panic_message([] { gort::ticker t(-1ms); }));
    gort::ticker ok(1h);
    messages.push_back(panic_message([&] { ok.reset(0ns); }));
  });
  EXPECT_EQ(messages, std::vector<std::string>(3, "non-positive interval for NewTicker"));
}

// ---------------------------------------------------------------------------------------------
// Concurrent stop and reset (Go allows Stop and Reset on one timer from any goroutine at once,
// also while the timer fires on another P)

// xorshift32: a cheap per-goroutine random sequence.
std::uint32_t next_random(std::uint32_t& x) {
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return x;
}

TEST_P(Time, ConcurrentStopsAndResetsOfAfterFuncTimersRunEachArmingOnce) {
  // Checks: four goroutines stop and reset the same four after_func timers in a random order,
  // with deadlines of 0..49 us so that the timers keep firing on every P meanwhile. Each arming
  // (the start and every reset) either fires once or is cancelled by exactly one stop or reset
  // that returned true. After a final stop of each timer (which waits for a firing in progress,
  // so every started function's goroutine exists) and the end of every goroutine, each function
  // has run exactly 1 + resets - (true results) times. A record added to a heap twice runs too
  // often; one lost, or a true result for an arming that still fires, breaks the count too.
  constexpr int kTimers = 4, kWorkers = 4;
  const int kOps = scaled(20000);
  std::array<std::atomic<int>, kTimers> ran{}, resets{}, cancelled{};
  std::array<int, kTimers> want{}, got{};
  run([&] {
    std::vector<gort::timer> ts;
    for (int k = 0; k < kTimers; ++k)
      ts.push_back(gort::after_func(1h, [&ran, k] { ran[k].fetch_add(1); }));
    gort::waitgroup wg;
    for (int w = 0; w < kWorkers; ++w) {
      wg.add(1);
      gort::go([&, w] {
        std::uint32_t x = 2654435761u * (w + 1);
        for (int i = 0; i < kOps; ++i) {
          std::uint32_t r = next_random(x);
          int k = static_cast<int>(r % kTimers);
          if ((r >> 8) % 4 == 0) {
            cancelled[k] += ts[k].stop();
          } else {
            resets[k].fetch_add(1);
            cancelled[k] += ts[k].reset(std::chrono::microseconds((r >> 12) % 50));
          }
          if (i % 64 == 0) gort::yield();
        }
        wg.done();
      });
    }
    wg.wait();
    for (int k = 0; k < kTimers; ++k) cancelled[k] += ts[k].stop();
    wait_for_other_goroutines();  // the functions' goroutines
    for (int k = 0; k < kTimers; ++k) {
      want[k] = 1 + resets[k].load() - cancelled[k].load();
      got[k] = ran[k].load();
    }
  });
  EXPECT_EQ(got, want);
}

TEST_P(Time, ConcurrentlyResetTimerAndTickerSendNothingAfterTheirLastStopOrReset) {
  // Checks: three goroutines reset a channel timer and a ticker (deadlines and periods of 1..50
  // us, so both fire meanwhile) while a fourth stops them. Then main resets both to an hour and
  // drains their channels: nothing arrives over three 1 ms sleeps (reset waits for a send in
  // progress; a record queued twice would keep firing). After stopping both, no timer is left on
  // any heap (white box: earliest_timer() is 0; before, it is not) and still nothing arrives.
  const int kOps = scaled(20000);
  int after_reset = -1, after_stop = -1;
  bool queued_after_reset = false, queued_after_stop = true;
  run([&] {
    gort::timer t(1h);
    gort::ticker tk(1h);
    gort::waitgroup wg;
    for (int w = 0; w < 4; ++w) {
      wg.add(1);
      gort::go([&, w] {
        for (int i = 0; i < kOps; ++i) {
          if (w == 3) {
            t.stop();
            tk.stop();
          } else {
            t.reset(std::chrono::microseconds(1 + (i + w) % 50));
            tk.reset(std::chrono::microseconds(1 + (i * 7 + w) % 50));
          }
          if (i % 64 == 0) gort::yield();
        }
        wg.done();
      });
    }
    wg.wait();
    auto count_arrivals = [&] {
      int n = 0;
      for (int i = 0; i < 3; ++i) {
        gort::sleep(1ms);
        n += t.c().try_recv().has_value();
        n += tk.c().try_recv().has_value();
      }
      return n;
    };
    t.reset(1h);
    tk.reset(1h);
    (void)t.c().try_recv();  // drain a value sent before the last resets
    (void)tk.c().try_recv();
    after_reset = count_arrivals();
    queued_after_reset = gort::internal::earliest_timer() != 0;
    t.stop();
    tk.stop();
    queued_after_stop = gort::internal::earliest_timer() != 0;
    after_stop = count_arrivals();
  });
  EXPECT_EQ(after_reset, 0);
  EXPECT_TRUE(queued_after_reset);
  EXPECT_FALSE(queued_after_stop);
  EXPECT_EQ(after_stop, 0);
}

TEST_P(Time, DroppingTimersAndTickersAsTheyFireStopsThem) {
  // Checks: four goroutines each make short timers and tickers (0..19 us) and destroy them at
  // once, racing with their firing, keeping a copy of each channel and draining it right after
  // the destruction. Destroying stops them and waits for a send in progress, so nothing arrives
  // on any kept channel afterwards (checked after a 2 ms sleep), and no timer stays queued
  // (white box: earliest_timer() is 0). ASan checks that no record is used after it died.
  const int kPerGoroutine = scaled(2000);
  int arrived = -1;
  bool queued = true;
  run([&] {
    std::vector<gort::chan<gort::time_point>> kept[4];
    gort::waitgroup wg;
    for (int w = 0; w < 4; ++w) {
      wg.add(1);
      gort::go([&, w] {
        for (int i = 0; i < kPerGoroutine; ++i) {
          gort::chan<gort::time_point> c;
          auto d = std::chrono::microseconds((i + w) % 20);
          if (i % 2 == 0) {
            gort::timer t(d);
            c = t.c();
            if (i % 4 == 0) gort::yield();
          } else {
            gort::ticker tk(d + 1us);
            c = tk.c();
            if (i % 3 == 0) gort::yield();
          }
          (void)c.try_recv();  // drain a value sent before the timer died
          kept[w].push_back(c);
        }
        wg.done();
      });
    }
    wg.wait();
    queued = gort::internal::earliest_timer() != 0;
    gort::sleep(2ms);
    arrived = 0;
    for (auto& cs : kept)
      for (auto& c : cs) arrived += c.try_recv().has_value();
  });
  EXPECT_EQ(arrived, 0);
  EXPECT_FALSE(queued);
}

// ---------------------------------------------------------------------------------------------
// Durations too long to represent (Go clamps deadlines to the maximum; the chrono conversion to
// nanoseconds, which would overflow, saturates)

static_assert(gort::internal::saturated_ns(std::chrono::hours::max()) ==
              std::chrono::nanoseconds::max());
static_assert(gort::internal::saturated_ns(std::chrono::hours::min()) ==
              std::chrono::nanoseconds::min());
static_assert(gort::internal::saturated_ns(std::chrono::microseconds(-5)) ==
              std::chrono::nanoseconds(-5000));
static_assert(gort::internal::saturated_ns(std::chrono::seconds(9'223'372'036)) ==
              std::chrono::nanoseconds(9'223'372'036'000'000'000));
static_assert(gort::internal::saturated_ns(std::chrono::seconds(9'223'372'037)) ==
              std::chrono::nanoseconds::max());
static_assert(gort::internal::saturated_ns(std::chrono::duration<unsigned long long, std::nano>(
                  std::numeric_limits<unsigned long long>::max())) ==
              std::chrono::nanoseconds::max());
// The overloads accept what converts implicitly to nanoseconds, and nothing more.
static_assert(gort::internal::coarse_duration<std::chrono::hours>);
static_assert(!gort::internal::coarse_duration<std::chrono::nanoseconds>);
static_assert(!gort::internal::coarse_duration<std::chrono::duration<double>>);
static_assert(!gort::internal::coarse_duration<std::chrono::duration<long, std::pico>>);

TEST_P(Time, TimersWithTheLongestDurationsNeverFireAndStopWithTrue) {
  // Checks (Go: a deadline past the maximum is the maximum): timers, after() channels, tickers
  // and after_func timers of nanoseconds::max() and hours::max() (whose conversion would
  // overflow) have not fired after 20 ms (an overflowed deadline lies in the past and fires at
  // once), and each timer's stop() returns true; reset to the maximum returns false after that
  // stop, and the next stop true. hours::min() fires at once, like any non-positive duration.
  std::vector<bool> stops;
  int fired = -1;
  bool min_fired = false;
  run([&] {
    std::atomic<int> funcs{0};
    gort::timer t1(std::chrono::nanoseconds::max());
    gort::timer t2(std::chrono::hours::max());
    auto a1 = gort::after(std::chrono::nanoseconds::max());
    auto a2 = gort::after(std::chrono::hours::max());
    gort::ticker k1(std::chrono::nanoseconds::max());
    gort::ticker k2(std::chrono::hours::max());
    gort::timer f1 = gort::after_func(std::chrono::nanoseconds::max(), [&funcs] { ++funcs; });
    gort::timer f2 = gort::after_func(std::chrono::hours::max(), [&funcs] { ++funcs; });
    gort::timer t3(1h);
    bool r3 = t3.reset(std::chrono::hours::max());
    k1.reset(std::chrono::hours::max());
    min_fired = gort::timer(std::chrono::hours::min()).c().recv().second;
    gort::sleep(20ms);
    fired = funcs.load();
    const std::vector<gort::chan<gort::time_point>> cs{t1.c(), t2.c(), a1,    a2,
                                                       k1.c(), k2.c(), t3.c()};
    for (const auto& c : cs) fired += c.try_recv().has_value();
    stops = {t1.stop(), t2.stop(), f1.stop(), f2.stop(), r3, t3.stop()};
    stops.push_back(t1.reset(std::chrono::nanoseconds::max()));
    stops.push_back(t1.stop());
  });
  EXPECT_EQ(fired, 0);
  EXPECT_TRUE(min_fired);
  EXPECT_EQ(stops, (std::vector<bool>{true, true, true, true, true, true, false, true}));
}

TEST_P(Time, TickerReArmedPastTheMaximumSaturates) {
  // Checks (white box, Go's runOneTimer clamps a ticker's next deadline): a channel timer with a
  // period of INT64_MAX - 1 ns, armed to fire at once, delivers one tick; its re-arm would carry
  // the deadline past INT64_MAX (a deadline in the past: it would fire again at every look,
  // UBSan: signed overflow), so it saturates: no second tick within 5 ms, and the timer is
  // still pending (stop returns true).
  bool first = false, second = true, pending = false;
  run([&] {
    auto c = gort::make_chan<gort::time_point>(1);
    auto* t = gort::internal::timer_make_chan(gort::internal::chan_handle(c),
                                              std::numeric_limits<std::int64_t>::max() - 1);
    gort::internal::timer_start(t, 0);
    first = c.recv().second;
    gort::sleep(5ms);
    second = c.try_recv().has_value();
    pending = gort::internal::timer_stop(t);
    gort::internal::timer_release(t);
  });
  EXPECT_TRUE(first);
  EXPECT_FALSE(second);
  EXPECT_TRUE(pending);
}

TEST(TimeSaturation, NoteSleepForTheMaximumWaitsForItsWakeup) {
  // Checks (white box): note::sleep_for(INT64_MAX), what the timer sleeper does for a timer that
  // never fires, sleeps until woken (returns true). Its deadline, now + INT64_MAX, overflowed:
  // undefined behaviour, which UBSan (asan preset) stops on; unchecked, the arithmetic wrapped
  // twice and happened to give a long sleep.
  gort::internal::note n;
  std::thread waker([&n] {
    std::this_thread::sleep_for(5ms);
    n.wakeup();
  });
  bool woken = n.sleep_for(std::numeric_limits<std::int64_t>::max());
  waker.join();
  EXPECT_TRUE(woken);
}

// ---------------------------------------------------------------------------------------------
// Plain threads

TEST(TimeOutsideRun, TimersWorkOnPlainThreads) {
  // Checks: with no gort::run (a timer thread serves the timers), after() delivers a time no
  // earlier than its deadline, a timer stops and resets, a ticker ticks, and a thread blocked in
  // select with a timeout wakes; also from two threads at once.
  auto start = Clock::now();
  auto [t, ok] = gort::after(5ms).recv();
  EXPECT_TRUE(ok);
  EXPECT_GE(t, start + 5ms);

  gort::timer tm(1h);
  EXPECT_TRUE(tm.stop());
  EXPECT_FALSE(tm.reset(1ms));
  EXPECT_TRUE(tm.c().recv().second);

  gort::ticker tk(1ms);
  gort::time_point prev{};
  for (int i = 0; i < 3; ++i) {
    auto [v, vok] = tk.c().recv();
    EXPECT_TRUE(vok);
    EXPECT_GT(v, prev);
    prev = v;
  }
  tk.stop();

  std::vector<int> picks(2, -1);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&picks, i] {
      auto never = gort::make_chan<int>();
      picks[i] = gort::select(gort::recv(never), gort::recv(gort::after(3ms)));
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(picks, (std::vector<int>{1, 1}));
}

TEST(TimeOutsideRun, TimerMadeOutsideRunWakesAGoroutine) {
  // Checks: a channel from after() made before gort::run is received from inside it: main
  // parks on it (the value comes from outside the runtime's own timers; that is not a
  // deadlock).
  bool inside = false;
  auto before = gort::after(5ms);
  int rc = gort::run([&] { inside = before.recv().second; }, 2);
  EXPECT_EQ(rc, 0);
  EXPECT_TRUE(inside);
}

}  // namespace
