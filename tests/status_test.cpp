// Copyright 2026 The gort Authors.
//
// The G and P states as data (src/sched/status.hpp): their names are Go's words, the states seen
// from goroutines are the documented ones (running, waiting, syscall; a P held by a running
// goroutine's M is running), and, with the runtime checks on (GORT_RUNTIME_CHECKS: the Debug,
// ASan and TSan builds), a wrong transition stops the program with `fatal error: casgstatus:
// ...` or `caspstatus: ...` naming the state found and the one expected, exit status 2
// (StatusDeathTest; skipped when the checks are off). White-box: uses the scheduler's internals.

#include <atomic>
#include <string>

#include <gtest/gtest.h>
#include <gort/gort.hpp>

#include "sched/runtime.hpp"
#include "sched/sched.hpp"
#include "sched/status.hpp"

namespace {

using gort::internal::current_g;
using gort::internal::g;
using gort::internal::gstatus;
using gort::internal::gstatus_name;
using gort::internal::pstatus;
using gort::internal::pstatus_name;

TEST(Status, NamesAreGosWords) {
  EXPECT_STREQ(gstatus_name(gstatus::idle), "idle");
  EXPECT_STREQ(gstatus_name(gstatus::runnable), "runnable");
  EXPECT_STREQ(gstatus_name(gstatus::running), "running");
  EXPECT_STREQ(gstatus_name(gstatus::waiting), "waiting");
  EXPECT_STREQ(gstatus_name(gstatus::syscall), "syscall");
  EXPECT_STREQ(gstatus_name(gstatus::dead), "dead");
  EXPECT_STREQ(pstatus_name(pstatus::idle), "idle");
  EXPECT_STREQ(pstatus_name(pstatus::running), "running");
  EXPECT_STREQ(pstatus_name(pstatus::syscall), "syscall");
}

TEST(Status, StatesSeenFromGoroutines) {
  // Checks: the running goroutine is running and so is its M's P; inside gort::blocking it is in
  // syscall, and running again after; a parked goroutine, seen from main, is waiting until main
  // readies it. Each state is recorded where it is seen and compared after run returned.
  gstatus in_main{}, in_blocking{}, after_blocking{}, parked_seen{};
  pstatus main_p{};
  std::atomic<bool> resumed{false};
  gort::run(
      [&] {
        g* me = current_g();
        in_main = me->status.load();
        main_p = gort::internal::tls_m->pp->status.load();
        in_blocking = gort::blocking([] { return current_g()->status.load(); });
        after_blocking = current_g()->status.load();
        std::atomic<g*> parked{nullptr};
        gort::go([&] {
          gort::internal::park(
              [](g* gp, void* arg) {
                static_cast<std::atomic<g*>*>(arg)->store(gp);
                return true;
              },
              &parked, "status test");
          resumed = true;
        });
        while (parked.load() == nullptr) gort::yield();
        parked_seen = parked.load()->status.load();
        gort::internal::ready(parked.load());
        while (!resumed.load()) gort::yield();
      },
      2);
  EXPECT_STREQ(gstatus_name(in_main), "running");
  EXPECT_STREQ(pstatus_name(main_p), "running");
  EXPECT_STREQ(gstatus_name(in_blocking), "syscall");
  EXPECT_STREQ(gstatus_name(after_blocking), "running");
  EXPECT_STREQ(gstatus_name(parked_seen), "waiting");
  EXPECT_TRUE(resumed.load());
}

#define SKIP_WITHOUT_CHECKS()                                               \
  do {                                                                      \
    if (!GORT_RUNTIME_CHECKS) GTEST_SKIP() << "GORT_RUNTIME_CHECKS is off"; \
  } while (0)

TEST(StatusDeathTest, WrongGTransitionNamesBothStates) {
  SKIP_WITHOUT_CHECKS();
  // The main goroutine (goroutine 1) is running, not waiting.
  EXPECT_EXIT(
      gort::run(
          [] { gort::internal::casgstatus(current_g(), gstatus::waiting, gstatus::runnable); }, 1),
      testing::ExitedWithCode(2),
      "fatal error: casgstatus: goroutine 1 is running, expected waiting \\(to "
      "runnable\\)\n");
}

TEST(StatusDeathTest, ReadyOfARunningGoroutineIsCaught) {
  SKIP_WITHOUT_CHECKS();
  // A double wakeup, the bug the checks are for: ready() on a goroutine that is not parked.
  EXPECT_EXIT(gort::run([] { gort::internal::ready(current_g()); }, 2), testing::ExitedWithCode(2),
              "fatal error: casgstatus: goroutine 1 is running, expected waiting \\(to "
              "runnable\\)\n");
}

TEST(StatusDeathTest, WrongPTransitionNamesBothStates) {
  SKIP_WITHOUT_CHECKS();
  // The P of a running goroutine's M is running, not idle.
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::internal::caspstatus(gort::internal::tls_m->pp, pstatus::idle,
                                               pstatus::running);
                  },
                  2),
              testing::ExitedWithCode(2),
              "fatal error: caspstatus: P [0-9]+ is running, expected idle \\(to running\\)\n");
}

}  // namespace
