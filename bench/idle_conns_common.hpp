// Copyright 2026 The gort Authors.
//
// What the idle-connection memory benchmarks share (net_idle_conns.cpp, http_idle_conns.cpp): the
// process's VmRSS, raising RLIMIT_NOFILE, starting the client child process that holds its
// connections until its stdin closes, and the main() that puts these together.

#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

#include <gort/gort.hpp>
#include <gort/net.hpp>

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

// connector makes blocking TCP connections to 127.0.0.1 at the port of addr ("host:port").
class connector {
 public:
  explicit connector(const std::string& addr) {
    sa_.sin_family = AF_INET;
    sa_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa_.sin_port =
        htons(static_cast<std::uint16_t>(std::atoi(addr.substr(addr.rfind(':') + 1).c_str())));
  }
  // A connected socket, or -1.
  int connect() const {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<const sockaddr*>(&sa_), sizeof sa_) == 0)
      return fd;
    if (fd >= 0) ::close(fd);
    return -1;
  }

 private:
  sockaddr_in sa_{};
};

// wait_for_stdin_eof returns once the parent closes the client's stdin.
inline void wait_for_stdin_eof() {
  char b;
  while (::read(0, &b, 1) > 0) {
  }
}

// run_main is a benchmark's main(). `self client <addr> <n>` runs client(addr, n) (the child).
// Otherwise it raises the descriptor limit for argv[1] connections (default 10,000) and, inside
// gort::run at P = 1, reads the VmRSS (`before_kb`), listens on 127.0.0.1:0, starts the client
// child for the connections that fit, and calls serve(ln, n, want, before_kb). serve measures and
// prints its JSON line, then returns what is left to do once the clients have gone: run_main
// closes the child's stdin (the clients exit, the server reads each stream's end), waits for the
// child, and calls it.
inline int run_main(int argc, char** argv, int (*client)(const char* addr, int n),
                    const std::function<std::function<void()>(gort::net::listener& ln, int n,
                                                              int want, long before_kb)>& serve) {
  if (argc >= 4 && std::strcmp(argv[1], "client") == 0) return client(argv[2], std::atoi(argv[3]));
  int want = argc >= 2 ? std::atoi(argv[1]) : 10000;
  int n = raise_nofile(want);
  return gort::run(
      [&] {
        long before = rss_kb();
        auto [ln, err] = gort::net::listen("tcp", "127.0.0.1:0");
        if (err) {
          std::fprintf(stderr, "listen: %s\n", err.message().c_str());
          std::exit(1);
        }
        int hold;
        pid_t child = spawn_client(argv[0], ln.addr().string(), n, &hold);
        std::function<void()> finish = serve(ln, n, want, before);
        ::close(hold);
        int st;
        waitpid(child, &st, 0);
        finish();
      },
      1);
}

}  // namespace idle_bench
