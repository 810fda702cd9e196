// Copyright 2026 The gort Authors.
//
// Memory per idle HTTP keep-alive connection (issue 11's target, in the server that has keep-alive
// connections): a gort::http server at P = 1 accepts N connections (default 10,000); each client
// connection sends one GET and reads its response, then stays open and silent (an idle keep-alive
// connection). The clients are a child process: this program run as `client`, which the Go twin
// (bench/go/httpidle, net/http) runs too, so both servers see the same client. Prints one JSON
// line: the server's VmRSS before listening and once every request was answered (then 200 ms
// more), the difference per connection, and the same after giving free memory back
// (malloc_trim here; runtime/debug.FreeOSMemory in Go: their heaps' garbage and free lists out of
// the count). RLIMIT_NOFILE is raised to the hard limit; when that is below N + 64 the count is
// lowered and the JSON says so ("conns" is what was measured).
//
// Usage: gort_http_idle_conns [N]      (client mode: gort_http_idle_conns client <addr> <N>)

#include <malloc.h>
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
#include <gort/http.hpp>
#include <gort/net.hpp>

#include "idle_conns_common.hpp"

namespace {

using idle_bench::raise_nofile;
using idle_bench::rss_kb;

// The clients: N blocking connects, one request and its whole response on each (the response's
// header and its Content-Length body), then hold them until stdin closes.
int client(const char* addr, int n) {
  n = raise_nofile(n);
  idle_bench::connector to(addr);
  static constexpr char req[] = "GET /idle HTTP/1.1\r\nHost: bench\r\n\r\n";
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    int fd = to.connect();
    if (fd < 0) return 3;
    if (::write(fd, req, sizeof req - 1) != static_cast<ssize_t>(sizeof req - 1)) return 4;
    std::string got;
    char buf[4096];
    for (;;) {
      std::size_t end = got.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t cl = got.find("Content-Length: ");
        if (cl == std::string::npos) return 5;
        std::size_t len = std::strtoul(got.c_str() + cl + 16, nullptr, 10);
        if (got.size() >= end + 4 + len) break;
      }
      ssize_t k = ::read(fd, buf, sizeof buf);
      if (k <= 0) return 6;
      got.append(buf, static_cast<std::size_t>(k));
    }
    fds.push_back(fd);
  }
  idle_bench::wait_for_stdin_eof();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return idle_bench::run_main(
      argc, argv, client, [](gort::net::listener& ln, int n, int want, long before) {
        auto served = std::make_shared<std::atomic<int>>(0);
        auto srv = std::make_shared<gort::http::server>();
        srv->handle_func("/idle", [served](gort::http::response_writer& w, gort::http::request&) {
          w.write("idle");
          ++*served;
        });
        auto done = gort::make_chan<std::error_code>(1);
        gort::go([srv, ln, done]() mutable { done.send(srv->serve(ln)); });
        while (served->load() < n) gort::sleep(std::chrono::milliseconds(10));
        gort::sleep(std::chrono::milliseconds(200));
        long after = rss_kb();
        malloc_trim(0);
        long trimmed = rss_kb();
        std::printf(
            "{\"side\": \"gort\", \"conns\": %d, \"wanted\": %d, \"rss_before_kb\": %ld, "
            "\"rss_after_kb\": %ld, \"bytes_per_conn\": %.0f, \"rss_freed_kb\": %ld, "
            "\"bytes_per_conn_freed\": %.0f, \"open\": %zu}\n",
            n, want, before, after, (after - before) * 1024.0 / n, trimmed,
            (trimmed - before) * 1024.0 / n, srv->open_connections());
        // Once the clients are gone: the server has closed their streams; stop it.
        return std::function<void()>([srv, done]() mutable {
          srv->shutdown();
          done.recv();
        });
      });
}
