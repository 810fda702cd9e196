// Copyright 2026 The gort Authors.
//
// The skynet tree (https://github.com/atemerev/skynet), shared by the skynet benchmark
// (bench/skynet.cpp) and the profiler's overhead driver (bench/pprof_overhead.cpp), so that both
// time the same workload. Each node starts 10 children that share one unbuffered channel to it;
// a leaf sends its number, an inner node sums its children's results and sends the sum up. With
// 1,000,000 leaves that is 1,111,111 goroutines, and the sum is 499999500000.
#pragma once

#include <chrono>
#include <cstdint>

#include <gort/gort.hpp>

namespace skynet {

inline void node(gort::chan<std::int64_t> c, std::int64_t num, std::int64_t size,
                 std::int64_t div) {
  if (size == 1) {
    c.send(num);
    return;
  }
  auto rc = gort::make_chan<std::int64_t>();
  std::int64_t sum = 0;
  for (std::int64_t i = 0; i < div; ++i)
    gort::go(node, rc, num + i * (size / div), size / div, div);
  for (std::int64_t i = 0; i < div; ++i) sum += rc.recv().first;
  c.send(sum);
}

// want: the sum a tree of that many leaves must return.
constexpr std::int64_t want(std::int64_t leaves) {
  return leaves * (leaves - 1) / 2;
}

struct result {
  std::int64_t sum = 0;
  std::int64_t ns = 0;  // wall time from starting the root goroutine to receiving its sum
};

// run_tree: one skynet of `leaves` leaves (a power of 10). REQUIRES: inside gort::run.
inline result run_tree(std::int64_t leaves) {
  auto c = gort::make_chan<std::int64_t>();
  auto start = std::chrono::steady_clock::now();
  gort::go(node, c, std::int64_t{0}, leaves, std::int64_t{10});
  result r;
  r.sum = c.recv().first;
  r.ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count();
  return r;
}

}  // namespace skynet
