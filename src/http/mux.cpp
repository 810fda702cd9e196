// Copyright 2026 The gort Authors.
//
// Header maps, status texts, the error category, request/response_writer's forwarding to the
// connection engine, and serve_mux: Go 1.19's ServeMux (net/http/server.go).
//
// serve_mux keeps every pattern in a hash map (exact lookups, and Go's redirect test of "/tree"
// against a registered "/tree/") and the patterns ending in '/' in a vector sorted longest first:
// the first of those that prefixes the path is the longest match. Host-specific patterns
// ("example.com/x") are tried before plain ones once one is registered. Paths are cleaned (Go's
// cleanPath: path.Clean keeping a trailing slash) and an unclean one is redirected (301) to its
// clean form; CONNECT requests are not cleaned.
//
// Locking: a gort::rwmutex guards the tables; lookups take it shared, registration exclusively.

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include <gort/http.hpp>
#include <gort/panic.hpp>
#include <gort/sync.hpp>

#include "http/engine.hpp"

namespace gort::http {

namespace {

using internal::iequals;

bool token_char(unsigned char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string canonical_header_key(std::string_view key) {
  for (unsigned char c : key)
    if (!token_char(c)) return std::string(key);
  std::string s(key);
  bool upper = true;
  for (char& c : s) {
    if (upper && c >= 'a' && c <= 'z')
      c = static_cast<char>(c - 32);
    else if (!upper && c >= 'A' && c <= 'Z')
      c = static_cast<char>(c + 32);
    upper = c == '-';
  }
  return s;
}

// --- header --------------------------------------------------------------------------------------

void header::set(std::string_view key, std::string_view value) {
  bool placed = false;
  for (auto it = fields_.begin(); it != fields_.end();) {
    if (iequals(it->first, key)) {
      if (!placed) {
        it->second.assign(value);
        placed = true;
        ++it;
      } else {
        it = fields_.erase(it);
      }
    } else {
      ++it;
    }
  }
  if (!placed) fields_.emplace_back(canonical_header_key(key), std::string(value));
}

void header::add(std::string_view key, std::string_view value) {
  fields_.emplace_back(canonical_header_key(key), std::string(value));
}

const std::string* header::find(std::string_view key) const {
  for (const auto& f : fields_)
    if (iequals(f.first, key)) return &f.second;
  return nullptr;
}

std::string header::get(std::string_view key) const {
  const std::string* v = find(key);
  return v != nullptr ? *v : std::string();
}

std::vector<std::string> header::values(std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& f : fields_)
    if (iequals(f.first, key)) out.push_back(f.second);
  return out;
}

bool header::has(std::string_view key) const {
  return find(key) != nullptr;
}

void header::del(std::string_view key) {
  fields_.erase(std::remove_if(fields_.begin(), fields_.end(),
                               [&](const auto& f) { return iequals(f.first, key); }),
                fields_.end());
}

// --- status texts (Go's StatusText)
// -----------------------------------------------------------------

std::string_view status_text(int code) {
  switch (code) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 102:
      return "Processing";
    case 103:
      return "Early Hints";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 203:
      return "Non-Authoritative Information";
    case 204:
      return "No Content";
    case 205:
      return "Reset Content";
    case 206:
      return "Partial Content";
    case 207:
      return "Multi-Status";
    case 208:
      return "Already Reported";
    case 226:
      return "IM Used";
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 305:
      return "Use Proxy";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 407:
      return "Proxy Authentication Required";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Request Entity Too Large";
    case 414:
      return "Request URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Requested Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 418:
      return "I'm a teapot";
    case 421:
      return "Misdirected Request";
    case 422:
      return "Unprocessable Entity";
    case 423:
      return "Locked";
    case 424:
      return "Failed Dependency";
    case 425:
      return "Too Early";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 451:
      return "Unavailable For Legal Reasons";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    case 506:
      return "Variant Also Negotiates";
    case 507:
      return "Insufficient Storage";
    case 508:
      return "Loop Detected";
    case 510:
      return "Not Extended";
    case 511:
      return "Network Authentication Required";
    default:
      return "";
  }
}

// --- errors --------------------------------------------------------------------------------------

namespace {
class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "gort.http"; }
  std::string message(int c) const override {
    switch (static_cast<errc>(c)) {
      case errc::server_closed:
        return "http: Server closed";
      case errc::body_not_allowed:
        return "http: request method or response status code does not allow body";
      case errc::content_length:
        return "http: wrote more than the declared Content-Length";
      case errc::handler_panic:
        return "http: handler panicked";
      case errc::bad_url:
        return "http: malformed URL";
      case errc::bad_response:
        return "http: malformed HTTP response";
    }
    return "http: unknown error";
  }
};
}  // namespace

const std::error_category& http_category() noexcept {
  static const category c;
  return c;
}

// --- request and response_writer: the engine's halves ------------------------------------------

std::string request::body() {
  return read_body().first;
}

std::pair<std::string, std::error_code> request::read_body() {
  if (engine_ == nullptr) return {};
  return engine_->read_body();
}

http::header& response_writer::header() {
  return engine_->response_header();
}
void response_writer::write_header(int status) {
  engine_->write_header(status);
}
std::error_code response_writer::write(std::string_view data) {
  return engine_->write(data);
}
std::error_code response_writer::flush() {
  return engine_->flush();
}

void error(response_writer& w, std::string_view message, int code) {
  w.header().set("Content-Type", "text/plain; charset=utf-8");
  w.header().set("X-Content-Type-Options", "nosniff");
  w.write_header(code);
  std::string body(message);
  body += '\n';
  (void)w.write(body);
}

void not_found(response_writer& w, request&) {
  error(w, "404 page not found", 404);
}

namespace {

// Go's path.Clean: one slash between elements, no "." elements, ".." removes the element before.
std::string clean(std::string_view p) {
  if (p.empty()) return ".";
  const bool rooted = p[0] == '/';
  std::string out;
  if (rooted) out = "/";
  std::size_t i = 0, dotdot = out.size();  // dotdot: where ".." can no longer go back
  while (i < p.size()) {
    if (p[i] == '/') {
      ++i;
    } else if (p[i] == '.' && (i + 1 == p.size() || p[i + 1] == '/')) {
      ++i;
    } else if (p[i] == '.' && p[i + 1] == '.' && (i + 2 == p.size() || p[i + 2] == '/')) {
      i += 2;
      if (out.size() > dotdot) {
        std::size_t k = out.size() - 1;
        while (k > dotdot && out[k] != '/') --k;
        out.resize(k);
      } else if (!rooted) {
        if (!out.empty()) out += '/';
        out += "..";
        dotdot = out.size();
      }
    } else {
      if ((rooted && out.size() != 1) || (!rooted && !out.empty())) out += '/';
      while (i < p.size() && p[i] != '/') out += p[i++];
    }
  }
  if (out.empty()) return ".";
  return out;
}

// Whether p is already what clean_path returns (the common case: no copy on the request path).
bool is_clean(std::string_view p) {
  if (p.empty() || p[0] != '/') return false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] != '/') continue;
    std::string_view rest = p.substr(i + 1);
    if (!rest.empty() && rest[0] == '/') return false;  // "//"
    if (rest == "." || rest.substr(0, 2) == "./") return false;
    if (rest == ".." || rest.substr(0, 3) == "../") return false;
  }
  return true;
}

// Go's cleanPath: the canonical path for p, keeping a trailing slash.
std::string clean_path(std::string_view p) {
  if (p.empty()) return "/";
  std::string q(p);
  if (q[0] != '/') q.insert(q.begin(), '/');
  std::string np = clean(q);
  if (q.back() == '/' && np != "/") {
    if (q.size() == np.size() + 1 && q.compare(0, np.size(), np) == 0)
      np = q;
    else
      np += '/';
  }
  return np;
}

std::string strip_host_port(std::string_view h) {
  if (h.find(':') == std::string_view::npos) return std::string(h);
  if (!h.empty() && h[0] == '[') {
    std::size_t close = h.find(']');
    if (close != std::string_view::npos) return std::string(h.substr(1, close - 1));
    return std::string(h);
  }
  return std::string(h.substr(0, h.rfind(':')));
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Go's http.Redirect with an absolute path.
void redirect(response_writer& w, request& r, const std::string& url, int code) {
  bool had_ct = w.header().has("Content-Type");
  w.header().set("Location", url);
  if (!had_ct && (r.method == "GET" || r.method == "HEAD"))
    w.header().set("Content-Type", "text/html; charset=utf-8");
  w.write_header(code);
  if (!had_ct && r.method == "GET") {
    std::string body =
        "<a href=\"" + html_escape(url) + "\">" + std::string(status_text(code)) + "</a>.\n\n";
    (void)w.write(body);
  }
}

}  // namespace

struct serve_mux::impl {
  struct entry {
    handler_func fn;
    std::string pattern;
  };
  mutable rwmutex mu;
  std::unordered_map<std::string, entry> exact;  // every pattern
  // Patterns ending in '/', longest first: pointers into `exact`, whose nodes never move and are
  // never erased (so a handler found under the lock may be called after it is released).
  std::vector<const entry*> subtrees;
  bool hosts = false;  // some pattern starts with a host

  const entry* match(const std::string& path) const {
    auto it = exact.find(path);
    if (it != exact.end()) return &it->second;
    for (const entry* e : subtrees)
      if (path.compare(0, e->pattern.size(), e->pattern) == 0) return e;
    return nullptr;
  }

  const entry* handler(const std::string& host, const std::string& path) const {
    const entry* e = nullptr;
    if (hosts) e = match(host + path);
    if (e == nullptr) e = match(path);
    return e;
  }

  // Go's shouldRedirectRLocked: path names a registered subtree without its slash. (host + path
  // can only match when some pattern starts with a host.)
  bool should_redirect(const std::string& host, const std::string& path) const {
    if (exact.count(path)) return false;
    if (hosts && exact.count(host + path)) return false;
    if (path.empty() || path.back() == '/') return false;
    if (exact.count(path + "/")) return true;
    return hosts && exact.count(host + path + "/");
  }
};

serve_mux::serve_mux() : impl_(std::make_unique<impl>()) {}
serve_mux::~serve_mux() = default;

void serve_mux::handle_func(std::string_view pattern, handler_func fn) {
  if (pattern.empty()) panic(std::string("http: invalid pattern"));
  if (!fn) panic(std::string("http: nil handler"));
  std::string p(pattern);
  impl_->mu.lock();
  if (impl_->exact.count(p)) {
    impl_->mu.unlock();
    panic("http: multiple registrations for " + p);
  }
  const impl::entry* e = &impl_->exact.emplace(p, impl::entry{std::move(fn), p}).first->second;
  if (p.back() == '/') {
    auto pos = std::find_if(impl_->subtrees.begin(), impl_->subtrees.end(),
                            [&](const impl::entry* x) { return x->pattern.size() < p.size(); });
    impl_->subtrees.insert(pos, e);
  }
  if (p[0] != '/') impl_->hosts = true;
  impl_->mu.unlock();
}

std::string serve_mux::match(std::string_view host, std::string_view path) const {
  impl_->mu.lock_shared();
  const impl::entry* e = impl_->handler(strip_host_port(host), std::string(path));
  std::string out = e != nullptr ? e->pattern : std::string();
  impl_->mu.unlock_shared();
  return out;
}

void serve_mux::serve(response_writer& w, request& r) const {
  if (r.path == "*") {
    // Go: "*" (OPTIONS) gets 400 unless ProtoAtLeast(1,1) OPTIONS, which gets 200 with no body.
    if (r.method == "OPTIONS" && (r.proto_major > 1 || r.proto_minor >= 1)) {
      w.header().set("Content-Length", "0");
      w.write_header(200);
      return;
    }
    w.header().set("Connection", "close");
    w.write_header(400);
    return;
  }
  const handler_func* fn = nullptr;
  std::string target;
  int redirect_code = 0;
  {
    impl_->mu.lock_shared();
    struct unlock {
      rwmutex& m;
      ~unlock() { m.unlock_shared(); }
    } guard{impl_->mu};
    if (r.method == "CONNECT") {
      std::string host = r.host;
      if (impl_->should_redirect(host, r.path)) {
        target = r.path + "/";
        redirect_code = 301;
      } else if (const impl::entry* e = impl_->handler(host, r.path)) {
        fn = &e->fn;
      }
    } else {
      std::string host = impl_->hosts ? strip_host_port(r.host) : std::string();
      std::string cleaned;
      if (!is_clean(r.path)) cleaned = clean_path(r.path);
      const std::string& path = cleaned.empty() ? r.path : cleaned;
      if (impl_->should_redirect(host, path)) {
        target = path + "/";
        redirect_code = 301;
      } else if (path != r.path) {
        target = path;
        redirect_code = 301;
      } else if (const impl::entry* e = impl_->handler(host, path)) {
        fn = &e->fn;  // called after the lock is released: a handler may register more
      }
    }
  }
  if (redirect_code != 0) {
    if (!r.query.empty()) target += "?" + r.query;
    redirect(w, r, target, redirect_code);
    return;
  }
  if (fn == nullptr) {
    not_found(w, r);
    return;
  }
  (*fn)(w, r);
}

}  // namespace gort::http
