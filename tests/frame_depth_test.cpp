// Copyright 2026 The gort Authors.
//
// The frame core without a frame chain (issue 12): frames are named by their depth. These tests
// pin what the depth must get right: recover() sees whether a new frame is live inside the
// deferred call, the outermost frame of a deep stack, a panic aimed at a middle frame, and the
// depth coming back to zero on every way out of a frame.

#include <gtest/gtest.h>

#include <pthread.h>

#include <any>
#include <string>
#include <vector>

#include <gort/gort.hpp>

namespace {

// The running code's depth: the thread's TLS word (a thread that has not registered yet has no
// frame).
std::uint32_t depth_now() {
  std::uint32_t d = gort::internal::cur_depth;
  return d == gort::internal::kDepthUnregistered ? 0 : d;
}

TEST(FrameDepth, RecoverWorksAgainOnceANestedFrameReturned) {
  // Go: a deferred function that calls a helper, then recover(), recovers. Only while the helper
  // (a new frame) is live does recover() return nothing.
  std::any inside, after;
  gort::func([&](gort::frame& f) {
    f.defer([&] {
      gort::func([&](gort::frame&) { inside = gort::recover(); });
      after = gort::recover();
    });
    gort::panic(std::string("p"));
  });
  EXPECT_FALSE(inside.has_value());
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(std::any_cast<std::string>(after), "p");
}

int recurse(int n, int recover_at, std::vector<int>& ran) {
  return gort::func<int>([&, n](gort::frame& f, int& r) {
    f.defer([&, n] {
      ran.push_back(n);
      if (n == recover_at && gort::recover().has_value()) r = -n;
    });
    if (n == 0) gort::panic(1);
    r = recurse(n - 1, recover_at, ran) + 1;
  });
}

TEST(FrameDepth, APanicRecoveredByAMiddleFrameOfADeepStack) {
  // 200 nested frames; the one 50 levels above the panic recovers: the 50 frames below it ran
  // their deferred calls in panic mode, it returns -50, and the ones above return normally.
  std::vector<int> ran;
  std::uint32_t before = depth_now();
  int r = recurse(200, 50, ran);
  ASSERT_EQ(ran.size(), 201u);
  for (int i = 0; i <= 200; ++i) EXPECT_EQ(ran[static_cast<std::size_t>(i)], i);
  EXPECT_EQ(r, -50 + 150);
  EXPECT_EQ(depth_now(), before);
}

TEST(FrameDepth, APanicThroughADeepStackLeavesTheOutermostFrame) {
  std::vector<int> ran;
  bool escaped = false;
  try {
    recurse(300, -1, ran);
  } catch (const gort::panic_error& e) {
    escaped = e.what() == std::string("1");
  }
  EXPECT_TRUE(escaped);
  EXPECT_EQ(ran.size(), 301u);
  EXPECT_EQ(depth_now(), 0u);
}

TEST(FrameDepth, DepthIsBackToZeroAfterEveryWayOut) {
  std::uint32_t base = depth_now();
  gort::func([](gort::frame& f) { f.defer([] {}); });
  EXPECT_EQ(depth_now(), base);
  gort::func([](gort::frame& f) {
    f.defer([] { gort::recover(); });
    gort::func([](gort::frame&) { throw 7; });  // a C++ exception through a nested frame
  });
  EXPECT_EQ(depth_now(), base);
  gort::func([base](gort::frame& f) {
    EXPECT_EQ(depth_now(), base + 1);
    f.defer([base] { EXPECT_EQ(depth_now(), base + 1); });
    gort::func([&](gort::frame&) { EXPECT_EQ(depth_now(), base + 2); });
  });
  EXPECT_EQ(depth_now(), base);
}

TEST(FrameDepth, ThreadCancellationLeavesNoFrameEntered) {
  static std::uint32_t left = 99;
  pthread_t t;
  ASSERT_EQ(pthread_create(
                &t, nullptr,
                [](void*) -> void* {
                  pthread_cleanup_push([](void*) { left = depth_now(); }, nullptr);
                  gort::func([](gort::frame& f) {
                    f.defer([] {});
                    gort::func([](gort::frame&) { pthread_exit(nullptr); });
                  });
                  pthread_cleanup_pop(0);
                  return nullptr;
                },
                nullptr),
            0);
  pthread_join(t, nullptr);
  EXPECT_EQ(left, 0u);
}

TEST(FrameDepth, GoroutinesKeepTheirOwnDepth) {
  // Each goroutine's depth lives in its G: goroutines that switch while several frames deep
  // (and move between threads at P=2) each see their own.
  std::vector<int> bad(8, 0);
  gort::run(
      [&] {
        gort::waitgroup wg;
        for (int g = 0; g < 8; ++g) {
          wg.add(1);
          gort::go([&, g] {
            gort::func([&](gort::frame& f) {
              f.defer([&] { wg.done(); });
              for (int k = 0; k < 50; ++k) {
                gort::func([&](gort::frame&) {
                  gort::yield();
                  if (depth_now() != 2) ++bad[static_cast<std::size_t>(g)];
                });
                if (depth_now() != 1) ++bad[static_cast<std::size_t>(g)];
              }
            });
          });
        }
        wg.wait();
      },
      2);
  for (int g = 0; g < 8; ++g) EXPECT_EQ(bad[static_cast<std::size_t>(g)], 0) << "goroutine " << g;
}

}  // namespace
