// Copyright 2026 The gort Authors.
//
// The connection engine: one HTTP/1.1 connection's request loop (Go's http.conn.serve), written
// against conn_io, a byte stream with deadlines, so that the whole protocol (parsing, keep-alive,
// pipelining, chunking, errors, panics) runs in tests on byte strings without a socket, and in the
// server on a gort::net::conn. See engine.cpp's header comment for the design.

#pragma once

#include <http_parser.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <gort/http.hpp>

namespace gort::http::internal {

using clock = std::chrono::steady_clock;

// iequals compares ASCII case-insensitively (header names and tokens; Go's EqualFold for ASCII).
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    unsigned char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x += 32;
    if (y >= 'A' && y <= 'Z') y += 32;
    if (x != y) return false;
  }
  return true;
}

// conn_io is the byte stream under one connection. read returns (0, error) at the end (net::eof)
// or on failure; write writes everything or returns the error. A deadline of time_point{} clears
// it.
class conn_io {
 public:
  virtual ~conn_io() = default;
  virtual std::pair<std::size_t, std::error_code> read(char* buf, std::size_t n) = 0;
  virtual std::error_code write(const char* data, std::size_t n) = 0;
  virtual void set_read_deadline(clock::time_point t) = 0;
  virtual void set_write_deadline(clock::time_point t) = 0;
  // close_write half-closes (the peer reads the end of the stream; reads go on).
  virtual void close_write() = 0;
};

// The connection states the server tracks for shutdown (Go's ConnState, without hijacking).
enum class conn_state { fresh, active, idle, closed };

// conn_hooks is how an engine tells its server where it is. Both calls may block briefly on the
// server's lock; neither is called with an engine lock held.
class conn_hooks {
 public:
  virtual ~conn_hooks() = default;
  // to_idle: the connection waits for its next request. false: the server is shutting down and
  // the connection must close instead.
  virtual bool to_idle() = 0;
  // to_active: a request header has been read. false: shutting down (answer with
  // "Connection: close").
  virtual bool to_active() = 0;
  // keep_alives: whether the response being committed may keep the connection (false once the
  // server is shutting down: Go's doKeepAlives, read when the header is written).
  virtual bool keep_alives() = 0;
  // park_idle: called idle with nothing buffered, the idle deadline set; true: the server waits
  // for the next request itself (without this engine), so serve returns serve_end::idle.
  virtual bool park_idle() { return false; }
};

// How serve ended: the connection must close, or it is idle and the server waits for its next
// request (conn_hooks::park_idle).
enum class serve_end { closed, idle };

// What a connection needs of its server's configuration (copied by value into each engine).
struct engine_config {
  std::chrono::nanoseconds read_header_timeout{0}, read_timeout{0}, write_timeout{0},
      idle_timeout{0};
  std::size_t max_header_bytes = 0;  // 0: 1 MiB
  const serve_mux* mux = nullptr;
  const std::function<void(std::string_view)>* error_log = nullptr;  // null or empty: stderr
};

// Writes one log line the way the server logs: to cfg's error_log or to stderr with Go's prefix.
void log_line(const engine_config& cfg, std::string_view line);

class conn_engine {
 public:
  conn_engine(conn_io& io, const engine_config& cfg, conn_hooks* hooks, std::string remote_addr);
  conn_engine(const conn_engine&) = delete;
  conn_engine& operator=(const conn_engine&) = delete;

  // serve runs the request loop until the connection must close (the caller closes it) or, with
  // hooks that park idle connections, until it waits for a next request with nothing buffered.
  // Parks in io's reads and writes. `resumed`: the connection was idle (serve returned
  // serve_end::idle to the server, whose netpoller started this engine's goroutine): wait for its
  // next request under the deadline already set.
  serve_end serve(bool resumed = false);

  // request's and response_writer's halves.
  std::pair<std::string, std::error_code> read_body();
  http::header& response_header() { return resp_header_; }
  void write_header(int status);
  std::error_code write(std::string_view data);
  std::error_code flush();

 private:
  // Parser callbacks (parser.data is the engine).
  static int on_message_begin(http_parser* p);
  static int on_url(http_parser* p, const char* at, std::size_t n);
  static int on_header_field(http_parser* p, const char* at, std::size_t n);
  static int on_header_value(http_parser* p, const char* at, std::size_t n);
  static int on_headers_complete(http_parser* p);
  static int on_body(http_parser* p, const char* at, std::size_t n);
  static int on_message_complete(http_parser* p);
  static const http_parser_settings settings;

  // What reading a request header ended with.
  enum class read_result { ok, closed, bad_request, too_large, not_implemented };
  read_result read_request();
  bool finish_header_fields();  // validates the parsed fields; false: 400 (reason_ set)
  void end_field();
  // Feeds buffered bytes to the parser until it pauses or they run out; false on a parse error.
  bool feed();
  std::error_code fill();
  // Reads and throws away the rest of the body, at most `limit` bytes; true when it all came.
  bool discard_body(std::size_t limit);
  void reply_error(read_result r);
  void reset_response();
  void commit(bool final);
  void emit_body(std::string_view data);
  std::error_code flush_out();
  void finish_response();
  bool run_handler();  // false: the handler panicked
  void linger();       // half-close, then drain what the client still sends (see serve)

  conn_io& io_;
  engine_config cfg_;
  conn_hooks* hooks_;
  http_parser parser_;

  // Read side: bytes [rpos_, rend_) of rbuf_ are read from io_ but not yet parsed.
  char rbuf_[4096];
  std::size_t rpos_ = 0, rend_ = 0;
  std::size_t consumed_ = 0;  // bytes of this request fed to the parser
  bool headers_done_ = false, message_done_ = false;
  bool in_value_ = false;      // the last header callback was a value
  std::string field_, value_;  // the header field being parsed
  bool seen_content_length_ = false, seen_transfer_encoding_ = false;
  bool bad_field_ = false;  // a field name that is not a token, or a control byte in a value
  std::string* body_sink_ = nullptr;  // where on_body appends (null: discarded)
  std::size_t body_seen_ = 0;         // body bytes parsed (for discard limits)
  std::error_code body_error_;        // why the body could not be read
  bool body_malformed_ = false;       // the body broke the protocol: 400 if still possible
  bool body_read_ = false;            // read_body was called once
  bool expect_continue_ = false, sent_continue_ = false;
  std::string reason_;  // why a request is bad (400's text)
  clock::time_point whole_deadline_{};

  request req_;
  response_writer writer_;

  // Write side (Go's response + chunkWriter): body bytes wait in body_buf_ (up to 2048) until the
  // header is committed; out_ collects header and body bytes until flushed to io_.
  http::header resp_header_;
  int status_ = 0;
  bool wrote_header_ = false, committed_ = false, chunking_ = false;
  bool close_after_ = false, keep_alives_ = true, handler_done_ = false;
  bool replaced_ = false;
  bool linger_ = false;  // close with the client possibly still sending: half-close and drain  //
                         // commit replaced the handler's response with 400 (malformed body)
  std::int64_t declared_length_ = -1;  // the handler's Content-Length, -1: none
  std::int64_t written_ = 0;           // body bytes the handler wrote
  std::string body_buf_;
  std::string out_;
  std::error_code write_error_;
};

}  // namespace gort::http::internal
