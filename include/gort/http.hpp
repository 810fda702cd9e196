// Copyright 2026 The gort Authors.
//
// HTTP/1.1 server and a minimal client (Go's net/http), on gort::net and Debian's libhttp-parser.
// Each accepted connection is a goroutine that reads requests, runs the handler the server's mux
// picks, and writes the response; while it waits for bytes it is parked on the netpoller, so tens
// of thousands of idle keep-alive connections cost a parked goroutine each.
//
// Example:
//
//   gort::run([] {
//     gort::http::server srv;
//     srv.handle_func("/hello", [](gort::http::response_writer& w, gort::http::request& r) {
//       w.header().set("Content-Type", "text/plain");
//       w.write("hello " + r.query + "\n");
//     });
//     srv.read_header_timeout = std::chrono::seconds(5);
//     std::error_code e = srv.listen_and_serve("127.0.0.1:8080");  // until srv.shutdown()
//   });
//
// What follows net/http (docs/http.md has the details and the deviations):
// - keep-alive and pipelining (requests on one connection are answered in order); request bodies
//   with Content-Length or chunked; a response whose handler wrote at most 2048 bytes and
//   returned gets a Content-Length, a longer one is sent chunked (HTTP/1.1) as it is written;
// - a request with both Content-Length and Transfer-Encoding, a malformed length or chunk, or a
//   bad request line or header gets "400 Bad Request" and the connection closes (RFC 9112);
//   headers over max_header_bytes get "431 Request Header Fields Too Large";
// - ServeMux's patterns: "/path" matches that path only, "/tree/" the whole subtree, the longest
//   pattern wins, "/" matches everything; "/tree" is redirected to "/tree/" when only the subtree
//   is registered; unclean paths ("/a/../b", "//b") are redirected to their clean form; nothing
//   registered: "404 page not found";
// - a handler that panics is recovered: the server logs "http: panic serving <addr>: <value>"
//   and closes that connection; others go on;
// - shutdown() closes the listeners and the idle connections, lets in-flight requests finish
//   (their responses say "Connection: close") and returns when every connection is closed.
//
// Thread safety: a server may be used from many goroutines; handle_func may be called while it
// serves (the mux locks, as Go's ServeMux). A request and its response_writer belong to the
// handler call they are passed to. serve and listen_and_serve start goroutines: they must run
// inside gort::run (the client works outside it too, blocking the thread).

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace gort::net {
class listener;
}  // namespace gort::net

namespace gort::http {

// header is a case-insensitive multimap of header fields (Go's http.Header). Keys are stored in
// canonical form (Go's CanonicalMIMEHeaderKey: "content-type" -> "Content-Type"); every lookup
// ignores case. Values keep their insertion order.
class header {
 public:
  // set replaces every value of key with value.
  void set(std::string_view key, std::string_view value);
  // add appends value to key's values.
  void add(std::string_view key, std::string_view value);
  // get returns key's first value, or "" when it has none.
  [[nodiscard]] std::string get(std::string_view key) const;
  // values returns every value of key, in order.
  [[nodiscard]] std::vector<std::string> values(std::string_view key) const;
  // has says whether key has at least one value.
  [[nodiscard]] bool has(std::string_view key) const;
  // del removes every value of key.
  void del(std::string_view key);
  void clear() { fields_.clear(); }
  [[nodiscard]] bool empty() const { return fields_.empty(); }
  [[nodiscard]] std::size_t size() const { return fields_.size(); }
  // The fields as (canonical key, value) pairs, in insertion order.
  [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& fields() const {
    return fields_;
  }
  // A pointer to key's first value (nullptr when none): get without a copy.
  [[nodiscard]] const std::string* find(std::string_view key) const;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// canonical_header_key returns Go's canonical form of a header key: the first letter and every
// letter after a hyphen upper case, the others lower case; a key with a space or another
// character that cannot be in a token is returned unchanged (as Go does).
std::string canonical_header_key(std::string_view key);

// status_text returns Go's reason phrase for code ("OK", "Not Found"), "" for an unknown code.
std::string_view status_text(int code);

namespace internal {
class conn_engine;
}

// request is one parsed request (Go's http.Request, the server side).
class request {
 public:
  std::string method;  // "GET", "POST", ...
  std::string uri;     // the request target as sent ("/a%20b?x=1")
  std::string path;    // its path, percent-decoded ("/a b")
  std::string query;   // its raw query, without the '?' ("x=1")
  std::string proto;   // "HTTP/1.1"
  int proto_major = 1, proto_minor = 1;
  std::string host;         // the Host header (or the host of an absolute request target)
  std::string remote_addr;  // the peer's address, "127.0.0.1:50312"
  // content_length is the declared body length, -1 when unknown (chunked), 0 for no body.
  std::int64_t content_length = 0;

  // header returns the first value of the named header field ("" when absent), any case.
  [[nodiscard]] std::string header(std::string_view name) const { return headers_.get(name); }
  [[nodiscard]] const http::header& headers() const { return headers_; }
  http::header& headers() { return headers_; }

  // body reads the rest of the body and returns it (blocks: parks the goroutine on the network).
  // A second call returns "". A body that cannot be read (malformed chunk, timeout, connection
  // closed) returns what was read; read_body also says why.
  std::string body();
  std::pair<std::string, std::error_code> read_body();

 private:
  friend class internal::conn_engine;
  http::header headers_;
  internal::conn_engine* engine_ = nullptr;
};

// response_writer builds the response of one request (Go's http.ResponseWriter).
class response_writer {
 public:
  response_writer(const response_writer&) = delete;
  response_writer& operator=(const response_writer&) = delete;

  // header is the response's header map: changes after the header was sent (first write past
  // the 2048-byte buffer, flush(), or the handler's return) have no effect, as in Go.
  http::header& header();
  // write_header sends the status code with the header (Go's WriteHeader). A second call is
  // ignored and logged ("http: superfluous response.WriteHeader call"); a code outside 100-999
  // panics ("invalid WriteHeader code <n>"), as Go does.
  void write_header(int status);
  // write appends to the body (the first write without write_header sends 200). Errors: the
  // status does not allow a body (1xx, 204, 304), more than the declared Content-Length, or the
  // connection failed.
  std::error_code write(std::string_view data);
  // flush sends what is buffered (the header, then the body so far, chunked when no length was
  // declared): Go's http.Flusher.
  std::error_code flush();

 private:
  friend class internal::conn_engine;
  explicit response_writer(internal::conn_engine* e) : engine_(e) {}
  internal::conn_engine* engine_;
};

using handler_func = std::function<void(response_writer&, request&)>;

// serve_mux matches a request's path (and host) against registered patterns (Go's ServeMux).
class serve_mux {
 public:
  serve_mux();
  ~serve_mux();
  serve_mux(const serve_mux&) = delete;
  serve_mux& operator=(const serve_mux&) = delete;
  // handle_func registers fn for pattern: "/exact", "/subtree/", or "host/path". An empty
  // pattern, an empty fn or a second registration of one pattern panics with Go's message
  // ("http: invalid pattern", "http: nil handler", "http: multiple registrations for /x").
  void handle_func(std::string_view pattern, handler_func fn);
  // serve answers the request with the matching handler (or a redirect, or 404).
  void serve(response_writer& w, request& r) const;
  // match returns the pattern that serve would use for host and path ("" for none: 404).
  [[nodiscard]] std::string match(std::string_view host, std::string_view path) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// not_found writes Go's 404 ("404 page not found"); error writes Go's http.Error response.
void not_found(response_writer& w, request& r);
void error(response_writer& w, std::string_view message, int code);

// The server's errors: listen_and_serve and serve return server_closed after shutdown.
enum class errc {
  server_closed = 1,
  body_not_allowed,
  content_length,
  handler_panic,
  bad_url,
  bad_response
};
const std::error_category& http_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), http_category()};
}

// server serves HTTP/1.1 on listeners (Go's http.Server).
class server {
 public:
  server();
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Timeouts (0: none), as Go's Server fields (read when the first serve starts):
  // read_header_timeout bounds reading a request's header (0: read_timeout's value), read_timeout
  // the whole request with its body, write_timeout the response (from the end of the request
  // header), idle_timeout the wait for the next request on a keep-alive connection (0:
  // read_timeout's value). An expired one closes the connection.
  std::chrono::nanoseconds read_header_timeout{0};
  std::chrono::nanoseconds read_timeout{0};
  std::chrono::nanoseconds write_timeout{0};
  std::chrono::nanoseconds idle_timeout{0};
  // max_header_bytes bounds the request line and header fields (0: Go's 1 MiB); a request over it
  // by more than Go's 4096 bytes of slack gets 431.
  std::size_t max_header_bytes = 0;
  // error_log receives the server's log lines (without newline); unset, they go to stderr with
  // Go's log prefix ("2006/01/02 15:04:05 ").
  std::function<void(std::string_view)> error_log;

  // handle_func registers a handler on the server's mux (see serve_mux).
  void handle_func(std::string_view pattern, handler_func fn);
  serve_mux& mux();

  // listen_and_serve listens on addr ("127.0.0.1:8080", ":0") and serves until shutdown, then
  // returns errc::server_closed (or the listen or accept error). Parks the goroutine.
  std::error_code listen_and_serve(std::string_view addr);
  // serve accepts connections on ln until shutdown (then returns errc::server_closed and closes
  // ln) or an accept error that is not temporary. Each connection gets its own goroutine.
  std::error_code serve(net::listener& ln);
  // shutdown stops accepting, closes idle connections, waits for in-flight requests to finish
  // and their connections to close, then returns. Later serve calls return server_closed.
  void shutdown();
  // close closes the listeners and every connection now (Go's Server.Close).
  void close();
  // addr returns the address of the first listener serve is using ("" before serve started).
  [[nodiscard]] std::string addr() const;
  // The number of open connections (for tests and monitoring).
  [[nodiscard]] std::size_t open_connections() const;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;  // shared with the connection goroutines
};

// response is what the client returns (Go's http.Response with its body read).
struct response {
  int status_code = 0;
  std::string status;  // "200 OK"
  std::string proto;   // "HTTP/1.1"
  http::header header;
  std::string body;
};

// get and post send one request on a new connection ("Connection: close") and read the whole
// response. url is "http://host:port/path?query". Block (park the goroutine inside gort::run).
std::pair<response, std::error_code> get(std::string_view url);
std::pair<response, std::error_code> post(std::string_view url, std::string_view content_type,
                                          std::string_view body);

}  // namespace gort::http

template <>
struct std::is_error_code_enum<gort::http::errc> : std::true_type {};
