// Copyright 2026 The gort Authors.
//
// Tests of Go's sync package in gort (include/gort/sync.hpp, src/sync/): mutex (mutual
// exclusion, try_lock, the standard lock wrappers, starvation mode), rwmutex (shared readers,
// exclusive writers, writer preference), waitgroup (wait, the negative-counter panic, reuse),
// once and cond, from goroutines under P = 1, 2, 4 and 8 (the Sync fixture,
// tests/test_support.hpp, which also fails a test that leaves a goroutine alive) and from plain
// threads. Goroutines report to main through channels. The fatal paths are in
// sync_death_test.cpp.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <gort/gort.hpp>

#include "test_support.hpp"

// White-box access to the mutex's state word (gort::mutex befriends this struct).
namespace gort {
struct mutex_test_access {
  static std::int32_t state(const mutex& m) { return m.state_.load(std::memory_order_relaxed); }
  static constexpr std::int32_t kStarving = mutex::kStarving;
};
}  // namespace gort

namespace {

using namespace std::chrono_literals;
using gort_test::kAsan;
using gort_test::kTsan;
using gort_test::panic_message;
using gort_test::scaled;

class Sync : public gort_test::Runtime {};
GORT_INSTANTIATE_PROCS(Sync);

// lock_when locks mu and returns the lock once pred() holds under it, yielding between polls.
template <class Pred>
std::unique_lock<gort::mutex> lock_when(gort::mutex& mu, Pred pred) {
  for (;;) {
    std::unique_lock lock(mu);
    if (pred()) return lock;
    lock.unlock();
    gort::yield();
  }
}

// ---------------------------------------------------------------------------------------------
// mutex

TEST_P(Sync, MutexProvidesMutualExclusion) {
  // Checks: 8 goroutines each increment a plain int n times under the mutex, yielding while
  // holding it every 16 increments (so the others run and contend). `inside` counts goroutines
  // in the critical section: every entry must find it 0. The final count must be 8n (and TSan
  // sees the plain int's accesses ordered by the mutex).
  constexpr int kGoroutines = 8;
  const int kN = scaled(5000);
  int counter = 0;
  int overlaps = 0;
  run([&] {
    gort::mutex mu;
    std::atomic<int> inside{0};
    std::atomic<int> overlap_count{0};
    auto done = gort::make_chan<int>(kGoroutines);
    for (int g = 0; g < kGoroutines; ++g)
      gort::go([&, done] {
        for (int i = 0; i < kN; ++i) {
          mu.lock();
          if (inside.fetch_add(1) != 0) ++overlap_count;
          ++counter;
          if (i % 16 == 0) gort::yield();
          inside.fetch_sub(1);
          mu.unlock();
        }
        done.send(0);
      });
    for (int g = 0; g < kGoroutines; ++g) done.recv();
    overlaps = overlap_count.load();
  });
  EXPECT_EQ(counter, kGoroutines * kN);
  EXPECT_EQ(overlaps, 0);
}

TEST_P(Sync, MutexTryLockTakesOnlyAFreeMutex) {
  // Checks: try_lock succeeds on a free mutex and fails on a held one, from the holder and from
  // another goroutine; after unlock it succeeds again.
  std::vector<bool> got;
  run([&] {
    gort::mutex mu;
    got.push_back(mu.try_lock());
    got.push_back(mu.try_lock());
    auto other = gort::make_chan<bool>();
    gort::go([&mu, other] { other.send(mu.try_lock()); });
    got.push_back(other.recv().first);
    mu.unlock();
    got.push_back(mu.try_lock());
    mu.unlock();
  });
  EXPECT_EQ(got, (std::vector<bool>{true, false, false, true}));
}

TEST_P(Sync, MutexWorksWithTheStandardLockWrappers) {
  // Checks: std::lock_guard, std::unique_lock (with try_to_lock and defer_lock) and
  // std::scoped_lock over two mutexes (std::lock uses try_lock) lock and unlock gort::mutex;
  // afterwards both mutexes are free again (try_lock succeeds).
  std::vector<bool> got;
  run([&] {
    gort::mutex a, b;
    {
      std::lock_guard lock(a);
      got.push_back(a.try_lock());
    }
    {
      std::unique_lock lock(a, std::try_to_lock);
      got.push_back(lock.owns_lock());
      std::unique_lock second(a, std::try_to_lock);
      got.push_back(second.owns_lock());
    }
    {
      std::unique_lock la(a, std::defer_lock);
      std::unique_lock lb(b, std::defer_lock);
      std::lock(la, lb);
      got.push_back(la.owns_lock() && lb.owns_lock());
    }
    {
      std::scoped_lock both(a, b);
      got.push_back(b.try_lock());
    }
    got.push_back(a.try_lock() && b.try_lock());
    a.unlock();
    b.unlock();
  });
  EXPECT_EQ(got, (std::vector<bool>{false, true, false, true, false, true}));
}

TEST_P(Sync, MutexMayBeUnlockedByAnotherGoroutine) {
  // Checks (Go: a locked Mutex is not associated with a goroutine): one goroutine locks and
  // passes the mutex on through a channel; another unlocks it; main then locks it.
  bool locked_again = false;
  run([&] {
    gort::mutex mu;
    auto handed = gort::make_chan<int>();
    auto unlocked = gort::make_chan<int>();
    gort::go([&mu, handed] {
      mu.lock();
      handed.send(0);
    });
    gort::go([&mu, handed, unlocked] {
      handed.recv();
      mu.unlock();
      unlocked.send(0);
    });
    unlocked.recv();
    mu.lock();
    locked_again = true;
    mu.unlock();
  });
  EXPECT_TRUE(locked_again);
}

TEST_P(Sync, MutexStarvationModeHandsTheLockToALongWaiter) {
  // Checks (Go's TestMutexFairness): a greedy goroutine re-locks right after every unlock and
  // holds the mutex ~100 us each time; a second goroutine locks and unlocks at least 10 times.
  // In normal mode the running greedy goroutine wins each race, so (with P = 1 in particular)
  // the second one only finishes because, once it has waited more than 1 ms, the mutex switches
  // to starvation mode and hands it over. The greedy goroutine reads the state word while it
  // holds the mutex and records whether kStarving was set; the waiter goes on (up to 1000
  // rounds) until that has been seen. Both report on channels.
  using access = gort::mutex_test_access;
  bool starving_seen = false;
  int waiter_rounds = 0;
  run([&] {
    gort::mutex mu;
    std::atomic<bool> stop{false};
    std::atomic<bool> seen{false};
    auto greedy_done = gort::make_chan<int>();
    auto waiter_done = gort::make_chan<int>();
    gort::go([&, greedy_done] {
      while (!stop.load()) {
        mu.lock();
        gort::sleep(100us);
        if (access::state(mu) & access::kStarving) seen = true;
        mu.unlock();
      }
      greedy_done.send(0);
    });
    gort::go([&, waiter_done] {
      int i = 0;
      for (; i < 10 || (!seen.load() && i < 1000); ++i) {
        gort::sleep(100us);
        mu.lock();
        mu.unlock();
      }
      waiter_rounds = i;
      waiter_done.send(0);
    });
    waiter_done.recv();
    stop = true;
    greedy_done.recv();
    starving_seen = seen.load();
  });
  EXPECT_GE(waiter_rounds, 10);
  EXPECT_TRUE(starving_seen) << "the mutex never entered starvation mode in " << waiter_rounds
                             << " rounds";
}

TEST_P(Sync, MutexSharedWithAPlainThread) {
  // Checks: inside gort::run, a std::thread and 4 goroutines each increment a plain int n times
  // under one gort::mutex (the thread blocks as an OS thread, the goroutines park); total 5n.
  const int kN = scaled(5000);
  int counter = 0;
  run([&] {
    gort::mutex mu;
    auto done = gort::make_chan<int>(5);
    std::thread t([&] {
      for (int i = 0; i < kN; ++i) {
        std::lock_guard lock(mu);
        ++counter;
      }
      done.send(0);
    });
    for (int g = 0; g < 4; ++g)
      gort::go([&, done] {
        for (int i = 0; i < kN; ++i) {
          std::lock_guard lock(mu);
          ++counter;
          if (i % 64 == 0) gort::yield();
        }
        done.send(0);
      });
    for (int i = 0; i < 5; ++i) done.recv();
    gort::blocking([&] { t.join(); });
  });
  EXPECT_EQ(counter, 5 * kN);
}

// ---------------------------------------------------------------------------------------------
// rwmutex

TEST_P(Sync, RWMutexReadersHoldTheLockTogether) {
  // Checks: n goroutines take the read lock and, while holding it, report on `arrived` and wait
  // on `release`; main receives all n reports before closing release, which is only possible if
  // all n hold the read lock at once (otherwise the runtime reports a deadlock).
  const int kReaders = kTsan ? 50 : 200;
  int arrived_count = 0;
  run([&] {
    gort::rwmutex rw;
    auto arrived = gort::make_chan<int>(kReaders);
    auto release = gort::make_chan<int>();
    auto done = gort::make_chan<int>(kReaders);
    for (int r = 0; r < kReaders; ++r)
      gort::go([&rw, arrived, release, done] {
        std::shared_lock lock(rw);
        arrived.send(1);
        release.recv();
        lock.unlock();
        done.send(0);
      });
    for (int r = 0; r < kReaders; ++r) arrived_count += arrived.recv().first;
    release.close();
    for (int r = 0; r < kReaders; ++r) done.recv();
  });
  EXPECT_EQ(arrived_count, kReaders);
}

TEST_P(Sync, RWMutexWriterExcludesReadersAndOtherWriters) {
  // Checks: 2 writers repeatedly set a pair (a, b) to (k, k) with a yield between the two
  // stores, under the write lock; 4 readers check a == b under the read lock and count
  // mismatches. `writers_in` and `readers_in` (atomics) check that a writer is never inside with
  // anyone else. TSan also checks the plain pair.
  const int kRounds = scaled(2000);
  int mismatches = 0, violations = 0;
  run([&] {
    gort::rwmutex rw;
    int a = 0, b = 0;
    std::atomic<int> writers_in{0}, readers_in{0}, bad{0}, torn{0};
    auto done = gort::make_chan<int>(6);
    for (int w = 0; w < 2; ++w)
      gort::go([&, done, w] {
        for (int i = 0; i < kRounds; ++i) {
          rw.lock();
          if (writers_in.fetch_add(1) != 0 || readers_in.load() != 0) ++bad;
          a = i * 2 + w;
          gort::yield();
          b = i * 2 + w;
          writers_in.fetch_sub(1);
          rw.unlock();
        }
        done.send(0);
      });
    for (int r = 0; r < 4; ++r)
      gort::go([&, done] {
        for (int i = 0; i < kRounds; ++i) {
          rw.lock_shared();
          readers_in.fetch_add(1);
          if (writers_in.load() != 0) ++bad;
          if (a != b) ++torn;
          if (i % 8 == 0) gort::yield();
          readers_in.fetch_sub(1);
          rw.unlock_shared();
        }
        done.send(0);
      });
    for (int i = 0; i < 6; ++i) done.recv();
    mismatches = torn.load();
    violations = bad.load();
  });
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ(violations, 0);
}

TEST_P(Sync, RWMutexWaitingWriterBlocksNewReaders) {
  // Checks (Go: a blocked Lock call excludes new readers): main holds a read lock; a writer
  // goroutine calls lock() and blocks. Main waits until try_lock_shared fails (the writer is
  // pending), then starts a reader goroutine, and releases its read lock. The writer must get
  // the lock before the new reader: the log reads "writer", "reader".
  std::vector<std::string> log;
  run([&] {
    gort::rwmutex rw;
    gort::mutex log_mu;
    auto done = gort::make_chan<int>(2);
    rw.lock_shared();
    gort::go([&, done] {
      rw.lock();
      {
        std::lock_guard l(log_mu);
        log.push_back("writer");
      }
      gort::sleep(1ms);  // a reader that got in wrongly would log now
      rw.unlock();
      done.send(0);
    });
    while (rw.try_lock_shared()) {
      rw.unlock_shared();
      gort::yield();
    }
    gort::go([&, done] {
      rw.lock_shared();
      {
        std::lock_guard l(log_mu);
        log.push_back("reader");
      }
      rw.unlock_shared();
      done.send(0);
    });
    gort::sleep(1ms);
    rw.unlock_shared();
    done.recv();
    done.recv();
  });
  EXPECT_EQ(log, (std::vector<std::string>{"writer", "reader"}));
}

TEST_P(Sync, RWMutexWriterIsNotStarvedByContinuousReaders) {
  // Checks: 4 reader goroutines take and release the read lock in a loop, their read sections
  // overlapping (each yields while holding it), until told to stop; a writer calls lock() in
  // the middle. Without writer preference the read lock would never be free. The writer gets
  // the lock (bounded only by the test's timeout) and then stops the readers.
  bool writer_got_it = false;
  long reads = 0;
  run([&] {
    gort::rwmutex rw;
    std::atomic<bool> stop{false};
    std::atomic<long> read_count{0};
    auto done = gort::make_chan<int>(5);
    for (int r = 0; r < 4; ++r)
      gort::go([&, done] {
        while (!stop.load()) {
          rw.lock_shared();
          ++read_count;
          gort::yield();
          rw.unlock_shared();
        }
        done.send(0);
      });
    gort::go([&, done] {
      while (read_count.load() < 100) gort::yield();
      rw.lock();
      writer_got_it = true;
      stop = true;
      rw.unlock();
      done.send(0);
    });
    for (int i = 0; i < 5; ++i) done.recv();
    reads = read_count.load();
  });
  EXPECT_TRUE(writer_got_it);
  EXPECT_GE(reads, 100);
}

TEST_P(Sync, RWMutexTryLockAndTryLockShared) {
  // Checks, main alone: try_lock fails while a reader or writer holds the lock; try_lock_shared
  // fails while a writer holds it and succeeds alongside another reader.
  std::vector<bool> got;
  run([&] {
    gort::rwmutex rw;
    got.push_back(rw.try_lock_shared());
    got.push_back(rw.try_lock_shared());
    got.push_back(rw.try_lock());
    rw.unlock_shared();
    rw.unlock_shared();
    got.push_back(rw.try_lock());
    got.push_back(rw.try_lock_shared());
    got.push_back(rw.try_lock());
    rw.unlock();
    got.push_back(rw.try_lock());
    rw.unlock();
  });
  EXPECT_EQ(got, (std::vector<bool>{true, true, false, true, false, false, true}));
}

// ---------------------------------------------------------------------------------------------
// waitgroup

TEST_P(Sync, WaitGroupWaitReturnsAfterEveryDone) {
  // Checks: n goroutines each yield a few times, add their index to an atomic sum, then call
  // done; main's wait returns only after all of them: the sum is complete when it returns.
  const int kN = kTsan ? 200 : 1000;
  long sum_at_wait = 0;
  run([&] {
    gort::waitgroup wg;
    std::atomic<long> sum{0};
    for (int i = 1; i <= kN; ++i) {
      wg.add(1);
      gort::go([&sum, &wg, i] {
        for (int k = 0; k < i % 4; ++k) gort::yield();
        sum += i;
        wg.done();
      });
    }
    wg.wait();
    sum_at_wait = sum.load();
  });
  EXPECT_EQ(sum_at_wait, static_cast<long>(kN) * (kN + 1) / 2);
}

TEST_P(Sync, WaitGroupWaitReturnsAtOnceAtZero) {
  // Checks, main alone: wait on a fresh waitgroup, and after add(2) + add(-2), returns at once
  // (a block would be reported as a deadlock).
  bool returned = false;
  run([&] {
    gort::waitgroup wg;
    wg.wait();
    wg.add(2);
    wg.add(-2);
    wg.wait();
    returned = true;
  });
  EXPECT_TRUE(returned);
}

TEST_P(Sync, WaitGroupNegativeCounterPanics) {
  // Checks: add(-1) on a zero counter, and a done() too many, panic with a gort::runtime_error
  // "sync: negative WaitGroup counter".
  std::vector<std::string> messages;
  run([&] {
    gort::waitgroup wg1;
    messages.push_back(panic_message([&] { wg1.add(-1); }));
    gort::waitgroup wg2;
    wg2.add(1);
    messages.push_back(panic_message([&] { wg2.done(); }));
    messages.push_back(panic_message([&] { wg2.done(); }));
  });
  EXPECT_EQ(messages, (std::vector<std::string>{"sync: negative WaitGroup counter", "no panic",
                                                "sync: negative WaitGroup counter"}));
}

TEST_P(Sync, WaitGroupCanBeReusedAfterWait) {
  // Checks: five rounds on one waitgroup, each adding a different number of goroutines and
  // waiting for them; each round's count is complete when its wait returns.
  std::vector<int> counts;
  run([&] {
    gort::waitgroup wg;
    for (int round = 1; round <= 5; ++round) {
      std::atomic<int> n{0};
      wg.add(round * 3);
      for (int i = 0; i < round * 3; ++i)
        gort::go([&n, &wg] {
          gort::yield();
          ++n;
          wg.done();
        });
      wg.wait();
      counts.push_back(n.load());
    }
  });
  EXPECT_EQ(counts, (std::vector<int>{3, 6, 9, 12, 15}));
}

TEST_P(Sync, WaitGroupReleasesEveryWaiter) {
  // Checks: many goroutines wait on one waitgroup held at 1; main's done() releases all of
  // them; each reports on a channel.
  const int kWaiters = kTsan ? 100 : 500;
  int released = 0;
  run([&] {
    gort::waitgroup wg;
    wg.add(1);
    auto report = gort::make_chan<int>(kWaiters);
    for (int i = 0; i < kWaiters; ++i)
      gort::go([&wg, report] {
        wg.wait();
        report.send(1);
      });
    gort::sleep(2ms);
    wg.done();
    for (int i = 0; i < kWaiters; ++i) released += report.recv().first;
  });
  EXPECT_EQ(released, kWaiters);
}

// ---------------------------------------------------------------------------------------------
// once

TEST_P(Sync, OnceRunsItsFunctionOnceAndOthersWaitForIt) {
  // Checks: many goroutines call once.call at the same time; the function (which sleeps before
  // setting `value`) runs once; every caller, when call returns, already sees value == 42 (Go:
  // no call returns until the one running f has returned).
  const int kCallers = kTsan ? 50 : 200;
  std::atomic<int> runs{0};
  int saw_value = 0;
  run([&] {
    gort::once o;
    int value = 0;
    auto report = gort::make_chan<int>(kCallers);
    for (int i = 0; i < kCallers; ++i)
      gort::go([&, report] {
        o.call([&] {
          ++runs;
          gort::sleep(1ms);
          value = 42;
        });
        report.send(value);
      });
    for (int i = 0; i < kCallers; ++i) saw_value += report.recv().first == 42;
  });
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(saw_value, kCallers);
}

TEST_P(Sync, OnceCountsAPanickingFunctionAsDone) {
  // Checks (Go: if f panics, Do considers it to have returned): the panic leaves call(); a
  // later call with another function does not run it, and the once's mutex was released (the
  // later call would otherwise block: a deadlock report).
  std::string message;
  bool second_ran = false;
  run([&] {
    gort::once o;
    message = panic_message([&] { o.call([] { gort::panic("in once"); }); });
    o.call([&] { second_ran = true; });
  });
  EXPECT_EQ(message, "string: in once");
  EXPECT_FALSE(second_ran);
}

// ---------------------------------------------------------------------------------------------
// cond

TEST_P(Sync, CondSignalWakesOneWaiterInArrivalOrder) {
  // Checks: waiters start one at a time: each takes the mutex, counts itself in `waiting` and
  // calls wait; the next starts only once main has seen the count under the mutex (so the
  // previous one is registered). Each signal must then wake exactly one waiter, the longest
  // waiting: the indexes reported (on a channel) are 0, 1, 2, ... After the first signal main
  // also sleeps and checks that no second waiter woke.
  const int kWaiters = kTsan ? 20 : 50;
  std::vector<int> order;
  int woken_after_one_signal = -1;
  run([&] {
    gort::mutex mu;
    gort::cond c;
    int waiting = 0;
    std::atomic<int> woken{0};
    auto report = gort::make_chan<int>(kWaiters);
    for (int i = 0; i < kWaiters; ++i) {
      gort::go([&, report, i] {
        mu.lock();
        ++waiting;
        c.wait(mu);
        --waiting;
        mu.unlock();
        ++woken;
        report.send(i);
      });
      lock_when(mu, [&] { return waiting == i + 1; });
    }
    for (int i = 0; i < kWaiters; ++i) {
      {
        std::lock_guard lock(mu);
        c.signal();
      }
      order.push_back(report.recv().first);
      if (i == 0) {
        gort::sleep(5ms);
        woken_after_one_signal = woken.load();
      }
    }
  });
  std::vector<int> want(kWaiters);
  for (int i = 0; i < kWaiters; ++i) want[i] = i;
  EXPECT_EQ(order, want);
  EXPECT_EQ(woken_after_one_signal, 1);
}

TEST_P(Sync, CondBroadcastWakesEveryWaiter) {
  // Checks: n waiters wait for a flag under the mutex (in a loop, as Go's Cond requires); once
  // main has seen all n waiting, it sets the flag and broadcasts; every waiter wakes and reports.
  // With std::unique_lock as the cond's lock.
  const int kWaiters = kTsan ? 100 : 300;
  int woke = 0;
  run([&] {
    gort::mutex mu;
    gort::cond c;
    int waiting = 0;
    bool go = false;
    auto report = gort::make_chan<int>(kWaiters);
    for (int i = 0; i < kWaiters; ++i)
      gort::go([&, report] {
        std::unique_lock lock(mu);
        ++waiting;
        while (!go) c.wait(lock);
        lock.unlock();
        report.send(1);
      });
    {
      auto lock = lock_when(mu, [&] { return waiting == kWaiters; });
      go = true;
      c.broadcast();
    }
    for (int i = 0; i < kWaiters; ++i) woke += report.recv().first;
  });
  EXPECT_EQ(woke, kWaiters);
}

TEST_P(Sync, CondSignalAndBroadcastWithNoWaiterAreNoOps) {
  // Checks: signal and broadcast with nobody waiting do nothing, and are not remembered: a
  // waiter that arrives later still waits for the next signal (it reports only after main's
  // flag is set under the mutex and signalled).
  bool woke_with_flag = false;
  run([&] {
    gort::mutex mu;
    gort::cond c;
    c.signal();
    c.broadcast();
    bool flag = false;
    bool waiting = false;
    auto report = gort::make_chan<bool>(1);
    gort::go([&, report] {
      std::lock_guard lock(mu);
      waiting = true;
      c.wait(mu);
      report.send(flag);
    });
    {
      auto lock = lock_when(mu, [&] { return waiting; });
      flag = true;
      c.signal();
    }
    woke_with_flag = report.recv().first;
  });
  EXPECT_TRUE(woke_with_flag);
}

TEST_P(Sync, CondBoundedQueueProducersAndConsumers) {
  // Checks: a bounded queue guarded by a mutex with two conds (not full, not empty); 4
  // producers push 1..n, 4 consumers pop until they got their share; sums compared. A lost
  // wakeup would hang (the runtime reports a deadlock).
  constexpr int kProducers = 4, kConsumers = 4, kCapacity = 4;
  const int kPer = scaled(5000);
  long total = 0;
  run([&] {
    gort::mutex mu;
    gort::cond not_full, not_empty;
    std::vector<int> queue;
    auto done = gort::make_chan<long>(kProducers + kConsumers);
    for (int p = 0; p < kProducers; ++p)
      gort::go([&, done] {
        for (int i = 1; i <= kPer; ++i) {
          std::unique_lock lock(mu);
          while (queue.size() == kCapacity) not_full.wait(lock);
          queue.push_back(i);
          not_empty.signal();
        }
        done.send(0);
      });
    for (int c = 0; c < kConsumers; ++c)
      gort::go([&, done] {
        long sum = 0;
        for (int i = 0; i < kPer; ++i) {
          std::unique_lock lock(mu);
          while (queue.empty()) not_empty.wait(lock);
          sum += queue.back();
          queue.pop_back();
          not_full.signal();
        }
        done.send(sum);
      });
    for (int i = 0; i < kProducers + kConsumers; ++i) total += done.recv().first;
  });
  EXPECT_EQ(total, static_cast<long>(kProducers) * kPer * (kPer + 1) / 2);
}

// ---------------------------------------------------------------------------------------------
// Plain threads

TEST(SyncOutsideRun, SyncTypesWorkOnPlainThreads) {
  // Checks: with no gort::run, std::threads use a gort::mutex (counter), a waitgroup (the main
  // thread waits for them), a once (one run) and a cond (a waiter woken by broadcast); results
  // compared after join.
  constexpr int kThreads = 4, kN = 10000;
  gort::mutex mu;
  gort::waitgroup wg;
  gort::once o;
  int counter = 0;
  std::atomic<int> once_runs{0};
  std::vector<std::thread> threads;
  wg.add(kThreads);
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      o.call([&] { ++once_runs; });
      for (int i = 0; i < kN; ++i) {
        std::lock_guard lock(mu);
        ++counter;
      }
      wg.done();
    });
  wg.wait();
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(counter, kThreads * kN);
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(once_runs.load(), 1);

  gort::cond c;
  bool ready = false;
  bool waiter_saw = false;
  std::thread waiter([&] {
    std::unique_lock lock(mu);
    while (!ready) c.wait(lock);
    waiter_saw = ready;
  });
  {
    std::lock_guard lock(mu);
    ready = true;
    c.broadcast();
  }
  waiter.join();
  EXPECT_TRUE(waiter_saw);

  gort::rwmutex rw;
  rw.lock_shared();
  std::thread writer([&] {
    rw.lock();
    rw.unlock();
  });
  std::this_thread::sleep_for(1ms);
  rw.unlock_shared();
  writer.join();
  EXPECT_TRUE(rw.try_lock());
  rw.unlock();
}

TEST_P(Sync, WaitGroupDoneFromAPlainThreadWakesAGoroutine) {
  // Checks: main waits on a waitgroup that only std::threads (started inside run) count down;
  // while they work every goroutine is parked, which is not a deadlock (the threads can wake
  // main). Each thread adds to an atomic sum before done.
  long sum = 0;
  run([&] {
    gort::waitgroup wg;
    std::atomic<long> s{0};
    std::vector<std::thread> threads;
    wg.add(3);
    for (int t = 1; t <= 3; ++t)
      threads.emplace_back([&, t] {
        std::this_thread::sleep_for(10ms);
        s += t;
        wg.done();
      });
    wg.wait();
    sum = s.load();
    gort::blocking([&] {
      for (auto& t : threads) t.join();
    });
  });
  EXPECT_EQ(sum, 6);
}

}  // namespace
