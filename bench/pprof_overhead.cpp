// Copyright 2026 The gort Authors.
//
// The CPU profiler's cost and accuracy, driven by tools/pprof_overhead.py (docs/pprof.md).
//
// Usage:
//   gort_pprof_overhead skynet <procs> <leaves> <profile-path|->
//     Runs skynet (skynet.hpp, bench/skynet.cpp's workload: 1.11M goroutines for 1M leaves) inside
//     gort::run, with a CPU profile written to the path (or none for "-"), and prints one JSON
//     line:
//     {"profile": bool, "ns": wall time of the workload, "cpu_ns": the process's user + system
//      CPU time while the profile ran (getrusage, from start_cpu_profile to stop_cpu_profile)}
//   gort_pprof_overhead walk <depth> <iterations>
//     Times one stack walk at about <depth> frames: the profiler's (walk_stack, libunwind) and a
//     frame-pointer walk of the same stack (this file is compiled with frame pointers), and
//     prints {"depth": d, "libunwind_ns": t1, "frame_pointer_ns": t2, "frames": n1, "fp_frames":
//     n2}.

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <gort/gort.hpp>
#include <gort/pprof.hpp>

#include "pprof/unwind.hpp"
#include "skynet.hpp"

namespace {

std::int64_t process_cpu_ns() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto ns = [](const timeval& tv) {
    return static_cast<std::int64_t>(tv.tv_sec) * 1000000000 + tv.tv_usec * 1000;
  };
  return ns(ru.ru_utime) + ns(ru.ru_stime);
}

int run_skynet(int procs, std::int64_t leaves, const char* path) {
  bool profile = std::strcmp(path, "-") != 0;
  skynet::result r;
  std::int64_t cpu0 = 0, cpu1 = 0;
  gort::run(
      [&] {
        cpu0 = process_cpu_ns();
        if (profile) {
          if (std::error_code ec = gort::pprof::start_cpu_profile(path)) {
            std::fprintf(stderr, "profile: %s\n", ec.message().c_str());
            std::exit(1);
          }
        }
        r = skynet::run_tree(leaves);
        cpu1 = process_cpu_ns();
        if (profile) gort::pprof::stop_cpu_profile();
      },
      procs);
  std::printf("{\"profile\": %s, \"ns\": %lld, \"cpu_ns\": %lld, \"ok\": %s}\n",
              profile ? "true" : "false", static_cast<long long>(r.ns),
              static_cast<long long>(cpu1 - cpu0),
              r.sum == skynet::want(leaves) ? "true" : "false");
  return 0;
}

struct walk_result {
  long long libunwind_ns, fp_ns;
  int frames, fp_frames;
};

__attribute__((noinline)) int fp_walk(void** out, int max) {
  auto* fp = static_cast<void**>(__builtin_frame_address(0));
  int n = 0;
  while (fp != nullptr && n < max) {
    void* ret = fp[1];
    if (ret == nullptr) break;
    out[n++] = ret;
    auto* next = static_cast<void**>(fp[0]);
    if (next <= fp) break;  // stacks grow down: the caller's frame is above
    fp = next;
  }
  return n;
}

__attribute__((noinline)) walk_result recurse(int depth, long iterations) {
  if (depth > 0) {
    walk_result r = recurse(depth - 1, iterations);
    asm volatile("" ::: "memory");  // not a tail call
    return r;
  }
  void* frames[128];
  walk_result r{};
  auto t0 = std::chrono::steady_clock::now();
  gort::internal::load_unwinder();
  for (long i = 0; i < iterations; ++i) r.frames = gort::internal::walk_stack(frames, 128);
  auto t1 = std::chrono::steady_clock::now();
  for (long i = 0; i < iterations; ++i) r.fp_frames = fp_walk(frames, 128);
  auto t2 = std::chrono::steady_clock::now();
  r.libunwind_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count() / iterations;
  r.fp_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t2 - t1).count() / iterations;
  return r;
}

__attribute__((noinline)) void heap_defer_call(std::uint64_t* sink) {
  gort::func([&](gort::frame& f) {
    std::array<char, 600> big{};
    big[0] = static_cast<char>(*sink);
    f.defer([big, sink] { *sink += static_cast<unsigned char>(big[0]); });
  });
}

double time_heap_defers(std::size_t rate, long calls) {
  gort::pprof::set_defer_profile_rate(rate);
  std::uint64_t sink = 1;
  auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < calls; ++i) heap_defer_call(&sink);
  auto t1 = std::chrono::steady_clock::now();
  asm volatile("" : : "r"(sink));
  return static_cast<double>(
             std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()) /
         static_cast<double>(calls);
}

int run_heap_defers(long calls) {
  std::vector<double> off, on, every;
  for (int r = 0; r < 10; ++r) {
    off.push_back(time_heap_defers(0, calls));
    on.push_back(time_heap_defers(512 * 1024, calls));
    every.push_back(time_heap_defers(1, calls / 10));
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::printf("{\"off_ns\": %.1f, \"default_ns\": %.1f, \"sampled_ns\": %.1f}\n", median(off),
              median(on), median(every));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "heapdefer") == 0)
    return run_heap_defers(std::atol(argv[2]));
  if (argc == 4 && std::strcmp(argv[1], "heapdefer") == 0) {  // one rate (for callgrind)
    double ns = time_heap_defers(std::strtoul(argv[3], nullptr, 10), std::atol(argv[2]));
    std::printf("{\"ns\": %.1f}\n", ns);
    return 0;
  }
  if (argc == 5 && std::strcmp(argv[1], "skynet") == 0)
    return run_skynet(std::atoi(argv[2]), std::atoll(argv[3]), argv[4]);
  if (argc == 4 && std::strcmp(argv[1], "walk") == 0) {
    int depth = std::atoi(argv[2]);
    walk_result r = recurse(depth, std::atol(argv[3]));
    std::printf(
        "{\"depth\": %d, \"libunwind_ns\": %lld, \"frame_pointer_ns\": %lld, \"frames\": %d, "
        "\"fp_frames\": %d}\n",
        depth, r.libunwind_ns, r.fp_ns, r.frames, r.fp_frames);
    return 0;
  }
  std::fprintf(stderr,
               "usage: gort_pprof_overhead skynet <procs> <leaves> <path|->\n"
               "       gort_pprof_overhead walk <depth> <iterations>\n"
               "       gort_pprof_overhead heapdefer <calls> [rate]\n");
  return 2;
}
