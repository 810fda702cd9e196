// Copyright 2026 The gort Authors.
//
// Death tests of the scheduler's fatal paths: each ends the process with exit status 2 and Go's
// text on stderr (an unrecovered panic or escaping C++ exception in a goroutine, a deadlock, a
// stack overflow, a hardware fault, a bad environment variable, misuse of run/go), plus the
// GORT_DEBUG=schedtrace line format. The goroutine paths run under P = 1, 2, 4 and 8
// (SchedDeathTest).
//
// Hardware faults are made on purpose: the faulting functions are kept from UBSan (its null and
// divide-by-zero checks would report first under the asan preset; docs/scheduler.md) and read
// their operands through volatiles, so that the compiler can neither fold the fault away nor
// replace it with a trap instruction.
//
// Death tests run in a re-executed child (test_main.cpp selects the "threadsafe" style), so an
// environment variable set inside the death statement is seen only by that child.

#include <alloca.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include <gtest/gtest.h>
#include <gort/gort.hpp>

#include "test_support.hpp"

#include "sched/runtime.hpp"
#include "sched/sema.hpp"

namespace {

using namespace std::chrono_literals;

// park_forever parks the calling goroutine on a semaphore nobody releases (wait reason
// `reason`), so that it stays out of the way while another goroutine crashes the process.
// A goroutine other than main in a report: ids come from per-P batches (Go's goidcache), so the
// first goroutine main starts is not always number 2.
#define NOT_MAIN_GOROUTINE "goroutine ([2-9]|[1-9][0-9]+) "

void park_forever(const char* reason = "park forever") {
  gort::internal::sema s;
  s.acquire(reason);
}

[[gnu::noinline]] void panic_in_named_function(int v) {
  gort::func([&](gort::frame& f) {
    f.defer([] {});
    gort::panic(v);
  });
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winfinite-recursion"
[[gnu::noinline]] int recurse_forever(int depth) {
  volatile char pad[512];
  pad[0] = static_cast<char>(depth);
  return recurse_forever(depth + 1) + pad[0];  // not a tail call: every level keeps its frame
}
#pragma GCC diagnostic pop

int* volatile null_int = nullptr;
volatile int zero_divisor = 0;
volatile std::size_t alloca_bytes = 280 * 1024;  // more than the whole 256 KiB stack

[[gnu::noinline]] __attribute__((no_sanitize("undefined"))) int load_through_nil() {
  return *null_int;
}

[[gnu::noinline]] __attribute__((no_sanitize("undefined"))) int divide_by_zero_here(int a) {
  return a / zero_divisor;
}

// store_to_protected_page writes to a page mapped PROT_NONE: SIGSEGV with SEGV_ACCERR at an
// address far from 0, which Go reports as an unexpected fault address, not as a nil dereference.
[[gnu::noinline]] void store_to_protected_page() {
  void* page = mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) std::abort();
  *static_cast<volatile int*>(page) = 1;
}

// load_past_end_of_file reads a mapped page of a file that was truncated under it: SIGBUS.
[[gnu::noinline]] int load_past_end_of_file() {
  int fd = memfd_create("gort-sigbus", 0);
  if (fd < 0 || ftruncate(fd, 4096) != 0) std::abort();
  void* page = mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0);
  if (page == MAP_FAILED || ftruncate(fd, 0) != 0) std::abort();
  return *static_cast<volatile int*>(page);
}

// alloca_beyond_the_stack asks for a frame larger than the whole stack and writes its lowest page.
// gort::gort's -fstack-clash-protection makes the allocation touch each page on the way down.
[[gnu::noinline]] void alloca_beyond_the_stack() {
  auto* p = static_cast<unsigned char*>(alloca(alloca_bytes));
  std::memset(p, 0x5a, 4096);
  asm volatile("" : : "r"(p) : "memory");
}

// alloca_beyond_the_stack_then_yield overflows the same way but switches to the scheduler while the
// oversized frame is live (what an unguarded stack is checked at).
[[gnu::noinline]] void alloca_beyond_the_stack_then_yield() {
  auto* p = static_cast<unsigned char*>(alloca(alloca_bytes));
  asm volatile("" : : "r"(p) : "memory");
  gort::yield();
  asm volatile("" : : "r"(p) : "memory");
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winfinite-recursion"
[[gnu::noinline]] int recurse_with_big_locals(int depth) {
  volatile unsigned char pad[100 << 10];  // 100 KB: three calls need more than 256 KiB
  pad[static_cast<unsigned>(depth) % sizeof pad] = static_cast<unsigned char>(depth);
  return recurse_with_big_locals(depth + 1) + pad[static_cast<unsigned>(depth + 7) % sizeof pad];
}
#pragma GCC diagnostic pop

// The first lines of Go's report of a hardware fault, then the faulting function (named first in
// the stack, with this file's name and a line).
#define NIL_DEREF_REPORT                                                      \
  "panic: runtime error: invalid memory address or nil pointer dereference\n" \
  "\\[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x[0-9a-f]+\\]\n\n"
#define FAULTING_FUNCTION(name)                         \
  "\\[running\\]:\n(\\(anonymous namespace\\)::)?" name \
  "\\(\\)\n\t[^\n]*sched_death_test\\.cpp:[0-9]+ pc=0x[0-9a-f]+\n"
#define STACK_OVERFLOW_REPORT                                      \
  "runtime: goroutine stack exceeds 262144-byte limit\n"           \
  "runtime: sp=0x[0-9a-f]+ stack=\\[0x[0-9a-f]+, 0x[0-9a-f]+\\]\n" \
  "fatal error: stack overflow\n\n"
#define UNGUARDED_STACK_OVERFLOW_REPORT                                                \
  "runtime: goroutine stack exceeds 262144-byte limit\n"                               \
  "runtime: sp=0x[0-9a-f]+ stack=\\[0x[0-9a-f]+, 0x[0-9a-f]+\\]\n"                     \
  "runtime: the stack has no guard page [^\n]*: the overflow was caught late and may " \
  "have overwritten memory below the stack\n"                                          \
  "fatal error: stack overflow\n\n"

class SchedDeathTest : public testing::TestWithParam<int> {
 protected:
  int procs() const { return GetParam(); }
  // in_goroutine runs fn in a goroutine other than main (main parks forever) under procs() Ps:
  // for the deaths whose report must name that goroutine.
  template <class F>
  void in_goroutine(F fn) const {
    gort::run(
        [fn] {
          gort::go(fn);
          park_forever();
        },
        procs());
  }
};

INSTANTIATE_TEST_SUITE_P(Procs, SchedDeathTest, testing::Values(1, 2, 4, 8), gort_test::procs_name);

TEST_P(SchedDeathTest, UnrecoveredPanicInAGoroutineRunsItsDefersThenReports) {
  EXPECT_EXIT(in_goroutine([] {
                gort::func([](gort::frame& f) {
                  f.defer([] { std::fprintf(stderr, "deferred call ran\n"); });
                  gort::yield();
                  gort::panic("boom");
                });
              }),
              testing::ExitedWithCode(2),
              "deferred call ran\npanic: boom\n\n" NOT_MAIN_GOROUTINE "\\[running\\]:\n");
}

TEST_P(SchedDeathTest, PanicsReplacedOrRepanickedAreAllReported) {
  EXPECT_EXIT(in_goroutine([] {
                gort::func([](gort::frame& f) {
                  f.defer([] {
                    gort::recover();
                    gort::panic(2);
                  });
                  gort::panic(1);
                });
              }),
              testing::ExitedWithCode(2),
              "panic: 1 \\[recovered\\]\n\tpanic: 2\n\n" NOT_MAIN_GOROUTINE "\\[running\\]:\n");
  EXPECT_EXIT(in_goroutine([] {
                gort::func([](gort::frame& f) {
                  f.defer([] { gort::panic("second"); });
                  gort::panic("first");
                });
              }),
              testing::ExitedWithCode(2),
              "panic: first\n\tpanic: second\n\n" NOT_MAIN_GOROUTINE "\\[running\\]:\n");
}

TEST_P(SchedDeathTest, PanicInTheMainGoroutineReportsGoroutineOne) {
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::func([](gort::frame& f) {
                      f.defer([] { std::fprintf(stderr, "main's deferred call\n"); });
                      gort::panic("in main");
                    });
                  },
                  procs()),
              testing::ExitedWithCode(2),
              "main's deferred call\npanic: in main\n\ngoroutine 1 \\[running\\]:\n");
}

TEST_P(SchedDeathTest, PanicWithNoFrameInAGoroutine) {
  EXPECT_EXIT(in_goroutine([] { gort::panic(42); }), testing::ExitedWithCode(2),
              "panic: 42\n\n" NOT_MAIN_GOROUTINE "\\[running\\]:\n");
}

TEST_P(SchedDeathTest, PanicReportHasASymbolizedStack) {
  // The trace starts at the outermost frame the panic left: the named function that called
  // gort::func, with its file and line (addr2line), before the goroutine's entry.
  EXPECT_EXIT(in_goroutine([] { panic_in_named_function(7); }), testing::ExitedWithCode(2),
              "panic: 7\n\n" NOT_MAIN_GOROUTINE
              "\\[running\\]:\n(.*\n)?[^\n]*panic_in_named_function[^\n]*\n"
              "\t[^\n]*sched_death_test\\.cpp:[0-9]+");
}

TEST_P(SchedDeathTest, CppExceptionEscapingAGoroutineIsAPanic) {
  EXPECT_EXIT(in_goroutine([] { throw std::runtime_error("escaped the goroutine"); }),
              testing::ExitedWithCode(2),
              "panic: escaped the goroutine\n\n" NOT_MAIN_GOROUTINE "\\[running\\]:\n");
  EXPECT_EXIT(in_goroutine([] {
                gort::func([](gort::frame& f) {
                  f.defer([] { std::fprintf(stderr, "deferred call ran\n"); });
                  throw 17;
                });
              }),
              testing::ExitedWithCode(2),
              "deferred call ran\npanic: [^\n]*int[^\n]*\n\n" NOT_MAIN_GOROUTINE
              "\\[running\\]:\n");
}

// A destructor that throws during a panic's unwinding: C++ calls std::terminate at once, and the
// report keeps the chain (the unwinding panic, then the destructor's, gort panic or C++
// exception alike) instead of naming gort's internal exception type.
struct panics_when_destroyed {
  ~panics_when_destroyed() noexcept(false) { gort::panic("from dtor"); }
};
struct throws_when_destroyed {
  ~throws_when_destroyed() noexcept(false) { throw std::runtime_error("dtor error"); }
};

struct says_when_destroyed {
  ~says_when_destroyed() { std::fputs("destroyed below\n", stderr); }
};
[[gnu::noinline]] void panics_below_a_local() {
  says_when_destroyed d;
  gort::panic("through noexcept");
}
[[gnu::noinline]] void calls_it_noexcept() noexcept {
  panics_below_a_local();
}

// C++ ends the program when a panic leaves a noexcept function. The destructors below it run (the
// panic is a forced unwind, as they ran for a C++ throw), no deferred call does (the frame is
// never reached), and the report is Go's.
TEST_P(SchedDeathTest, APanicLeavingANoexceptFunctionIsReported) {
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::func([](gort::frame& f) {
                      f.defer([] {
                        std::fputs("deferred call ran\n", stderr);
                        gort::recover();
                      });
                      calls_it_noexcept();
                    });
                  },
                  procs()),
              testing::ExitedWithCode(2),
              "^destroyed below\npanic: through noexcept\n\ngoroutine 1 \\[running\\]:\n");
}

TEST_P(SchedDeathTest, ADestructorThrowingWhileAPanicUnwindsReportsTheChain) {
  EXPECT_EXIT(in_goroutine([] {
                gort::func([](gort::frame&) {
                  panics_when_destroyed d;
                  gort::panic("panic while dtor throws");
                });
              }),
              testing::ExitedWithCode(2),
              "^panic: panic while dtor throws\n\tpanic: from dtor\n\n" NOT_MAIN_GOROUTINE
              "\\[running\\]:\n");
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::func([](gort::frame&) {
                      throws_when_destroyed d;
                      gort::panic(1);
                    });
                  },
                  procs()),
              testing::ExitedWithCode(2),
              "^panic: 1\n\tpanic: dtor error\n\ngoroutine 1 \\[running\\]:\n");
  // The first panic had been recovered and the deferred call panicked again.
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::func([](gort::frame& f) {
                      f.defer([] {
                        gort::recover();
                        panics_when_destroyed d;
                        gort::panic(2);
                      });
                      gort::panic(1);
                    });
                  },
                  procs()),
              testing::ExitedWithCode(2),
              "^panic: 1 \\[recovered\\]\n\tpanic: 2\n\tpanic: from dtor\n\n");
}

// let_runtime_threads_start spends 20 ms in a blocking call (the M counts as busy meanwhile,
// so no deadlock can be declared): the deadlock is then found when main parks after it.
void let_runtime_threads_start() {
  gort::blocking([] { std::this_thread::sleep_for(20ms); });
}

TEST_P(SchedDeathTest, AllGoroutinesAsleepIsADeadlock) {
  EXPECT_EXIT(gort::run(
                  [] {
                    let_runtime_threads_start();
                    park_forever("waiting for nothing");
                  },
                  procs()),
              testing::ExitedWithCode(2),
              "fatal error: all goroutines are asleep - deadlock!\n\n"
              "goroutine 1 \\[waiting for nothing\\]:\n");
  // Every parked goroutine is listed with its wait reason.
  EXPECT_EXIT(gort::run(
                  [] {
                    let_runtime_threads_start();
                    gort::go([] { park_forever("second waits"); });
                    gort::go([] {
                      gort::yield();
                      park_forever("third waits");
                    });
                    park_forever("main waits");
                  },
                  procs()),
              testing::ExitedWithCode(2),
              "fatal error: all goroutines are asleep - deadlock!\n\n"
              "goroutine 1 \\[main waits\\]:\n.*goroutine [0-9]+ \\[second waits\\]:\n.*"
              "goroutine [0-9]+ \\[third waits\\]:\n");
}

TEST_P(SchedDeathTest, DeadlockAtOnceIsReported) {
  // Main parks before the runtime's own threads have run at all.
  EXPECT_EXIT(gort::run([] { park_forever("at once"); }, procs()), testing::ExitedWithCode(2),
              "fatal error: all goroutines are asleep - deadlock!\n\n"
              "goroutine 1 \\[at once\\]:\n");
}

TEST_P(SchedDeathTest, DeadlockAfterTheLastTimerFired) {
  // A goroutine asleep on a timer keeps the program alive; once the timer fired and that
  // goroutine parked for good, nothing can wake anyone.
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::go([] {
                      gort::sleep(5ms);
                      std::fprintf(stderr, "slept\n");
                      park_forever("after the sleep");
                    });
                    park_forever("main waits");
                  },
                  procs()),
              testing::ExitedWithCode(2),
              "slept\nfatal error: all goroutines are asleep - deadlock!\n\n"
              "goroutine 1 \\[main waits\\]:\n.*goroutine [0-9]+ \\[after the sleep\\]:\n");
}

TEST_P(SchedDeathTest, GoexitOnMainLetsTheOthersFinishThenDeadlocks) {
  // Go: runtime.Goexit on the main goroutine runs its deferred calls and ends only it; the
  // others go on, and when none is left the program dies.
  EXPECT_EXIT(
      gort::run(
          [] {
            let_runtime_threads_start();
            gort::go([] {
              for (int i = 0; i < 10; ++i) gort::yield();
              std::fprintf(stderr, "other goroutine finished\n");
            });
            gort::func([](gort::frame& f) {
              f.defer([] { std::fprintf(stderr, "main's deferred call\n"); });
              gort::goexit();
            });
          },
          procs()),
      testing::ExitedWithCode(2),
      "(main's deferred call\n(.*\n)?other goroutine finished|other goroutine finished\n(.*\n)?"
      "main's deferred call)\nfatal error: no goroutines \\(main called runtime.Goexit\\) - "
      "deadlock!");
}

TEST_P(SchedDeathTest, DeepRecursionInAGoroutineIsAStackOverflow) {
  // The guard page below the goroutine's stack turns the overflow into a SIGSEGV that the
  // runtime reports (checked under ASan and TSan too).
  EXPECT_EXIT(in_goroutine([] { recurse_forever(0); }), testing::ExitedWithCode(2),
              "fatal error: stack overflow\n\n" NOT_MAIN_GOROUTINE "\\[running\\]:");
}

TEST_P(SchedDeathTest, AllocaLargerThanTheStackIsAStackOverflow) {
  // Without stack-clash probes the frame would step over the guard page into the stack below
  // (another goroutine's), with no report.
  EXPECT_EXIT(
      {
        gort::set_stack_size(256 * 1024);
        in_goroutine([] { alloca_beyond_the_stack(); });
      },
      testing::ExitedWithCode(2),
      STACK_OVERFLOW_REPORT NOT_MAIN_GOROUTINE FAULTING_FUNCTION("alloca_beyond_the_stack"));
}

TEST_P(SchedDeathTest, BigLocalsAreAStackOverflow) {
  EXPECT_EXIT(
      {
        gort::set_stack_size(256 * 1024);
        in_goroutine([] { recurse_with_big_locals(0); });
      },
      testing::ExitedWithCode(2),
      STACK_OVERFLOW_REPORT NOT_MAIN_GOROUTINE
      "\\[running\\]:\n(\\(anonymous "
      "namespace\\)::)?recurse_with_big_locals\\(int\\)\n\t[^\n]*sched_death_test\\.cpp:[0-9]+ "
      "pc=0x[0-9a-f]+\n[^\n]*recurse_with_big_locals\\(int\\)\n");
}

TEST_P(SchedDeathTest, NilDereferenceInAGoroutineIsGosPanicReport) {
  EXPECT_EXIT(in_goroutine([] {
                      gort::func([](gort::frame& f) {
                        f.defer([] { std::fprintf(stderr, "deferred call ran\n"); });
                        load_through_nil();
                      });
                    }),
              testing::ExitedWithCode(2),
              "^" NIL_DEREF_REPORT NOT_MAIN_GOROUTINE FAULTING_FUNCTION("load_through_nil")
              "(.*\n)*runtime: no deferred call ran: C\\+\\+ cannot recover from a hardware "
              "fault\n$");
}

TEST_P(SchedDeathTest, NilDereferenceInTheMainGoroutineReportsGoroutineOne) {
  EXPECT_EXIT(gort::run([] { load_through_nil(); }, procs()), testing::ExitedWithCode(2),
              NIL_DEREF_REPORT "goroutine 1 " FAULTING_FUNCTION("load_through_nil"));
}

TEST_P(SchedDeathTest, NilDereferenceInABlockingCallIsTheGoroutines) {
  // gort::blocking runs its function on the goroutine's stack, with the goroutine still current.
  EXPECT_EXIT(in_goroutine([] { gort::blocking([] { return load_through_nil(); }); }),
              testing::ExitedWithCode(2),
              NIL_DEREF_REPORT NOT_MAIN_GOROUTINE FAULTING_FUNCTION("load_through_nil"));
}

TEST_P(SchedDeathTest, IntegerDivisionByZeroIsGosPanicReport) {
  EXPECT_EXIT(
      in_goroutine([] { std::printf("%d\n", divide_by_zero_here(10)); }),
      testing::ExitedWithCode(2),
      "^panic: runtime error: integer divide by zero\n"
      "\\[signal SIGFPE: floating-point exception code=0x1 addr=0x[0-9a-f]+ "
      "pc=0x[0-9a-f]+\\]\n\n" NOT_MAIN_GOROUTINE
      "\\[running\\]:\n(\\(anonymous "
      "namespace\\)::)?divide_by_zero_here\\(int\\)\n\t[^\n]*sched_death_test\\.cpp:[0-9]+");
}

TEST_P(SchedDeathTest, FaultAtAnotherAddressIsAFatalFault) {
  // Go: an address of 0x1000 or more is not a nil dereference but a runtime throw.
  EXPECT_EXIT(
      in_goroutine([] { store_to_protected_page(); }), testing::ExitedWithCode(2),
      "^unexpected fault address 0x[0-9a-f]{5,}\nfatal error: fault\n"
      "\\[signal SIGSEGV: segmentation violation code=0x2 addr=0x[0-9a-f]{5,} "
      "pc=0x[0-9a-f]+\\]\n\n" NOT_MAIN_GOROUTINE FAULTING_FUNCTION("store_to_protected_page"));
}

TEST_P(SchedDeathTest, BusErrorIsAFatalFault) {
  EXPECT_EXIT(
      in_goroutine([] { load_past_end_of_file(); }), testing::ExitedWithCode(2),
      "^unexpected fault address 0x[0-9a-f]{5,}\nfatal error: fault\n"
      "\\[signal SIGBUS: bus error code=0x2 addr=0x[0-9a-f]{5,} "
      "pc=0x[0-9a-f]+\\]\n\n" NOT_MAIN_GOROUTINE FAULTING_FUNCTION("load_past_end_of_file"));
}

// ---------------------------------------------------------------------------------------------
// Stacks without a guard page: on kernels without MADV_GUARD_INSTALL (Linux < 6.13), the stacks
// past the page-protection budget (docs/scheduler.md). The test hook makes this kernel behave so.

TEST_P(SchedDeathTest, UnguardedStackOverflowIsFoundAtTheNextSwitch) {
  // Budget 0: no stack has a guard. The oversized frame reaches into the stack below (mapped), so
  // nothing faults; the switch to the scheduler finds the stack pointer below the stack.
  EXPECT_EXIT(
      {
        gort::internal::stack_force_old_kernel_guards_for_testing(0);
        gort::set_stack_size(256 * 1024);
        in_goroutine([] { alloca_beyond_the_stack_then_yield(); });
      },
      testing::ExitedWithCode(2),
      "^" UNGUARDED_STACK_OVERFLOW_REPORT NOT_MAIN_GOROUTINE "\\[running\\]:\n$");
}

TEST_P(SchedDeathTest, UnguardedStackOverflowThatFaultsBelowIsReported) {
  // Budget 1: main's stack, the lowest of the arena, has a guard; the first goroutine's stack,
  // just above it, has none. Its runaway recursion goes through main's stack (overwriting it) and
  // faults in main's guard page, less than one stack below its own.
  EXPECT_EXIT(
      {
        gort::internal::stack_force_old_kernel_guards_for_testing(1);
        gort::set_stack_size(256 * 1024);
        // The recursion may only start once main is off its stack: at P > 1 another M can take
        // the goroutine while main is still on its way into park_forever, and overwriting the
        // stack main runs on crashes main instead (seen under TSan, whose slower code widens the
        // window). A parked goroutine's status turns waiting only after it left its stack.
        gort::internal::g* main_g = nullptr;
        gort::run(
            [&] {
              main_g = gort::internal::current_g();
              gort::go([main_g] {
                while (main_g->status.load() != gort::internal::gstatus::waiting) gort::yield();
                recurse_forever(0);
              });
              park_forever();
            },
            procs());
      },
      testing::ExitedWithCode(2),
      "^" UNGUARDED_STACK_OVERFLOW_REPORT NOT_MAIN_GOROUTINE
      "\\[running\\]:\n(\\(anonymous namespace\\)::)?recurse_forever\\(int\\)\n");
}

// old_guard_budget is how many stacks page protection may guard (stack.cpp): max_map_count / 4.
long old_guard_budget() {
  long max_maps = 65530;
  if (FILE* f = std::fopen("/proc/sys/vm/max_map_count", "r")) {
    if (std::fscanf(f, "%ld", &max_maps) != 1) max_maps = 65530;
    std::fclose(f);
  }
  return max_maps / 4;
}

TEST_P(SchedDeathTest, StackPastTheOldGuardBudgetHasAGuard) {
  // With lightweight guards (Linux 6.13+) there is no budget: a goroutine whose stack comes after
  // more stacks than page protection could guard still overflows into a guard page, and the
  // report is the guarded one. The stacks before it are taken directly from the allocator.
  void* probe = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  bool supported = probe != MAP_FAILED && madvise(probe, 4096, 102 /* MADV_GUARD_INSTALL */) == 0;
  if (probe != MAP_FAILED) munmap(probe, 4096);
  if (!supported) GTEST_SKIP() << "kernel without MADV_GUARD_INSTALL";
  EXPECT_EXIT(
      {
        gort::set_stack_size(256 * 1024);
        for (long i = 0; i <= old_guard_budget(); ++i) gort::internal::stack_alloc(256 * 1024);
        in_goroutine([] { alloca_beyond_the_stack(); });
      },
      testing::ExitedWithCode(2),
      STACK_OVERFLOW_REPORT NOT_MAIN_GOROUTINE FAULTING_FUNCTION("alloca_beyond_the_stack"));
}

// ---------------------------------------------------------------------------------------------
// Faults outside goroutines keep the behaviour they would have without gort.

bool not_gorts_report(int status) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // The sanitizer's handler (installed before gort's, and called by it) reports and exits.
  return !(WIFEXITED(status) && WEXITSTATUS(status) == 2);
#else
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;  // the default action
#endif
}

TEST(SchedFaultDeathTest, FaultOnAPlainThreadDuringRunIsNotAGoroutinePanic) {
  EXPECT_EXIT(gort::run(
                  [] {
                    std::thread t([] { load_through_nil(); });
                    t.join();
                  },
                  2),
              not_gorts_report, "");
}

TEST(SchedFaultDeathTest, FaultOnTheMainThreadAfterRunIsNotAGoroutinePanic) {
  EXPECT_EXIT(
      {
        gort::run([] {}, 1);  // installs the handlers, which stay
        load_through_nil();
      },
      not_gorts_report, "");
}

// ---------------------------------------------------------------------------------------------
// Exit inside run: std::exit ends the process with its status from anywhere (Go's os.Exit), runs
// the C++ exit handlers, flushes stdio and runs no deferred call. Each test makes stderr fully
// buffered, so that the text it wrote reaches the death test only through exit's flush, and
// matches the whole of stderr (anchored): a deferred call, a crash or a sanitizer report would
// add lines. While it exits, another goroutine is parked holding heap memory (LeakSanitizer must
// not call it a leak) and another keeps writing to a file (stdio is flushed under it).

// start_bystanders starts the parked goroutine and the busy one.
void start_bystanders() {
  gort::go([] {
    std::string held(100, 'x');
    park_forever("holds memory");
    std::fputs(held.c_str(), stderr);
  });
  gort::go([] {
    std::FILE* sink = std::fopen("/dev/null", "w");
    for (long i = 0;; ++i) {
      std::fprintf(sink, "line %ld\n", i);
      if (i % 64 == 0) gort::yield();
    }
  });
}

// prepare_exit buffers stderr fully and registers an atexit handler and a static object, whose
// lines exit prints in reverse order of registration after "before exit".
void prepare_exit() {
  std::setvbuf(stderr, nullptr, _IOFBF, 1 << 16);
  std::atexit([] { std::fputs("atexit handler ran\n", stderr); });
  struct witness {
    ~witness() { std::fputs("static destructor ran\n", stderr); }
  };
  static witness w;
  std::fputs("before exit\n", stderr);
}

// run_on_a_new_thread runs gort::run(body, procs) on a thread of its own while the test's thread
// waits for it. Under ASan with detect_stack_use_after_return (test_main.cpp), the locals of the
// frames below gort::run sit on the calling thread's fake stack, which is switched out while that
// thread runs goroutines, so LeakSanitizer would miss what gtest's own frames hold when the
// process exits inside run (docs/scheduler.md): on a new thread, no gtest frame is below run.
template <class Body>
void run_on_a_new_thread(Body body, int procs) {
  std::thread t([&] { gort::run(body, procs); });
  t.join();
}

// exit_in_goroutine runs fn in a goroutine while the bystanders run and main parks, in a runtime
// on a thread of its own (run_on_a_new_thread).
template <class F>
void exit_in_goroutine(F fn, int procs) {
  run_on_a_new_thread(
      [fn] {
        start_bystanders();
        gort::go(fn);
        park_forever("main waits");
      },
      procs);
}

#define EXIT_HANDLERS_ONLY "^before exit\nstatic destructor ran\natexit handler ran\n$"

TEST_P(SchedDeathTest, ExitOnTheMainGoroutine) {
  EXPECT_EXIT(run_on_a_new_thread(
                  [] {
                    gort::func([](gort::frame& f) {
                      f.defer([] { std::fputs("deferred call ran\n", stderr); });
                      start_bystanders();
                      gort::sleep(2ms);
                      prepare_exit();
                      std::exit(3);
                    });
                  },
                  procs()),
              testing::ExitedWithCode(3), EXIT_HANDLERS_ONLY);
}

TEST_P(SchedDeathTest, ExitOnAnotherGoroutine) {
  EXPECT_EXIT(run_on_a_new_thread(
                  [] {
                    gort::func([](gort::frame& f) {
                      f.defer([] { std::fputs("main's deferred call ran\n", stderr); });
                      start_bystanders();
                      gort::go([] {
                        gort::func([](gort::frame& g) {
                          g.defer([] { std::fputs("deferred call ran\n", stderr); });
                          gort::sleep(2ms);
                          prepare_exit();
                          std::exit(3);
                        });
                      });
                      park_forever("main waits");
                    });
                  },
                  procs()),
              testing::ExitedWithCode(3), EXIT_HANDLERS_ONLY);
}

TEST_P(SchedDeathTest, ExitInsideABlockingCall) {
  EXPECT_EXIT(exit_in_goroutine(
                  [] {
                    gort::func([](gort::frame& f) {
                      f.defer([] { std::fputs("deferred call ran\n", stderr); });
                      gort::blocking([] {
                        std::this_thread::sleep_for(2ms);  // sysmon may hand the P over
                        prepare_exit();
                        std::exit(3);
                      });
                    });
                  },
                  procs()),
              testing::ExitedWithCode(3), EXIT_HANDLERS_ONLY);
}

TEST_P(SchedDeathTest, ExitOnAPlainThreadDuringRun) {
  EXPECT_EXIT(run_on_a_new_thread(
                  [] {
                    start_bystanders();
                    auto* t = new std::thread([] {
                      std::this_thread::sleep_for(2ms);
                      prepare_exit();
                      std::exit(3);
                    });
                    (void)t;  // never joined: the process ends first
                    park_forever("main waits");
                  },
                  procs()),
              testing::ExitedWithCode(3), EXIT_HANDLERS_ONLY);
}

TEST_P(SchedDeathTest, QuickExitAndUnderscoreExitInAGoroutine) {
  // std::quick_exit runs the at_quick_exit handlers only; _exit runs nothing at all (Go's os.Exit
  // exactly). Neither flushes stdio, so these tests write unbuffered.
  EXPECT_EXIT(exit_in_goroutine(
                  [] {
                    gort::func([](gort::frame& f) {
                      f.defer([] { std::fputs("deferred call ran\n", stderr); });
                      std::atexit([] { std::fputs("atexit handler ran\n", stderr); });
                      std::at_quick_exit([] { std::fputs("quick_exit handler ran\n", stderr); });
                      gort::sleep(2ms);
                      std::quick_exit(4);
                    });
                  },
                  procs()),
              testing::ExitedWithCode(4), "^quick_exit handler ran\n$");
  EXPECT_EXIT(exit_in_goroutine(
                  [] {
                    gort::func([](gort::frame& f) {
                      f.defer([] { std::fputs("deferred call ran\n", stderr); });
                      std::atexit([] { std::fputs("atexit handler ran\n", stderr); });
                      gort::sleep(2ms);
                      std::fputs("before _exit\n", stderr);
                      _exit(5);
                    });
                  },
                  procs()),
              testing::ExitedWithCode(5), "^before _exit\n$");
}

// ---------------------------------------------------------------------------------------------
// Environment and misuse (independent of P).

// regex_escape quotes the characters gtest's (POSIX extended) regular expressions treat as special.
std::string regex_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// Every GORT_* variable follows one rule (src/sched/env.cpp, docs/env.md): the cases below are
// values each variable once accepted, misread or wrapped around, and every rejection has the same
// shape. (Each kind of input is in the table of env_test.cpp; these check that each variable is
// read through that parser and that a bad value is fatal, exit status 2.)
TEST(SchedEnvDeathTest, BadGortMaxprocsIsFatal) {
  for (const char* bad :
       {"abc", "0", "-2", "4x", "  4", "2 ", "+4", "1025", "99999999999999999999"}) {
    EXPECT_EXIT(
        {
          setenv("GORT_MAXPROCS", bad, 1);
          gort::run([] {});
        },
        testing::ExitedWithCode(2),
        "^fatal error: GORT_MAXPROCS=\"" + regex_escape(bad) +
            "\": must be an integer, at least 1 and at most 1024\n$")
        << "GORT_MAXPROCS=" << bad;
  }
}

TEST(SchedEnvDeathTest, BadSchedtraceIsFatal) {
  for (const char* bad : {"schedtrace=abc", "schedtrace=-1", "schedtrace= 5", "schedtrace=1s",
                          "gctrace=1,schedtrace=99999999999"}) {
    std::string value = std::string(bad).substr(std::string(bad).rfind('=') + 1);
    EXPECT_EXIT(
        {
          setenv("GORT_DEBUG", bad, 1);
          gort::run([] {}, 1);
        },
        testing::ExitedWithCode(2),
        "^fatal error: GORT_DEBUG: schedtrace=\"" + regex_escape(value) +
            "\": must be an integer, at least 0 and at most 2147483647\n$")
        << "GORT_DEBUG=" << bad;
  }
}

TEST(SchedEnvDeathTest, BadGortStackSizeIsFatal) {
  // -1 once gave stack_size() 0 (every go then failed), 99999999999999m 12623879631451193344.
  for (const char* bad : {"12", "-1", "99999999999999m", "2g", "64kb", " 64k", "0"}) {
    EXPECT_EXIT(
        {
          setenv("GORT_STACK_SIZE", bad, 1);
          gort::run([] { gort::go([] {}); });
        },
        testing::ExitedWithCode(2),
        "^fatal error: GORT_STACK_SIZE=\"" + regex_escape(bad) +
            "\": must be a size in bytes \\(k, m or g suffix allowed\\), at least 16k and at "
            "most 1g\n$")
        << "GORT_STACK_SIZE=" << bad;
  }
}

TEST(SchedEnvDeathTest, EmptyMeansUnsetForEveryVariable) {
  // With all three set to "", run uses the CPU count and the default stack of 256 KiB, and
  // prints no SCHED line. The child reports what it saw and exits with 7.
  EXPECT_EXIT(
      {
        setenv("GORT_MAXPROCS", "", 1);
        setenv("GORT_STACK_SIZE", "", 1);
        setenv("GORT_DEBUG", "", 1);
        unsigned cpus = std::min(std::max(std::thread::hardware_concurrency(), 1u), 1024u);
        int procs = 0;
        gort::run([&] {
          procs = gort::maxprocs();
          gort::go([] {});
          gort::sleep(10ms);
        });
        std::fprintf(stderr, "procs is the CPU count: %d, stack %zu\n",
                     procs == static_cast<int>(cpus), gort::stack_size());
        std::fflush(stderr);
        std::_Exit(7);
      },
      testing::ExitedWithCode(7), "^procs is the CPU count: 1, stack 262144\n$");
}

TEST(SchedEnvDeathTest, AcceptedForms) {
  // Leading zeros and units of either case; schedtrace=0 is off (Go's default).
  EXPECT_EXIT(
      {
        setenv("GORT_MAXPROCS", "03", 1);
        setenv("GORT_STACK_SIZE", "0064K", 1);
        setenv("GORT_DEBUG", "gctrace=1,schedtrace,schedtrace=0", 1);
        int procs = 0;
        gort::run([&] {
          procs = gort::maxprocs();
          gort::go([] {});
          gort::sleep(10ms);
        });
        std::fprintf(stderr, "procs %d, stack %zu\n", procs, gort::stack_size());
        std::fflush(stderr);
        std::_Exit(7);
      },
      testing::ExitedWithCode(7), "^procs 3, stack 65536\n$");
  EXPECT_EXIT(
      {
        setenv("GORT_STACK_SIZE", "1g", 1);  // the largest: reserved, never touched here
        std::fprintf(stderr, "stack %zu\n", gort::stack_size());
        std::fflush(stderr);
        std::_Exit(7);
      },
      testing::ExitedWithCode(7), "^stack 1073741824\n$");
}

TEST(SchedEnvDeathTest, SchedtracePrintsGoStyleLines) {
  // The run ends normally; the child then exits with 7 so that the death test captures stderr.
  // Main sleeps 60 ms with a 5 ms period: several lines, each in Go's schedtrace format.
  EXPECT_EXIT(
      {
        setenv("GORT_DEBUG", "schedtrace=5", 1);
        gort::run([] { gort::sleep(60ms); }, 2);
        std::fflush(stderr);
        std::_Exit(7);
      },
      testing::ExitedWithCode(7),
      "(SCHED [0-9]+ms: gomaxprocs=2 idleprocs=[0-9]+ threads=[0-9]+ spinningthreads=[0-9]+ "
      "idlethreads=[0-9]+ runqueue=[0-9]+ \\[[0-9]+ [0-9]+\\]\n){3}");
}

TEST(SchedMisuseDeathTest, GoOutsideRunIsFatal) {
  EXPECT_EXIT(gort::go([] {}), testing::ExitedWithCode(2),
              "fatal error: gort::go called outside gort::run");
}

TEST(SchedMisuseDeathTest, RunInsideRunIsFatal) {
  EXPECT_EXIT(gort::run([] { gort::run([] {}, 1); }, 1), testing::ExitedWithCode(2),
              "fatal error: gort::run called (while gort::run is already running|from inside a "
              "goroutine)");
}

TEST(SchedMisuseDeathTest, NegativeProcsIsFatal) {
  EXPECT_EXIT(gort::run([] {}, -1), testing::ExitedWithCode(2),
              "fatal error: gort::run: procs must be >= 0");
}

}  // namespace
