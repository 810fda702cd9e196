// Copyright 2026 The gort Authors.
//
// Runs one user-level path of the scheduler and channel benchmarks `iterations` times on a
// gort::run with P Ps, for callgrind instruction counts per operation (issue 12, item 2):
//   valgrind --tool=callgrind gort_paths_driver <case> <P> <iterations>
// The difference between two iteration counts divided by the difference in iterations is the
// count of one operation with the run's start-up and shutdown cancelled. Each case is the same
// user-level code as its benchmark in sched_bench.cpp / chan_bench.cpp:
//   spawnwait  wg.add(1); go(wg.done); wg.wait()                (BM_GortSpawnWait)
//   pingpong   send on ping, receive on pong; a partner echoes  (BM_GortChanPingPong)
//   buffered   a producer sends n ints on a channel of cap 128  (BM_GortChanBuffered)

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <gort/gort.hpp>

namespace {

void spawnwait(long n) {
  gort::waitgroup wg;
  for (long i = 0; i < n; ++i) {
    wg.add(1);
    gort::go([&wg] { wg.done(); });
    wg.wait();
  }
}

void pingpong(long n) {
  auto ping = gort::make_chan<int>();
  auto pong = gort::make_chan<int>();
  gort::waitgroup wg;
  wg.add(1);
  gort::go([ping, pong, &wg] {
    for (int v : ping) pong.send(v);
    wg.done();
  });
  for (long i = 0; i < n; ++i) {
    ping.send(static_cast<int>(i));
    if (pong.recv().first != static_cast<int>(i)) std::abort();
  }
  ping.close();
  wg.wait();
}

void buffered(long n) {
  auto c = gort::make_chan<int>(128);
  gort::go([c, n] {
    for (long i = 0; i < n; ++i) c.send(static_cast<int>(i));
  });
  for (long i = 0; i < n; ++i)
    if (c.recv().first != static_cast<int>(i)) std::abort();
}

struct named_case {
  const char* name;
  void (*fn)(long);
};

const named_case cases[] = {
    {"spawnwait", spawnwait}, {"pingpong", pingpong}, {"buffered", buffered}};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s spawnwait|pingpong|buffered <P> <iterations>\n", argv[0]);
    return 2;
  }
  int procs = std::atoi(argv[2]);
  long n = std::atol(argv[3]);
  for (const auto& c : cases) {
    if (std::strcmp(c.name, argv[1]) == 0) {
      gort::run([&] { c.fn(n); }, procs);
      return 0;
    }
  }
  std::fprintf(stderr, "unknown case %s\n", argv[1]);
  return 2;
}
