// Copyright 2026 The gort Authors.
//
// Test entry point: GoogleTest with thread-safe death tests, and AddressSanitizer set to find
// uses of a returned function's stack (the documented deferred-call mistake).

#include <gtest/gtest.h>

extern "C" const char* __asan_default_options() { return "detect_stack_use_after_return=1"; }

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  return RUN_ALL_TESTS();
}
