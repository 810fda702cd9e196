// Copyright 2026 The gort Authors.
//
// Tests of panic, recover and goexit: each rule of Go's spec and runtime (panic.go) that gort
// reproduces. Tests record events in a log and compare with the order Go produces; the Go twins
// in tests/go/semantics.go print the same logs.

#include <pthread.h>

#include <cstdio>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <gort/gort.hpp>

namespace {

using Log = std::vector<std::string>;

// These tests also run on a goroutine (gort_tests_in_goroutine). There goexit ends the goroutine
// that runs the test itself, not just the outermost gort::func: tests of the plain-thread rule
// skip themselves; sched_test.cpp covers goexit on goroutines.
constexpr const char* kGoexitEndsTheGoroutine =
    "on a goroutine, goexit ends the goroutine running the tests (see sched_test.cpp)";

std::string str(const std::any& v) {
  if (!v.has_value()) return "<nil>";
  if (auto* s = std::any_cast<std::string>(&v)) return *s;
  if (auto* i = std::any_cast<int>(&v)) return std::to_string(*i);
  if (auto* e = std::any_cast<std::exception_ptr>(&v)) {
    try {
      std::rethrow_exception(*e);
    } catch (const std::exception& x) {
      return std::string("exception:") + x.what();
    } catch (...) {
      return "exception:?";
    }
  }
  return "<other>";
}

TEST(Panic, RecoverReturnsTheValueAndTheFunctionReturnsNormally) {
  Log log;
  int r = gort::func([&](gort::frame& f) -> int {
    f.defer([&] { log.push_back("recovered " + str(gort::recover())); });
    gort::panic("boom");
    log.push_back("not reached");
    return 5;
  });
  EXPECT_EQ(r, 0);  // value-initialized result
  EXPECT_EQ(log, (Log{"recovered boom"}));
}

TEST(Panic, NamedResultSetByADeferredCallAfterRecover) {
  int r = gort::func<int>([&](gort::frame& f, int& r) {
    r = 1;
    f.defer([&] {
      if (gort::recover().has_value()) r = -1;
    });
    gort::panic(7);
  });
  EXPECT_EQ(r, -1);
}

TEST(Panic, DeferredCallsOfEveryFrameRunWhileThePanicUnwinds) {
  Log log;
  gort::func([&](gort::frame& outer) {
    outer.defer([&] { log.push_back("outer recovered " + str(gort::recover())); });
    gort::func([&](gort::frame& mid) {
      mid.defer([&] { log.push_back("mid"); });
      gort::func([&](gort::frame& inner) {
        inner.defer([&] { log.push_back("inner"); });
        gort::panic(3);
      });
      log.push_back("not reached");
    });
  });
  EXPECT_EQ(log, (Log{"inner", "mid", "outer recovered 3"}));
}

TEST(Panic, RecoverIsEmptyOutsideDeferredCalls) {
  EXPECT_FALSE(gort::recover().has_value());
  gort::func([](gort::frame& f) {
    EXPECT_FALSE(gort::recover().has_value());
    f.defer([] { EXPECT_FALSE(gort::recover().has_value()); });  // normal return, no panic
  });
}

TEST(Panic, RecoverIsEmptyInsideANewFrameCalledFromTheDeferredCall) {
  Log log;
  gort::func([&](gort::frame& f) {
    f.defer([&] { log.push_back("direct " + str(gort::recover())); });
    f.defer([&] {
      gort::func([&](gort::frame&) { log.push_back("nested " + str(gort::recover())); });
    });
    gort::panic("p");
  });
  EXPECT_EQ(log, (Log{"nested <nil>", "direct p"}));
}

// Deviation from Go (docs/defer.md): gort sees frames, not C++ function calls, so recover() in a
// plain function (or a destructor) that the deferred call calls recovers, where Go's returns nil.
// What is guaranteed: it recovers exactly the panic the deferred call runs for, once, and a new
// gort::func entered on the way turns it off (the test above).
TEST(Panic, RecoverInAPlainHelperOfTheDeferredCallRecovers) {
  Log log;
  struct recovers_when_destroyed {
    Log* log;
    ~recovers_when_destroyed() { log->push_back("dtor " + str(gort::recover())); }
  };
  auto helper = [&log] { log.push_back("helper " + str(gort::recover())); };
  gort::func([&](gort::frame& f) {
    f.defer([&] { log.push_back("outer " + str(gort::recover())); });
    f.defer([&] {
      gort::func([&](gort::frame& g) {
        g.defer([&] { recovers_when_destroyed d{&log}; });
        gort::panic("second");
      });
    });
    f.defer([&] {
      helper();
      helper();  // once only
    });
    gort::panic("first");
  });
  EXPECT_EQ(log, (Log{"helper first", "helper <nil>", "dtor second", "outer <nil>"}));
}

TEST(Panic, RecoverIsEmptyInDeferredCallsRunByANormalReturnDuringAPanic) {
  // The deferred call of `outer` runs because of the panic; it calls g, a normal function
  // whose own deferred call runs at g's normal return: recover there returns nil in Go.
  Log log;
  gort::func([&](gort::frame& outer) {
    outer.defer([&] { log.push_back("outer " + str(gort::recover())); });
    outer.defer([&] {
      gort::func(
          [&](gort::frame& g) { g.defer([&] { log.push_back("g " + str(gort::recover())); }); });
    });
    gort::panic("x");
  });
  EXPECT_EQ(log, (Log{"g <nil>", "outer x"}));
}

TEST(Panic, DeferringRecoverItselfDoesNotStopThePanic) {
  // Go: `defer recover()` is useless, since recover is not called by a deferred function.
  Log log;
  gort::func([&](gort::frame& outer) {
    outer.defer([&] { log.push_back("outer " + str(gort::recover())); });
    gort::func([&](gort::frame& inner) {
      inner.defer(gort::recover);
      inner.defer(&gort::recover);
      gort::panic("through");
    });
    log.push_back("not reached");
  });
  EXPECT_EQ(log, (Log{"outer through"}));
}

TEST(Panic, SecondRecoverReturnsEmpty) {
  Log log;
  gort::func([&](gort::frame& f) {
    f.defer([&] {
      log.push_back("first " + str(gort::recover()));
      log.push_back("second " + str(gort::recover()));
    });
    gort::panic("once");
  });
  EXPECT_EQ(log, (Log{"first once", "second <nil>"}));
}

TEST(Panic, APanicInADeferredCallReplacesTheRunningOne) {
  Log log;
  gort::func([&](gort::frame& f) {
    f.defer([&] { log.push_back("recovered " + str(gort::recover())); });
    f.defer([&] { gort::panic("second"); });
    gort::panic("first");
  });
  EXPECT_EQ(log, (Log{"recovered second"}));
}

TEST(Panic, UnrecoveredReplacedPanicsAreAllReported) {
  try {
    gort::func([&](gort::frame& f) {
      f.defer([&] { gort::panic("second"); });
      gort::panic("first");
    });
    FAIL() << "no panic_error";
  } catch (const gort::panic_error& e) {
    EXPECT_STREQ(e.what(), "second");
    EXPECT_EQ(e.report(), "panic: first\n\tpanic: second\n");
  }
}

TEST(Panic, RepanicAfterRecoverIsReportedAsRecovered) {
  try {
    gort::func([&](gort::frame& f) {
      f.defer([&] {
        std::any v = gort::recover();
        gort::panic("re-" + str(v));
      });
      gort::panic("first");
    });
    FAIL() << "no panic_error";
  } catch (const gort::panic_error& e) {
    EXPECT_EQ(str(e.value()), "re-first");
    EXPECT_EQ(e.report(), "panic: first [recovered]\n\tpanic: re-first\n");
  }
}

TEST(Panic, RepanicAfterRecoverCanBeRecoveredFurtherUp) {
  Log log;
  gort::func([&](gort::frame& outer) {
    outer.defer([&] { log.push_back("outer " + str(gort::recover())); });
    gort::func([&](gort::frame& inner) {
      inner.defer([&] {
        std::any v = gort::recover();
        log.push_back("inner " + str(v));
        gort::panic("again");
      });
      gort::panic("once");
    });
  });
  EXPECT_EQ(log, (Log{"inner once", "outer again"}));
  EXPECT_FALSE(gort::recover().has_value());
}

TEST(Panic, PanicInADeferredCallDuringANormalReturn) {
  Log log;
  int r = gort::func<int>([&](gort::frame& f, int& r) {
    f.defer([&] {
      log.push_back("recovered " + str(gort::recover()));
      r += 1;
    });
    f.defer([&] { gort::panic("late"); });
    f.defer([&] { log.push_back("before"); });
    r = 10;
  });
  EXPECT_EQ(log, (Log{"before", "recovered late"}));
  EXPECT_EQ(r, 11);
}

TEST(Panic, PanicRecoveredInANestedFrameDoesNotStopTheOuterPanic) {
  Log log;
  gort::func([&](gort::frame& outer) {
    outer.defer([&] { log.push_back("outer " + str(gort::recover())); });
    outer.defer([&] {
      gort::func([&](gort::frame& g) {
        g.defer([&] { log.push_back("g " + str(gort::recover())); });
        gort::panic("inner");
      });
      log.push_back("after g");
    });
    gort::panic("outer");
  });
  EXPECT_EQ(log, (Log{"g inner", "after g", "outer outer"}));
}

TEST(Panic, CppExceptionsArePanicsWithAnExceptionPtrValue) {
  Log log;
  gort::func([&](gort::frame& f) {
    f.defer([&] {
      std::any v = gort::recover();
      ASSERT_TRUE(v.type() == typeid(std::exception_ptr));
      log.push_back(str(v));
    });
    throw std::out_of_range("index 5");
  });
  EXPECT_EQ(log, (Log{"exception:index 5"}));
}

TEST(Panic, AnUnrecoveredCppExceptionKeepsItsType) {
  Log log;
  EXPECT_THROW(gort::func([&](gort::frame& outer) {
                 outer.defer([&] { log.push_back("outer"); });
                 gort::func([&](gort::frame& inner) {
                   inner.defer([&] { log.push_back("inner"); });
                   throw std::out_of_range("oops");
                 });
               }),
               std::out_of_range);
  EXPECT_EQ(log, (Log{"inner", "outer"}));
  EXPECT_FALSE(gort::recover().has_value());
}

TEST(Panic, UserCatchBlocksBetweenFramesStillWork) {
  // C++ code between two frames may catch the exception it knows; the panic then ends there
  // and leaves nothing behind for recover().
  Log log;
  gort::func([&](gort::frame& outer) {
    outer.defer([&] { log.push_back("outer sees " + str(gort::recover())); });
    try {
      gort::func([&](gort::frame& inner) {
        inner.defer([&] { log.push_back("inner"); });
        throw std::runtime_error("handled");
      });
    } catch (const std::runtime_error& e) {
      log.push_back(std::string("caught ") + e.what());
    }
    try {
      gort::func([&](gort::frame&) { gort::panic("swallowed"); });
    } catch (...) {
      log.push_back("caught panic");
    }
  });
  EXPECT_EQ(log, (Log{"inner", "caught handled", "caught panic", "outer sees <nil>"}));
}

TEST(Panic, CatchBlocksBetweenThePanicAndItsFrameSeeItAsBefore) {
  // A panic is raised as a forced unwind (src/defer/panic.cpp): typed catch blocks on its way do
  // not take it, catch (...) blocks do, and `throw;` or std::rethrow_exception there sends it on;
  // destructors on the way see one uncaught exception, the deferred call none.
  Log log;
  struct Probe {
    Log* log;
    ~Probe() { log->push_back("dtor " + std::to_string(std::uncaught_exceptions())); }
  };
  gort::func([&](gort::frame& f) {
    f.defer([&] {
      log.push_back("defer " + std::to_string(std::uncaught_exceptions()));
      log.push_back("recovered " + str(gort::recover()));
    });
    try {
      try {
        try {
          Probe p{&log};
          gort::panic("through");
        } catch (const std::exception&) {
          log.push_back("std::exception");
        } catch (int) {
          log.push_back("int");
        }
      } catch (...) {
        log.push_back("rethrow");
        throw;
      }
    } catch (...) {
      std::exception_ptr e = std::current_exception();
      log.push_back(e ? "current" : "no current");
      std::rethrow_exception(e);
    }
  });
  EXPECT_EQ(log, (Log{"dtor 1", "rethrow", "current", "defer 0", "recovered through"}));
  // The same for a panic leaving a nested frame (raised again by its frame), with the
  // statistics exact.
  gort::runtime_stats before = gort::stats();
  int r = gort::func<int>([&](gort::frame& f, int& r) {
    f.defer([&] { r = gort::recover().has_value() ? 1 : 2; });
    try {
      gort::func([](gort::frame& inner) {
        inner.defer([] {});
        gort::panic(7);
      });
    } catch (...) {
      throw;
    }
  });
  gort::runtime_stats after = gort::stats();
  EXPECT_EQ(r, 1);
  EXPECT_EQ(after.panics - before.panics, 1u);
  EXPECT_EQ(after.recovers - before.recovers, 1u);
}

TEST(Panic, EveryDestructorBetweenThePanicAndTheRecoveringFrameRuns) {
  Log log;
  struct Noisy {
    Log* log;
    std::string name;
    ~Noisy() { log->push_back("~" + name); }
  };
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winfinite-recursion"  // it ends: n counts down to the panic
  auto deep = [&](auto& self, int n) -> void {
    Noisy guard{&log, std::to_string(n)};
    if (n > 0)
      self(self, n - 1);
    else
      gort::panic("deep");
  };
#pragma GCC diagnostic pop
  gort::func([&](gort::frame& f) {
    Noisy body_local{&log, "body"};
    f.defer([&] { log.push_back("recover " + str(gort::recover())); });
    deep(deep, 3);
  });
  EXPECT_EQ(log, (Log{"~0", "~1", "~2", "~3", "~body", "recover deep"}));
}

TEST(Panic, PanicValuesArePrintedAsGoPrintsThem) {
  auto text = [](auto v) -> std::string {
    try {
      gort::func([&](gort::frame&) { gort::panic(v); });
    } catch (const gort::panic_error& e) {
      return e.what();
    }
    return "no panic";
  };
  EXPECT_EQ(text("literal"), "literal");
  EXPECT_EQ(text(std::string("string")), "string");
  EXPECT_EQ(text(42), "42");
  EXPECT_EQ(text(-7L), "-7");
  EXPECT_EQ(text(true), "true");
  EXPECT_EQ(text(1.5), "+1.500000e+000");
  EXPECT_EQ(text(-2.5e-10), "-2.500000e-010");
  EXPECT_EQ(text(gort::runtime_error("send on closed channel")), "send on closed channel");
  struct Opaque {
    int x;
  };
  EXPECT_EQ(text(Opaque{1}).rfind("(", 0), 0u);
  // Go prints a pointer as its type and value (`(*int) 0x0` for a nil one).
  int* null_int = nullptr;
  EXPECT_EQ(text(null_int), "(int*) 0x0");
  int x = 0;
  char want[64];
  std::snprintf(want, sizeof want, "(int*) 0x%lx", reinterpret_cast<unsigned long>(&x));
  EXPECT_EQ(text(&x), want);
}

// Go's panic(nil) prints `panic: nil`. A null C string is nil too (std::string would throw
// "basic_string: construction from null is not valid" instead of carrying the panic).
TEST(Panic, PanicNullptrIsGoPanicNil) {
  auto report = [](auto v) -> std::string {
    try {
      gort::func([&](gort::frame&) { gort::panic(v); });
    } catch (const gort::panic_error& e) {
      EXPECT_STREQ(e.what(), "nil");
      EXPECT_TRUE(e.value().type() == typeid(std::nullptr_t));
      return e.report();
    }
    return "no panic";
  };
  EXPECT_EQ(report(nullptr), "panic: nil\n");
  EXPECT_EQ(report(static_cast<const char*>(nullptr)), "panic: nil\n");
  EXPECT_EQ(report(static_cast<char*>(nullptr)), "panic: nil\n");
  try {
    gort::panic(nullptr);  // no frame at all
    FAIL();
  } catch (const gort::panic_error& e) {
    EXPECT_EQ(e.report(), "panic: nil\n");
  }
}

// Deviation from Go 1.19 (docs/defer.md): recover() after panic(nil) returns a std::any holding
// a std::nullptr_t, not an empty one, so `recover().has_value()` still tells a recovered panic
// from no panic. The panic stops either way, as in Go.
TEST(Panic, RecoverAfterPanicNullptrHoldsANullptr) {
  bool recovered = false, after = false;
  gort::func([&](gort::frame& f) {
    f.defer([&] {
      std::any v = gort::recover();
      recovered = v.has_value() && v.type() == typeid(std::nullptr_t);
    });
    gort::panic(nullptr);
  });
  after = true;
  EXPECT_TRUE(recovered);
  EXPECT_TRUE(after);
}

struct Point {
  int x, y;
};
std::ostream& operator<<(std::ostream& os, const Point& p) {
  return os << "(" << p.x << "," << p.y << ")";
}

TEST(Panic, ValuesWithAStreamOperatorPrintThroughIt) {
  try {
    gort::func([](gort::frame&) { gort::panic(Point{1, 2}); });
    FAIL();
  } catch (const gort::panic_error& e) {
    EXPECT_STREQ(e.what(), "(1,2)");
    EXPECT_EQ(std::any_cast<Point>(e.value()).y, 2);
  }
}

TEST(Panic, DefersRegisteredWhileAPanicRunsTheFrameRunToo) {
  Log log;
  gort::func([&](gort::frame& f) {
    f.defer([&] { log.push_back("recover " + str(gort::recover())); });
    f.defer([&] {
      for (int i = 0; i < 40; ++i) f.defer([&log, i] { log.push_back(std::to_string(i)); });
    });
    gort::panic("p");
  });
  ASSERT_EQ(log.size(), 41u);
  EXPECT_EQ(log.front(), "39");
  EXPECT_EQ(log[39], "0");
  EXPECT_EQ(log.back(), "recover p");
}

TEST(Goexit, GoexitInADeferredCallReplacesThePanic) {
  if (gort::goid() != 0) GTEST_SKIP() << kGoexitEndsTheGoroutine;
  Log log;
  int r = gort::func<int>([&](gort::frame& f, int& r) {
    r = 5;
    f.defer([&] { log.push_back("last " + str(gort::recover())); });
    f.defer([] { gort::goexit(); });
    gort::panic("dropped");
  });
  EXPECT_EQ(r, 5);  // goexit ended the outermost function; nothing escaped
  EXPECT_EQ(log, (Log{"last <nil>"}));
}

TEST(Panic, StringLiteralsAreStoredAsStdString) {
  gort::func([](gort::frame& f) {
    f.defer([] {
      std::any v = gort::recover();
      EXPECT_TRUE(v.type() == typeid(std::string));
    });
    gort::panic("text");
  });
}

TEST(Panic, PanicLeavingTheOutermostFrameBecomesPanicError) {
  Log log;
  try {
    gort::func([&](gort::frame& f) {
      f.defer([&] { log.push_back("deferred"); });
      gort::panic(99);
    });
    FAIL();
  } catch (const gort::panic_error& e) {
    EXPECT_STREQ(e.what(), "99");
    EXPECT_EQ(std::any_cast<int>(e.value()), 99);
    EXPECT_EQ(e.report(), "panic: 99\n");
  }
  EXPECT_EQ(log, (Log{"deferred"}));
}

TEST(Panic, PanicWithNoFrameAtAllIsAPanicError) {
  EXPECT_THROW(gort::panic("bare"), gort::panic_error);
}

TEST(Panic, RuntimeErrorIsAStdRuntimeError) {
  gort::runtime_error e("close of nil channel");
  const std::runtime_error& base = e;
  EXPECT_STREQ(base.what(), "close of nil channel");
}

TEST(Panic, StatsCountPanicsAndRecovers) {
  gort::runtime_stats before = gort::stats();
  for (int i = 0; i < 3; ++i) {
    gort::func([i](gort::frame& f) {
      f.defer([] { gort::recover(); });
      gort::panic(i);
    });
  }
  gort::func([](gort::frame& f) {
    f.defer([] { gort::recover(); });
    throw 5;
  });
  gort::runtime_stats d = gort::stats() - before;
  EXPECT_EQ(d.panics, 4u);
  EXPECT_EQ(d.recovers, 4u);
}

TEST(Goexit, RunsEveryPendingDeferredCallInnermostFirstWithRecoverDisabled) {
  if (gort::goid() != 0) GTEST_SKIP() << kGoexitEndsTheGoroutine;
  Log log;
  int r = gort::func([&](gort::frame& outer) -> int {
    outer.defer([&] { log.push_back("outer recover " + str(gort::recover())); });
    gort::func([&](gort::frame& inner) {
      inner.defer([&] { log.push_back("inner recover " + str(gort::recover())); });
      gort::goexit();
    });
    log.push_back("not reached");
    return 1;
  });
  EXPECT_EQ(r, 0);
  EXPECT_EQ(log, (Log{"inner recover <nil>", "outer recover <nil>"}));
}

TEST(Goexit, APanicRecoveredDuringGoexitLetsGoexitContinue) {
  if (gort::goid() != 0) GTEST_SKIP() << kGoexitEndsTheGoroutine;
  Log log;
  gort::func([&](gort::frame& outer) {
    outer.defer([&] { log.push_back("outer"); });
    gort::func([&](gort::frame& inner) {
      inner.defer([&] { log.push_back("last"); });
      inner.defer([&] { log.push_back("recovered " + str(gort::recover())); });
      inner.defer([&] { gort::panic("during goexit"); });
      gort::goexit();
    });
    log.push_back("not reached");
  });
  EXPECT_EQ(log, (Log{"recovered during goexit", "last", "outer"}));
}

TEST(Goexit, EndsOnlyTheOutermostFrameOfAPlainThread) {
  if (gort::goid() != 0) GTEST_SKIP() << kGoexitEndsTheGoroutine;
  Log log;
  gort::func([&](gort::frame& f) {
    f.defer([&] { log.push_back("deferred"); });
    gort::goexit();
  });
  log.push_back("after");
  EXPECT_EQ(log, (Log{"deferred", "after"}));
}

TEST(GoexitDeathTest, GoexitWithNoFrameIsFatal) {
  if (gort::goid() != 0) GTEST_SKIP() << kGoexitEndsTheGoroutine;
  EXPECT_EXIT(gort::goexit(), testing::ExitedWithCode(2), "fatal error: goexit called");
}

TEST(PanicDeathTest, RecoveringAFunctionWhoseResultCannotBeValueInitializedIsFatal) {
  struct NoDefault {
    explicit NoDefault(int) {}
  };
  EXPECT_EXIT(gort::func([](gort::frame& f) -> NoDefault {
                f.defer([] { gort::recover(); });
                gort::panic(1);
              }),
              testing::ExitedWithCode(2), "fatal error: gort::func recovered a panic");
}

TEST(Panic, ThreadCancellationRunsDeferredCalls) {
  Log log;
  std::thread([&] {
    gort::func([&](gort::frame& f) {
      f.defer([&] { log.push_back("ran " + str(gort::recover())); });
      pthread_exit(nullptr);
    });
  }).join();
  EXPECT_EQ(log, (Log{"ran <nil>"}));
}

TEST(Panic, ConcurrentPanicsOnManyThreadsStayApart) {
  // Concurrency check: each thread panics and recovers its own values; a mix-up between the
  // threads' panic lists would show as a wrong recovered value or a wrong count.
  constexpr int kThreads = 4;
  constexpr int kIters = 500;
  std::vector<int> wrong(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &wrong] {
      for (int i = 0; i < kIters; ++i) {
        int want = t * 100000 + i;
        int got = gort::func<int>([&](gort::frame& f, int& r) {
          f.defer([&] {
            std::any v = gort::recover();
            r = v.has_value() ? std::any_cast<int>(v) : -1;
          });
          gort::func([&](gort::frame& g) {
            g.defer([] {});
            gort::panic(want);
          });
        });
        if (got != want) ++wrong[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(wrong[t], 0);
}

}  // namespace
