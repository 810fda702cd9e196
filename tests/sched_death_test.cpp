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

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
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

[[gnu::noinline, gnu::no_sanitize("undefined")]] int load_through_nil() {
  return *null_int;
}

[[gnu::noinline, gnu::no_sanitize("undefined")]] int divide_by_zero_here(int a) {
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
};

INSTANTIATE_TEST_SUITE_P(Procs, SchedDeathTest, testing::Values(1, 2, 4, 8), gort_test::procs_name);

TEST_P(SchedDeathTest, UnrecoveredPanicInAGoroutineRunsItsDefersThenReports) {
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::go([] {
                      gort::func([](gort::frame& f) {
                        f.defer([] { std::fprintf(stderr, "deferred call ran\n"); });
                        gort::yield();
                        gort::panic("boom");
                      });
                    });
                    park_forever();
                  },
                  procs()),
              testing::ExitedWithCode(2),
              "deferred call ran\npanic: boom\n\n" NOT_MAIN_GOROUTINE "\\[running\\]:\n");
}

TEST_P(SchedDeathTest, PanicsReplacedOrRepanickedAreAllReported) {
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::go([] {
                      gort::func([](gort::frame& f) {
                        f.defer([] {
                          gort::recover();
                          gort::panic(2);
                        });
                        gort::panic(1);
                      });
                    });
                    park_forever();
                  },
                  procs()),
              testing::ExitedWithCode(2),
              "panic: 1 \\[recovered\\]\n\tpanic: 2\n\n" NOT_MAIN_GOROUTINE "\\[running\\]:\n");
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::go([] {
                      gort::func([](gort::frame& f) {
                        f.defer([] { gort::panic("second"); });
                        gort::panic("first");
                      });
                    });
                    park_forever();
                  },
                  procs()),
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
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::go([] { gort::panic(42); });
                    park_forever();
                  },
                  procs()),
              testing::ExitedWithCode(2), "panic: 42\n\n" NOT_MAIN_GOROUTINE "\\[running\\]:\n");
}

TEST_P(SchedDeathTest, PanicReportHasASymbolizedStack) {
  // The trace starts at the outermost frame the panic left: the named function that called
  // gort::func, with its file and line (addr2line), before the goroutine's entry.
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::go([] { panic_in_named_function(7); });
                    park_forever();
                  },
                  procs()),
              testing::ExitedWithCode(2),
              "panic: 7\n\n" NOT_MAIN_GOROUTINE
              "\\[running\\]:\n(.*\n)?[^\n]*panic_in_named_function[^\n]*\n"
              "\t[^\n]*sched_death_test\\.cpp:[0-9]+");
}

TEST_P(SchedDeathTest, CppExceptionEscapingAGoroutineIsAPanic) {
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::go([] { throw std::runtime_error("escaped the goroutine"); });
                    park_forever();
                  },
                  procs()),
              testing::ExitedWithCode(2),
              "panic: escaped the goroutine\n\n" NOT_MAIN_GOROUTINE "\\[running\\]:\n");
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::go([] {
                      gort::func([](gort::frame& f) {
                        f.defer([] { std::fprintf(stderr, "deferred call ran\n"); });
                        throw 17;
                      });
                    });
                    park_forever();
                  },
                  procs()),
              testing::ExitedWithCode(2),
              "deferred call ran\npanic: [^\n]*int[^\n]*\n\n" NOT_MAIN_GOROUTINE
              "\\[running\\]:\n");
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
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::go([] { recurse_forever(0); });
                    park_forever();
                  },
                  procs()),
              testing::ExitedWithCode(2),
              "fatal error: stack overflow\n\n" NOT_MAIN_GOROUTINE "\\[running\\]:");
}

TEST_P(SchedDeathTest, AllocaLargerThanTheStackIsAStackOverflow) {
  // Without stack-clash probes the frame would step over the guard page into the stack below
  // (another goroutine's), with no report.
  EXPECT_EXIT(
      {
        gort::set_stack_size(256 * 1024);
        gort::run(
            [] {
              gort::go([] { alloca_beyond_the_stack(); });
              park_forever();
            },
            procs());
      },
      testing::ExitedWithCode(2),
      STACK_OVERFLOW_REPORT NOT_MAIN_GOROUTINE FAULTING_FUNCTION("alloca_beyond_the_stack"));
}

TEST_P(SchedDeathTest, BigLocalsAreAStackOverflow) {
  EXPECT_EXIT(
      {
        gort::set_stack_size(256 * 1024);
        gort::run(
            [] {
              gort::go([] { recurse_with_big_locals(0); });
              park_forever();
            },
            procs());
      },
      testing::ExitedWithCode(2),
      STACK_OVERFLOW_REPORT NOT_MAIN_GOROUTINE
      "\\[running\\]:\n(\\(anonymous "
      "namespace\\)::)?recurse_with_big_locals\\(int\\)\n\t[^\n]*sched_death_test\\.cpp:[0-9]+ "
      "pc=0x[0-9a-f]+\n[^\n]*recurse_with_big_locals\\(int\\)\n");
}

TEST_P(SchedDeathTest, NilDereferenceInAGoroutineIsGosPanicReport) {
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::go([] {
                      gort::func([](gort::frame& f) {
                        f.defer([] { std::fprintf(stderr, "deferred call ran\n"); });
                        load_through_nil();
                      });
                    });
                    park_forever();
                  },
                  procs()),
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
  EXPECT_EXIT(gort::run(
                  [] {
                    gort::go([] { gort::blocking([] { return load_through_nil(); }); });
                    park_forever();
                  },
                  procs()),
              testing::ExitedWithCode(2),
              NIL_DEREF_REPORT NOT_MAIN_GOROUTINE FAULTING_FUNCTION("load_through_nil"));
}

TEST_P(SchedDeathTest, IntegerDivisionByZeroIsGosPanicReport) {
  EXPECT_EXIT(
      gort::run(
          [] {
            gort::go([] { std::printf("%d\n", divide_by_zero_here(10)); });
            park_forever();
          },
          procs()),
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
      gort::run(
          [] {
            gort::go([] { store_to_protected_page(); });
            park_forever();
          },
          procs()),
      testing::ExitedWithCode(2),
      "^unexpected fault address 0x[0-9a-f]{5,}\nfatal error: fault\n"
      "\\[signal SIGSEGV: segmentation violation code=0x2 addr=0x[0-9a-f]{5,} "
      "pc=0x[0-9a-f]+\\]\n\n" NOT_MAIN_GOROUTINE FAULTING_FUNCTION("store_to_protected_page"));
}

TEST_P(SchedDeathTest, BusErrorIsAFatalFault) {
  EXPECT_EXIT(
      gort::run(
          [] {
            gort::go([] { load_past_end_of_file(); });
            park_forever();
          },
          procs()),
      testing::ExitedWithCode(2),
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
        gort::run(
            [] {
              gort::go([] { alloca_beyond_the_stack_then_yield(); });
              park_forever();
            },
            procs());
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
        gort::run(
            [] {
              gort::go([] { recurse_forever(0); });
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
        gort::run(
            [] {
              gort::go([] { alloca_beyond_the_stack(); });
              park_forever();
            },
            procs());
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
// Environment and misuse (independent of P).

TEST(SchedEnvDeathTest, BadGortMaxprocsIsFatal) {
  for (const char* bad : {"abc", "0", "-2", "4x"}) {
    EXPECT_EXIT(
        {
          setenv("GORT_MAXPROCS", bad, 1);
          gort::run([] {});
        },
        testing::ExitedWithCode(2),
        "fatal error: GORT_MAXPROCS=\"?" + std::string(bad) + "\"?: must be a positive integer")
        << "GORT_MAXPROCS=" << bad;
  }
}

TEST(SchedEnvDeathTest, BadSchedtraceIsFatal) {
  EXPECT_EXIT(
      {
        setenv("GORT_DEBUG", "schedtrace=abc", 1);
        gort::run([] {}, 1);
      },
      testing::ExitedWithCode(2),
      "fatal error: GORT_DEBUG: schedtrace=\"?abc\"?: must be a positive integer");
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

TEST(SchedEnvDeathTest, BadGortStackSizeIsFatal) {
  EXPECT_EXIT(
      {
        setenv("GORT_STACK_SIZE", "12", 1);
        gort::run([] { gort::go([] {}); });
      },
      testing::ExitedWithCode(2), "fatal error: GORT_STACK_SIZE=\"?12\"?: must be a size");
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
