// Copyright 2026 The gort Authors.
//
// Tests of the G/M/P scheduler (include/gort/go.hpp, src/sched/): gort::run, go, yield, goid,
// maxprocs, sleep, blocking, the stats counters, and the frame core (defer, panic, goexit) on
// goroutines that move between threads. Every test runs under P = 1, 2, 4 and 8 (the Sched
// fixture); the machine running them may have fewer cores than Ps, so no test asserts an upper
// bound on time, and tests that wait for something to happen bound the work they do, not the
// time they take.
//
// Leak check: Sched::run waits, at the end of main, until main is the only live goroutine
// (failing if others stay alive), and checks goroutines_live is 0 once run returned. Frames and
// panics left behind on the test's own thread are caught by test_main.cpp's listener.
//
// There is no waitgroup or channel yet: tests wait with the internal semaphore (which parks
// goroutines and sleeps plain threads) or with atomics and yield().

#include <sys/mman.h>

#include <atomic>
#include <cfenv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <gort/gort.hpp>

#include "sched/runtime.hpp"
#include "sched/sched.hpp"
#include "sched/sema.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using gort::internal::sema;
using Clock = std::chrono::steady_clock;
using Log = std::vector<std::string>;

using gort_test::kAsan;
using gort_test::kTsan;
using gort_test::scaled;

// countdown is a one-shot wait for n events (a waitgroup stand-in): done() from any goroutine or
// thread, wait() parks the caller (or sleeps a plain thread) until n done() calls happened.
class countdown {
 public:
  explicit countdown(int n) : left_(n) {
    if (n == 0) sema_.release();
  }
  void done() {
    if (left_.fetch_sub(1, std::memory_order_acq_rel) == 1) sema_.release();
  }
  void wait() { sema_.acquire("countdown"); }

 private:
  std::atomic<int> left_;
  sema sema_;
};

// Busy CPU work that the compiler cannot drop.
std::uint64_t spin_work(int n) {
  volatile std::uint64_t x = 0;
  for (int i = 0; i < n; ++i) x = x + static_cast<std::uint64_t>(i) * 2654435761u;
  return x;
}

// The fixture (tests/test_support.hpp): each body runs as main under P = 1, 2, 4 and 8, and
// run checks that no goroutine outlives it.
class Sched : public gort_test::Runtime {};
GORT_INSTANTIATE_PROCS(Sched);

// ---------------------------------------------------------------------------------------------
// run

TEST_P(Sched, RunReturnsZeroAndRunsMainAsGoroutineOne) {
  // Checks: main records what it saw in plain variables; run joins every thread it started
  // before returning, so reading them afterwards needs no synchronization.
  EXPECT_EQ(gort::goid(), 0u);
  bool ran = false;
  std::uint64_t id = 0;
  int procs_inside = 0;
  int rc = gort::run(
      [&] {
        ran = true;
        id = gort::goid();
        procs_inside = gort::maxprocs();
      },
      procs());
  EXPECT_EQ(rc, 0);
  EXPECT_TRUE(ran);
  EXPECT_EQ(id, 1u);
  EXPECT_EQ(procs_inside, procs());
  EXPECT_EQ(gort::goid(), 0u);
  EXPECT_EQ(gort::stats().goroutines_live, 0u);
}

TEST_P(Sched, FloatingPointRoundingModeIsPerGoroutine) {
  // Checks: four goroutines each set their own rounding mode, then yield 200 times (moving
  // between threads when P > 1) and read it back after every yield; any mode seen that is not
  // the goroutine's own is counted as a mismatch. Then goroutines started after all of them ended
  // (on threads whose last goroutine left a non-default mode) must start in FE_TONEAREST, and
  // the thread that called run gets its own mode back.
  std::atomic<int> mismatches{0};
  std::atomic<int> fresh_not_default{0};
  run([&] {
    const int modes[] = {FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO, FE_TONEAREST};
    gort::waitgroup wg;
    for (int mode : modes) {
      wg.add(1);
      gort::go([&, mode] {
        std::fesetround(mode);
        for (int i = 0; i < 200; ++i) {
          gort::yield();
          if (std::fegetround() != mode) ++mismatches;
        }
        wg.done();  // ends with its mode still set
      });
    }
    wg.wait();
    std::fesetround(FE_TONEAREST);
    gort::waitgroup fresh;
    for (int i = 0; i < 8; ++i) {
      fresh.add(1);
      gort::go([&] {
        if (std::fegetround() != FE_TONEAREST) ++fresh_not_default;
        fresh.done();
      });
    }
    fresh.wait();
    std::fesetround(FE_UPWARD);  // main ends with a mode of its own...
  });
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(fresh_not_default.load(), 0);
  EXPECT_EQ(std::fegetround(), FE_TONEAREST);  // ...which does not leak to run's caller
}

TEST_P(Sched, RunCanBeCalledAgainAfterItReturned) {
  // Checks: three runs in a row, each spawning goroutines and waiting for them with a
  // countdown; each run's main is goroutine 1 again and sees its own maxprocs.
  for (int round = 0; round < 3; ++round) {
    int procs_round = round == 1 ? 1 : procs();
    std::atomic<int> sum{0};
    std::uint64_t main_id = 0;
    int procs_inside = 0;
    int rc = gort::run(
        [&] {
          main_id = gort::goid();
          procs_inside = gort::maxprocs();
          countdown cd(10);
          for (int i = 1; i <= 10; ++i) gort::go([&sum, &cd](int k) { sum += k, cd.done(); }, i);
          cd.wait();
        },
        procs_round);
    EXPECT_EQ(rc, 0);
    EXPECT_EQ(main_id, 1u) << "round " << round;
    EXPECT_EQ(procs_inside, procs_round);
    EXPECT_EQ(sum.load(), 55) << "round " << round;
    EXPECT_EQ(gort::stats().goroutines_live, 0u);
  }
}

TEST_P(Sched, RunReturnsEveryTimeWhenCalledInALoop) {
  // Checks: many short runs in a row, each with a goroutine and a blocking call (which wakes
  // sysmon); each run must return, and return 0 (a run that never returns ends in ctest's
  // timeout).
  const int kRuns = scaled(2000, 20);
  int failed = 0;
  for (int i = 0; i < kRuns; ++i) {
    int rc = gort::run(
        [] {
          gort::go([] { gort::yield(); });
          gort::blocking([] { return 0; });
        },
        procs());
    failed += rc != 0;
  }
  EXPECT_EQ(failed, 0);
}

TEST_P(Sched, StatsCountCreatedGoroutinesAndNoneLiveAfterRun) {
  // Checks: goroutines_created grows by exactly the goroutines started (plus run's main) and
  // goroutines_live, read inside main while others are parked, counts them all; after run
  // returns nothing is live. The parked goroutines are released by main before it ends.
  constexpr int kN = 50;
  gort::runtime_stats before = gort::stats();
  std::uint64_t live_inside = 0;
  run([&] {
    sema gate;
    countdown parked(kN);
    countdown finished(kN);
    for (int i = 0; i < kN; ++i) {
      gort::go([&] {
        parked.done();
        gate.acquire("gate");
        finished.done();
      });
    }
    parked.wait();
    // Every goroutine has at least reached the acquire: live counts them whether or not they
    // have parked yet.
    live_inside = gort::stats().goroutines_live;
    for (int i = 0; i < kN; ++i) gate.release();
    finished.wait();
  });
  gort::runtime_stats d = gort::stats() - before;
  EXPECT_EQ(live_inside, static_cast<std::uint64_t>(kN) + 1);
  EXPECT_EQ(d.goroutines_created, static_cast<std::uint64_t>(kN) + 1);
  EXPECT_EQ(gort::stats().goroutines_live, 0u);
}

TEST_P(Sched, MaxprocsReportsTheRunningRuntimesPs) {
  // Checks: maxprocs() from main and from another goroutine, compared after run.
  std::atomic<int> from_goroutine{0};
  int from_main = 0;
  run([&] {
    from_main = gort::maxprocs();
    countdown cd(1);
    gort::go([&] {
      from_goroutine = gort::maxprocs();
      cd.done();
    });
    cd.wait();
  });
  EXPECT_EQ(from_main, procs());
  EXPECT_EQ(from_goroutine.load(), procs());
}

// ---------------------------------------------------------------------------------------------
// go

struct Account {
  int balance = 0;
  void deposit(int n) { balance += n; }
};

TEST_P(Sched, GoDecayCopiesTheFunctionAndItsArguments) {
  // Checks: each goroutine records what it received; main changes its own copies right after
  // the go statements; the records are read after run, which returns only once main's
  // Sched::run wrapper saw every other goroutine end.
  std::string seen_string;
  int seen_owned = 0;
  int seen_captured = 0;
  Account by_pointer, by_ref;
  int seen_fn_value = 0;
  run([&] {
    std::string s = "at the go statement";
    gort::go([&](std::string v) { seen_string = v; }, s);
    s = "changed after";

    auto owned = std::make_unique<int>(7);
    gort::go([&](std::unique_ptr<int> p) { seen_owned = *p; }, std::move(owned));
    EXPECT_EQ(owned, nullptr);  // moved into the goroutine at the go statement

    auto captured = std::make_unique<int>(11);
    gort::go([&, p = std::move(captured)]() mutable { seen_captured = *p; });

    // Member function pointers go through std::invoke, on a pointer and a reference_wrapper.
    gort::go(&Account::deposit, &by_pointer, 5);
    gort::go(&Account::deposit, std::ref(by_ref), 9);

    // The function value is evaluated at the go statement, as in Go.
    struct Setter {
      int* out;
      int v;
      void operator()() const { *out = v; }
    };
    Setter f{&seen_fn_value, 1};
    gort::go(f);
    f.v = 2;
  });
  EXPECT_EQ(seen_string, "at the go statement");
  EXPECT_EQ(seen_owned, 7);
  EXPECT_EQ(seen_captured, 11);
  EXPECT_EQ(by_pointer.balance, 5);  // run waited for every goroutine (Sched::run)
  EXPECT_EQ(by_ref.balance, 9);
  EXPECT_EQ(seen_fn_value, 1);
}

TEST_P(Sched, StoredCallablesAndArgumentsAreDestroyedWhenTheGoroutineEnds) {
  // Checks: a counter of live Tracked objects, read once every goroutine has ended (Sched::run
  // waits for that before main returns, so main reads it at the very end).
  static std::atomic<int> alive{0};
  struct Tracked {
    Tracked() { ++alive; }
    Tracked(const Tracked&) { ++alive; }
    Tracked(Tracked&&) noexcept { ++alive; }
    ~Tracked() { --alive; }
  };
  alive = 0;
  int alive_at_end = -1;
  run([&] {
    {
      Tracked t;
      for (int i = 0; i < 20; ++i) {
        gort::go([](Tracked, int) { gort::yield(); }, t, i);
        gort::go([t] { (void)t; });
      }
    }
    Sched::wait_for_other_goroutines();
    alive_at_end = alive.load();
  });
  EXPECT_EQ(alive_at_end, 0);
}

TEST_P(Sched, GoroutineIdsAreUniqueIncreasingAndStable) {
  // Checks: goroutines started one after another by main (which does not switch meanwhile, so
  // it stays on one P) get increasing ids, all > 1; ids of goroutines started by goroutines on
  // any P are unique too (Ps take ids from the global counter in batches, as Go's goidcache, so
  // only ids handed out by one P are ordered); a goroutine's id stays the same across yields (it
  // may resume on another thread). Ids are written to per-goroutine slots and compared after a
  // countdown.
  constexpr int kN = kTsan ? 50 : 200;
  std::vector<std::uint64_t> ids(kN), child_ids(kN);
  std::vector<char> stable(kN, 0);
  run([&] {
    countdown cd(2 * kN);
    for (int i = 0; i < kN; ++i) {
      gort::go([&, i] {
        ids[static_cast<std::size_t>(i)] = gort::goid();
        gort::go([&, i] {
          child_ids[static_cast<std::size_t>(i)] = gort::goid();
          cd.done();
        });
        bool same = true;
        for (int k = 0; k < 10; ++k) {
          gort::yield();
          same = same && gort::goid() == ids[static_cast<std::size_t>(i)];
        }
        stable[static_cast<std::size_t>(i)] = same;
        cd.done();
      });
    }
    cd.wait();
  });
  std::set<std::uint64_t> all;
  for (int i = 0; i < kN; ++i) {
    std::size_t k = static_cast<std::size_t>(i);
    EXPECT_GT(ids[k], 1u);
    if (i > 0) {
      EXPECT_GT(ids[k], ids[k - 1]) << "goroutine " << i;
    }
    EXPECT_GT(child_ids[k], 1u);
    EXPECT_TRUE(stable[k]) << "goroutine " << i << " changed id across yields";
    all.insert(ids[k]);
    all.insert(child_ids[k]);
  }
  EXPECT_EQ(all.size(), 2u * kN);  // no id given twice
}

TEST_P(Sched, ManyGoroutinesAllRunExactlyOnce) {
  // Checks: each goroutine bumps its own slot; the last one to finish (by an atomic count)
  // releases main. Then every slot must be exactly 1, and goroutines_created must have grown by
  // exactly the number started. Main starts them all before it parks, so at P=1 all of them are
  // alive at once (on the local and global run queues).
  constexpr int kN = kTsan ? 1000 : kAsan ? 10000 : 100000;
  std::vector<std::atomic<std::uint8_t>> ran(kN);
  std::uint64_t created = 0;
  run([&] {
    gort::runtime_stats before = gort::stats();
    countdown cd(kN);
    for (int i = 0; i < kN; ++i) {
      gort::go(
          [&ran, &cd](int k) {
            ran[static_cast<std::size_t>(k)].fetch_add(1, std::memory_order_relaxed);
            cd.done();
          },
          i);
    }
    cd.wait();
    created = (gort::stats() - before).goroutines_created;
  });
  int wrong = 0;
  for (auto& r : ran) wrong += r.load() != 1;
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(created, static_cast<std::uint64_t>(kN));
}

TEST_P(Sched, GoroutinesStartedInWavesReuseTheirStacks) {
  // Checks: 100,000+ goroutines in total, in waves that each end before the next starts (a
  // countdown per wave); every goroutine adds its index to a sum compared with the closed form.
  // Dead goroutines' stacks are reused, so this costs far less than 100,000 stacks.
  // ASan clears the shadow of a whole stack each time one is reused (32 KiB per goroutine).
  // TSan creates a fiber for each goroutine start, which costs milliseconds.
  constexpr int kWaves = kTsan ? 2 : kAsan ? 10 : 100;
  constexpr int kPerWave = kTsan ? 512 : 1024;
  std::atomic<std::int64_t> sum{0};
  run([&] {
    for (int w = 0; w < kWaves; ++w) {
      countdown cd(kPerWave);
      for (int i = 0; i < kPerWave; ++i) {
        gort::go(
            [&](std::int64_t k) {
              sum.fetch_add(k, std::memory_order_relaxed);
              cd.done();
            },
            std::int64_t{w} * kPerWave + i);
      }
      cd.wait();
    }
  });
  const std::int64_t n = std::int64_t{kWaves} * kPerWave;
  EXPECT_EQ(sum.load(), n * (n - 1) / 2);
}

TEST_P(Sched, GoFromAPlainThreadDuringRunQueuesTheGoroutineGlobally) {
  // Checks: a std::thread started by main calls gort::go; the new goroutine records its id and
  // signals a countdown main waits on. Main joins the thread inside gort::blocking, so the
  // runtime knows main's M is busy, not idle (a parked main with the thread invisible to the
  // scheduler would look like a deadlock).
  std::uint64_t id = 0;
  std::uint64_t thread_goid = 99;
  std::uint64_t created = 0;
  run([&] {
    gort::runtime_stats before = gort::stats();
    countdown cd(1);
    std::thread t([&] {
      thread_goid = gort::goid();
      gort::go([&] {
        id = gort::goid();
        cd.done();
      });
    });
    gort::blocking([&] { t.join(); });
    cd.wait();
    created = (gort::stats() - before).goroutines_created;
  });
  EXPECT_EQ(thread_goid, 0u);
  EXPECT_GT(id, 1u);
  EXPECT_EQ(created, 1u);
}

// ---------------------------------------------------------------------------------------------
// yield and fairness

TEST_P(Sched, YieldLoopDoesNotStarveOtherGoroutines) {
  // Checks: a spinner goroutine calls only yield() until every worker has finished, and the
  // workers (which also yield) can only finish if the spinner's yields let them run; main parks
  // on a countdown the spinner signals at the end. Then main itself spins on yield while more
  // workers run. A starved worker would hang the test (ctest's timeout). Counts compared at the
  // end.
  constexpr int kWorkers = 64;
  std::atomic<int> finished{0};
  long spins = 0;
  run([&] {
    countdown spinner_done(1);
    gort::go([&] {
      while (finished.load() < kWorkers) {
        gort::yield();
        ++spins;
      }
      spinner_done.done();
    });
    for (int i = 0; i < kWorkers; ++i) {
      gort::go([&] {
        for (int k = 0; k < 10; ++k) gort::yield();
        ++finished;
      });
    }
    spinner_done.wait();

    // Main spins: workers started from main must still run.
    for (int i = 0; i < kWorkers; ++i) {
      gort::go([&] {
        spin_work(100);
        gort::yield();
        ++finished;
      });
    }
    while (finished.load() < 2 * kWorkers) gort::yield();
  });
  EXPECT_EQ(finished.load(), 2 * kWorkers);
  // spins may be 0: at P >= 2 the other P can finish every worker before the spinner first runs.
}

TEST_P(Sched, YieldLoopDoesNotStarveGoroutinesWokenByTimers) {
  // Checks: main spins on yield() until a sleeping goroutine has woken and finished. A woken
  // sleeper is queued on the global run queue by the timer thread; a P whose local queue never
  // empties still serves the global queue (every 61st schedule), so the loop ends. Checked by
  // the loop ending and the sleeper's measured sleep.
  constexpr int kSleepers = 8;
  std::atomic<int> woke{0};
  std::vector<Clock::duration> slept(kSleepers);
  run([&] {
    for (int i = 0; i < kSleepers; ++i) {
      gort::go([&, i] {
        auto t0 = Clock::now();
        gort::sleep(std::chrono::milliseconds(1 + i));
        slept[static_cast<std::size_t>(i)] = Clock::now() - t0;
        ++woke;
      });
    }
    while (woke.load() < kSleepers) gort::yield();
  });
  for (int i = 0; i < kSleepers; ++i)
    EXPECT_GE(slept[static_cast<std::size_t>(i)], std::chrono::milliseconds(1 + i));
}

// ---------------------------------------------------------------------------------------------
// Parking and wakeups

TEST_P(Sched, SemaPingPongLosesNoWakeups) {
  // Checks: pairs of goroutines hand a token back and forth through two semaphores, kRounds
  // times each; every acquire needs the matching release's wakeup (the wakers run on whichever P
  // they are on, so at P>1 wakeups cross Ps). A lost wakeup leaves a pair parked forever: the
  // deadlock detector kills the test, or ctest's timeout does. Afterwards every semaphore must
  // be back at zero.
  constexpr int kPairs = 4;
  const int kRounds = scaled(5000);
  struct Pair {
    sema ping, pong;
    int pinged = 0, ponged = 0;
  };
  std::vector<std::unique_ptr<Pair>> pairs;
  for (int i = 0; i < kPairs; ++i) pairs.push_back(std::make_unique<Pair>());
  bool all_zero = true;
  run([&] {
    countdown cd(2 * kPairs);
    for (auto& up : pairs) {
      Pair* pr = up.get();
      gort::go([pr, &cd] {
        for (int r = 0; r < kRounds; ++r) {
          pr->ping.release();
          pr->pong.acquire("pong");
          ++pr->pinged;
        }
        cd.done();
      });
      gort::go([pr, &cd] {
        for (int r = 0; r < kRounds; ++r) {
          pr->ping.acquire("ping");
          ++pr->ponged;
          pr->pong.release();
        }
        cd.done();
      });
    }
    cd.wait();
    for (auto& up : pairs)
      all_zero = all_zero && !up->ping.try_acquire() && !up->pong.try_acquire();
  });
  for (auto& up : pairs) {
    EXPECT_EQ(up->pinged, kRounds);
    EXPECT_EQ(up->ponged, kRounds);
  }
  EXPECT_TRUE(all_zero);
}

TEST_P(Sched, ManyWaitersOnOneSemaAllWake) {
  // Checks: kN goroutines park on one semaphore; main releases it kN times; each waiter bumps a
  // counter and signals a countdown. Any lost unit or wakeup hangs the wait; a unit given twice
  // would leave the semaphore non-zero (try_acquire succeeds).
  constexpr int kN = 500;
  std::atomic<int> woke{0};
  bool leftover = true;
  run([&] {
    sema s;
    countdown cd(kN);
    for (int i = 0; i < kN; ++i) {
      gort::go([&] {
        s.acquire("many");
        ++woke;
        cd.done();
      });
    }
    for (int i = 0; i < kN; ++i) {
      s.release();
      if (i % 7 == 0) gort::yield();
    }
    cd.wait();
    leftover = s.try_acquire();
  });
  EXPECT_EQ(woke.load(), kN);
  EXPECT_FALSE(leftover);
}

TEST_P(Sched, ParkAndReadyWithAnUnlockFunction) {
  // Checks: a goroutine parks with park(); its unlock function runs after the goroutine is off
  // its stack and publishes the G; main readies it. The unlock function returning false makes the
  // goroutine runnable at once (no ready needed). Flags compared after a countdown.
  std::atomic<bool> resumed{false};
  std::atomic<bool> not_parked{false};
  run([&] {
    std::atomic<gort::internal::g*> parked{nullptr};
    countdown cd(2);
    gort::go([&] {
      gort::internal::park(
          [](gort::internal::g* gp, void* arg) {
            static_cast<std::atomic<gort::internal::g*>*>(arg)->store(gp);
            return true;
          },
          &parked, "test park");
      resumed = true;
      cd.done();
    });
    gort::go([&] {
      gort::internal::park([](gort::internal::g*, void*) { return false; }, nullptr, "never parks");
      not_parked = true;
      cd.done();
    });
    while (parked.load() == nullptr) gort::yield();
    EXPECT_FALSE(resumed.load());
    gort::internal::ready(parked.load());
    cd.wait();
  });
  EXPECT_TRUE(resumed.load());
  EXPECT_TRUE(not_parked.load());
}

TEST_P(Sched, PlainThreadAndGoroutinePingPongThroughSema) {
  // Checks: a std::thread (sleeping on the semaphore's futex note) and a goroutine (parking)
  // alternate kRounds times; each side counts its turns. Main waits in gort::blocking for the
  // thread to end, so the runtime counts main's M as busy while the goroutine is parked.
  const int kRounds = scaled(2000);
  int thread_turns = 0, goroutine_turns = 0;
  run([&] {
    sema to_thread, to_goroutine;
    countdown cd(1);
    gort::go([&] {
      for (int r = 0; r < kRounds; ++r) {
        to_thread.release();
        to_goroutine.acquire("from thread");
        ++goroutine_turns;
      }
      cd.done();
    });
    std::thread t([&] {
      for (int r = 0; r < kRounds; ++r) {
        to_thread.acquire();
        ++thread_turns;
        to_goroutine.release();
      }
    });
    gort::blocking([&] { t.join(); });
    cd.wait();
  });
  EXPECT_EQ(thread_turns, kRounds);
  EXPECT_EQ(goroutine_turns, kRounds);
}

TEST_P(Sched, GoroutineWokenOnlyByAPlainThreadIsNotADeadlock) {
  // Checks: main parks on a semaphore that only a std::thread (started before run) releases,
  // 50 ms later. Until then every goroutine is parked and every M idle, but the thread can still
  // wake main (API.md: a deadlock is when nothing can wake a goroutine), so the runtime must not
  // report a deadlock. Checked by main getting past the acquire (a false report would kill the
  // process).
  bool woken = false;
  sema s;
  std::thread t([&] {
    std::this_thread::sleep_for(50ms);
    s.release();
  });
  run([&] {
    s.acquire("released by a plain thread");
    woken = true;
  });
  t.join();
  EXPECT_TRUE(woken);
}

TEST_P(Sched, GoroutineWokenByAThreadAGoroutineStartedIsNotADeadlock) {
  // Checks: as above, but the std::thread is started by a goroutine that runs on another M than
  // run's thread: main first sits in a blocking call, so at P=1 its P is handed to a new M,
  // where the goroutine starts the thread. Main then parks until the thread releases it.
  bool woken = false;
  sema s;
  std::thread t;
  run([&] {
    sema started;
    gort::go([&] {
      t = std::thread([&] {
        std::this_thread::sleep_for(50ms);
        s.release();
      });
      started.release();
    });
    gort::blocking([] { std::this_thread::sleep_for(20ms); });
    started.acquire("thread started");
    s.acquire("released by a plain thread");
    woken = true;
  });
  t.join();
  EXPECT_TRUE(woken);
}

// ---------------------------------------------------------------------------------------------
// Work stealing

TEST_P(Sched, IdlePsStealFromABusyOne) {
  // Checks (P >= 2 only): one goroutine starts batches of CPU-busy goroutines that yield, all on
  // its own P's queue, and waits for each batch; idle Ps must steal some of them, seen in
  // stats().steals. To stay robust on a loaded 2-core machine, the bound is on work (batches),
  // not on time: the other Ms get many chances to be scheduled by the OS. At P=1 there is no one
  // to steal, and the counter must stay at zero.
  constexpr int kBatch = 64;
  const int kMaxBatches = scaled(2000, 4);
  std::uint64_t steals = 0, stolen = 0;
  int batches = 0;
  std::atomic<long> work_done{0};
  run([&] {
    gort::runtime_stats before = gort::stats();
    while (batches < kMaxBatches) {
      ++batches;
      countdown cd(kBatch);
      for (int i = 0; i < kBatch; ++i) {
        gort::go([&] {
          for (int k = 0; k < 5; ++k) {
            spin_work(2000);
            gort::yield();
          }
          ++work_done;
          cd.done();
        });
      }
      cd.wait();
      gort::runtime_stats d = gort::stats() - before;
      steals = d.steals;
      stolen = d.stolen_goroutines;
      if (procs() >= 2 && steals > 0 && batches >= 2) break;
      if (procs() == 1 && batches >= 3) break;
    }
  });
  EXPECT_EQ(work_done.load(), static_cast<long>(batches) * kBatch);
  if (procs() >= 2) {
    EXPECT_GT(steals, 0u) << "no steal in " << batches << " batches of " << kBatch;
    EXPECT_GE(stolen, steals);
  } else {
    EXPECT_EQ(steals, 0u);
  }
}

// ---------------------------------------------------------------------------------------------
// sleep

TEST_P(Sched, SleepLastsAtLeastTheDuration) {
  // Checks: each goroutine (and main) measures its own sleep with steady_clock; each must be
  // at least the requested duration. There is no upper bound: the machine may be loaded.
  constexpr int kN = 12;
  std::vector<Clock::duration> slept(kN);
  Clock::duration main_slept{};
  auto want = [](int i) { return std::chrono::microseconds(200 + 1500 * (i % 6)); };
  run([&] {
    countdown cd(kN);
    for (int i = 0; i < kN; ++i) {
      gort::go([&, i] {
        auto t0 = Clock::now();
        gort::sleep(want(i));
        slept[static_cast<std::size_t>(i)] = Clock::now() - t0;
        cd.done();
      });
    }
    auto t0 = Clock::now();
    gort::sleep(10ms);
    main_slept = Clock::now() - t0;
    cd.wait();
  });
  for (int i = 0; i < kN; ++i) EXPECT_GE(slept[static_cast<std::size_t>(i)], want(i)) << i;
  EXPECT_GE(main_slept, 10ms);
}

TEST_P(Sched, SleepOfZeroOrLessReturnsWithoutParking) {
  // Checks: with no other goroutine, sleep(0) and sleep(-1ms) return and no context switch
  // happens (main never left its P): context_switches is unchanged.
  std::uint64_t switches = 99;
  run([&] {
    gort::runtime_stats before = gort::stats();
    gort::sleep(0ns);
    gort::sleep(-1ms);
    gort::sleep(std::chrono::nanoseconds::min());
    switches = (gort::stats() - before).context_switches;
  });
  EXPECT_EQ(switches, 0u);
}

TEST_P(Sched, SleepingGoroutineLeavesItsPToOthers) {
  // Checks: main sleeps while a goroutine it started spins on yield, counting. At P=1 the
  // spinner is on main's P (runnext), so it runs as soon as main parks, and must have counted
  // before main wakes: checked only at P=1, where it does not depend on the OS scheduling other
  // threads. At any P, main's sleep lasts at least its duration.
  std::atomic<bool> stop{false};
  std::atomic<long> count{0};
  long count_at_wake = 0;
  Clock::duration slept{};
  run([&] {
    countdown cd(1);
    gort::go([&] {
      while (!stop.load()) {
        ++count;
        gort::yield();
      }
      cd.done();
    });
    auto t0 = Clock::now();
    gort::sleep(20ms);
    slept = Clock::now() - t0;
    count_at_wake = count.load();
    stop = true;
    cd.wait();
  });
  EXPECT_GE(slept, 20ms);
  if (procs() == 1) {
    EXPECT_GT(count_at_wake, 0);
  }
}

// ---------------------------------------------------------------------------------------------
// blocking

TEST_P(Sched, BlockingReturnsTheFunctionsResult) {
  // Checks: values returned through gort::blocking, compared after run.
  int v = 0;
  std::unique_ptr<int> p;
  int side = 0;
  std::string s;
  run([&] {
    v = gort::blocking([] { return 42; });
    p = gort::blocking([] { return std::make_unique<int>(5); });
    gort::blocking([&] { side = 3; });
    std::string a = "x";
    s = gort::blocking([&]() -> std::string { return a + std::to_string(7); });
  });
  EXPECT_EQ(v, 42);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 5);
  EXPECT_EQ(side, 3);
  EXPECT_EQ(s, "x7");
  EXPECT_EQ(gort::blocking([] { return 8; }), 8);  // outside a goroutine: a plain call
}

TEST_P(Sched, OtherGoroutinesRunDuringALongBlockingCall) {
  // Checks: main enters gort::blocking, where its OS thread sleeps in 10 ms steps until a
  // counter bumped by another goroutine has advanced (bounded: 1,000 steps, i.e. 10 s). At P=1
  // the counting goroutine sits on main's P, so it can only run once sysmon hands that P to
  // another M (Go's retake/handoffp): the counter advancing proves the handoff, also counted in
  // stats().syscall_handoffs. Main then returns from the call and must still be able to run.
  std::atomic<bool> stop{false};
  std::atomic<long> count{0};
  long advanced = 0;
  std::uint64_t handoffs = 0;
  bool main_ran_after = false;
  run([&] {
    gort::runtime_stats before = gort::stats();
    countdown cd(1);
    gort::go([&] {
      while (!stop.load()) {
        ++count;
        gort::yield();
      }
      cd.done();
    });
    advanced = gort::blocking([&] {
      long start = count.load();
      for (int i = 0; i < 1000 && count.load() < start + 100; ++i)
        std::this_thread::sleep_for(10ms);
      return count.load() - start;
    });
    handoffs = (gort::stats() - before).syscall_handoffs;
    main_ran_after = true;
    stop = true;
    cd.wait();
  });
  EXPECT_GE(advanced, 100);
  EXPECT_TRUE(main_ran_after);
  if (procs() == 1) {
    EXPECT_GE(handoffs, 1u);
  }
}

TEST_P(Sched, ManyGoroutinesInBlockingCallsAtOnce) {
  // Checks: more goroutines than Ps sit in blocking calls at the same time, each waiting (in
  // its OS thread) for a shared count of entered calls to reach them all; this only finishes if
  // every one of them got a thread and entered, so the Ps were handed on. Bounded by steps.
  constexpr int kN = 6;
  std::atomic<int> entered{0};
  std::atomic<int> reached{0};
  run([&] {
    countdown cd(kN);
    for (int i = 0; i < kN; ++i) {
      gort::go([&] {
        bool all = gort::blocking([&] {
          ++entered;
          for (int k = 0; k < 2000 && entered.load() < kN; ++k) std::this_thread::sleep_for(5ms);
          return entered.load() == kN;
        });
        if (all) ++reached;
        cd.done();
      });
    }
    cd.wait();
  });
  EXPECT_EQ(reached.load(), kN);
}

// ---------------------------------------------------------------------------------------------
// Frame core on goroutines: defer, panic, recover, goexit

TEST_P(Sched, GoexitEndsOnlyItsGoroutineAfterRunningItsDefers) {
  // Checks: the goexiting goroutines log their deferred calls; code after goexit must not run;
  // the sibling and main carry on. The countdown is signalled from a deferred call (as a
  // waitgroup's Done would be). Logs and exact goexit counts compared after run.
  Log log_nested, log_bare;
  std::atomic<bool> after_goexit{false};
  std::atomic<bool> sibling_done{false};
  std::uint64_t goexits = 0;
  run([&] {
    gort::runtime_stats before = gort::stats();
    countdown cd(3);
    gort::go([&] {
      gort::func([&](gort::frame& outer) {
        outer.defer([&] { cd.done(); });
        outer.defer(
            [&] { log_nested.push_back("outer " + std::to_string(gort::recover().has_value())); });
        gort::func([&](gort::frame& inner) {
          inner.defer([&] { log_nested.push_back("inner-1"); });
          inner.defer([&] { log_nested.push_back("inner-2"); });
          gort::yield();
          gort::goexit();
        });
        after_goexit = true;
      });
      after_goexit = true;
    });
    gort::go([&] {
      // No frame at all: goexit just ends the goroutine.
      struct signal_at_end {
        countdown* cd;
        Log* log;
        ~signal_at_end() {
          log->push_back("destructor");
          cd->done();
        }
      } guard{&cd, &log_bare};
      gort::goexit();
    });
    gort::go([&] {
      for (int i = 0; i < 10; ++i) gort::yield();
      sibling_done = true;
      cd.done();
    });
    cd.wait();
    Sched::wait_for_other_goroutines();
    goexits = (gort::stats() - before).goexits;
  });
  EXPECT_EQ(log_nested, (Log{"inner-2", "inner-1", "outer 0"}));
  EXPECT_EQ(log_bare, (Log{"destructor"}));
  EXPECT_FALSE(after_goexit.load());
  EXPECT_TRUE(sibling_done.load());
  EXPECT_EQ(goexits, 2u);
}

TEST_P(Sched, PanicRecoveredInsideAGoroutine) {
  // Checks: each goroutine panics with its own index inside a gort::func and recovers it in a
  // deferred call, then keeps running; a C++ exception is recovered the same way; a panic that
  // leaves the outermost frame is caught as panic_error by the goroutine's own try block. The
  // values land in per-goroutine slots, and panics/recovers grow by exactly what was thrown.
  constexpr int kN = 32;
  std::vector<int> recovered(kN, -1);
  std::vector<char> continued(kN, 0);
  std::string exception_text, escaped;
  std::uint64_t panics = 0, recovers = 0;
  run([&] {
    gort::runtime_stats before = gort::stats();
    countdown cd(kN + 2);
    for (int i = 0; i < kN; ++i) {
      gort::go([&, i] {
        gort::func([&](gort::frame& f) {
          f.defer([&] {
            std::any v = gort::recover();
            if (v.has_value()) recovered[static_cast<std::size_t>(i)] = std::any_cast<int>(v);
          });
          gort::yield();
          gort::panic(i);
        });
        continued[static_cast<std::size_t>(i)] = 1;
        cd.done();
      });
    }
    gort::go([&] {
      gort::func([&](gort::frame& f) {
        f.defer([&] {
          std::any v = gort::recover();
          try {
            std::rethrow_exception(std::any_cast<std::exception_ptr>(v));
          } catch (const std::exception& e) {
            exception_text = e.what();
          }
        });
        throw std::runtime_error("thrown in a goroutine");
      });
      cd.done();
    });
    gort::go([&] {
      try {
        gort::func([&](gort::frame& f) {
          f.defer([] { gort::yield(); });
          gort::panic("escapes the frame");
        });
      } catch (const gort::panic_error& e) {
        escaped = e.what();
      }
      cd.done();
    });
    cd.wait();
    gort::runtime_stats d = gort::stats() - before;
    panics = d.panics;
    recovers = d.recovers;
  });
  for (int i = 0; i < kN; ++i) {
    EXPECT_EQ(recovered[static_cast<std::size_t>(i)], i);
    EXPECT_TRUE(continued[static_cast<std::size_t>(i)]);
  }
  EXPECT_EQ(exception_text, "thrown in a goroutine");
  EXPECT_EQ(escaped, "escapes the frame");
  EXPECT_EQ(panics, static_cast<std::uint64_t>(kN) + 2);
  EXPECT_EQ(recovers, static_cast<std::uint64_t>(kN) + 1);
}

TEST_P(Sched, DefersRunInOrderOnGoroutinesThatMoveBetweenThreads) {
  // Checks: each goroutine registers kDefers deferred calls in one frame (4 inline: each
  // callable is 24 bytes, two 24-byte slots of the frame's 8; the rest in a pooled chunk),
  // yielding after each, so at P>1 the frame is built, and its calls run, on
  // several threads. Each goroutine's log must be in LIFO order, and the defer counters must
  // grow by exactly what was registered. The threads each goroutine ran on are counted, not
  // asserted (migration is likely at P>1, not guaranteed).
  constexpr int kG = 16;
  constexpr int kDefers = 20;  // 4 inline + 16 in one chunk (32 slots)
  constexpr int kYields = 5;
  std::vector<std::vector<int>> logs(kG);
  std::vector<int> threads_seen(kG);
  gort::runtime_stats d;
  run([&] {
    gort::runtime_stats before = gort::stats();
    countdown cd(kG);
    for (int g = 0; g < kG; ++g) {
      gort::go([&, g] {
        std::vector<int>& log = logs[static_cast<std::size_t>(g)];
        std::set<std::thread::id> threads;
        gort::func([&](gort::frame& f) {
          for (int i = 0; i < kDefers; ++i) {
            f.defer([&log, &threads, i] {
              threads.insert(std::this_thread::get_id());
              log.push_back(i);
              gort::yield();  // deferred calls may switch too
            });
            for (int k = 0; k < kYields; ++k) {
              threads.insert(std::this_thread::get_id());
              gort::yield();
            }
          }
        });
        threads_seen[static_cast<std::size_t>(g)] = static_cast<int>(threads.size());
        cd.done();
      });
    }
    cd.wait();
    d = gort::stats() - before;
  });
  int moved = 0;
  for (int g = 0; g < kG; ++g) {
    std::vector<int> want;
    for (int i = kDefers - 1; i >= 0; --i) want.push_back(i);
    EXPECT_EQ(logs[static_cast<std::size_t>(g)], want) << "goroutine " << g;
    moved += threads_seen[static_cast<std::size_t>(g)] > 1;
  }
  RecordProperty("goroutines_that_changed_thread", moved);
  EXPECT_EQ(d.defers_inline, static_cast<std::uint64_t>(kG) * 4);
  EXPECT_EQ(d.defers_pooled, static_cast<std::uint64_t>(kG) * (kDefers - 4));
  EXPECT_EQ(d.defers_heap, 0u);
  EXPECT_EQ(d.defer_pool_hits + d.defer_pool_misses, static_cast<std::uint64_t>(kG));
  EXPECT_EQ(d.panics, 0u);
}

TEST_P(Sched, PanicsAndExceptionStateFollowTheGoroutineAcrossSwitches) {
  // Checks: goroutines switch (yield) in the middle of C++ exception handling: inside a catch
  // block before a rethrow, in a destructor run by unwinding, and in a deferred call run by a
  // panic before it recovers. The thread's exception state is per goroutine, so each must get
  // back its own exception, its own uncaught_exceptions() count and its own panic value. Results
  // in per-goroutine slots, compared after a countdown.
  constexpr int kG = 24;
  std::vector<std::string> rethrown(kG);
  std::vector<int> uncaught_in_dtor(kG, -1), recovered(kG, -1);
  run([&] {
    countdown cd(kG);
    for (int g = 0; g < kG; ++g) {
      gort::go([&, g] {
        std::size_t k = static_cast<std::size_t>(g);
        try {
          try {
            throw std::runtime_error("goroutine " + std::to_string(g));
          } catch (...) {
            for (int i = 0; i < 5; ++i) gort::yield();
            throw;
          }
        } catch (const std::runtime_error& e) {
          rethrown[k] = e.what();
        }

        struct YieldingDestructor {
          int* out;
          ~YieldingDestructor() {
            for (int i = 0; i < 5; ++i) gort::yield();
            *out = std::uncaught_exceptions();
          }
        };
        try {
          YieldingDestructor y{&uncaught_in_dtor[k]};
          throw g;
        } catch (int) {
        }

        gort::func([&](gort::frame& f) {
          f.defer([&] {
            for (int i = 0; i < 5; ++i) gort::yield();
            std::any v = gort::recover();
            if (v.has_value()) recovered[k] = std::any_cast<int>(v);
          });
          gort::panic(g);
        });
        cd.done();
      });
    }
    cd.wait();
  });
  for (int g = 0; g < kG; ++g) {
    std::size_t k = static_cast<std::size_t>(g);
    EXPECT_EQ(rethrown[k], "goroutine " + std::to_string(g));
    EXPECT_EQ(uncaught_in_dtor[k], 1) << g;
    EXPECT_EQ(recovered[k], g);
  }
}

// ---------------------------------------------------------------------------------------------
// Stack size

TEST_P(Sched, GoroutinesGetTheConfiguredStackSize) {
  // Checks: after set_stack_size, stack_size() reports the (page-rounded) size and a goroutine
  // can use most of it: it fills a local buffer of half the size. Restored at the end.
  std::size_t old = gort::stack_size();
  gort::set_stack_size(96 * 1024 + 1);
  std::size_t size = gort::stack_size();
  EXPECT_EQ(size % 4096, 0u);
  EXPECT_GE(size, 96u * 1024);
  std::atomic<int> sum{0};
  run([&] {
    countdown cd(4);
    for (int i = 0; i < 4; ++i) {
      gort::go([&] {
        volatile char buf[48 * 1024];
        for (std::size_t j = 0; j < sizeof buf; j += 512) buf[j] = 1;
        int s = 0;
        for (std::size_t j = 0; j < sizeof buf; j += 512) s += buf[j];
        sum += s;
        cd.done();
      });
    }
    cd.wait();
  });
  gort::set_stack_size(old);
  EXPECT_EQ(gort::stack_size(), old);
  EXPECT_EQ(sum.load(), 4 * 48 * 1024 / 512);
}

// ---------------------------------------------------------------------------------------------
// Outside gort::run

TEST(SchedOutsideRun, BlockingOperationsWorkOnPlainThreads) {
  // Checks: on plain threads (no gort::run active) goid is 0, yield returns, sleep lasts at
  // least its duration, blocking calls fn, and two threads ping-pong through semaphores, which
  // sleep the threads on futex notes. Counts compared after join.
  EXPECT_EQ(gort::goid(), 0u);
  gort::yield();
  auto t0 = Clock::now();
  gort::sleep(5ms);
  EXPECT_GE(Clock::now() - t0, 5ms);
  gort::sleep(-1ms);
  EXPECT_EQ(gort::blocking([] { return 3; }), 3);

  constexpr int kRounds = 1000;
  sema a, b;
  int a_turns = 0, b_turns = 0;
  std::uint64_t thread_goid = 99;
  std::thread t1([&] {
    thread_goid = gort::goid();
    for (int i = 0; i < kRounds; ++i) {
      a.release();
      b.acquire();
      ++a_turns;
    }
  });
  std::thread t2([&] {
    for (int i = 0; i < kRounds; ++i) {
      a.acquire();
      ++b_turns;
      b.release();
    }
    gort::sleep(1ms);
  });
  t1.join();
  t2.join();
  EXPECT_EQ(thread_goid, 0u);
  EXPECT_EQ(a_turns, kRounds);
  EXPECT_EQ(b_turns, kRounds);
  EXPECT_FALSE(a.try_acquire());
  EXPECT_FALSE(b.try_acquire());
  b.release();
  EXPECT_TRUE(b.try_acquire());
}

TEST(SchedOutsideRun, MaxprocsFollowsGortMaxprocsAndRunUsesIt) {
  // Checks: with GORT_MAXPROCS=3, maxprocs() outside run and inside run(main) (procs 0) are 3.
  // The variable is restored afterwards.
  const char* old = std::getenv("GORT_MAXPROCS");
  std::string saved = old != nullptr ? old : "";
  setenv("GORT_MAXPROCS", "3", 1);
  EXPECT_EQ(gort::maxprocs(), 3);
  int inside = 0;
  EXPECT_EQ(gort::run([&] { inside = gort::maxprocs(); }), 0);
  EXPECT_EQ(inside, 3);
  if (old != nullptr)
    setenv("GORT_MAXPROCS", saved.c_str(), 1);
  else
    unsetenv("GORT_MAXPROCS");
}

// lightweight_guards_supported says whether this kernel has madvise(MADV_GUARD_INSTALL) (6.13+).
bool lightweight_guards_supported() {
  void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) return false;
  bool ok = madvise(page, 4096, 102 /* MADV_GUARD_INSTALL */) == 0;
  munmap(page, 4096);
  return ok;
}

long mappings() {
  long n = 0;
  if (FILE* f = std::fopen("/proc/self/maps", "r")) {
    for (int c; (c = std::fgetc(f)) != EOF;) n += c == '\n';
    std::fclose(f);
  }
  return n;
}

TEST(SchedStacks, EveryStackIsGuardedWithoutCostingMappings) {
  // Checks: with lightweight guards, more stacks than the page-protection budget allows
  // (max_map_count / 4, 16382 by default) all have a guard, and the process's mappings grow by a
  // few per arena of 256 stacks (TSan maps shadow beside each), far from page protection's two
  // per stack. The overflow itself is the death test
  // StackPastTheOldGuardBudgetHasAGuard.
  if (!lightweight_guards_supported()) GTEST_SKIP() << "kernel without MADV_GUARD_INSTALL";
  long budget = 65530 / 4;
  if (FILE* f = std::fopen("/proc/sys/vm/max_map_count", "r")) {
    if (std::fscanf(f, "%ld", &budget) == 1) budget /= 4;
    std::fclose(f);
  }
  const long n = budget + 1000;
  long before = mappings();
  long guarded = 0;
  for (long i = 0; i < n; ++i) guarded += gort::internal::stack_alloc(16 * 1024).guarded;
  long grown = mappings() - before;
  gort::internal::stack_free_all();
  EXPECT_EQ(guarded, n);
  EXPECT_LT(grown, n / 16);
}

}  // namespace

// Checks: the wait-reason table gives each kind of wait Go's text, and no two reasons share one
// (each park names exactly one reason; the tracer will map each to one event).
TEST(SchedWaitReasons, EachReasonHasItsOwnGoString) {
  using gort::internal::wait_reason;
  using gort::internal::wait_reason_string;
  EXPECT_STREQ(wait_reason_string(wait_reason::chan_send), "chan send");
  EXPECT_STREQ(wait_reason_string(wait_reason::chan_receive_nil), "chan receive (nil chan)");
  EXPECT_STREQ(wait_reason_string(wait_reason::select_no_cases), "select (no cases)");
  EXPECT_STREQ(wait_reason_string(wait_reason::sync_waitgroup_wait), "sync.WaitGroup.Wait");
  EXPECT_STREQ(wait_reason_string(wait_reason::io_wait), "IO wait");
  std::set<std::string> seen;
  for (int r = static_cast<int>(wait_reason::zero) + 1; r < static_cast<int>(wait_reason::labelled);
       ++r) {
    std::string s = wait_reason_string(static_cast<wait_reason>(r));
    EXPECT_FALSE(s.empty()) << "reason " << r;
    EXPECT_TRUE(seen.insert(s).second) << "reason " << r << " reuses \"" << s << "\"";
  }
}
