// Copyright 2026 The gort Authors.
//
// Tests of gort::func / gort::frame::defer: order, evaluation time, storage paths, results.
// Each test records what the deferred calls did in a log and compares it with what Go does for
// the same program (tests/go/semantics.go holds the Go twins of the ordering rules).

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <gort/gort.hpp>

namespace {

using Log = std::vector<std::string>;

TEST(Frame, DefersRunLastInFirstOut) {
  Log log;
  gort::func([&](gort::frame& f) {
    f.defer([&] { log.push_back("1"); });
    f.defer([&] { log.push_back("2"); });
    f.defer([&] { log.push_back("3"); });
    log.push_back("body");
  });
  EXPECT_EQ(log, (Log{"body", "3", "2", "1"}));
}

TEST(Frame, NestedFramesRunTheirOwnDefersWhenTheyReturn) {
  Log log;
  gort::func([&](gort::frame& outer) {
    outer.defer([&] { log.push_back("outer-1"); });
    gort::func([&](gort::frame& inner) {
      inner.defer([&] { log.push_back("inner-1"); });
      inner.defer([&] { log.push_back("inner-2"); });
    });
    log.push_back("after-inner");
    outer.defer([&] { log.push_back("outer-2"); });
  });
  EXPECT_EQ(log, (Log{"inner-2", "inner-1", "after-inner", "outer-2", "outer-1"}));
}

void append(Log* log, std::string s) {
  log->push_back(std::move(s));
}
void append_a(Log* log) {
  log->push_back("a");
}
void append_b(Log* log) {
  log->push_back("b");
}

TEST(Frame, FunctionValueAndArgumentsAreEvaluatedAtTheDeferStatement) {
  Log log;
  gort::func([&](gort::frame& f) {
    int x = 1;
    f.defer(append, &log, std::to_string(x));  // argument evaluated now: "1"
    x = 2;
    void (*fn)(Log*) = append_a;
    f.defer(fn, &log);  // function value evaluated now: append_a
    fn = append_b;
    (void)x;
    (void)fn;
  });
  EXPECT_EQ(log, (Log{"a", "1"}));
}

TEST(Frame, ClosuresCaptureByReferenceAndSeeTheValueAtRunTime) {
  Log log;
  int x = 1;
  gort::func([&](gort::frame& f) {
    f.defer([&] { log.push_back(std::to_string(x)); });
    x = 2;
  });
  EXPECT_EQ(log, (Log{"2"}));
}

TEST(Frame, DefersInALoopAccumulateUntilTheFunctionEnds) {
  constexpr int kN = 10000;
  std::vector<int> ran;
  bool loop_done = false;
  gort::func([&](gort::frame& f) {
    for (int i = 0; i < kN; ++i) {
      f.defer([&ran, &loop_done, i] {
        EXPECT_TRUE(loop_done);  // nothing runs at the end of an iteration's block
        ran.push_back(i);
      });
    }
    loop_done = true;
    EXPECT_TRUE(ran.empty());
  });
  ASSERT_EQ(ran.size(), static_cast<size_t>(kN));
  for (int i = 0; i < kN; ++i) EXPECT_EQ(ran[i], kN - 1 - i);
}

TEST(Frame, NamedResultIsChangedByDeferredCallsAfterReturn) {
  int r = gort::func<int>([&](gort::frame& f, int& r) {
    f.defer([&] { r *= 2; });
    r = 21;
  });
  EXPECT_EQ(r, 42);
}

TEST(Frame, UnnamedResultIsFixedWhenTheBodyReturns) {
  int x = 1;
  int r = gort::func([&](gort::frame& f) -> int {
    f.defer([&] { x = 100; });  // Go: `return x` copies x before deferred calls run
    return x;
  });
  EXPECT_EQ(r, 1);
  EXPECT_EQ(x, 100);
}

TEST(Frame, MoveOnlyArgumentsAndCallables) {
  Log log;
  gort::func([&](gort::frame& f) {
    auto p = std::make_unique<std::string>("owned");
    f.defer([&log](std::unique_ptr<std::string> q) { log.push_back(*q); }, std::move(p));
    EXPECT_EQ(p, nullptr);
    auto q = std::make_unique<std::string>("captured");
    f.defer([&log, q = std::move(q)]() mutable { log.push_back(*q); });
  });
  EXPECT_EQ(log, (Log{"captured", "owned"}));
}

struct Counter {
  int value = 0;
  void add(int n) { value += n; }
  void inc() { ++value; }
};

TEST(Frame, MemberFunctionPointers) {
  Counter c;
  gort::func([&](gort::frame& f) {
    f.defer(&Counter::inc, &c);
    f.defer(&Counter::add, &c, 10);
    f.defer(&Counter::add, std::ref(c), 100);
  });
  EXPECT_EQ(c.value, 111);
}

TEST(Frame, ReturnsMoveOnlyValues) {
  auto p = gort::func([](gort::frame& f) {
    f.defer([] {});
    return std::make_unique<int>(7);
  });
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);
}

TEST(Frame, LargeSmallAndChainedDefersKeepOneOrder) {
  // One-slot, multi-slot and heap entries interleave, in the frame and in chunks; the order must
  // stay last-in, first-out.
  struct Huge {
    char pad[600];
  };
  struct Big {
    char pad[200];
  };
  struct Mid {
    char pad[40];
  };
  std::vector<int> ran;
  gort::runtime_stats before = gort::stats();
  gort::func([&](gort::frame& f) {
    for (int i = 0; i < 60; ++i) {
      switch (i % 4) {
        case 0:
          f.defer([&ran, i, b = Big{}] {
            (void)b;
            ran.push_back(i);
          });
          break;
        case 1:
          f.defer([&ran, i, m = Mid{}] {
            (void)m;
            ran.push_back(i);
          });
          break;
        case 2:
          f.defer([&ran, i, h = Huge{}] {
            (void)h;
            ran.push_back(i);
          });
          break;
        default:
          f.defer([&ran, i] { ran.push_back(i); });
      }
    }
  });
  ASSERT_EQ(ran.size(), 60u);
  for (int i = 0; i < 60; ++i) EXPECT_EQ(ran[i], 59 - i);
  gort::runtime_stats d = gort::stats() - before;
  EXPECT_EQ(d.defers_inline + d.defers_pooled + d.defers_heap, 60u);
  EXPECT_EQ(d.defers_heap, 15u);
}

TEST(Frame, DeferFromADeferredCallOnTheSameFrameRunsBeforeTheRest) {
  Log log;
  gort::func([&](gort::frame& f) {
    f.defer([&] { log.push_back("first"); });
    f.defer([&] {
      log.push_back("second");
      f.defer([&] { log.push_back("late"); });
    });
  });
  EXPECT_EQ(log, (Log{"second", "late", "first"}));
}

TEST(Frame, AnOlderDeferredCallThatDefersMoreRunsItsNewCallsNext) {
  Log log;
  gort::func([&](gort::frame& f) {
    f.defer([&] { log.push_back("a"); });
    f.defer([&] {
      log.push_back("b");
      f.defer([&] { log.push_back("b1"); });
      f.defer([&] { log.push_back("b2"); });
    });
    f.defer([&] { log.push_back("c"); });
    f.defer([&] { log.push_back("d"); });
  });
  EXPECT_EQ(log, (Log{"d", "c", "b", "b2", "b1", "a"}));
}

TEST(Frame, ACallDeferredWhileTheCallsRunThatDefersMoreRunsItsNewCallNext) {
  // b2 runs from the chunk that b's defers opened, and defers b3 there: b3 runs next, as in Go.
  Log log;
  gort::func([&](gort::frame& f) {
    f.defer([&] { log.push_back("a"); });
    f.defer([&] {
      log.push_back("b");
      f.defer([&] { log.push_back("b1"); });
      f.defer([&] {
        log.push_back("b2");
        f.defer([&] { log.push_back("b3"); });
      });
    });
  });
  EXPECT_EQ(log, (Log{"b", "b2", "b3", "b1", "a"}));
}

TEST(Frame, DefersAddedWhileTheCallsRunAreCounted) {
  gort::runtime_stats before = gort::stats();
  int ran = 0;
  gort::func([&](gort::frame& f) {
    f.defer([&] { ++ran; });
    f.defer([&] {
      for (int i = 0; i < 40; ++i) f.defer([&] { ++ran; });
    });
  });
  gort::runtime_stats d = gort::stats() - before;
  EXPECT_EQ(ran, 41);
  EXPECT_EQ(d.defers_inline, 2u);
  EXPECT_EQ(d.defers_pooled, 40u);
}

TEST(Frame, DestroysStoredCallablesExactlyOnce) {
  static int alive = 0;
  struct Tracked {
    Tracked() { ++alive; }
    Tracked(const Tracked&) { ++alive; }
    Tracked(Tracked&&) noexcept { ++alive; }
    ~Tracked() { --alive; }
    void operator()() const {}
  };
  struct BigTracked : Tracked {
    char pad[100] = {};
  };
  alive = 0;
  gort::func([&](gort::frame& f) {
    for (int i = 0; i < 20; ++i) f.defer(Tracked{});
    f.defer(BigTracked{});
    EXPECT_EQ(alive, 21);
  });
  EXPECT_EQ(alive, 0);
}

TEST(Frame, StatsCountEachStoragePath) {
  struct Big {
    char pad[64];  // three slots
  };
  struct Huge {
    char pad[500];  // more than an entry may span: the heap
  };
  gort::runtime_stats before = gort::stats();
  gort::func([](gort::frame& f) {
    for (int i = 0; i < 8; ++i) f.defer([] {});
    for (int i = 0; i < 5; ++i) f.defer([] {});
    f.defer([b = Big{}] { (void)b; });
    f.defer([h = Huge{}] { (void)h; });
  });
  gort::runtime_stats d = gort::stats() - before;
  EXPECT_EQ(d.defers_inline, 8u);
  EXPECT_EQ(d.defers_pooled, 6u);
  EXPECT_EQ(d.defers_heap, 1u);
  EXPECT_GE(d.defer_heap_bytes, sizeof(Huge));
  EXPECT_EQ(d.defer_pool_hits + d.defer_pool_misses, 1u);  // one chunk
}

TEST(Frame, StatsCountDefersWhoseRunWasCutShortByAPanic) {
  gort::runtime_stats before = gort::stats();
  gort::func([](gort::frame& f) {
    f.defer([] { gort::recover(); });
    f.defer([] {});
    f.defer([] { gort::panic("in a deferred call at return"); });
  });
  gort::runtime_stats d = gort::stats() - before;
  EXPECT_EQ(d.defers_inline, 3u);
  EXPECT_EQ(d.panics, 1u);
  EXPECT_EQ(d.recovers, 1u);
}

TEST(Frame, MultiSlotEntriesInTheFrameCountAsInline) {
  struct Mid {
    char pad[40];
  };
  gort::runtime_stats before = gort::stats();
  gort::func([](gort::frame& f) {
    f.defer([] {});
    f.defer([m = Mid{}] { (void)m; });  // three of the eight inline slots
  });
  gort::runtime_stats d = gort::stats() - before;
  EXPECT_EQ(d.defers_inline, 2u);
  EXPECT_EQ(d.defers_pooled, 0u);
}

TEST(Frame, PooledChunksAreReusedInSteadyState) {
  auto run = [] {
    gort::func([](gort::frame& f) {
      for (int i = 0; i < 100; ++i) f.defer([] {});
    });
  };
  run();  // warm the pool
  gort::runtime_stats before = gort::stats();
  for (int k = 0; k < 50; ++k) run();
  gort::runtime_stats d = gort::stats() - before;
  EXPECT_EQ(d.defers_inline, 50u * 8u);
  EXPECT_EQ(d.defers_pooled, 50u * 92u);
  EXPECT_EQ(d.defer_pool_misses, 0u);
  EXPECT_EQ(d.defer_pool_hits, 50u * 3u);  // 92 slots: three chunks of 32
  EXPECT_EQ(d.defers_heap, 0u);
}

TEST(Frame, PoolsMoveBetweenThreadsThroughTheGlobalPool) {
  // A thread that frees more chunks than its local cap spills them to the global pool; a
  // thread that exits hands its pool back; another thread then refills without allocating.
  std::thread([] {
    gort::func([](gort::frame& f) {
      for (int i = 0; i < 1000; ++i) f.defer([] {});
    });
  }).join();
  gort::runtime_stats before = gort::stats();
  std::thread([] {
    gort::func([](gort::frame& f) {
      for (int i = 0; i < 600; ++i) f.defer([] {});
    });
  }).join();
  gort::runtime_stats d = gort::stats() - before;
  EXPECT_EQ(d.defers_pooled, 592u);
  EXPECT_EQ(d.defer_pool_misses, 0u);
  EXPECT_GT(d.defer_pool_refills, 0u);
}

TEST(Frame, ThreadsKeepSeparateFrameChains) {
  // Concurrency check: each thread runs frames and defers of its own; every thread's log must
  // come out in its own LIFO order, and the counters must add up across threads.
  constexpr int kThreads = 4;
  constexpr int kIters = 2000;
  gort::runtime_stats before = gort::stats();
  std::vector<std::thread> threads;
  std::vector<int> bad(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &bad] {
      for (int k = 0; k < kIters; ++k) {
        std::vector<int> order;
        gort::func([&](gort::frame& f) {
          for (int i = 0; i < 12; ++i) f.defer([&order, i] { order.push_back(i); });
        });
        for (int i = 0; i < 12; ++i)
          if (order[i] != 11 - i) ++bad[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(bad[t], 0);
  gort::runtime_stats d = gort::stats() - before;
  EXPECT_EQ(d.defers_inline, static_cast<uint64_t>(kThreads) * kIters * 8);
  EXPECT_EQ(d.defers_pooled, static_cast<uint64_t>(kThreads) * kIters * 4);
}

#if GORT_FRAME_CHECKS
TEST(FrameDeathTest, DeferOnAFinishedFrameIsFatal) {
  gort::frame* escaped = nullptr;
  gort::func([&](gort::frame& f) { escaped = &f; });
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer sees the dead stack slot first.
  EXPECT_DEATH(escaped->defer([] {}), "stack-use-after-(scope|return)");
#else
  EXPECT_EXIT(escaped->defer([] {}), testing::ExitedWithCode(2),
              "fatal error: gort::frame used after its function finished");
#endif
}
#endif

#if defined(__SANITIZE_ADDRESS__)
TEST(FrameDeathTest, AsanCatchesADeferredCallThatUsesABodyLocalByReference) {
  // The documented mistake: the body's locals are gone when its deferred calls run.
  EXPECT_DEATH(
      {
        gort::func([](gort::frame& f) {
          int local = 1;
          int* volatile p = &local;
          f.defer([p] { *p = 2; });
        });
      },
      "stack-use-after-(scope|return)");
}
#endif

}  // namespace

// Every counter of the list (include/gort/stats.hpp) is subtracted field by field, and a
// goroutine's frame-core block counts into its own field: the list drives both.
TEST(Stats, OperatorMinusSubtractsEveryCounterOfTheList) {
  gort::runtime_stats a, b;
  std::uint64_t v = 100;
#define SET(name, meaning) \
  a.name = v;              \
  b.name = v++ - 7;
  GORT_FRAME_COUNTERS(SET)
  GORT_SCHED_COUNTERS(SET)
#undef SET
  a.goroutines_live = 5;
  b.goroutines_live = 3;
  gort::runtime_stats d = a - b;
#define CHECK(name, meaning) EXPECT_EQ(d.name, 7u) << #name;
  GORT_FRAME_COUNTERS(CHECK)
  GORT_SCHED_COUNTERS(CHECK)
#undef CHECK
  EXPECT_EQ(d.goroutines_live, 2u);
}

TEST(Stats, FrameCountersLandInTheirRuntimeStatsFields) {
  gort::runtime_stats before = gort::stats();
  gort::func([](gort::frame& f) {
    f.defer([] {});
    f.defer([] {});
  });
  gort::runtime_stats d = gort::stats() - before;
  EXPECT_EQ(d.defers_inline, 2u);
  EXPECT_EQ(d.defers_pooled, 0u);
  EXPECT_EQ(d.defers_heap, 0u);
  EXPECT_EQ(d.panics, 0u);
}
