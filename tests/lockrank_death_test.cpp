// Copyright 2026 The gort Authors.
//
// White-box tests of the lock-rank checks (src/sched/lockrank.hpp): a lock taken out of rank
// order, a channel lock held while readying a goroutine, a lock held across a switch, and the
// orders that must pass (rank order, a select's channels in address order). The checks exist in
// builds with GORT_RUNTIME_CHECKS (Debug, ASan, TSan); elsewhere each test skips itself.
//
// A fatal report is `fatal error: <message>` on stderr and exit status 2 (runtime_throw); each
// test checks that the message names both locks (or the lock and what was done under it).

#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <gort/gort.hpp>

#include "sched/lock.hpp"
#include "sched/lockrank.hpp"
#include "sched/runtime.hpp"
#include "sched/sched.hpp"

// These tests misuse locks on purpose (out of order, never released, released twice): the
// clang preset's thread-safety analysis would reject them.
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wthread-safety-analysis"
#endif

namespace {

using gort::internal::lock_rank;
using gort::internal::runtime_lock;
using gort::internal::spin_lock;

#if GORT_RUNTIME_CHECKS
#define SKIP_WITHOUT_CHECKS() (void)0
#else
#define SKIP_WITHOUT_CHECKS() GTEST_SKIP() << "built without GORT_RUNTIME_CHECKS"
#endif

#if GORT_RUNTIME_CHECKS
int held() {
  return gort::internal::lockrank_held_count();
}
#endif

TEST(LockRankTest, LocksTakenInRankOrderPass) {
  SKIP_WITHOUT_CHECKS();
#if GORT_RUNTIME_CHECKS
  spin_lock modify{lock_rank::timer_modify};
  runtime_lock heap{lock_rank::timers};
  runtime_lock sched_lock{lock_rank::sched};
  runtime_lock allg{lock_rank::allg};
  EXPECT_EQ(held(), 0);
  modify.lock();
  heap.lock();
  sched_lock.lock();
  allg.lock();
  EXPECT_EQ(held(), 4);
  // Released out of order (as a scope may): the lower rank first.
  heap.unlock();
  EXPECT_EQ(held(), 3);
  allg.unlock();
  sched_lock.unlock();
  modify.unlock();
  EXPECT_EQ(held(), 0);
  // A lock released may be taken again after a higher one.
  allg.lock();
  allg.unlock();
  heap.lock();
  heap.unlock();
  EXPECT_EQ(held(), 0);
#endif
}

TEST(LockRankTest, ChannelLocksNestInAddressOrder) {
  SKIP_WITHOUT_CHECKS();
#if GORT_RUNTIME_CHECKS
  spin_lock chans[3] = {spin_lock{lock_rank::hchan}, spin_lock{lock_rank::hchan},
                        spin_lock{lock_rank::hchan}};
  for (auto& l : chans) l.lock();
  EXPECT_EQ(held(), 3);
  runtime_lock sched_lock{lock_rank::sched};
  sched_lock.lock();  // above hchan
  sched_lock.unlock();
  for (int i = 2; i >= 0; --i) chans[i].unlock();
  EXPECT_EQ(held(), 0);
#endif
}

TEST(LockRankTest, TryLockOutOfOrderIsRecordedNotFatal) {
  SKIP_WITHOUT_CHECKS();
#if GORT_RUNTIME_CHECKS
  runtime_lock sched_lock{lock_rank::sched};
  spin_lock chan{lock_rank::hchan};
  sched_lock.lock();
  ASSERT_TRUE(chan.try_lock());  // cannot deadlock: not checked, but held
  EXPECT_EQ(held(), 2);
  chan.unlock();
  sched_lock.unlock();
  EXPECT_EQ(held(), 0);
#endif
}

TEST(LockRankDeathTest, MisRankedPairIsFatalNamingBothLocks) {
  SKIP_WITHOUT_CHECKS();
  EXPECT_EXIT(
      {
        runtime_lock sched_lock{lock_rank::sched};
        runtime_lock heap{lock_rank::timers};
        sched_lock.lock();
        heap.lock();  // timers ranks below sched: a timer heap is never locked under sched.lock
        heap.unlock();
        sched_lock.unlock();
        std::exit(0);
      },
      testing::ExitedWithCode(2),
      "fatal error: lock ordering problem: sched held while acquiring timers");
}

TEST(LockRankDeathTest, TwoLocksOfANonNestingRankAreFatal) {
  SKIP_WITHOUT_CHECKS();
  EXPECT_EXIT(
      {
        runtime_lock a{lock_rank::allg};
        runtime_lock b{lock_rank::allg};
        a.lock();
        b.lock();
        std::exit(0);
      },
      testing::ExitedWithCode(2),
      "fatal error: lock ordering problem: allg held while acquiring allg");
}

void lock_two_channels_downwards() {
  spin_lock chans[2] = {spin_lock{lock_rank::hchan}, spin_lock{lock_rank::hchan}};
  chans[1].lock();
  chans[0].lock();
}

TEST(LockRankDeathTest, ChannelLocksOutOfAddressOrderAreFatal) {
  SKIP_WITHOUT_CHECKS();
  EXPECT_EXIT(
      {
        lock_two_channels_downwards();
        std::exit(0);
      },
      testing::ExitedWithCode(2),
      "fatal error: lock ordering problem: hchan held while acquiring hchan \\(not in address "
      "order\\)");
}

TEST(LockRankDeathTest, ReleaseOfALockNotHeldIsFatal) {
  SKIP_WITHOUT_CHECKS();
  EXPECT_EXIT(
      {
        runtime_lock l{lock_rank::gfree};
        l.unlock();
        std::exit(0);
      },
      testing::ExitedWithCode(2),
      "fatal error: lock ordering problem: release of gfree, which this thread does not hold");
}

TEST(LockRankDeathTest, ReadyUnderAChannelLockIsFatal) {
  SKIP_WITHOUT_CHECKS();
  EXPECT_EXIT(gort::run(
                  [] {
                    std::atomic<gort::internal::g*> parked{nullptr};
                    gort::go([&] {
                      parked.store(gort::internal::current_g());
                      gort::internal::park(nullptr, nullptr, "parked for the test");
                    });
                    gort::internal::g* gp;
                    while ((gp = parked.load()) == nullptr ||
                           gp->status.load() != gort::internal::gstatus::waiting)
                      gort::yield();
                    spin_lock chan{lock_rank::hchan};
                    chan.lock();
                    gort::internal::ready(gp);  // must come after chan.unlock()
                    chan.unlock();
                    std::exit(0);
                  },
                  2),
              testing::ExitedWithCode(2),
              "fatal error: ready of a goroutine while holding lock hchan");
}

TEST(LockRankDeathTest, ReadyUnderASemaphoreBucketLockIsFatal) {
  SKIP_WITHOUT_CHECKS();
  EXPECT_EXIT(
      {
        // Caught before ready looks at the goroutine: a plain thread, no runtime needed.
        spin_lock bucket{lock_rank::sema_root};
        bucket.lock();
        gort::internal::ready(nullptr);
        std::exit(0);
      },
      testing::ExitedWithCode(2), "fatal error: ready of a goroutine while holding lock sema_root");
}

TEST(LockRankDeathTest, ALockHeldAcrossAYieldIsFatal) {
  SKIP_WITHOUT_CHECKS();
  // A goroutine may resume on another thread: the lock would be held by a thread that does not
  // know it. Only park's unlock function may receive a lock across a switch.
  EXPECT_EXIT(gort::run(
                  [] {
                    runtime_lock l{lock_rank::stack};
                    l.lock();
                    gort::yield();
                    l.unlock();
                    std::exit(0);
                  },
                  2),
              testing::ExitedWithCode(2),
              "fatal error: a goroutine switched to the scheduler while holding lock stack");
}

TEST(LockRankDeathTest, AParkThatKeepsItsLockIsFatal) {
  SKIP_WITHOUT_CHECKS();
  EXPECT_EXIT(gort::run(
                  [] {
                    spin_lock l{lock_rank::sema};
                    l.lock();
                    // An unlock function that forgets the lock.
                    gort::internal::park([](gort::internal::g*, void*) { return false; }, &l,
                                         "park keeping its lock");
                    std::exit(0);
                  },
                  1),
              testing::ExitedWithCode(2),
              "fatal error: a parked goroutine left the scheduler while holding lock sema");
}

}  // namespace
