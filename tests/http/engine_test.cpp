// Copyright 2026 The gort Authors.
//
// gort::http's connection engine on byte strings: a fake connection feeds a request stream in
// pieces of 1, 7 and 4096 bytes (so every parser state is split across reads) and records what
// the engine writes; the responses are read back with libhttp-parser in response mode. Checks:
// keep-alive and pipelining (answers in order, one per request), chunked bodies in and out,
// Content-Length for small responses, HTTP/1.0, HEAD, the malformed-request table (400/431/501
// and nothing more served on that connection), the mux's rules, handler panics, and a fuzz loop
// of random and mutated bytes that must end every connection without a crash (run it under ASan).

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <gort/gort.hpp>
#include <gort/http.hpp>

#include "http/engine.hpp"
#include "http_test_support.hpp"

namespace {

using gort::http::internal::clock;
using gort::http::internal::conn_engine;
using gort::http::internal::conn_io;
using gort::http::internal::engine_config;
using http_test::parse_responses;

// fake_io serves `in` in reads of at most `chunk` bytes, then the end of the stream.
class fake_io : public conn_io {
 public:
  fake_io(std::string in, std::size_t chunk) : in_(std::move(in)), chunk_(chunk) {}
  std::pair<std::size_t, std::error_code> read(char* buf, std::size_t n) override {
    ++reads;
    if (pos_ == in_.size()) return {0, std::make_error_code(std::errc::connection_aborted)};
    std::size_t k = std::min({n, chunk_, in_.size() - pos_});
    std::copy_n(in_.data() + pos_, k, buf);
    pos_ += k;
    return {k, {}};
  }
  std::error_code write(const char* data, std::size_t n) override {
    ++writes;
    out.append(data, n);
    return {};
  }
  void set_read_deadline(clock::time_point t) override {
    read_deadlines += t != clock::time_point{};
  }
  void set_write_deadline(clock::time_point t) override {
    write_deadlines += t != clock::time_point{};
  }
  void close_write() override { ++close_writes; }
  std::size_t unread() const { return in_.size() - pos_; }

  std::string out;
  int reads = 0, writes = 0, read_deadlines = 0, write_deadlines = 0, close_writes = 0;

 private:
  std::string in_;
  std::size_t pos_ = 0;
  std::size_t chunk_;
};

struct run_result {
  std::string out;
  std::vector<std::string> log;
  std::size_t unread = 0;
};

run_result run(const gort::http::serve_mux& mux, const std::string& in, std::size_t chunk,
               std::size_t max_header_bytes = 0) {
  run_result r;
  std::function<void(std::string_view)> log = [&r](std::string_view l) { r.log.emplace_back(l); };
  engine_config cfg;
  cfg.mux = &mux;
  cfg.error_log = &log;
  cfg.max_header_bytes = max_header_bytes;
  fake_io io(in, chunk);
  conn_engine e(io, cfg, nullptr, "192.0.2.1:1234");
  e.serve();
  r.out = io.out;
  r.unread = io.unread();
  return r;
}

// The mux most tests use: /hello, an echo of the body, a large streamed body, a panic.
struct Engine : testing::TestWithParam<std::size_t> {
  gort::http::serve_mux mux;
  Engine() {
    mux.handle_func("/hello", [](gort::http::response_writer& w, gort::http::request& r) {
      w.header().set("X-Method", r.method);
      w.header().set("X-Query", r.query);
      w.header().set("X-Agent", r.header("user-AGENT"));
      w.write("hello\n");
    });
    mux.handle_func("/echo", [](gort::http::response_writer& w, gort::http::request& r) {
      auto [body, err] = r.read_body();
      w.header().set("X-Body-Error", err ? "yes" : "no");
      w.write(body);
    });
    mux.handle_func("/big", [](gort::http::response_writer& w, gort::http::request& r) {
      int n = std::stoi(r.query.empty() ? "10000" : r.query);
      std::string line(99, 'b');
      line += '\n';
      for (int i = 0; i < n / 100; ++i) w.write(line);
    });
    mux.handle_func("/panic", [](gort::http::response_writer& w, gort::http::request&) {
      w.write("partial");
      gort::panic(std::string("boom"));
    });
    mux.handle_func("/len", [](gort::http::response_writer& w, gort::http::request& r) {
      w.header().set("Content-Length", "5");
      if (r.query == "short")
        w.write("abc");
      else if (r.query == "long")
        w.write("abcde"), w.header().set("X-Err", w.write("fgh").message());
      else
        w.write("abcde");
    });
  }
};

const std::string get_hello = "GET /hello?x=1 HTTP/1.1\r\nHost: a\r\nUser-Agent: t/1\r\n\r\n";

TEST_P(Engine, SmallResponseGetsContentLength) {
  auto r = run(mux, get_hello, GetParam());
  auto s = parse_responses(r.out);
  ASSERT_TRUE(s.ok) << r.out;
  ASSERT_EQ(s.responses.size(), 1u) << r.out;
  const auto& resp = s.responses[0];
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, "hello\n");
  EXPECT_EQ(resp.get("Content-Length"), "6");
  EXPECT_FALSE(resp.chunked);
  EXPECT_EQ(resp.get("Content-Type"), "text/plain; charset=utf-8");  // sniffed
  EXPECT_TRUE(resp.has("Date"));
  EXPECT_EQ(resp.get("X-Method"), "GET");
  EXPECT_EQ(resp.get("X-Query"), "x=1");
  EXPECT_EQ(resp.get("X-Agent"), "t/1");  // the request's fields ignore case
  EXPECT_EQ(r.out.substr(0, 17), "HTTP/1.1 200 OK\r\n");
}

TEST_P(Engine, PipelinedRequestsAnsweredInOrder) {
  std::string in;
  for (int i = 0; i < 5; ++i)
    in += "GET /hello?x=" + std::to_string(i) + " HTTP/1.1\r\nHost: a\r\n\r\n";
  in += "GET /big?3000 HTTP/1.1\r\nHost: a\r\n\r\n";
  in += "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nabcd";
  in += "GET /hello?x=last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
  in += "GET /hello?x=never HTTP/1.1\r\nHost: a\r\n\r\n";  // after close: never answered
  auto r = run(mux, in, GetParam());
  auto s = parse_responses(r.out);
  ASSERT_TRUE(s.ok);
  ASSERT_EQ(s.responses.size(), 8u) << r.out;
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(s.responses[i].get("X-Query"), "x=" + std::to_string(i));
    EXPECT_TRUE(s.responses[i].keep_alive);
  }
  EXPECT_TRUE(s.responses[5].chunked);
  EXPECT_EQ(s.responses[5].body.size(), 3000u);
  EXPECT_EQ(s.responses[6].body, "abcd");
  EXPECT_EQ(s.responses[7].get("X-Query"), "x=last");
  EXPECT_EQ(s.responses[7].get("Connection"), "close");
  EXPECT_FALSE(s.responses[7].keep_alive);
}

TEST_P(Engine, ChunkedRequestBody) {
  std::string in =
      "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n1;ext=1\r\n \r\n6\r\nworld!\r\n0\r\nTrailer: x\r\n\r\n"
      "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n";
  auto r = run(mux, in, GetParam());
  auto s = parse_responses(r.out);
  ASSERT_EQ(s.responses.size(), 2u) << r.out;
  EXPECT_EQ(s.responses[0].body, "hello world!");
  EXPECT_EQ(s.responses[0].get("X-Body-Error"), "no");
  EXPECT_EQ(s.responses[1].body, "hello\n");
}

TEST_P(Engine, UnreadBodyIsDiscardedAndConnectionKept) {
  std::string in =
      "POST /hello HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789" + get_hello;
  auto r = run(mux, in, GetParam());
  auto s = parse_responses(r.out);
  ASSERT_EQ(s.responses.size(), 2u) << r.out;
  EXPECT_TRUE(s.responses[0].keep_alive);
}

TEST_P(Engine, LargeResponseIsChunked) {
  auto r = run(mux, "GET /big?100000 HTTP/1.1\r\nHost: a\r\n\r\n", GetParam());
  auto s = parse_responses(r.out);
  ASSERT_EQ(s.responses.size(), 1u);
  EXPECT_TRUE(s.responses[0].chunked);
  EXPECT_FALSE(s.responses[0].has("Content-Length"));
  EXPECT_EQ(s.responses[0].body.size(), 100000u);
  EXPECT_EQ(std::count(s.responses[0].body.begin(), s.responses[0].body.end(), '\n'), 1000);
  // At the 2048-byte edge: 2000 bytes fit the buffer (Content-Length), 2100 do not.
  auto small = parse_responses(run(mux, "GET /big?2000 HTTP/1.1\r\nHost: a\r\n\r\n", 4096).out);
  EXPECT_EQ(small.responses.at(0).get("Content-Length"), "2000");
  auto over = parse_responses(run(mux, "GET /big?2100 HTTP/1.1\r\nHost: a\r\n\r\n", 4096).out);
  EXPECT_TRUE(over.responses.at(0).chunked);
}

TEST_P(Engine, Http10ClosesOrKeepsAlive) {
  auto r = run(mux, "GET /big?5000 HTTP/1.0\r\n\r\n" + get_hello, GetParam());
  auto s = parse_responses(r.out);
  ASSERT_EQ(s.responses.size(), 1u);  // closed after: the body ends with the connection
  EXPECT_FALSE(s.responses[0].chunked);
  EXPECT_EQ(s.responses[0].body.size(), 5000u);
  EXPECT_EQ(r.out.substr(0, 9), "HTTP/1.0 ");
  auto k =
      run(mux, "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" + get_hello, GetParam());
  auto ks = parse_responses(k.out);
  ASSERT_EQ(ks.responses.size(), 2u) << k.out;
  EXPECT_EQ(ks.responses[0].get("Connection"), "keep-alive");
}

TEST_P(Engine, HeadHasNoBody) {
  auto r = run(mux, "HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\n" + get_hello, GetParam());
  std::size_t end = r.out.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos);
  EXPECT_NE(r.out.substr(0, end).find("Content-Length: 6"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.substr(end + 4, 17), "HTTP/1.1 200 OK\r\n");  // next response right after
}

TEST_P(Engine, DeclaredContentLength) {
  auto ok = parse_responses(run(mux, "GET /len HTTP/1.1\r\nHost: a\r\n\r\n", GetParam()).out);
  EXPECT_EQ(ok.responses.at(0).body, "abcde");
  auto longer =
      parse_responses(run(mux, "GET /len?long HTTP/1.1\r\nHost: a\r\n\r\n", GetParam()).out, false);
  EXPECT_EQ(longer.responses.at(0).get("X-Err"),
            "http: wrote more than the declared Content-Length");
  // Fewer bytes than declared: the connection closes (the client would wait forever).
  auto r = run(mux, "GET /len?short HTTP/1.1\r\nHost: a\r\n\r\n" + get_hello, GetParam());
  EXPECT_EQ(r.out.find("hello\n"), std::string::npos) << r.out;
}

TEST_P(Engine, ExpectContinue) {
  std::string in =
      "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc";
  auto r = run(mux, in, GetParam());
  ASSERT_EQ(r.out.substr(0, 25), "HTTP/1.1 100 Continue\r\n\r\n");
  auto s = parse_responses(r.out.substr(25));
  EXPECT_EQ(s.responses.at(0).body, "abc");
}

// The malformed-request table: each gets its answer's status line, and the request after it on
// the same connection is never served.
struct bad_case {
  const char* name;
  std::string request;
  const char* status_line;
  bool alone = false;  // the stream ends after it (no valid request follows)
};

TEST_P(Engine, MalformedRequestsAreRejectedAndCloseTheConnection) {
  const std::string big((1 << 20) + 5000, 'a');  // over 1 MiB + 4096
  const std::vector<bad_case> cases = {
      {"garbage request line", "HELLO\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"unknown method", "FETCH / HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"bad version", "GET / HTTP/x.1\r\nHost: a\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"space in target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"control byte in target", "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n",
       "HTTP/1.1 400 Bad Request"},
      {"bad escape in path", "GET /a%zz HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"header without colon", "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n",
       "HTTP/1.1 400 Bad Request"},
      {"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"missing Host", "GET / HTTP/1.1\r\n\r\n",
       "HTTP/1.1 400 Bad Request: missing required Host header"},
      {"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
       "HTTP/1.1 400 Bad Request: too many Host headers"},
      {"oversized header", "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + big + "\r\n\r\n",
       "HTTP/1.1 431 Request Header Fields Too Large"},
      {"bad Content-Length", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n1",
       "HTTP/1.1 400 Bad Request"},
      {"negative Content-Length", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
       "HTTP/1.1 400 Bad Request"},
      {"two Content-Lengths",
       "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
       "HTTP/1.1 400 Bad Request"},
      {"smuggling CL+TE",
       "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
       "0\r\n\r\n",
       "HTTP/1.1 400 Bad Request"},
      {"smuggling TE+CL",
       "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n"
       "0\r\n\r\n",
       "HTTP/1.1 400 Bad Request"},
      {"smuggling CL+TE identity",
       "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: identity\r\n\r\n"
       "abcd",
       "HTTP/1.1 400 Bad Request"},
      {"unsupported Transfer-Encoding",
       "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
       "HTTP/1.1 501 Not Implemented"},
      {"bad chunk size",
       "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
       "HTTP/1.1 400 Bad Request"},
      {"chunk longer than its size",
       "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
       "HTTP/1.1 400 Bad Request"},
      {"bad chunk, large response after it",
       "POST /big?9000 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
       "HTTP/1.1 400 Bad Request"},
      {"bad chunk, body unread",
       "POST /hello HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
       "HTTP/1.1 400 Bad Request"},
      {"body shorter than Content-Length",
       "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc",
       "HTTP/1.1 400 Bad Request", true},
      {"body longer than Content-Length",
       "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nabcdef\r\n\r\n",
       "HTTP/1.1 400 Bad Request"},
      {"header cut off", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b", "HTTP/1.1 400 Bad Request", true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    // No valid request after the bad one is answered: the connection ends with the error.
    std::string in = c.alone ? c.request : c.request + get_hello;
    auto r = run(mux, in, GetParam());
    std::string want = c.status_line;
    std::size_t at = r.out.rfind(want + "\r\n");
    ASSERT_NE(at, std::string::npos) << r.out;
    std::string tail = r.out.substr(at);
    auto s = parse_responses(tail);
    ASSERT_TRUE(s.ok) << tail;
    ASSERT_EQ(s.responses.size(), 1u) << tail;
    EXPECT_FALSE(s.responses[0].keep_alive);
    EXPECT_EQ(s.consumed, tail.size()) << "bytes after the error response";
    EXPECT_EQ(r.out.find("hello\n"), std::string::npos) << "served after the error: " << r.out;
  }
  // max_header_bytes below the default: 1000 + Go's 4096 of slack.
  std::string h6k = "GET /hello HTTP/1.1\r\nHost: a\r\nX-A: " + std::string(6000, 'x') + "\r\n\r\n";
  std::string h4k = "GET /hello HTTP/1.1\r\nHost: a\r\nX-A: " + std::string(4000, 'x') + "\r\n\r\n";
  EXPECT_EQ(run(mux, h6k, GetParam(), 1000).out.substr(0, 12), "HTTP/1.1 431");
  EXPECT_EQ(run(mux, h4k, GetParam(), 1000).out.substr(0, 12), "HTTP/1.1 200");
}

TEST_P(Engine, HandlerPanicIsLoggedAndClosesTheConnection) {
  auto r = run(mux, "GET /panic HTTP/1.1\r\nHost: a\r\n\r\n" + get_hello, GetParam());
  ASSERT_EQ(r.log.size(), 1u);
  EXPECT_EQ(r.log[0], "http: panic serving 192.0.2.1:1234: boom");
  // "partial" sat in the 2048-byte buffer: nothing was sent, and the next request is not served.
  EXPECT_EQ(r.out, "");
  // A C++ exception from a handler is a panic too.
  gort::http::serve_mux m;
  m.handle_func("/", [](gort::http::response_writer&, gort::http::request&) {
    throw std::runtime_error("out of range");
  });
  auto e = run(m, get_hello, GetParam());
  ASSERT_EQ(e.log.size(), 1u);
  EXPECT_NE(e.log[0].find("http: panic serving 192.0.2.1:1234: "), std::string::npos);
  EXPECT_NE(e.log[0].find("out of range"), std::string::npos) << e.log[0];
}

TEST_P(Engine, WriteHeaderRules) {
  gort::http::serve_mux m;
  m.handle_func("/twice", [](gort::http::response_writer& w, gort::http::request&) {
    w.write_header(201);
    w.write_header(500);
    w.write("x");
  });
  m.handle_func("/nobody", [](gort::http::response_writer& w, gort::http::request&) {
    w.write_header(204);
    w.header().set("X-Late", "1");  // after write_header: the header is sent as it was
    w.header().set("X-Err", w.write("x").message());
  });
  m.handle_func("/invalid",
                [](gort::http::response_writer& w, gort::http::request&) { w.write_header(1000); });
  auto t = run(m, "GET /twice HTTP/1.1\r\nHost: a\r\n\r\n", GetParam());
  EXPECT_EQ(parse_responses(t.out).responses.at(0).status, 201);
  ASSERT_EQ(t.log.size(), 1u);
  EXPECT_EQ(t.log[0], "http: superfluous response.WriteHeader call");
  auto n = run(m, "GET /nobody HTTP/1.1\r\nHost: a\r\n\r\n", GetParam());
  EXPECT_EQ(n.out.substr(0, 25), "HTTP/1.1 204 No Content\r\n");
  EXPECT_EQ(n.out.find("Content-Length"), std::string::npos);
  auto i = run(m, "GET /invalid HTTP/1.1\r\nHost: a\r\n\r\n", GetParam());
  ASSERT_EQ(i.log.size(), 1u);
  EXPECT_EQ(i.log[0], "http: panic serving 192.0.2.1:1234: invalid WriteHeader code 1000");
}

INSTANTIATE_TEST_SUITE_P(ReadSizes, Engine, testing::Values(1, 7, 4096));

// --- the mux ---------------------------------------------------------------------------------

TEST(Mux, GoPatternRules) {
  gort::http::serve_mux m;
  auto h = [](gort::http::response_writer& w, gort::http::request&) { w.write("x"); };
  m.handle_func("/", h);
  m.handle_func("/a", h);
  m.handle_func("/a/", h);
  m.handle_func("/a/b/", h);
  m.handle_func("/a/b/c", h);
  m.handle_func("/tree/", h);
  m.handle_func("example.com/a/", h);
  EXPECT_EQ(m.match("h", "/"), "/");
  EXPECT_EQ(m.match("h", "/zzz"), "/");
  EXPECT_EQ(m.match("h", "/a"), "/a");
  EXPECT_EQ(m.match("h", "/a/"), "/a/");
  EXPECT_EQ(m.match("h", "/a/x"), "/a/");
  EXPECT_EQ(m.match("h", "/a/b"), "/a/");  // "/a/b/" needs its slash
  EXPECT_EQ(m.match("h", "/a/b/x"), "/a/b/");
  EXPECT_EQ(m.match("h", "/a/b/c"), "/a/b/c");
  EXPECT_EQ(m.match("h", "/a/b/c/d"), "/a/b/");
  EXPECT_EQ(m.match("example.com", "/a/x"), "example.com/a/");
  EXPECT_EQ(m.match("example.com:8080", "/a/x"), "example.com/a/");
  EXPECT_EQ(m.match("example.com", "/tree/x"), "/tree/");
  gort::http::serve_mux none;
  EXPECT_EQ(none.match("h", "/x"), "");
}

std::string panic_text(const std::function<void()>& f) {
  std::string out;
  gort::func([&](gort::frame& fr) {
    fr.defer([&out] {
      std::any v = gort::recover();
      if (auto* s = std::any_cast<std::string>(&v)) out = *s;
    });
    f();
  });
  return out;
}

TEST(Mux, RegistrationMisusePanicsWithGosMessages) {
  gort::http::serve_mux m;
  auto h = [](gort::http::response_writer&, gort::http::request&) {};
  m.handle_func("/x", h);
  EXPECT_EQ(panic_text([&] { m.handle_func("/x", h); }), "http: multiple registrations for /x");
  EXPECT_EQ(panic_text([&] { m.handle_func("", h); }), "http: invalid pattern");
  EXPECT_EQ(panic_text([&] { m.handle_func("/y", nullptr); }), "http: nil handler");
}

TEST(Mux, NotFoundAndRedirects) {
  gort::http::serve_mux m;
  auto h = [](gort::http::response_writer& w, gort::http::request& r) { w.write(r.path); };
  m.handle_func("/tree/", h);
  m.handle_func("/exact", h);
  std::string in =
      "GET /nothing HTTP/1.1\r\nHost: a\r\n\r\n"
      "GET /tree?q=1 HTTP/1.1\r\nHost: a\r\n\r\n"
      "GET /tree/../exact HTTP/1.1\r\nHost: a\r\n\r\n"
      "GET //exact HTTP/1.1\r\nHost: a\r\n\r\n"
      "GET /tree/a%20b HTTP/1.1\r\nHost: a\r\n\r\n";
  auto r = run(m, in, 4096);
  auto s = parse_responses(r.out);
  ASSERT_EQ(s.responses.size(), 5u) << r.out;
  EXPECT_EQ(s.responses[0].status, 404);
  EXPECT_EQ(s.responses[0].body, "404 page not found\n");
  EXPECT_EQ(s.responses[0].get("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(s.responses[1].status, 301);
  EXPECT_EQ(s.responses[1].get("Location"), "/tree/?q=1");
  EXPECT_EQ(s.responses[1].body, "<a href=\"/tree/?q=1\">Moved Permanently</a>.\n\n");
  EXPECT_EQ(s.responses[2].status, 301);
  EXPECT_EQ(s.responses[2].get("Location"), "/exact");
  EXPECT_EQ(s.responses[3].get("Location"), "/exact");
  EXPECT_EQ(s.responses[4].status, 200);
  EXPECT_EQ(s.responses[4].body, "/tree/a b");  // the path is percent-decoded
}

TEST(Header, CaseInsensitiveAndCanonical) {
  gort::http::header h;
  h.set("content-type", "a");
  h.add("CONTENT-TYPE", "b");
  h.add("x-multi-word-key", "c");
  EXPECT_EQ(h.get("Content-Type"), "a");
  EXPECT_EQ(h.values("content-TYPE"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(h.fields()[0].first, "Content-Type");
  EXPECT_EQ(h.fields()[2].first, "X-Multi-Word-Key");
  h.set("Content-type", "z");
  EXPECT_EQ(h.values("content-type"), (std::vector<std::string>{"z"}));
  h.del("CONTENT-type");
  EXPECT_FALSE(h.has("content-type"));
  EXPECT_EQ(h.get("missing"), "");
  EXPECT_EQ(gort::http::canonical_header_key("foo bar"), "foo bar");  // not a token: unchanged
}

// --- random bytes ------------------------------------------------------------------------------

// Random bytes, and valid requests with random bytes flipped, inserted or cut: every connection
// must end (serve returns) with well-formed output or none. ASan checks the memory side.
TEST(EngineFuzz, RandomAndMutatedInputEndsCleanly) {
  gort::http::serve_mux m;
  m.handle_func("/",
                [](gort::http::response_writer& w, gort::http::request& r) { w.write(r.body()); });
  std::mt19937 rng(12345);
  const std::vector<std::string> seeds = {
      get_hello,
      "POST /e HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
      "POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
      "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
  };
  const int rounds = 3000;
  int answered = 0;
  for (int i = 0; i < rounds; ++i) {
    std::string in;
    if (i % 3 == 0) {
      std::uniform_int_distribution<int> len(0, 300), byte(0, 255);
      int n = len(rng);
      for (int k = 0; k < n; ++k) in += static_cast<char>(byte(rng));
    } else {
      in = seeds[rng() % seeds.size()] + seeds[rng() % seeds.size()];
      int edits = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < edits && !in.empty(); ++k) {
        std::size_t at = rng() % in.size();
        switch (rng() % 3) {
          case 0:
            in[at] = static_cast<char>(rng());
            break;
          case 1:
            in.insert(at, 1, static_cast<char>(rng()));
            break;
          default:
            in.erase(at, 1 + rng() % 8);
            break;
        }
      }
    }
    auto r = run(m, in, 1 + rng() % 64);
    auto s = parse_responses(r.out);
    ASSERT_TRUE(s.ok) << "unparseable output for input #" << i;
    answered += static_cast<int>(s.responses.size());
  }
  EXPECT_GT(answered, 0);
}

}  // namespace
