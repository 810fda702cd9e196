// Copyright 2026 The gort Authors.
//
// Death tests of the sync types: misuse that Go makes a fatal error ("fatal error: sync: unlock
// of unlocked mutex" and the RWMutex variants, exit status 2, on goroutines and on plain
// threads), an unrecovered negative-WaitGroup panic, and deadlocks on sync types, reported with
// Go's wait reasons ("sync.Mutex.Lock", "sync.RWMutex.Lock", "sync.RWMutex.RLock",
// "sync.WaitGroup.Wait", "sync.Cond.Wait"). Under P = 1, 2, 4 and 8 (SyncDeathTest).

#include <string>

#include <gtest/gtest.h>
#include <gort/gort.hpp>

#include "test_support.hpp"

namespace {

#define DEADLOCK "fatal error: all goroutines are asleep - deadlock!\n\n"

class SyncDeathTest : public testing::TestWithParam<int> {
 protected:
  int procs() const { return GetParam(); }
};

INSTANTIATE_TEST_SUITE_P(Procs, SyncDeathTest, testing::Values(1, 2, 4, 8), gort_test::procs_name);

TEST_P(SyncDeathTest, UnlockOfUnlockedMutexIsFatal) {
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::mutex mu;
                    mu.unlock();
                  },
                  procs()),
              testing::ExitedWithCode(2), "fatal error: sync: unlock of unlocked mutex");
  // Also a second unlock, and when the mutex has waiters (the slow path).
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::mutex mu;
                    mu.lock();
                    mu.unlock();
                    mu.unlock();
                  },
                  procs()),
              testing::ExitedWithCode(2), "fatal error: sync: unlock of unlocked mutex");
}

TEST_P(SyncDeathTest, RWMutexMisuseIsFatal) {
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::rwmutex rw;
                    rw.unlock();
                  },
                  procs()),
              testing::ExitedWithCode(2), "fatal error: sync: Unlock of unlocked RWMutex");
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::rwmutex rw;
                    rw.unlock_shared();
                  },
                  procs()),
              testing::ExitedWithCode(2), "fatal error: sync: RUnlock of unlocked RWMutex");
}

TEST_P(SyncDeathTest, UnrecoveredNegativeWaitGroupCounterCrashes) {
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::waitgroup wg;
                    wg.done();
                  },
                  procs()),
              testing::ExitedWithCode(2),
              "panic: sync: negative WaitGroup counter\n\ngoroutine 1 \\[running\\]:\n");
}

TEST_P(SyncDeathTest, DeadlocksOnSyncTypesAreReported) {
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::mutex mu;
                    mu.lock();
                    mu.lock();
                  },
                  procs()),
              testing::ExitedWithCode(2), DEADLOCK "goroutine 1 \\[sync.Mutex.Lock\\]:\n");
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::rwmutex rw;
                    rw.lock_shared();
                    rw.lock();
                  },
                  procs()),
              testing::ExitedWithCode(2), DEADLOCK "goroutine 1 \\[sync.RWMutex.Lock\\]:\n");
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::rwmutex rw;
                    rw.lock();
                    rw.lock_shared();
                  },
                  procs()),
              testing::ExitedWithCode(2), DEADLOCK "goroutine 1 \\[sync.RWMutex.RLock\\]:\n");
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::waitgroup wg;
                    wg.add(1);
                    wg.wait();
                  },
                  procs()),
              testing::ExitedWithCode(2), DEADLOCK "goroutine 1 \\[sync.WaitGroup.Wait\\]:\n");
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::mutex mu;
                    gort::cond c;
                    mu.lock();
                    c.wait(mu);
                  },
                  procs()),
              testing::ExitedWithCode(2), DEADLOCK "goroutine 1 \\[sync.Cond.Wait\\]:\n");
}

TEST(SyncPlainThreadDeathTest, UnlockOfUnlockedMutexOnAPlainThreadIsFatal) {
  EXPECT_EXIT(
      {
        gort::mutex mu;
        mu.unlock();
      },
      testing::ExitedWithCode(2), "fatal error: sync: unlock of unlocked mutex");
}

}  // namespace
