// Copyright 2026 The gort Authors.
//
// Memory per idle connection: a server at P = 1 accepts N connections (default 10,000) and
// gives each a goroutine parked in read with a 1 KiB buffer (an idle keep-alive connection);
// the clients are a child process (this program run as `client`), so only the server's side is
// measured. Prints one JSON line: the server's VmRSS before listening and once every goroutine
// is parked, and the difference per connection. The Go twin, bench/go/netidle, runs the same
// user-level code (net.Listen, Accept, a goroutine per conn reading into make([]byte, 1024)).
// RLIMIT_NOFILE is raised to the hard limit; when that is below N + 64 the count is lowered and
// the JSON says so ("conns" is what was measured).
//
// Usage: gort_net_idle_conns [N]      (client mode: gort_net_idle_conns client <addr> <N>)

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gort/gort.hpp>
#include <gort/net.hpp>

#include "idle_conns_common.hpp"

namespace {

using idle_bench::raise_nofile;
using idle_bench::rss_kb;

// The clients: N blocking connects, then hold them until stdin closes.
int client(const char* addr, int n) {
  n = raise_nofile(n);
  idle_bench::connector to(addr);
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    int fd = to.connect();
    if (fd < 0) return 3;
    fds.push_back(fd);
  }
  idle_bench::wait_for_stdin_eof();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return idle_bench::run_main(
      argc, argv, client, [](gort::net::listener& ln, int n, int want, long before) {
        auto parked = std::make_shared<std::atomic<int>>(0);
        auto wg = std::make_shared<gort::waitgroup>();
        for (int i = 0; i < n; ++i) {
          auto [c, aerr] = ln.accept();
          if (aerr) break;
          wg->add(1);
          gort::go(
              [parked, wg](gort::net::conn c) {
                ++*parked;
                char buf[1024];
                c.read(buf, sizeof buf);  // parks until the client goes away
                c.close();
                wg->done();
              },
              c);
        }
        while (parked->load() < n) gort::sleep(std::chrono::milliseconds(10));
        gort::sleep(std::chrono::milliseconds(200));
        long after = rss_kb();
        std::printf(
            "{\"side\": \"gort\", \"conns\": %d, \"wanted\": %d, \"rss_before_kb\": %ld, "
            "\"rss_after_kb\": %ld, \"bytes_per_conn\": %.0f}\n",
            n, want, before, after, (after - before) * 1024.0 / n);
        // Once the clients are gone every read has returned EOF.
        return std::function<void()>([wg, &ln] {
          wg->wait();
          ln.close();
        });
      });
}
