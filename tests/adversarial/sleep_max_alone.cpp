// Copyright 2026 The gort Authors.
//
// A program whose main goroutine sleeps for the maximum duration while another goroutine waits
// forever on a channel nobody sends on. Nothing will ever run again, but, as in Go, this is not
// reported as a deadlock: the sleep is a queued timer (Go's checkdead returns while any P has
// a timer), so the program just hangs. The check runs it as a child process (the same binary
// with the argument "child") and expects it still running after 300 ms, then kills it; a false
// deadlock report would end it at once with status 2 (and a sleep whose deadline overflowed
// would end it with status 0).
//
// expect exit 0
// expect stdout ^child still asleep$
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include <gort/gort.hpp>

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "child") == 0) {
    return gort::run([] {
      gort::go([] { gort::make_chan<int>().recv(); });
      gort::sleep(std::chrono::nanoseconds::max());
    });
  }
  pid_t pid = fork();
  if (pid == 0) {
    execl("/proc/self/exe", argv[0], "child", static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 30; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      std::printf("child ended: %s %d\n", WIFEXITED(status) ? "exit" : "signal",
                  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
      return 1;
    }
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  std::puts("child still asleep");
  return 0;
}
