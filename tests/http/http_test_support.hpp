// Copyright 2026 The gort Authors.
//
// Shared pieces of gort::http's tests: a response-stream parser (on libhttp-parser in response
// mode, an independent reading of what the server wrote: status, fields, decoded body, whether
// it was chunked), the fd counter of the leak checks, and the server suites' shared setup.

#pragma once

#include <dirent.h>
#include <http_parser.h>

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <gort/go.hpp>
#include <gort/http.hpp>
#include <gort/net.hpp>
#include <gort/sync.hpp>

namespace http_test {

struct parsed_response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;
  bool chunked = false;
  bool keep_alive = false;
  std::string get(std::string_view k) const {
    for (const auto& f : fields)
      if (gort::http::canonical_header_key(f.first) == gort::http::canonical_header_key(k))
        return f.second;
    return "";
  }
  bool has(std::string_view k) const {
    for (const auto& f : fields)
      if (gort::http::canonical_header_key(f.first) == gort::http::canonical_header_key(k))
        return true;
    return false;
  }
};

// parse_responses reads every complete response in `bytes`; `rest` gets what follows the last
// one (partial or garbage), `ok` false when the parser met an error.
struct parsed_stream {
  std::vector<parsed_response> responses;
  std::size_t consumed = 0;
  bool ok = true;
};

inline parsed_stream parse_responses(std::string_view bytes, bool eof = true) {
  struct state {
    parsed_stream out;
    parsed_response cur;
    std::string field, value;
    bool in_value = false;
    void end_field() {
      if (in_value) cur.fields.emplace_back(field, value);
      field.clear();
      value.clear();
      in_value = false;
    }
  } st;
  http_parser_settings s;
  http_parser_settings_init(&s);
  s.on_header_field = [](http_parser* p, const char* at, std::size_t n) {
    auto* st = static_cast<state*>(p->data);
    st->end_field();
    st->field.append(at, n);
    return 0;
  };
  s.on_header_value = [](http_parser* p, const char* at, std::size_t n) {
    auto* st = static_cast<state*>(p->data);
    st->in_value = true;
    st->value.append(at, n);
    return 0;
  };
  s.on_headers_complete = [](http_parser* p) {
    auto* st = static_cast<state*>(p->data);
    st->end_field();
    st->cur.status = static_cast<int>(p->status_code);
    st->cur.chunked = (p->flags & F_CHUNKED) != 0;
    return 0;
  };
  s.on_body = [](http_parser* p, const char* at, std::size_t n) {
    static_cast<state*>(p->data)->cur.body.append(at, n);
    return 0;
  };
  s.on_message_complete = [](http_parser* p) {
    auto* st = static_cast<state*>(p->data);
    st->cur.keep_alive = http_should_keep_alive(p) != 0;
    st->out.responses.push_back(std::move(st->cur));
    st->cur = parsed_response{};
    return 0;
  };
  http_parser p;
  http_parser_init(&p, HTTP_RESPONSE);
  p.data = &st;
  std::size_t n = http_parser_execute(&p, &s, bytes.data(), bytes.size());
  st.out.consumed = n;
  if (HTTP_PARSER_ERRNO(&p) != HPE_OK) st.out.ok = false;
  if (eof && st.out.ok) http_parser_execute(&p, &s, nullptr, 0);
  return st.out;
}

// open_fds counts the process's open descriptors (/proc/self/fd, less the one reading it).
inline int open_fds() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d) != nullptr) ++n;
    closedir(d);
    n -= 3;  // ".", ".." and the directory's own descriptor
  }
  return n;
}

// The setup both server suites share. netpoller_once opens the netpoller's descriptors (opened
// once per process) before any fd count is taken; expect_fds_back waits a little (a closing
// connection's goroutine may still be finishing) for the count to return to `before`.
inline void netpoller_once() {
  gort::run(
      [] {
        auto [ln, err] = gort::net::listen("tcp", "127.0.0.1:0");
        if (!err) (void)ln.close();
      },
      1);
}
inline void expect_fds_back(int before) {
  int after = open_fds();
  for (int i = 0; i < 400 && after != before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    after = open_fds();
  }
  EXPECT_EQ(after, before) << "the test leaked file descriptors";
}

inline gort::net::conn dial(const std::string& addr) {
  auto [c, err] = gort::net::dial("tcp", addr);
  EXPECT_FALSE(err) << err.message();
  return c;
}

// A server on 127.0.0.1:<any port> logging into `log`, serving in its own goroutine once
// started; stop() shuts it down and waits for serve to return. Suites add their handlers.
struct test_server {
  gort::http::server srv;
  gort::net::listener ln;
  std::string addr, url;
  gort::chan<std::error_code> served = gort::make_chan<std::error_code>(1);
  std::vector<std::string> log;
  gort::mutex log_mu;

  test_server() {
    srv.error_log = [this](std::string_view l) {
      std::lock_guard<gort::mutex> g(log_mu);
      log.emplace_back(l);
    };
  }
  void start() {
    auto [l, err] = gort::net::listen("tcp", "127.0.0.1:0");
    ASSERT_FALSE(err) << err.message();
    ln = l;
    addr = ln.addr().string();
    url = "http://" + addr;
    gort::go([this] { served.send(srv.serve(ln)); });
  }
  std::error_code stop() {
    srv.shutdown();
    return served.recv().first;
  }
  // handle_slow registers /slow: it sends on `entered`, waits on `release`, answers "finished".
  void handle_slow(gort::chan<int>& entered, gort::chan<int>& release) {
    srv.handle_func("/slow",
                    [&entered, &release](gort::http::response_writer& w, gort::http::request&) {
                      entered.send(1);
                      release.recv();
                      w.write("finished");
                    });
  }
  // send_slow sends a request for /slow on a new connection and returns it once the handler
  // (handle_slow's) has sent on `entered`.
  gort::net::conn send_slow(gort::chan<int>& entered) {
    gort::net::conn busy = dial(addr);
    EXPECT_FALSE(busy.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n").second);
    entered.recv();
    return busy;
  }
  // shutdown_async runs shutdown in a goroutine of its own; the channel receives 1 when it returns.
  gort::chan<int> shutdown_async() {
    auto shut = gort::make_chan<int>(1);
    gort::go([this, shut]() mutable {
      srv.shutdown();
      shut.send(1);
    });
    return shut;
  }
};

}  // namespace http_test
