// Copyright 2026 The gort Authors.
//
// Idle keep-alive connections without a goroutine (server.cpp's "Idle connections hold no
// goroutine"), inside gort::run under P = 1, 2, 4 and 8: many idle connections, then requests on
// all of them, several rounds; the idle timeout (idle_timeout, and read_timeout standing in for
// it) on a connection parked without a goroutine; shutdown and close with idle connections (and
// one request in flight); a handler panic on a resumed connection; the server destroyed with
// idle connections open.
//
// How "without a goroutine" is seen from outside: every request's handler records its goroutine
// id; a request that arrives on an idle connection runs on a goroutine started for it, so the ids
// of one connection's successive requests differ (with a goroutine kept per connection, as
// before, they were equal). No assertion on time. Each test leaves the open fd count and the
// live goroutines where it found them (the fixture checks both).

#include <sys/resource.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <gort/gort.hpp>
#include <gort/http.hpp>
#include <gort/net.hpp>
#include <gort/trace.hpp>

#include "trace_file.hpp"

#include "../test_support.hpp"
#include "http_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using http_test::parse_responses;

// Raises RLIMIT_NOFILE to its hard limit once and returns how many connection pairs fit (each
// idle connection costs two fds here: the test's client end and the server's end).
int conns_that_fit(int want) {
  static const long avail = [] {
    rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    return static_cast<long>(rl.rlim_cur);
  }();
  long fit = (avail - 128) / 2;
  if (fit < want) {
    std::fprintf(stderr, "idle_test: RLIMIT_NOFILE hard limit %ld: %ld connections, not %d\n",
                 avail, fit, want);
    return static_cast<int>(fit);
  }
  return want;
}

class IdleConns : public gort_test::Runtime {
 protected:
  static void SetUpTestSuite() {
    (void)conns_that_fit(0);
    http_test::netpoller_once();
    // The tracer's process-wide descriptors (its symbolizer keeps the executable open once it
    // named a stack's frames) too: a trace with a goroutine that blocks.
    std::string path = testing::TempDir() + "idle-warmup.trace";
    gort::run([&] {
      if (gort::trace::start(path)) return;
      auto ch = gort::make_chan<int>();
      gort::go([&] { ch.send(1); });
      gort::sleep(1ms);
      ch.recv();
      gort::trace::stop();
    });
    std::remove(path.c_str());
  }
  void SetUp() override { fds_before_ = http_test::open_fds(); }
  void TearDown() override { http_test::expect_fds_back(fds_before_); }
  int fds_before_ = 0;

  // A server whose /id handler answers with the id of the goroutine that runs it.
  struct running : http_test::test_server {
    running() {
      srv.handle_func("/id", [](gort::http::response_writer& w, gort::http::request&) {
        w.write(std::to_string(gort::goid()));
      });
      srv.handle_func("/panic", [](gort::http::response_writer&, gort::http::request&) {
        gort::panic(std::string("boom"));
      });
    }
    // Waits (yielding, then sleeping) until the server tracks n connections.
    void wait_open(std::size_t n) const {
      for (int i = 0; i < 100'000 && srv.open_connections() != n; ++i)
        i < 1000 ? gort::yield() : gort::sleep(100us);
      EXPECT_EQ(srv.open_connections(), n);
    }
  };

  static gort::net::conn dial(const std::string& addr) { return http_test::dial(addr); }

  // Sends one request and reads its one response (or the end of the connection).
  struct answer {
    bool ok = false;  // a complete response came
    int status = 0;
    std::string body;
    bool eof = false;  // the connection ended (before or after the response)
  };
  static answer request(const gort::net::conn& c, std::string_view path) {
    answer a;
    std::string req = "GET " + std::string(path) + " HTTP/1.1\r\nHost: x\r\n\r\n";
    if (c.write(req).second) {
      a.eof = true;
      return a;
    }
    std::string bytes;
    char buf[4096];
    for (;;) {
      auto p = parse_responses(bytes, false);
      if (!p.responses.empty()) {
        a.ok = true;
        a.status = p.responses[0].status;
        a.body = p.responses[0].body;
        return a;
      }
      auto [n, err] = c.read(buf, sizeof buf);
      if (n == 0) {
        a.eof = true;
        return a;
      }
      bytes.append(buf, n);
    }
  }

  // Reads until the connection ends; returns the bytes that came first.
  static std::string read_to_end(const gort::net::conn& c) {
    std::string bytes;
    char buf[4096];
    for (;;) {
      auto [n, err] = c.read(buf, sizeof buf);
      if (n == 0) return bytes;
      bytes.append(buf, n);
    }
  }
};

// Many connections go idle after a request; then every one of them gets more requests (from
// concurrent client goroutines), each answered by a goroutine started for it; at the end the
// clients close and every server-side connection goes.
TEST_P(IdleConns, ManyIdleConnectionsThenRequestsOnAll) {
  run([] {
    running s;
    s.start();
    const int n = conns_that_fit(gort_test::scaled(1000, 5));
    const int rounds = 3;
    std::vector<gort::net::conn> cs(static_cast<std::size_t>(n));
    std::vector<std::vector<std::string>> ids(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      cs[i] = dial(s.addr);
      answer a = request(cs[i], "/id");
      ASSERT_TRUE(a.ok) << "connection " << i;
      ids[i].push_back(a.body);
    }
    s.wait_open(static_cast<std::size_t>(n));
    for (int r = 1; r < rounds; ++r) {
      gort::waitgroup wg;
      std::atomic<int> bad{0};
      const int workers = 8;
      for (int w = 0; w < workers; ++w) {
        wg.add(1);
        gort::go([&, w] {
          for (int i = w; i < n; i += workers) {
            answer a = request(cs[i], "/id");
            if (!a.ok || a.status != 200)
              ++bad;
            else
              ids[i].push_back(a.body);
          }
          wg.done();
        });
      }
      wg.wait();
      ASSERT_EQ(bad.load(), 0) << "round " << r;
    }
    int same = 0;
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(ids[i].size(), static_cast<std::size_t>(rounds));
      for (int r = 1; r < rounds; ++r) same += ids[i][r] == ids[i][r - 1];
    }
    EXPECT_EQ(same, 0) << "requests after an idle wait ran on the goroutine that served the one "
                          "before: the idle connection kept its goroutine";
    for (auto& c : cs) (void)c.close();  // the server reads the end of each stream and closes
    s.wait_open(0);
    EXPECT_EQ(s.stop(), gort::http::errc::server_closed);
  });
}

// idle_timeout closes a connection parked without a goroutine; read_timeout does when
// idle_timeout is 0 (Go's IdleTimeout falls back to ReadTimeout).
TEST_P(IdleConns, IdleTimeoutOnAParkedConnection) {
  for (bool use_read_timeout : {false, true}) {
    run([&] {
      running s;
      if (use_read_timeout)
        s.srv.read_timeout = 30ms;
      else
        s.srv.idle_timeout = 30ms;
      s.start();
      const int n = gort_test::scaled(50, 5);
      std::vector<gort::net::conn> cs;
      for (int i = 0; i < n; ++i) {
        cs.push_back(dial(s.addr));
        ASSERT_TRUE(request(cs.back(), "/id").ok);
      }
      for (auto& c : cs) {
        EXPECT_EQ(read_to_end(c), "") << "bytes after the answered request";
        (void)c.close();
      }
      s.wait_open(0);
      EXPECT_EQ(s.stop(), gort::http::errc::server_closed);
    });
  }
}

// shutdown closes the idle connections at once and waits for the one in flight; close closes
// everything; a server destroyed with idle connections open closes them.
TEST_P(IdleConns, ShutdownCloseAndDestroyWithIdleConnections) {
  run([] {
    running s;
    auto entered = gort::make_chan<int>(1);
    auto release = gort::make_chan<int>();
    s.handle_slow(entered, release);
    s.start();
    const int n = gort_test::scaled(100, 5);
    std::vector<gort::net::conn> idle;
    for (int i = 0; i < n; ++i) {
      idle.push_back(dial(s.addr));
      ASSERT_TRUE(request(idle.back(), "/id").ok);
    }
    gort::net::conn busy = s.send_slow(entered);
    auto shut = s.shutdown_async();
    EXPECT_EQ(s.served.recv().first, gort::http::errc::server_closed);
    for (auto& c : idle) EXPECT_EQ(read_to_end(c), "");  // closed by shutdown, nothing sent
    EXPECT_FALSE(shut.try_recv().has_value()) << "shutdown returned while a request was in flight";
    release.send(1);
    auto p = parse_responses(read_to_end(busy), true);
    ASSERT_EQ(p.responses.size(), 1u);
    EXPECT_EQ(p.responses[0].body, "finished");
    shut.recv();
    EXPECT_EQ(s.srv.open_connections(), 0u);
    for (auto& c : idle) (void)c.close();
    (void)busy.close();
  });
  run([] {
    running s;
    s.start();
    std::vector<gort::net::conn> idle;
    for (int i = 0; i < 20; ++i) {
      idle.push_back(dial(s.addr));
      ASSERT_TRUE(request(idle.back(), "/id").ok);
    }
    s.srv.close();
    EXPECT_EQ(s.served.recv().first, gort::http::errc::server_closed);
    for (auto& c : idle) {
      EXPECT_EQ(read_to_end(c), "");
      (void)c.close();
    }
    s.wait_open(0);
  });
  run([] {
    std::vector<gort::net::conn> idle;
    gort::chan<std::error_code> served = gort::make_chan<std::error_code>(1);
    {
      gort::http::server srv;
      srv.handle_func("/id",
                      [](gort::http::response_writer& w, gort::http::request&) { w.write("x"); });
      auto [ln, err] = gort::net::listen("tcp", "127.0.0.1:0");
      ASSERT_FALSE(err);
      std::string addr = ln.addr().string();
      gort::go([&srv, &served, l = ln]() mutable { served.send(srv.serve(l)); });
      for (int i = 0; i < 20; ++i) {
        idle.push_back(dial(addr));
        ASSERT_TRUE(request(idle.back(), "/id").ok);
      }
      EXPECT_EQ(srv.open_connections(), 20u);
      (void)ln.close();  // serve returns; the idle connections stay, the server is destroyed
      EXPECT_TRUE(served.recv().first);
    }
    for (auto& c : idle) {
      EXPECT_EQ(read_to_end(c), "");
      (void)c.close();
    }
  });
}

// A handler panic on a connection resumed from idle: logged as net/http logs it, that connection
// closed, the others (idle too) go on.
TEST_P(IdleConns, PanicOnAResumedConnection) {
  run([] {
    running s;
    s.start();
    gort::net::conn a = dial(s.addr), b = dial(s.addr);
    ASSERT_TRUE(request(a, "/id").ok);
    ASSERT_TRUE(request(b, "/id").ok);
    answer p = request(a, "/panic");
    EXPECT_FALSE(p.ok);
    EXPECT_TRUE(p.eof);
    EXPECT_TRUE(request(b, "/id").ok);
    {
      std::lock_guard<gort::mutex> g(s.log_mu);
      ASSERT_EQ(s.log.size(), 1u);
      EXPECT_EQ(s.log[0].rfind("http: panic serving 127.0.0.1:", 0), 0u) << s.log[0];
      EXPECT_NE(s.log[0].find("boom"), std::string::npos) << s.log[0];
    }
    (void)a.close();
    (void)b.close();
    s.wait_open(0);
    EXPECT_EQ(s.stop(), gort::http::errc::server_closed);
  });
}

// An execution trace across idle waits stays valid (Go 1.19's ordering rules, as gort::trace_file
// reads them): a goroutine started parked is described at its unblock (GoCreate, GoWaiting, then
// GoUnblock), never unblocked out of another state.
TEST_P(IdleConns, TraceAcrossIdleWaitsIsValid) {
  std::string path = testing::TempDir() + "idle-" + std::to_string(GetParam()) + ".trace";
  run([&] {
    running s;
    s.start();
    ASSERT_FALSE(gort::trace::start(path));
    std::vector<gort::net::conn> cs;
    for (int i = 0; i < 4; ++i) cs.push_back(dial(s.addr));
    for (int r = 0; r < 3; ++r)
      for (auto& c : cs) ASSERT_TRUE(request(c, "/id").ok);
    for (auto& c : cs) (void)c.close();
    s.wait_open(0);
    EXPECT_EQ(s.stop(), gort::http::errc::server_closed);
    gort::trace::stop();
  });
  gort::trace_file::trace t;
  try {
    t = gort::trace_file::parse_file(path);
  } catch (const gort::trace_file::parse_error& e) {
    FAIL() << e.what();
  }
  std::size_t unblocks = 0;
  for (const auto& e : t.events)
    unblocks += e.type == gort::trace_file::ev_go_unblock ||
                e.type == gort::trace_file::ev_go_unblock_local;
  EXPECT_GE(unblocks, 8u);  // rounds 2 and 3 of 4 connections start parked goroutines
  std::remove(path.c_str());
}

GORT_INSTANTIATE_PROCS(IdleConns);

}  // namespace
