// Copyright 2026 The gort Authors.
//
// Test entry point: GoogleTest with thread-safe death tests, AddressSanitizer set to find uses of
// a returned function's stack (the documented deferred-call mistake), and a leak check after
// every test: no frame may stay linked and no panic may stay on the panic list of what runs the
// tests.
//
// Built twice. gort_tests runs the tests on the process's main thread. With
// GORT_TESTS_IN_GOROUTINE (gort_tests_in_goroutine), RUN_ALL_TESTS itself runs inside
// gort::run(..., 2), so every test body runs on goroutine 1 and uses the goroutine's frame state
// and its P's defer pool; the leak check then inspects the goroutine's state.

#include <gtest/gtest.h>
#include <gort/gort.hpp>

extern "C" const char* __asan_default_options() {
  return "detect_stack_use_after_return=1";
}

// ThreadSanitizer sleeps a second at exit by default (atexit_sleep_ms, for threads still running
// to show their races); every death test's child exits, so that second was most of their time.
extern "C" const char* __tsan_default_options() {
  return "atexit_sleep_ms=0";
}

namespace {

class LeakCheck : public testing::EmptyTestEventListener {
  void OnTestEnd(const testing::TestInfo& info) override {
    // cur_defer_state is the running goroutine's state on a goroutine, the thread's own
    // (thread_defer_state) on a plain thread, or null on a thread that never entered a frame.
    const gort::internal::defer_state* cur = gort::internal::cur_defer_state;
    const gort::internal::defer_state& ts =
        cur != nullptr ? *cur : gort::internal::thread_defer_state;
    const char* where = gort::goid() != 0 ? "the test's goroutine" : "the main thread";
#if defined(GORT_TESTS_IN_GOROUTINE)
    if (gort::goid() != 1) ADD_FAILURE() << info.name() << " did not end on goroutine 1";
#endif
    if (ts.depth != 0)
      ADD_FAILURE() << info.name() << " left " << ts.depth << " gort frame(s) entered on " << where;
    if (ts.panic != nullptr)
      ADD_FAILURE() << info.name() << " left a panic on " << where << "'s panic list";
  }
};

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  testing::UnitTest::GetInstance()->listeners().Append(new LeakCheck);
#if defined(GORT_TESTS_IN_GOROUTINE)
  int result = 1;
  gort::run([&] { result = RUN_ALL_TESTS(); }, 2);
  return result;
#else
  return RUN_ALL_TESTS();
#endif
}
