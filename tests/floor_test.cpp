// Copyright 2026 The gort Authors.
//
// Tests of the user-level paths made cheaper by issue 12 item 2 (docs/floor.md), under P = 1,
// 2, 4 and 8:
//   - the waitgroup's own semaphore (src/sync/sync.cpp, wg_semacquire / wg_semrelease): many
//     waiters, goroutines and plain threads, released at once, cycle after cycle; a wait racing
//     the done that releases it; a waiter that counted itself in but had not queued yet;
//   - ready's runnext exchange as wakep's fence: a goroutine readied while the readier keeps its
//     P busy must still be run by another P (it would starve if a wakeup were lost);
//   - dead Gs keeping their stacks (goroutine.cpp's gfput, stack.cpp's attach_stack): every
//     goroutine gets a whole, writable stack, callables in the G and on the stack alike, and a
//     goroutine started without a stack takes a dead G's before a new one is mapped (white-box:
//     the G's stack span);
//   - direct switches (proc.cpp's "Direct switches": a goroutine that parks or ends switches
//     straight to its P's runnext goroutine): each goroutine of a ping-pong pair keeps its own FP
//     rounding mode, its own caught exception and uncaught count, its frame depth, defers and
//     panic across the exchanges, and a goroutine started straight from one that parks starts
//     with the thread's initial FP mode, not its parent's.

#include <atomic>
#include <cfenv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <gort/gort.hpp>

#include "sched/runtime.hpp"
#include "test_support.hpp"

namespace {

using gort_test::scaled;

class Floor : public gort_test::Runtime {};
GORT_INSTANTIATE_PROCS(Floor);

TEST_P(Floor, WaitGroupReleasesEveryWaiterOfEveryCycle) {
  // Checks: each cycle, kWaiters goroutines and kThreads plain threads wait on one waitgroup; the
  // releaser sets `released` and then calls done. Every waiter returns (none is lost), and none
  // returns before the release (it sees `released`). The next cycle starts only once all have
  // returned (Go's reuse rule).
  const int kCycles = scaled(200);
  constexpr int kWaiters = 8;
  constexpr int kThreads = 2;
  std::atomic<int> returned{0};
  std::atomic<int> early{0};
  run([&] {
    for (int c = 0; c < kCycles; ++c) {
      gort::waitgroup wg;
      gort::waitgroup all;
      std::atomic<bool> released{false};
      wg.add(1);
      all.add(kWaiters + kThreads);
      auto waiter = [&] {
        wg.wait();
        if (!released.load()) early.fetch_add(1);
        returned.fetch_add(1);
        all.done();
      };
      for (int i = 0; i < kWaiters; ++i) gort::go(waiter);
      std::vector<std::thread> threads;
      for (int i = 0; i < kThreads; ++i) threads.emplace_back(waiter);
      for (int i = 0; i < c % 3; ++i) gort::yield();  // some waiters queue, some come late
      released.store(true);
      wg.done();
      all.wait();
      for (auto& t : threads) t.join();
    }
  });
  EXPECT_EQ(returned.load(), kCycles * (kWaiters + kThreads));
  EXPECT_EQ(early.load(), 0);
}

TEST_P(Floor, WaitGroupWaitRacesTheDoneThatReleasesIt) {
  // Checks: add(1), a goroutine (or, every 8th time, a plain thread) increments x and calls done,
  // wait; wait returns only after that increment (x is i + 1 when it returns), whether the done
  // came before wait queued, while it queued, or after it parked.
  const int kN = scaled(20000);
  int wrong = -1;
  run([&] {
    gort::waitgroup wg;
    std::atomic<int> x{0};
    wrong = 0;
    for (int i = 0; i < kN; ++i) {
      wg.add(1);
      auto body = [&] {
        x.fetch_add(1);
        wg.done();
      };
      if (i % 8 == 7) {
        std::thread t(body);
        wg.wait();
        t.join();
      } else {
        gort::go(body);
        wg.wait();
      }
      if (x.load() != i + 1) ++wrong;
    }
  });
  EXPECT_EQ(wrong, 0);
}

TEST_P(Floor, WaitGroupCountsAWaiterThatHasNotQueuedYet) {
  // Checks: waiters that counted themselves in (wait's CAS) but were beaten to the bucket lock by
  // the release get their unit when they arrive: with many waiters racing one done on every P,
  // all of them return, cycle after cycle.
  const int kCycles = scaled(300);
  constexpr int kWaiters = 16;
  std::atomic<int> returned{0};
  run([&] {
    for (int c = 0; c < kCycles; ++c) {
      gort::waitgroup wg;
      gort::waitgroup all;
      wg.add(1);
      all.add(kWaiters + 1);
      for (int i = 0; i < kWaiters; ++i) {
        gort::go([&] {
          wg.wait();
          returned.fetch_add(1);
          all.done();
        });
      }
      gort::go([&] {
        wg.done();
        all.done();
      });
      all.wait();
    }
  });
  EXPECT_EQ(returned.load(), kCycles * kWaiters);
}

TEST_P(Floor, AReadiedGoroutineRunsWhileItsReaderKeepsThePBusy) {
  // Checks: with P > 1, a goroutine readied onto a run queue while its readier keeps running
  // without blocking is run by another P: main readies A (runnext), then B (runnext; A moves to
  // the queue, and wakep's fence orders that store before it looks for idle Ps), then spins
  // until A has run. Every other round a plain thread readies A instead (the global queue). A
  // lost wakeup would hang the test. (With P = 1 main yields while it waits. B, left in runnext,
  // is run when main yields: runnext alone does not wake an M, docs/scheduler.md.)
  const int kRounds = scaled(300);
  run([&] {
    for (int r = 0; r < kRounds; ++r) {
      std::atomic<int> stage_a{0}, stage_b{0};
      auto ca = gort::make_chan<int>();
      auto cb = gort::make_chan<int>();
      auto body = [](std::atomic<int>* stage, gort::chan<int> c) {
        stage->store(1);
        c.recv();  // parks until readied by the send
        stage->store(2);
      };
      gort::go(body, &stage_a, ca);
      gort::go(body, &stage_b, cb);
      while (stage_a.load() < 1 || stage_b.load() < 1) gort::yield();
      if (r % 2 == 0) {
        ca.send(r);
      } else {
        std::thread t([ca, r] { ca.send(r); });
        t.join();
      }
      cb.send(r);
      while (stage_a.load() < 2)
        if (procs() == 1) gort::yield();
      while (stage_b.load() < 2) gort::yield();
    }
  });
}

TEST_P(Floor, AGoroutineLeftInRunnextBehindASpinningReadierIsRun) {
  // Checks: with P > 1, a goroutine readied into its readier's runnext while that readier keeps
  // its P busy (it spins, never blocking or yielding) is run by another P. The spinning M that
  // the readying found may be giving up at that moment (its last look does not count runnext,
  // docs/scheduler.md), so no one might steal it: sysmon wakes an M for a runnext that stayed
  // put across its ticks, and that M steals it. Without that, a round waits forever; the bound
  // below only turns such a hang into a failure (it is minutes above the ~20 ms sysmon needs).
  if (procs() == 1) GTEST_SKIP() << "one P: the readier's own P is the only one";
  const int kRounds = scaled(300);
  run([&] {
    int lost = 0;
    for (int r = 0; r < kRounds && lost == 0; ++r) {
      std::atomic<int> stage{0};
      auto c = gort::make_chan<int>();
      gort::go(
          [&stage](gort::chan<int> ch) {
            stage.store(1);
            ch.recv();  // parks; the send readies it into the sender's runnext
            stage.store(2);
          },
          c);
      while (stage.load() < 1) gort::yield();
      c.send(r);
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (stage.load() < 2) {
        if (std::chrono::steady_clock::now() > deadline) {
          ++lost;
          break;
        }
      }
      while (stage.load() < 2) gort::yield();  // a lost one runs once main yields
    }
    EXPECT_EQ(lost, 0) << "a goroutine in runnext was not run while its P stayed busy";
  });
}

// use_stack writes and reads back `kb` KiB of the running goroutine's stack; true if intact.
[[gnu::noinline]] bool use_stack(int kb, unsigned char seed) {
  volatile unsigned char buf[64 * 1024];
  std::size_t n = static_cast<std::size_t>(kb) * 1024;
  for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<unsigned char>(seed + i);
  for (std::size_t i = 0; i < n; ++i)
    if (buf[i] != static_cast<unsigned char>(seed + i)) return false;
  return true;
}

TEST_P(Floor, ReusedGoroutinesGetWholeStacksAndDoNotGrowTheirNumber) {
  // Checks: (1) kLive goroutines alive at once, then ended: kLive dead Gs keep their stacks.
  // (2) 2 * kLive goroutines with callables in the G, spawned without yielding: half reuse those
  // Gs, half are new Gs without a stack. At P = 1 (deterministic) no new stack is mapped: a
  // reused G made behind queued goroutines gives its stack to the cache for them, and a G
  // started without a stack takes a cached one or a dead G's. (Were the stacks kept on the
  // queued reused Gs, the new Gs would map kLive more.)
  // (3) goroutines alternately with a callable in the G and one too large for it (on the stack,
  // taken when the goroutine is made), reused and new: each sees a whole stack, uses 32 KiB of
  // it, and finds its callable's bytes intact.
  constexpr int kLive = 64;
  std::set<const unsigned char*> seen1, seen2;
  std::mutex mu;
  std::atomic<int> bad{0};
  auto record = [&](std::set<const unsigned char*>& seen) {
    const auto& s = gort::internal::current_g()->stack;
    if (s.lo == nullptr || s.hi <= s.lo) bad.fetch_add(1);
    std::lock_guard lock(mu);
    seen.insert(s.lo);
  };
  run([&] {
    {
      auto gate = gort::make_chan<int>();
      gort::waitgroup started, wg;
      started.add(kLive);
      wg.add(kLive);
      for (int i = 0; i < kLive; ++i) {
        gort::go([&, gate] {
          record(seen1);
          started.done();
          gate.recv();  // every one is alive until the close
          wg.done();
        });
      }
      started.wait();
      gate.close();
      wg.wait();
    }
    for (int k = 0; k < 100; ++k) gort::yield();  // let every goroutine of (1) end
    {
      gort::waitgroup wg;
      wg.add(2 * kLive);
      for (int i = 0; i < 2 * kLive; ++i) {
        gort::go([&] {
          record(seen2);
          wg.done();
        });
      }
      wg.wait();
    }
    gort::waitgroup wg;
    wg.add(4 * kLive);
    for (int i = 0; i < 4 * kLive; ++i) {
      auto check = [&, i](const unsigned char* big, std::size_t n) {
        for (std::size_t j = 0; j < n; ++j)
          if (big[j] != static_cast<unsigned char>(i + j)) bad.fetch_add(1);
        if (!use_stack(32, static_cast<unsigned char>(i))) bad.fetch_add(1);
        wg.done();
      };
      if (i % 2 == 0) {
        gort::go([check] { check(nullptr, 0); });
      } else {
        unsigned char big[200];  // over the G's 64-byte buffer: the callable goes on the stack
        for (std::size_t j = 0; j < sizeof big; ++j) big[j] = static_cast<unsigned char>(i + j);
        gort::go([check, big] { check(big, sizeof big); });
      }
      if (i % 16 == 15) gort::yield();
    }
    wg.wait();
  });
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(seen1.size(), static_cast<std::size_t>(kLive));
  if (procs() == 1) {
    std::set<const unsigned char*> all = seen1;
    all.insert(seen2.begin(), seen2.end());
    EXPECT_LE(all.size(), static_cast<std::size_t>(kLive) + 1) << "new stacks were mapped";
  }
}

TEST_P(Floor, DirectSwitchesKeepEachGoroutinesFpModeExceptionsAndFrames) {
  // Checks: pairs of goroutines bounce a value over unbuffered channels (every receive parks,
  // every send readies the partner into runnext, so at P = 1 every switch is a direct one). Each
  // goroutine has its own rounding mode and exchanges values inside a catch block, inside a
  // destructor run by unwinding and inside a deferred call run by a panic; after every exchange
  // it must still see its own mode, its own exception, its own uncaught_exceptions() count, and
  // in the end recover its own panic. Each pair's first goroutine also starts a goroutine just
  // before it parks (a fresh goroutine started by a direct switch): that one must see the
  // thread's initial rounding mode (to nearest), not its parent's.
  constexpr int kPairs = 4;
  constexpr int kRounds = 50;
  const int modes[] = {FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO, FE_TONEAREST};
  std::atomic<int> bad{0}, fresh_not_default{0}, recovered{0};
  run([&] {
    gort::waitgroup wg;
    for (int pr = 0; pr < kPairs; ++pr) {
      auto ping = gort::make_chan<int>();
      auto pong = gort::make_chan<int>();
      for (int side = 0; side < 2; ++side) {
        int me = 2 * pr + side;
        int mode = modes[me % 4];
        wg.add(1);
        gort::go([&, ping, pong, side, me, mode] {
          std::fesetround(mode);
          // One exchange: side 0 sends first, side 1 answers; both check their own state after.
          auto exchange = [&](int v) {
            if (side == 0) {
              if (v % 10 == 0) {
                // Parking on `done` runs the new goroutine (in runnext) straight from here; its
                // exit switches straight back.
                auto done = gort::make_chan<int>();
                gort::go([done] { done.send(std::fegetround() == FE_TONEAREST ? 0 : 1); });
                if (done.recv().first != 0) fresh_not_default.fetch_add(1);
              }
              ping.send(v);
              if (pong.recv().first != v) bad.fetch_add(1);
            } else {
              if (ping.recv().first != v) bad.fetch_add(1);
              pong.send(v);
            }
            if (std::fegetround() != mode) bad.fetch_add(1);
          };
          int v = 0;
          try {
            throw std::runtime_error("goroutine " + std::to_string(me));
          } catch (const std::runtime_error& e) {
            for (int i = 0; i < kRounds; ++i) exchange(v++);
            try {
              throw;
            } catch (const std::runtime_error& again) {
              if (std::string(again.what()) != "goroutine " + std::to_string(me)) bad.fetch_add(1);
            }
          }
          struct ExchangingDestructor {
            decltype(exchange)& ex;
            int& v;
            std::atomic<int>& bad;
            ~ExchangingDestructor() {
              for (int i = 0; i < kRounds; ++i) ex(v++);
              if (std::uncaught_exceptions() != 1) bad.fetch_add(1);
            }
          };
          try {
            ExchangingDestructor d{exchange, v, bad};
            throw me;
          } catch (int) {
          }
          gort::func([&](gort::frame& f) {
            f.defer([&] {
              for (int i = 0; i < kRounds; ++i) exchange(v++);
              std::any r = gort::recover();
              if (r.has_value() && std::any_cast<int>(r) == me) recovered.fetch_add(1);
            });
            gort::func([&](gort::frame&) {
              for (int i = 0; i < kRounds; ++i) exchange(v++);
              gort::panic(me);
            });
          });
          std::fesetround(FE_TONEAREST);
          wg.done();
        });
      }
    }
    wg.wait();
  });
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(fresh_not_default.load(), 0);
  EXPECT_EQ(recovered.load(), 2 * kPairs);
}

}  // namespace
