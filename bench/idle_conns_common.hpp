// Copyright 2026 The gort Authors.
//
// What the idle-connection memory benchmarks share (net_idle_conns.cpp, http_idle_conns.cpp): the
// process's VmRSS, raising RLIMIT_NOFILE, and starting the client child process that holds its
// connections until its stdin closes.

#pragma once

#include <spawn.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

extern char** environ;

namespace idle_bench {

// rss_kb is this process's VmRSS in KiB (-1 when /proc cannot say).
inline long rss_kb() {
  long kb = -1;
  if (FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, f))
      if (std::strncmp(line, "VmRSS:", 6) == 0) kb = std::atol(line + 6);
    std::fclose(f);
  }
  return kb;
}

// raise_nofile raises RLIMIT_NOFILE to its hard limit and returns how many of `want`
// connections fit (64 descriptors kept for the rest).
inline int raise_nofile(int want) {
  rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  long avail = static_cast<long>(rl.rlim_cur) - 64;
  return avail < want ? static_cast<int>(avail) : want;
}

// spawn_client runs `self client <addr> <n>` with its stdin on a pipe; *hold gets the pipe's write
// end: closing it tells the client to exit. Exits the process when it cannot.
inline pid_t spawn_client(const char* self, std::string addr, int n, int* hold) {
  int p[2];
  if (pipe(p) != 0) std::exit(1);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[0], 0);
  posix_spawn_file_actions_addclose(&fa, p[1]);
  std::string count = std::to_string(n);
  char* args[] = {const_cast<char*>(self), const_cast<char*>("client"), addr.data(), count.data(),
                  nullptr};
  pid_t child;
  if (posix_spawn(&child, self, &fa, nullptr, args, environ) != 0) std::exit(1);
  posix_spawn_file_actions_destroy(&fa);
  ::close(p[0]);
  *hold = p[1];
  return child;
}

}  // namespace idle_bench
