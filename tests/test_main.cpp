// Copyright 2026 The gort Authors.
//
// Test entry point: GoogleTest with thread-safe death tests, AddressSanitizer set to find uses of
// a returned function's stack (the documented deferred-call mistake), and a leak check after
// every test: no frame may stay linked and no panic may stay on the main thread's panic list.

#include <gtest/gtest.h>
#include <gort/gort.hpp>

extern "C" const char* __asan_default_options() {
  return "detect_stack_use_after_return=1";
}

namespace {

class LeakCheck : public testing::EmptyTestEventListener {
  void OnTestEnd(const testing::TestInfo& info) override {
    const gort::internal::thread_state& ts = gort::internal::tls;
    if (ts.top != nullptr && ts.top != &ts.root)
      ADD_FAILURE() << info.name() << " left a gort frame linked on the main thread";
    if (ts.panic != nullptr)
      ADD_FAILURE() << info.name() << " left a panic on the main thread's panic list";
  }
};

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  testing::UnitTest::GetInstance()->listeners().Append(new LeakCheck);
  return RUN_ALL_TESTS();
}
