// Copyright 2026 The gort Authors.
//
// The tracer's stacks (src/trace/stack.cpp, capture_stack in src/trace/trace.cpp): the cached
// CFI walk gives the same return addresses as glibc's backtrace() (libgcc's unwinder) on
// goroutine stacks of frames with and without a frame pointer; a known call chain appears,
// symbolized in order with this file's lines, in the stacks of GoCreate, GoBlockRecv and
// GoUnblock; g_main and the trampoline are not in them; depth is capped at 128 frames, innermost
// kept.

#include <alloca.h>
#include <execinfo.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <gort/gort.hpp>
#include <gort/trace.hpp>

#include "sched/runtime.hpp"
#include "symbolize/symbolize.hpp"
#include "trace/stack.hpp"
#include "trace_file.hpp"
#include "trace_test_util.hpp"

namespace {

namespace tf = gort::trace_file;

std::string temp_path(const std::string& name) {
  return testing::TempDir() + "gort_stack_test_" + std::to_string(getpid()) + "_" + name;
}

using trace_test::go_parse_error;

// ---------------------------------------------------------------------------------------------
// The walk against backtrace().

struct walks {
  std::vector<std::uintptr_t> cfi, glibc;
  int cfi_n = 0;
};

[[gnu::noinline]] void take_both(walks& w) {
  gort::internal::g* gp = gort::internal::tls_m->curg;
  std::uintptr_t pcs[128];
  w.cfi_n =
      gort::internal::cfi_backtrace(pcs, 128, 0, reinterpret_cast<std::uintptr_t>(gp->stack.lo),
                                    reinterpret_cast<std::uintptr_t>(gp->stack.hi));
  if (w.cfi_n > 0) w.cfi.assign(pcs, pcs + w.cfi_n);
  void* frames[130];
  int got = backtrace(frames, 130);
  for (int i = 0; i < got; ++i) w.glibc.push_back(reinterpret_cast<std::uintptr_t>(frames[i]));
  asm volatile("" ::: "memory");
}

std::string show_pcs(const std::vector<std::uintptr_t>& pcs) {
  std::string s;
  for (std::uintptr_t pc : pcs) {
    std::vector<gort::internal::symbol> f = gort::internal::symbolize(pc - 1);
    s += f.empty() ? "?" : f.back().function;
    s += "\n";
  }
  return s;
}

// Frames with %rsp-based CFAs (plain functions) and %rbp-based ones (alloca forces a frame
// pointer), alternating, so that the walk goes through both kinds and restores %rbp from saved
// slots.
[[gnu::noinline]] void descend_plain(int depth, walks& w);

[[gnu::noinline]] void descend_alloca(int depth, walks& w) {
  auto* p = static_cast<volatile char*>(alloca(static_cast<std::size_t>(16 + depth * 8)));
  p[0] = static_cast<char>(depth);
  if (depth == 0)
    take_both(w);
  else
    descend_plain(depth - 1, w);
  asm volatile("" : : "r"(p) : "memory");
}

[[gnu::noinline]] void descend_plain(int depth, walks& w) {
  volatile int big[40];
  big[depth % 40] = depth;
  if (depth == 0)
    take_both(w);
  else
    descend_alloca(depth - 1, w);
  asm volatile("" : : "r"(&big[0]) : "memory");
}

TEST(TraceStacks, CfiWalkMatchesBacktraceOnGoroutineStacks) {
  for (int depth : {0, 1, 2, 5, 17, 40}) {
    walks w;
    // The channels outlive the run (it returns once every M is at a scheduling point), and the
    // goroutines take them by reference: nothing of theirs is left when the test ends.
    gort::chan<int> done = gort::make_chan<int>();
    gort::run([&] {
      gort::go([&] {
        descend_plain(depth, w);
        done.send(1);
      });
      done.recv();
    });
    ASSERT_GT(w.cfi_n, 0) << "depth " << depth;
    ASSERT_FALSE(w.glibc.empty());
    // The walk is inlined into take_both: its pcs[0] is take_both's return address, glibc's
    // frames[1] (or later: under ASan, backtrace's interceptor adds a frame). backtrace() also
    // reports the outermost frames, g_main's and the trampoline's (gort_start_fresh), which the
    // walk leaves out as Go leaves out runtime.goexit.
    auto at = std::find(w.glibc.begin(), w.glibc.end(), w.cfi[0]);
    ASSERT_NE(at, w.glibc.end()) << show_pcs(w.cfi) << "--\n" << show_pcs(w.glibc);
    std::vector<std::uintptr_t> tail(at, w.glibc.end());
    ASSERT_EQ(w.cfi.size() + 2, tail.size()) << "depth " << depth << "\n"
                                             << show_pcs(w.cfi) << "--\n"
                                             << show_pcs(w.glibc);
    for (std::size_t i = 0; i < w.cfi.size(); ++i)
      EXPECT_EQ(w.cfi[i], tail[i]) << "frame " << i << " at depth " << depth;
  }
}

[[gnu::noinline]] int walk_here(std::uintptr_t* pcs, int max, int skip) {
  gort::internal::g* gp = gort::internal::tls_m->curg;
  int n =
      gort::internal::cfi_backtrace(pcs, max, skip, reinterpret_cast<std::uintptr_t>(gp->stack.lo),
                                    reinterpret_cast<std::uintptr_t>(gp->stack.hi));
  asm volatile("" ::: "memory");
  return n;
}

TEST(TraceStacks, CfiWalkSkipsAndCaps) {
  std::vector<std::vector<std::uintptr_t>> got;
  int refused = 0;
  gort::chan<int> done = gort::make_chan<int>();
  gort::run([&] {
    gort::go([&] {
      // One call site for every walk, so that their frames are comparable from frame 0 on.
      for (auto [max, skip] : {std::pair{128, 0}, {128, 1}, {1, 0}, {2, 3}}) {
        std::uintptr_t pcs[128];
        int n = walk_here(pcs, max, skip);
        got.emplace_back(pcs, pcs + std::max(n, 0));
      }
      // Bounds that exclude the current stack: the walk refuses.
      gort::internal::g* gp = gort::internal::tls_m->curg;
      auto hi = reinterpret_cast<std::uintptr_t>(gp->stack.hi);
      std::uintptr_t pcs[8];
      refused = gort::internal::cfi_backtrace(pcs, 8, 0, hi, hi + 4096);
      done.send(1);
    });
    done.recv();
  });
  ASSERT_EQ(got.size(), 4u);
  const std::vector<std::uintptr_t>& all = got[0];
  ASSERT_GE(all.size(), 5u);
  EXPECT_EQ(got[1], std::vector<std::uintptr_t>(all.begin() + 1, all.end()));
  EXPECT_EQ(got[2], std::vector<std::uintptr_t>(all.begin(), all.begin() + 1));
  EXPECT_EQ(got[3], std::vector<std::uintptr_t>(all.begin() + 3, all.begin() + 5));
  EXPECT_EQ(refused, -1);
}

// ---------------------------------------------------------------------------------------------
// A known chain in the trace.

int create_line = 0, recv_line = 0, send_line = 0;

// clang-format off
[[gnu::noinline]] void chain_child_inner(gort::chan<int> c) {
  send_line = __LINE__; c.send(7);
}
[[gnu::noinline]] void chain_child_outer(gort::chan<int> c) {
  chain_child_inner(c);
  asm volatile("");
}
[[gnu::noinline]] void chain_inner(gort::chan<int> c) {
  create_line = __LINE__; gort::go(chain_child_outer, c);
  recv_line = __LINE__; (void)c.recv();
}
// clang-format on
[[gnu::noinline]] void chain_middle(gort::chan<int> c) {
  chain_inner(c);
  asm volatile("");
}
[[gnu::noinline]] void chain_outer(gort::chan<int> c) {
  chain_middle(c);
  asm volatile("");
}

// The index of the first frame whose function name contains `fn`, or -1.
int find_frame(std::span<const tf::frame> st, std::string_view fn, std::size_t from = 0) {
  for (std::size_t i = from; i < st.size(); ++i)
    if (st[i].fn.find(fn) != std::string_view::npos) return static_cast<int>(i);
  return -1;
}

std::string show(std::span<const tf::frame> st) {
  std::string s;
  for (const tf::frame& f : st)
    s += std::string(f.fn) + " " + std::string(f.file) + ":" + std::to_string(f.line) + "\n";
  return s;
}

bool in_this_file(const tf::frame& f) {
  return f.file.ends_with("stack_test.cpp");
}

TEST(TraceStacks, KnownChainOnCreateBlockAndUnblock) {
  std::string path = temp_path("chain.trace");
  gort::chan<int> done = gort::make_chan<int>();
  // P = 1, so that the order is fixed: chain_inner creates the child, blocks in recv before the
  // child runs, and the child's send unblocks it.
  gort::run(
      [&] {
        ASSERT_FALSE(gort::trace::start(path, {.stacks = true}));
        gort::go([&done] {
          chain_outer(gort::make_chan<int>());
          done.send(1);
        });
        done.recv();
        gort::trace::stop();
      },
      1);
  tf::trace t = tf::parse_file(path);
  int creates = 0, blocks = 0, unblocks = 0;
  for (const tf::event& e : t.events) {
    std::span<const tf::frame> st = t.stack(e.stack_id);
    for (const tf::frame& f : st) EXPECT_EQ(f.fn.find("gort_start"), std::string_view::npos);
    if (find_frame(st, "chain_") >= 0) {
      EXPECT_EQ(find_frame(st, "g_main"), -1) << show(st);
    }
    EXPECT_LE(st.size(), 128u);
    if (e.type == tf::ev_go_create && find_frame(st, "chain_inner") >= 0) {
      // The creator's stack: chain_inner (at the gort::go line), chain_middle, chain_outer.
      int inner = find_frame(st, "chain_inner");
      int middle = find_frame(st, "chain_middle", static_cast<std::size_t>(inner) + 1);
      int outer = find_frame(st, "chain_outer", static_cast<std::size_t>(middle) + 1);
      EXPECT_GE(middle, 0) << show(st);
      EXPECT_GE(outer, 0) << show(st);
      EXPECT_TRUE(in_this_file(st[static_cast<std::size_t>(inner)]));
      EXPECT_EQ(st[static_cast<std::size_t>(inner)].line, static_cast<std::uint64_t>(create_line))
          << show(st);
      // Nothing of the tracer itself: the first frame is gort's spawn (or, inlined, the chain).
      EXPECT_EQ(find_frame(st, "capture_stack"), -1) << show(st);
      ++creates;
    }
    if (e.type == tf::ev_go_block_recv && find_frame(st, "chain_inner") >= 0) {
      int inner = find_frame(st, "chain_inner");
      EXPECT_EQ(st[static_cast<std::size_t>(inner)].line, static_cast<std::uint64_t>(recv_line))
          << show(st);
      EXPECT_GT(find_frame(st, "chain_outer"), find_frame(st, "chain_middle")) << show(st);
      EXPECT_GT(find_frame(st, "chain_middle"), inner) << show(st);
      ++blocks;
    }
    if ((e.type == tf::ev_go_unblock || e.type == tf::ev_go_unblock_local) &&
        find_frame(st, "chain_child_inner") >= 0) {
      int inner = find_frame(st, "chain_child_inner");
      EXPECT_EQ(st[static_cast<std::size_t>(inner)].line, static_cast<std::uint64_t>(send_line))
          << show(st);
      EXPECT_GT(find_frame(st, "chain_child_outer"), inner) << show(st);
      ++unblocks;
    }
  }
  EXPECT_EQ(creates, 1);
  EXPECT_EQ(blocks, 1);
  EXPECT_EQ(unblocks, 1);
  EXPECT_EQ(go_parse_error(path), "");
}

[[gnu::noinline]] void recurse_then_send(int depth, gort::chan<int> c) {
  if (depth == 0) {
    c.send(1);
    return;
  }
  recurse_then_send(depth - 1, c);
  asm volatile("");
}

TEST(TraceStacks, DeepStacksKeepTheInnermost128Frames) {
  std::string path = temp_path("deep.trace");
  gort::chan<int> c = gort::make_chan<int>();
  gort::chan<int> done = gort::make_chan<int>();
  gort::run(
      [&] {
        ASSERT_FALSE(gort::trace::start(path, {.stacks = true}));
        // P = 1: main blocks in recv before the goroutine runs, so the goroutine's send, 300
        // calls deep, unblocks it.
        gort::go([&c, &done] {
          recurse_then_send(300, c);
          done.send(1);
        });
        (void)c.recv();
        done.recv();
        gort::trace::stop();
      },
      1);
  tf::trace t = tf::parse_file(path);
  int deep = 0;
  for (const tf::event& e : t.events) {
    if (e.type != tf::ev_go_unblock && e.type != tf::ev_go_unblock_local) continue;
    std::span<const tf::frame> st = t.stack(e.stack_id);
    if (find_frame(st, "recurse_then_send") < 0) continue;
    EXPECT_EQ(st.size(), 128u);
    // The innermost frames are kept: everything after gort's send frames is the recursion.
    int first = find_frame(st, "recurse_then_send");
    for (std::size_t i = static_cast<std::size_t>(first); i < st.size(); ++i)
      EXPECT_NE(st[i].fn.find("recurse_then_send"), std::string_view::npos) << show(st);
    ++deep;
  }
  EXPECT_EQ(deep, 1);
  EXPECT_EQ(go_parse_error(path), "");
}

}  // namespace
