// Copyright 2026 The gort Authors.
//
// gort::http's server on real sockets, inside gort::run under P = 1, 2, 4 and 8: keep-alive and
// pipelining, chunked bodies both ways, the client, handler panics (the log line, the server goes
// on), malformed requests (400/431 and the connection closed), shutdown while a request is in
// flight (it finishes, new connections are refused, idle ones closed), the four timeouts, random
// bytes from many connections, and many concurrent keep-alive clients.
//
// How results are checked: responses are read back with libhttp-parser (http_test_support.hpp)
// and compared with what the handlers wrote; a closed connection shows as a read returning EOF.
// No assertion on time: a timeout test only checks that the connection or the call ended with
// the timeout's effect. Each test leaves the open fd count and the live goroutines where it found
// them (the fixture checks both).

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <gort/gort.hpp>
#include <gort/http.hpp>
#include <gort/net.hpp>

#include "../test_support.hpp"
#include "http_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using http_test::parse_responses;

class Server : public gort_test::Runtime {
 protected:
  static void SetUpTestSuite() { http_test::netpoller_once(); }
  void SetUp() override { fds_before_ = http_test::open_fds(); }
  void TearDown() override { http_test::expect_fds_back(fds_before_); }
  int fds_before_ = 0;

  // A server with the test handlers (http_test::test_server: start, stop, log).
  struct running : http_test::test_server {
    running() {
      srv.handle_func("/hello", [](gort::http::response_writer& w, gort::http::request& r) {
        w.header().set("Content-Type", "text/plain");
        w.write("hello " + r.query + "\n");
      });
      srv.handle_func("/echo", [](gort::http::response_writer& w, gort::http::request& r) {
        w.write(r.body());
      });
      srv.handle_func("/big", [](gort::http::response_writer& w, gort::http::request& r) {
        std::size_t n = std::stoul(r.query);
        std::string block(1000, 'z');
        for (std::size_t i = 0; i < n / 1000; ++i)
          if (w.write(block)) break;
      });
      srv.handle_func("/panic", [](gort::http::response_writer&, gort::http::request&) {
        gort::panic(std::string("boom"));
      });
    }
  };

  static gort::net::conn dial(const std::string& addr) { return http_test::dial(addr); }

  // Reads from c until `want` complete responses arrived or the connection ended; eof says
  // whether it ended.
  struct read_result {
    std::string bytes;
    bool eof = false;       // the connection ended (end of stream or an error)
    std::error_code ended;  // how: net::eof for an orderly close
  };
  static read_result read_responses(const gort::net::conn& c, std::size_t want) {
    read_result r;
    char buf[8192];
    for (;;) {
      if (want > 0 && parse_responses(r.bytes, false).responses.size() >= want) return r;
      auto [n, err] = c.read(buf, sizeof buf);
      if (n == 0) {
        r.eof = true;
        r.ended = err;
        return r;
      }
      r.bytes.append(buf, n);
    }
  }
};

TEST_P(Server, KeepAliveAndPipelining) {
  run([] {
    running s;
    s.start();
    gort::net::conn c = dial(s.addr);
    // Ten requests in one write, then ten more one at a time on the same connection.
    std::string batch;
    for (int i = 0; i < 10; ++i)
      batch += "GET /hello?" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_FALSE(c.write(batch).second);
    auto r = read_responses(c, 10);
    auto p = parse_responses(r.bytes, false);
    ASSERT_EQ(p.responses.size(), 10u);
    for (int i = 0; i < 10; ++i)
      EXPECT_EQ(p.responses[i].body, "hello " + std::to_string(i) + "\n");
    for (int i = 0; i < 10; ++i) {
      ASSERT_FALSE(c.write("GET /hello?k HTTP/1.1\r\nHost: x\r\n\r\n").second);
      auto one = read_responses(c, 1);
      EXPECT_EQ(parse_responses(one.bytes, false).responses.at(0).body, "hello k\n");
    }
    EXPECT_EQ(s.srv.open_connections(), 1u);
    (void)c.close();
    EXPECT_EQ(s.stop(), gort::http::errc::server_closed);
  });
}

TEST_P(Server, ChunkedBothWaysAndTheClient) {
  run([] {
    running s;
    s.start();
    gort::net::conn c = dial(s.addr);
    std::string req = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    std::string want;
    for (int i = 0; i < 50; ++i) {
      std::string chunk(100 + i, static_cast<char>('a' + i % 26));
      want += chunk;
      char size[16];
      std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
      req += size + chunk + "\r\n";
    }
    req += "0\r\n\r\n";
    // Sent in pieces so that chunks straddle reads.
    for (std::size_t at = 0; at < req.size(); at += 333)
      ASSERT_FALSE(c.write(req.substr(at, 333)).second);
    auto r = read_responses(c, 1);
    auto p = parse_responses(r.bytes, false);
    ASSERT_EQ(p.responses.size(), 1u);
    EXPECT_EQ(p.responses[0].body, want);
    EXPECT_TRUE(p.responses[0].chunked);  // over 2048 bytes: streamed
    (void)c.close();

    auto [big, err] = gort::http::get(s.url + "/big?300000");
    ASSERT_FALSE(err) << err.message();
    EXPECT_EQ(big.status_code, 200);
    EXPECT_EQ(big.body.size(), 300000u);
    EXPECT_EQ(big.header.get("transfer-encoding"), "chunked");
    auto [small, err2] = gort::http::get(s.url + "/hello?q");
    ASSERT_FALSE(err2);
    EXPECT_EQ(small.body, "hello q\n");
    EXPECT_EQ(small.header.get("Content-Length"), "8");
    EXPECT_EQ(small.status, "200 OK");
    auto [posted, err3] = gort::http::post(s.url + "/echo", "text/plain", "posted body");
    ASSERT_FALSE(err3);
    EXPECT_EQ(posted.body, "posted body");
    auto [missing, err4] = gort::http::get(s.url + "/nope");
    ASSERT_FALSE(err4);
    EXPECT_EQ(missing.status_code, 404);
    EXPECT_EQ(missing.body, "404 page not found\n");
    EXPECT_EQ(s.stop(), gort::http::errc::server_closed);
  });
}

TEST_P(Server, HandlerPanicIsLoggedAndTheServerKeepsServing) {
  run([] {
    running s;
    s.start();
    for (int i = 0; i < 3; ++i) {
      gort::net::conn c = dial(s.addr);
      std::string local = c.local_addr().string();
      ASSERT_FALSE(c.write("GET /panic HTTP/1.1\r\nHost: x\r\n\r\n").second);
      auto r = read_responses(c, 1);
      EXPECT_TRUE(r.eof);  // closed without a response
      EXPECT_EQ(r.bytes, "");
      (void)c.close();
      auto [ok, err] = gort::http::get(s.url + "/hello?after");
      ASSERT_FALSE(err);
      EXPECT_EQ(ok.body, "hello after\n");
      std::lock_guard<gort::mutex> g(s.log_mu);
      ASSERT_EQ(s.log.size(), static_cast<std::size_t>(i + 1));
      EXPECT_EQ(s.log.back(), "http: panic serving " + local + ": boom");
    }
    EXPECT_EQ(s.stop(), gort::http::errc::server_closed);
  });
}

TEST_P(Server, PanicLogLineOnStderrHasGosLogPrefix) {
  run([] {
    running s;
    s.srv.error_log = nullptr;
    s.start();
    testing::internal::CaptureStderr();
    auto [resp, err] = gort::http::get(s.url + "/panic");
    EXPECT_TRUE(err);  // the connection closed with no response
    EXPECT_EQ(s.stop(), gort::http::errc::server_closed);
    std::string out = testing::internal::GetCapturedStderr();
    // "2026/12/01 17:22:33 http: panic serving 127.0.0.1:40000: boom"
    EXPECT_TRUE(testing::internal::RE::PartialMatch(
        out, testing::internal::RE("^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} "
                                   "http: panic serving 127\\.0\\.0\\.1:[0-9]+: boom\n")))
        << out;
  });
}

TEST_P(Server, MalformedRequestsGet400Or431AndTheConnectionCloses) {
  run([] {
    running s;
    s.srv.max_header_bytes = 1000;
    s.start();
    struct bad {
      std::string req;
      std::string status;
    };
    const std::vector<bad> cases = {
        {"BOGUS\r\n\r\n", "HTTP/1.1 400 Bad Request"},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n"
         "\r\n0\r\n\r\n",
         "HTTP/1.1 400 Bad Request"},
        {"GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(8000, 'y') + "\r\n\r\n",
         "HTTP/1.1 431 Request Header Fields Too Large"},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n",
         "HTTP/1.1 400 Bad Request"},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
         "HTTP/1.1 400 Bad Request"},
    };
    for (const auto& b : cases) {
      gort::net::conn c = dial(s.addr);
      ASSERT_FALSE(c.write(b.req + "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").second);
      auto r = read_responses(c, 0);  // until the server closes
      EXPECT_TRUE(r.eof);
      EXPECT_EQ(r.bytes.substr(0, b.status.size() + 2), b.status + "\r\n") << r.bytes;
      EXPECT_EQ(r.bytes.find("hello"), std::string::npos);
      (void)c.close();
    }
    EXPECT_EQ(s.stop(), gort::http::errc::server_closed);
  });
}

// The server answers 431 after 5 KiB of a 512 KiB header and closes while the client is still
// sending: it half-closes and drains, so the client reads the answer instead of a reset.
TEST_P(Server, ErrorAnswerSurvivesAClientStillSending) {
  run([] {
    running s;
    s.srv.max_header_bytes = 1000;
    s.start();
    gort::net::conn c = dial(s.addr);
    std::string big = "GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(512 << 10, 'y') + "\r\n\r\n";
    auto wrote = gort::make_chan<int>(1);
    gort::go([&] {
      (void)c.write(big);
      wrote.send(1);
    });
    auto r = read_responses(c, 0);
    EXPECT_EQ(r.ended, gort::net::eof) << r.ended.message();  // not "connection reset by peer"
    EXPECT_EQ(r.bytes.substr(0, 46), "HTTP/1.1 431 Request Header Fields Too Large\r\n") << r.bytes;
    wrote.recv();
    (void)c.close();
    EXPECT_EQ(s.stop(), gort::http::errc::server_closed);
  });
}

TEST_P(Server, ShutdownWhileBusy) {
  run([] {
    running s;
    auto entered = gort::make_chan<int>(1);
    auto release = gort::make_chan<int>();
    s.handle_slow(entered, release);
    s.start();
    gort::net::conn idle = dial(s.addr);  // a keep-alive connection between requests
    ASSERT_FALSE(idle.write("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").second);
    ASSERT_EQ(parse_responses(read_responses(idle, 1).bytes, false).responses.size(), 1u);

    gort::net::conn busy = s.send_slow(entered);  // the handler runs
    auto shut = s.shutdown_async();
    // serve returns once the listener is closed: from then on new connections are refused.
    EXPECT_EQ(s.served.recv().first, gort::http::errc::server_closed);
    auto [refused, derr] = gort::net::dial("tcp", s.addr);
    EXPECT_TRUE(derr) << "a connection was accepted after shutdown";
    if (!derr) (void)refused.close();
    // The idle connection is closed; shutdown still waits for the busy one.
    EXPECT_TRUE(read_responses(idle, 0).eof);
    EXPECT_FALSE(shut.try_recv().has_value()) << "shutdown returned while a request was in flight";
    release.send(1);
    auto r = read_responses(busy, 0);
    auto p = parse_responses(r.bytes, true);
    ASSERT_EQ(p.responses.size(), 1u) << r.bytes;
    EXPECT_EQ(p.responses[0].body, "finished");
    EXPECT_EQ(p.responses[0].get("Connection"), "close");
    EXPECT_TRUE(r.eof);
    shut.recv();
    EXPECT_EQ(s.srv.open_connections(), 0u);
    (void)idle.close();
    (void)busy.close();
    EXPECT_EQ(s.srv.listen_and_serve("127.0.0.1:0"), gort::http::errc::server_closed);
  });
}

TEST_P(Server, Timeouts) {
  run([] {
    running s;
    s.srv.read_header_timeout = 30ms;
    s.srv.idle_timeout = 30ms;
    s.srv.read_timeout = 200ms;
    s.srv.write_timeout = 200ms;
    auto body_err = gort::make_chan<std::error_code>(1);
    auto write_err = gort::make_chan<std::error_code>(1);
    s.srv.handle_func("/slowbody", [&](gort::http::response_writer& w, gort::http::request& r) {
      body_err.send(r.read_body().second);
      w.write("x");
    });
    s.srv.handle_func("/flood", [&](gort::http::response_writer& w, gort::http::request&) {
      std::string block(1 << 16, 'f');
      std::error_code e;
      for (int i = 0; i < 4096 && !e; ++i) e = w.write(block);  // up to 256 MiB
      write_err.send(e);
    });
    s.start();
    // read_header_timeout: a header that never ends; the server closes without answering.
    gort::net::conn a = dial(s.addr);
    ASSERT_FALSE(a.write("GET /hello HTTP/1.1\r\nHost: x\r\n").second);
    auto ra = read_responses(a, 0);
    EXPECT_TRUE(ra.eof);
    EXPECT_EQ(ra.bytes, "");
    (void)a.close();
    // idle_timeout: after one answered request, the idle connection is closed.
    gort::net::conn b = dial(s.addr);
    ASSERT_FALSE(b.write("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").second);
    auto rb = read_responses(b, 0);
    EXPECT_TRUE(rb.eof);
    EXPECT_EQ(parse_responses(rb.bytes, false).responses.size(), 1u);
    (void)b.close();
    // read_timeout: a body that never comes; the handler's read fails with "i/o timeout".
    gort::net::conn c = dial(s.addr);
    ASSERT_FALSE(
        c.write("POST /slowbody HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab").second);
    std::error_code be = body_err.recv().first;
    EXPECT_EQ(be, std::errc::timed_out) << be.message();
    EXPECT_EQ(be.message(), "i/o timeout");
    (void)c.close();
    // write_timeout: a client that never reads; the handler's write fails with "i/o timeout".
    gort::net::conn d = dial(s.addr);
    ASSERT_FALSE(d.write("GET /flood HTTP/1.1\r\nHost: x\r\n\r\n").second);
    std::error_code we = write_err.recv().first;
    EXPECT_EQ(we, std::errc::timed_out) << we.message();
    (void)d.close();
    EXPECT_EQ(s.stop(), gort::http::errc::server_closed);
  });
}

TEST_P(Server, RandomBytesFromManyConnections) {
  run([] {
    running s;
    s.srv.read_header_timeout = 2s;  // a client that sent half a header and waits
    s.start();
    const int clients = gort_test::scaled(40, 4);
    gort::waitgroup wg;
    std::atomic<int> failures{0};
    for (int k = 0; k < clients; ++k) {
      wg.add(1);
      gort::go([&, k] {
        std::mt19937 rng(k);
        for (int round = 0; round < 10; ++round) {
          gort::net::conn c = dial(s.addr);
          std::string junk;
          int n = 1 + static_cast<int>(rng() % 2000);
          for (int i = 0; i < n; ++i) junk += static_cast<char>(rng());
          if (round % 2 == 0) junk = "GET / HTTP/1.1\r\nHost: x\r\n" + junk;
          junk += "\r\n\r\n";
          (void)c.write(junk);
          (void)c.close_write();  // then read whatever comes until the server closes
          auto r = read_responses(c, 0);
          if (!r.eof || !parse_responses(r.bytes, true).ok) failures++;
          (void)c.close();
        }
        wg.done();
      });
    }
    wg.wait();
    EXPECT_EQ(failures.load(), 0);
    auto [ok, err] = gort::http::get(s.url + "/hello?still");
    ASSERT_FALSE(err);
    EXPECT_EQ(ok.body, "hello still\n");
    EXPECT_EQ(s.stop(), gort::http::errc::server_closed);
  });
}

TEST_P(Server, ManyConcurrentKeepAliveClients) {
  run([] {
    running s;
    s.start();
    const int clients = gort_test::scaled(200, 4), requests = 20;
    gort::waitgroup wg;
    std::atomic<int> good{0};
    for (int k = 0; k < clients; ++k) {
      wg.add(1);
      gort::go([&, k] {
        gort::net::conn c = dial(s.addr);
        for (int i = 0; i < requests; ++i) {
          std::string q = std::to_string(k) + "-" + std::to_string(i);
          if (c.write("GET /hello?" + q + " HTTP/1.1\r\nHost: x\r\n\r\n").second) break;
          auto r = read_responses(c, 1);
          auto p = parse_responses(r.bytes, false);
          if (p.responses.size() == 1 && p.responses[0].body == "hello " + q + "\n") good++;
        }
        (void)c.close();
        wg.done();
      });
    }
    wg.wait();
    EXPECT_EQ(good.load(), clients * requests);
    EXPECT_EQ(s.stop(), gort::http::errc::server_closed);
  });
}

GORT_INSTANTIATE_PROCS(Server);

}  // namespace
