// Copyright 2026 The gort Authors.
//
// Death tests of channels, select and timers: deadlocks on channel operations (Go's report:
// "fatal error: all goroutines are asleep - deadlock!" then every goroutine with its wait
// reason, exit status 2), including a deadlock that only happens once the last timer fired,
// and unrecovered channel panics in a goroutine ("panic: <message>", "goroutine N [running]:").
// Wait reasons are Go's: "chan receive", "chan send", "chan receive (nil chan)", "chan send
// (nil chan)", "select", "select (no cases)". Under P = 1, 2, 4 and 8 (ChanDeathTest).

#include <cstdio>
#include <string>

#include <gtest/gtest.h>
#include <gort/gort.hpp>

#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;

#define DEADLOCK "fatal error: all goroutines are asleep - deadlock!\n\n"
// A goroutine other than main in a report (ids are handed out in per-P batches).
#define NOT_MAIN_GOROUTINE "goroutine ([2-9]|[1-9][0-9]+) "

class ChanDeathTest : public testing::TestWithParam<int> {
 protected:
  int procs() const { return GetParam(); }
};

INSTANTIATE_TEST_SUITE_P(Procs, ChanDeathTest, testing::Values(1, 2, 4, 8), gort_test::procs_name);

TEST_P(ChanDeathTest, RecvWithNoSenderIsADeadlock) {
  EXPECT_EXIT(gort::run([] { gort::make_chan<int>().recv(); }, procs()), testing::ExitedWithCode(2),
              DEADLOCK "goroutine 1 \\[chan receive\\]:\n");
}

TEST_P(ChanDeathTest, SendWithNoReceiverIsADeadlock) {
  // Unbuffered, and buffered once the buffer is full.
  EXPECT_EXIT(gort::run([] { gort::make_chan<int>().send(1); }, procs()),
              testing::ExitedWithCode(2), DEADLOCK "goroutine 1 \\[chan send\\]:\n");
  EXPECT_EXIT(gort::run(
                  [] {
                    auto ch = gort::make_chan<int>(2);
                    ch.send(1);
                    ch.send(2);
                    std::fprintf(stderr, "buffer full\n");
                    ch.send(3);
                  },
                  procs()),
              testing::ExitedWithCode(2),
              "buffer full\n" DEADLOCK "goroutine 1 \\[chan send\\]:\n");
}

TEST_P(ChanDeathTest, NilChannelOperationsBlockForever) {
  EXPECT_EXIT(gort::run([] { gort::chan<int>().recv(); }, procs()), testing::ExitedWithCode(2),
              DEADLOCK "goroutine 1 \\[chan receive \\(nil chan\\)\\]:\n");
  EXPECT_EXIT(gort::run([] { gort::chan<int>().send(1); }, procs()), testing::ExitedWithCode(2),
              DEADLOCK "goroutine 1 \\[chan send \\(nil chan\\)\\]:\n");
}

TEST_P(ChanDeathTest, EmptySelectBlocksForever) {
  EXPECT_EXIT(gort::run([] { gort::select(); }, procs()), testing::ExitedWithCode(2),
              DEADLOCK "goroutine 1 \\[select \\(no cases\\)\\]:\n");
}

TEST_P(ChanDeathTest, SelectWithNoReadyCaseIsADeadlock) {
  // Only nil channels, or channels nobody else uses.
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::chan<int> nil_ch;
                    gort::select(gort::recv(nil_ch), gort::send(nil_ch, 1));
                  },
                  procs()),
              testing::ExitedWithCode(2), DEADLOCK "goroutine 1 \\[select\\]:\n");
  EXPECT_EXIT(gort::run(
                  [] {
                    auto a = gort::make_chan<int>();
                    auto b = gort::make_chan<int>();
                    gort::select(gort::recv(a), gort::send(b, 1));
                  },
                  procs()),
              testing::ExitedWithCode(2), DEADLOCK "goroutine 1 \\[select\\]:\n");
}

TEST_P(ChanDeathTest, EveryBlockedGoroutineIsListed) {
  // Main waits to receive; a second goroutine waits to send on another channel, a third in a
  // select. Listed in creation order, each with its wait reason.
  EXPECT_EXIT(gort::run(
                  [] {
                    auto a = gort::make_chan<int>();
                    auto b = gort::make_chan<int>();
                    auto c = gort::make_chan<int>();
                    gort::go([b] { b.send(1); });
                    gort::go([c] { gort::select(gort::recv(c), gort::send(c, 1)); });
                    a.recv();
                  },
                  procs()),
              testing::ExitedWithCode(2),
              DEADLOCK "goroutine 1 \\[chan receive\\]:\n(.*\n)*" NOT_MAIN_GOROUTINE
                       "\\[chan send\\]:\n(.*\n)*" NOT_MAIN_GOROUTINE "\\[select\\]:\n");
}

TEST_P(ChanDeathTest, DeadlockAfterTheTimersFired) {
  // Main first waits for a timer (not a deadlock), then receives on a channel nobody sends to;
  // another goroutine sleeps, then blocks sending on a third channel. Once both timers fired
  // nothing can wake anyone. (The two timers may fire in either order on a loaded machine.)
  EXPECT_EXIT(gort::run(
                  [] {
                    auto never = gort::make_chan<int>();
                    gort::go([] {
                      gort::sleep(10ms);
                      std::fprintf(stderr, "slept\n");
                      gort::make_chan<int>().send(1);
                    });
                    gort::after(20ms).recv();
                    std::fprintf(stderr, "timer fired\n");
                    never.recv();
                  },
                  procs()),
              testing::ExitedWithCode(2),
              "(slept\ntimer fired|timer fired\nslept)\n" DEADLOCK
              "goroutine 1 \\[chan receive\\]:\n(.*\n)*" NOT_MAIN_GOROUTINE "\\[chan send\\]:\n");
}

TEST_P(ChanDeathTest, StoppedTimerDoesNotKeepTheProgramAlive) {
  // A stopped timer can wake nobody: main blocked on its channel is a deadlock. (Go 1.19 hangs
  // here instead, its stopped timers staying in the heap until cleaned; docs/chan.md.) Main keeps
  // its M busy (yielding) for a few milliseconds first, so that with P >= 2 another M goes idle
  // and becomes the timer sleeper for the hour-long timer: the stop must wake it, or that M
  // sleeps for the hour and the deadlock is never reported.
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::timer t(1h);
                    auto until = std::chrono::steady_clock::now() + 5ms;
                    while (std::chrono::steady_clock::now() < until) gort::yield();
                    t.stop();
                    t.c().recv();
                  },
                  procs()),
              testing::ExitedWithCode(2), DEADLOCK "goroutine 1 \\[chan receive\\]:\n");
}

TEST_P(ChanDeathTest, UnrecoveredChannelPanicsCrashTheProgram) {
  EXPECT_EXIT(gort::run(
                  [] {
                    auto ch = gort::make_chan<int>(1);
                    ch.close();
                    auto done = gort::make_chan<int>();
                    gort::go([ch] { ch.send(1); });
                    done.recv();
                  },
                  procs()),
              testing::ExitedWithCode(2),
              "panic: send on closed channel\n\n" NOT_MAIN_GOROUTINE "\\[running\\]:\n");
  EXPECT_EXIT(gort::run(
                  [] {
                    auto ch = gort::make_chan<int>();
                    ch.close();
                    ch.close();
                  },
                  procs()),
              testing::ExitedWithCode(2),
              "panic: close of closed channel\n\ngoroutine 1 \\[running\\]:\n");
  EXPECT_EXIT(gort::run([] { gort::chan<int>().close(); }, procs()), testing::ExitedWithCode(2),
              "panic: close of nil channel\n\ngoroutine 1 \\[running\\]:\n");
}

}  // namespace
