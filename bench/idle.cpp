// Copyright 2026 The gort Authors.
//
// An idle runtime: gort::run with P = 2 whose main goroutine sleeps one second. It should use
// about no CPU: idle Ms park on futexes, sysmon backs off and then sleeps while every P is idle,
// and the timer thread sleeps until the deadline. The Go twin is bench/go/idle/main.go; both
// print the same lines.
//
// tools/bench/run.sh runs it under /usr/bin/time (user and sys seconds of the whole process,
// start-up included, in hundredths). For a finer figure the program also prints
//   idle_cpu_ns  CPU time of all its threads during the sleep alone: the sum over
//                /proc/self/task/*/schedstat (nanoseconds on a CPU, per thread) after the sleep,
//                minus the same sum before it;
//   idle_wall_ns the wall-clock time of that sleep.

#include <dirent.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include <gort/gort.hpp>

namespace {

// Nanoseconds each live thread of this process has spent on a CPU, by thread id.
std::map<long, std::int64_t> thread_cpu_ns() {
  std::map<long, std::int64_t> out;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return out;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    std::string path = std::string("/proc/self/task/") + e->d_name + "/schedstat";
    if (FILE* f = std::fopen(path.c_str(), "r")) {
      long long ns = 0;
      if (std::fscanf(f, "%lld", &ns) == 1) out[std::atol(e->d_name)] = ns;
      std::fclose(f);
    }
  }
  closedir(dir);
  return out;
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int main() {
  std::int64_t cpu = 0, wall = 0;
  int status = gort::run(
      [&] {
        auto before = thread_cpu_ns();
        std::int64_t t0 = now_ns();
        gort::sleep(std::chrono::seconds(1));
        wall = now_ns() - t0;
        for (auto [tid, ns] : thread_cpu_ns()) {
          auto it = before.find(tid);
          cpu += ns - (it == before.end() ? 0 : it->second);
        }
      },
      2);
  std::printf("idle_cpu_ns: %lld\nidle_wall_ns: %lld\n", static_cast<long long>(cpu),
              static_cast<long long>(wall));
  return status;
}
