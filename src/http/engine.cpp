// Copyright 2026 The gort Authors.
//
// The connection engine: one HTTP/1.1 connection's request loop, Go's (*http.conn).serve with
// its response and chunkWriter, on libhttp-parser.
//
// Terms. The read buffer holds bytes read from the connection and not yet fed to the parser.
// The parser (http_parser, re-initialized for each request) is fed from it and pauses itself in
// two callbacks: at the end of a request's header (on_headers_complete) so that the handler runs
// with the body still unread, and at the end of the request (on_message_complete) so that bytes
// of a pipelined next request stay in the buffer. Body bytes reach on_body only while someone
// feeds the parser: request::body() (appending to its string) or the engine discarding what the
// handler left unread.
//
// Invariants.
// - consumed_ counts the bytes of the current request fed to the parser; until headers_done_ it
//   is the header's size, checked against max_header_bytes + 4096 (Go's slack) after each feed.
// - A response is committed (status line and header written to out_) exactly once: when the
//   handler's body outgrows body_buf_ (2048 bytes, Go's bufferBeforeChunkingSize), on flush(),
//   or when the handler returns. Committed on return with no declared length, it carries
//   Content-Length = what was written; committed earlier, it is chunked (HTTP/1.1) or ends with
//   the connection (HTTP/1.0).
// - close_after_ only goes from false to true within a request; once set the loop ends after the
//   response.
//
// Errors. A request that the parser rejects, or whose header fields break RFC 9112 (both
// Content-Length and Transfer-Encoding, a missing Host in HTTP/1.1), gets Go's literal
// "HTTP/1.1 400 Bad Request" answer and the connection closes; a header over the limit gets 431;
// a Transfer-Encoding other than chunked 501, as net/http. A malformed body (bad chunk, early
// end) found before the response is committed replaces the handler's response with 400 (net/http
// would send the handler's response and close: answering 400 is what RFC 9112 asks for, and the
// buffered response was never sent). A read that times out or meets the end of the stream before
// the first byte of a request closes quietly.
//
// Panics. The handler runs inside a gort::func whose deferred call recovers; a recovered panic is
// logged as net/http logs it and the connection closes after flushing what was committed (what
// sat in body_buf_ is dropped: the client sees the connection end, as with Go).
//
// Rejected: a hand-written parser (the task's rule: a real HTTP parser library); llhttp (not
// packaged by Debian 12 as a C library); parsing the whole header in a std::string and handing
// it to the parser at once (copies every header twice and cannot bound the header size early).

#include "http/engine.hpp"

#include <algorithm>
#include <any>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>

#include <gort/frame.hpp>
#include <gort/panic.hpp>

#include "defer/panic_record.hpp"

namespace gort::http::internal {

namespace {

constexpr std::size_t kDefaultMaxHeaderBytes = 1 << 20;  // Go's DefaultMaxHeaderBytes
constexpr std::size_t kHeaderSlack = 4096;               // Go's initialReadLimitSize slack
constexpr std::size_t kBufferBeforeChunking = 2048;      // Go's bufferBeforeChunkingSize
constexpr std::size_t kOutFlush = 4096;                  // Go's bufio.Writer size
constexpr std::size_t kMaxPostHandlerRead = 256 << 10;   // Go's maxPostHandlerReadBytes

// libhttp-parser's own header limit (HTTP_MAX_HEADER_SIZE, 80 KiB in Debian's build) is global;
// it is raised once so that the server's own limit, per server, is the one that applies.
void raise_parser_limit() {
  static std::once_flag once;
  std::call_once(once, [] { http_parser_set_max_header_size(0x7fffffff); });
}

// Whether a comma-separated header value has token t (case-insensitive), as Go's hasToken.
bool has_token(std::string_view v, std::string_view t) {
  while (!v.empty()) {
    std::size_t comma = v.find(',');
    std::string_view part = v.substr(0, comma);
    while (!part.empty() && (part.front() == ' ' || part.front() == '\t')) part.remove_prefix(1);
    while (!part.empty() && (part.back() == ' ' || part.back() == '\t')) part.remove_suffix(1);
    if (iequals(part, t)) return true;
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return false;
}

// The Date header's value, formatted once per second per thread (Go keeps one per response but
// formats through a cached time too: appendTime).
std::string_view http_date() {
  thread_local std::time_t cached_sec = -1;
  thread_local char buf[40];
  std::time_t now = std::time(nullptr);
  if (now != cached_sec) {
    std::tm tm;
    gmtime_r(&now, &tm);
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached_sec = now;
  }
  return buf;
}

bool body_allowed_for_status(int status) {
  if (status >= 100 && status <= 199) return false;
  return status != 204 && status != 304;
}

// A subset of Go's DetectContentType (net/http/sniff.go): the HTML tags, XML, PDF, PNG, GIF and
// JPEG signatures, else text/plain when no byte is binary, else application/octet-stream.
std::string sniff(std::string_view data) {
  std::string_view d = data.substr(0, 512);
  std::size_t ws = 0;
  while (ws < d.size() &&
         (d[ws] == '\t' || d[ws] == '\n' || d[ws] == '\x0c' || d[ws] == '\r' || d[ws] == ' '))
    ++ws;
  std::string_view t = d.substr(ws);
  static const char* const html_tags[] = {"<!DOCTYPE HTML",
                                          "<HTML",
                                          "<HEAD",
                                          "<SCRIPT",
                                          "<IFRAME",
                                          "<H1",
                                          "<DIV",
                                          "<FONT",
                                          "<TABLE",
                                          "<A",
                                          "<STYLE",
                                          "<TITLE",
                                          "<B",
                                          "<BODY",
                                          "<BR",
                                          "<P",
                                          "<!--"};
  for (const char* tag : html_tags) {
    std::size_t n = std::strlen(tag);
    if (t.size() < n + 1) continue;
    bool match = true;
    for (std::size_t i = 0; i < n && match; ++i) {
      char c = t[i];
      if (c >= 'a' && c <= 'z') c -= 32;
      match = c == tag[i];
    }
    if (match && (t[n] == ' ' || t[n] == '>')) return "text/html; charset=utf-8";
  }
  if (t.substr(0, 5) == "<?xml") return "text/xml; charset=utf-8";
  if (d.substr(0, 5) == "%PDF-") return "application/pdf";
  if (d.substr(0, 8) == std::string_view("\x89PNG\x0D\x0A\x1A\x0A", 8)) return "image/png";
  if (d.substr(0, 6) == "GIF87a" || d.substr(0, 6) == "GIF89a") return "image/gif";
  if (d.substr(0, 3) == "\xFF\xD8\xFF") return "image/jpeg";
  for (unsigned char c : d) {
    if (c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1A) || (c >= 0x1C && c <= 0x1F))
      return "application/octet-stream";
  }
  return "text/plain; charset=utf-8";
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes a path (Go's url.PathUnescape); false on a bad escape.
bool unescape_path(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int h = hex_value(in[i + 1]), l = hex_value(in[i + 2]);
    if (h < 0 || l < 0) return false;
    out += static_cast<char>(h * 16 + l);
    i += 2;
  }
  return true;
}

// Number formatting on the response path: std::to_chars (snprintf showed in profiles).
void append_decimal(std::string& s, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

// The value Go's log prints for a recovered panic: the record's printer (printpanicval's rules)
// read before recover() returns it.
std::string describe_current_panic() {
  gort::internal::panic_record* p = gort::internal::current_state().panic;
  if (p == nullptr || p->describe == nullptr) return "";
  return p->describe(p->value);
}

}  // namespace

void log_line(const engine_config& cfg, std::string_view line) {
  if (cfg.error_log != nullptr && *cfg.error_log) {
    (*cfg.error_log)(line);
    return;
  }
  std::time_t now = std::time(nullptr);
  std::tm tm;
  localtime_r(&now, &tm);
  char prefix[32];
  std::strftime(prefix, sizeof prefix, "%Y/%m/%d %H:%M:%S ", &tm);
  std::string s(prefix);
  s.append(line);
  s += '\n';
  std::fwrite(s.data(), 1, s.size(), stderr);
}

const http_parser_settings conn_engine::settings = [] {
  http_parser_settings s;
  http_parser_settings_init(&s);
  s.on_message_begin = &conn_engine::on_message_begin;
  s.on_url = &conn_engine::on_url;
  s.on_header_field = &conn_engine::on_header_field;
  s.on_header_value = &conn_engine::on_header_value;
  s.on_headers_complete = &conn_engine::on_headers_complete;
  s.on_body = &conn_engine::on_body;
  s.on_message_complete = &conn_engine::on_message_complete;
  return s;
}();

conn_engine::conn_engine(conn_io& io, const engine_config& cfg, conn_hooks* hooks,
                         std::string remote_addr)
    : io_(io), cfg_(cfg), hooks_(hooks), writer_(this) {
  raise_parser_limit();
  if (cfg_.max_header_bytes == 0) cfg_.max_header_bytes = kDefaultMaxHeaderBytes;
  req_.remote_addr = std::move(remote_addr);
  req_.engine_ = this;
}

// --- parser callbacks ----------------------------------------------------------------------------

int conn_engine::on_message_begin(http_parser*) {
  return 0;
}

int conn_engine::on_url(http_parser* p, const char* at, std::size_t n) {
  auto* e = static_cast<conn_engine*>(p->data);
  e->req_.uri.append(at, n);
  return 0;
}

void conn_engine::end_field() {
  if (!in_value_) return;
  // libhttp-parser hands the value with its surrounding whitespace removed except trailing
  // spaces before CRLF in some states: trim as textproto does.
  while (!value_.empty() && (value_.back() == ' ' || value_.back() == '\t')) value_.pop_back();
  // libhttp-parser lets some bytes through that RFC 9110 forbids (a space before the colon, a
  // control byte in a value): Go's textproto rejects them, and so does the engine.
  if (field_.empty() || !std::all_of(field_.begin(), field_.end(), [](unsigned char c) {
        return c > 32 && c < 127 && !std::strchr("\"(),/:;<=>?@[\\]{}", c);
      }))
    bad_field_ = true;
  for (unsigned char c : value_)
    if ((c < 32 && c != '\t') || c == 127) bad_field_ = true;
  if (iequals(field_, "Content-Length")) seen_content_length_ = true;
  if (iequals(field_, "Transfer-Encoding")) seen_transfer_encoding_ = true;
  req_.headers_.add(field_, value_);
  field_.clear();
  value_.clear();
  in_value_ = false;
}

int conn_engine::on_header_field(http_parser* p, const char* at, std::size_t n) {
  auto* e = static_cast<conn_engine*>(p->data);
  e->end_field();
  e->field_.append(at, n);
  return 0;
}

int conn_engine::on_header_value(http_parser* p, const char* at, std::size_t n) {
  auto* e = static_cast<conn_engine*>(p->data);
  e->in_value_ = true;
  e->value_.append(at, n);
  return 0;
}

int conn_engine::on_headers_complete(http_parser* p) {
  auto* e = static_cast<conn_engine*>(p->data);
  e->end_field();
  e->headers_done_ = true;
  http_parser_pause(p, 1);
  return 0;
}

int conn_engine::on_body(http_parser* p, const char* at, std::size_t n) {
  auto* e = static_cast<conn_engine*>(p->data);
  e->body_seen_ += n;
  if (e->body_sink_ != nullptr) e->body_sink_->append(at, n);
  return 0;
}

int conn_engine::on_message_complete(http_parser* p) {
  auto* e = static_cast<conn_engine*>(p->data);
  e->message_done_ = true;
  http_parser_pause(p, 1);
  return 0;
}

// --- reading -------------------------------------------------------------------------------------

std::error_code conn_engine::fill() {
  rpos_ = rend_ = 0;
  auto [n, err] = io_.read(rbuf_, sizeof rbuf_);
  if (n == 0) return err ? err : std::make_error_code(std::errc::io_error);
  rend_ = n;
  return {};
}

bool conn_engine::feed() {
  std::size_t n = http_parser_execute(&parser_, &settings, rbuf_ + rpos_, rend_ - rpos_);
  rpos_ += n;
  consumed_ += n;
  http_errno err = HTTP_PARSER_ERRNO(&parser_);
  if (err == HPE_PAUSED) {
    http_parser_pause(&parser_, 0);
    return true;
  }
  return err == HPE_OK;
}

conn_engine::read_result conn_engine::read_request() {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  consumed_ = 0;
  headers_done_ = message_done_ = in_value_ = false;
  seen_content_length_ = seen_transfer_encoding_ = bad_field_ = false;
  field_.clear();
  value_.clear();
  req_.uri.clear();
  req_.headers_.clear();
  body_sink_ = nullptr;
  body_seen_ = 0;
  body_error_ = {};
  body_malformed_ = body_read_ = expect_continue_ = sent_continue_ = false;
  reason_.clear();
  const std::size_t limit = cfg_.max_header_bytes + kHeaderSlack;
  while (!headers_done_) {
    if (rpos_ == rend_) {
      if (std::error_code e = fill()) {
        // Nothing of a request yet (or a timeout): a quiet close, as net/http. A request cut off
        // in its header: 400 (Go: io.ErrUnexpectedEOF from textproto).
        if (consumed_ == 0 || e == std::errc::timed_out) return read_result::closed;
        return read_result::bad_request;
      }
    }
    if (!feed()) {
      http_errno err = HTTP_PARSER_ERRNO(&parser_);
      if (err == HPE_HEADER_OVERFLOW) return read_result::too_large;
      if (err == HPE_INVALID_TRANSFER_ENCODING && !seen_content_length_)
        return read_result::not_implemented;
      return read_result::bad_request;
    }
    if (!headers_done_ && consumed_ > limit) return read_result::too_large;
  }
  if (consumed_ > limit) return read_result::too_large;
  if (!finish_header_fields()) return read_result::bad_request;
  // A Transfer-Encoding the parser let through that is not chunked (gzip, identity): Go's
  // "unsupported transfer encoding", 501.
  if (seen_transfer_encoding_ && !(parser_.flags & F_CHUNKED)) return read_result::not_implemented;
  return read_result::ok;
}

bool conn_engine::finish_header_fields() {
  request& r = req_;
  if (bad_field_) return false;
  r.method = http_method_str(static_cast<http_method>(parser_.method));
  r.proto_major = parser_.http_major;
  r.proto_minor = parser_.http_minor;
  if (r.proto_major == 1 && r.proto_minor == 1)
    r.proto = "HTTP/1.1";
  else if (r.proto_major == 1 && r.proto_minor == 0)
    r.proto = "HTTP/1.0";
  else
    r.proto = "HTTP/" + std::to_string(r.proto_major) + "." + std::to_string(r.proto_minor);
  // RFC 9112 6.1: a message with both is a smuggling attempt; reject whatever the parser allows.
  if (seen_content_length_ && seen_transfer_encoding_) return false;
  if (parser_.flags & F_CHUNKED)
    r.content_length = -1;
  else if (parser_.flags & F_CONTENTLENGTH)
    r.content_length = static_cast<std::int64_t>(parser_.content_length);
  else
    r.content_length = 0;
  if (r.content_length < -1) return false;  // over int64: a malformed length
  // The request target: "*", an origin form "/p?q", or an absolute form "http://h/p?q".
  r.path.clear();
  r.query.clear();
  r.host.clear();
  if (r.uri == "*") {
    r.path = "*";
  } else {
    http_parser_url u;
    http_parser_url_init(&u);
    if (http_parser_parse_url(r.uri.data(), r.uri.size(), parser_.method == HTTP_CONNECT, &u) != 0)
      return false;
    auto field = [&](int f) -> std::string_view {
      if (!(u.field_set & (1 << f))) return {};
      return std::string_view(r.uri).substr(u.field_data[f].off, u.field_data[f].len);
    };
    if (!unescape_path(field(UF_PATH), r.path)) return false;
    r.query = std::string(field(UF_QUERY));
    if (u.field_set & (1 << UF_HOST)) {
      r.host = std::string(field(UF_HOST));
      if (u.field_set & (1 << UF_PORT)) r.host += ":" + std::string(field(UF_PORT));
    }
  }
  const std::string* host = nullptr;
  int hosts = 0;
  for (const auto& f : r.headers_.fields()) {
    if (iequals(f.first, "Host")) {
      if (++hosts == 1) host = &f.second;
    }
  }
  if (hosts > 1) {
    reason_ = "too many Host headers";
    return false;
  }
  if (r.host.empty() && host != nullptr) r.host = *host;
  if (r.proto_major == 1 && r.proto_minor >= 1 && hosts == 0 && parser_.method != HTTP_CONNECT) {
    reason_ = "missing required Host header";
    return false;
  }
  if (const std::string* ex = r.headers_.find("Expect")) {
    if (iequals(*ex, "100-continue") && r.proto_minor >= 1 && r.content_length != 0)
      expect_continue_ = true;
  }
  return true;
}

std::pair<std::string, std::error_code> conn_engine::read_body() {
  std::string out;
  if (body_read_ || message_done_) {
    body_read_ = true;
    return {std::move(out), body_error_};
  }
  body_read_ = true;
  if (expect_continue_ && !sent_continue_ && !committed_) {
    sent_continue_ = true;
    static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
    if (std::error_code e = io_.write(cont.data(), cont.size())) {
      write_error_ = e;
      body_error_ = e;
      return {std::move(out), e};
    }
  }
  if (req_.content_length > 0) out.reserve(static_cast<std::size_t>(req_.content_length));
  body_sink_ = &out;
  while (!message_done_) {
    if (rpos_ == rend_) {
      if (std::error_code e = fill()) {
        body_error_ = e;
        if (e != std::errc::timed_out) body_malformed_ = true;  // the body ended early
        break;
      }
    }
    if (!feed()) {
      body_malformed_ = true;
      body_error_ = std::make_error_code(std::errc::bad_message);
      break;
    }
  }
  body_sink_ = nullptr;
  if (body_error_) close_after_ = true;
  return {std::move(out), body_error_};
}

bool conn_engine::discard_body(std::size_t limit) {
  body_sink_ = nullptr;
  std::size_t start = body_seen_;
  while (!message_done_) {
    if (body_error_) return false;
    if (body_seen_ - start > limit) return false;
    if (rpos_ == rend_) {
      if (std::error_code e = fill()) {
        body_error_ = e;
        if (e != std::errc::timed_out) body_malformed_ = true;
        return false;
      }
    }
    if (!feed()) {
      body_malformed_ = true;
      body_error_ = std::make_error_code(std::errc::bad_message);
      return false;
    }
  }
  return true;
}

// --- writing -------------------------------------------------------------------------------------

void conn_engine::reset_response() {
  resp_header_.clear();
  status_ = 0;
  wrote_header_ = committed_ = chunking_ = handler_done_ = replaced_ = false;
  declared_length_ = -1;
  written_ = 0;
  body_buf_.clear();
}

void conn_engine::write_header(int status) {
  if (wrote_header_) {
    log_line(cfg_, "http: superfluous response.WriteHeader call");
    return;
  }
  if (status < 100 || status > 999) panic("invalid WriteHeader code " + std::to_string(status));
  wrote_header_ = true;
  status_ = status;
  if (const std::string* cl = resp_header_.find("Content-Length")) {
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(cl->c_str(), &end, 10);
    if (!cl->empty() && end == cl->c_str() + cl->size() && errno == 0 && v >= 0 &&
        (*cl)[0] != '+' && (*cl)[0] != '-') {
      declared_length_ = v;
    } else {
      log_line(cfg_, "http: invalid Content-Length of \"" + *cl + "\"");
      resp_header_.del("Content-Length");
    }
  }
}

std::error_code conn_engine::write(std::string_view data) {
  if (!wrote_header_) write_header(200);
  if (write_error_) return write_error_;
  if (replaced_) return {};
  if (!body_allowed_for_status(status_)) return make_error_code(errc::body_not_allowed);
  if (declared_length_ >= 0 && written_ + static_cast<std::int64_t>(data.size()) > declared_length_)
    return make_error_code(errc::content_length);
  written_ += static_cast<std::int64_t>(data.size());
  if (req_.method == "HEAD") {
    // Counted for the Content-Length of the answer; never sent.
    if (!committed_ && body_buf_.size() + data.size() <= kBufferBeforeChunking) {
      body_buf_.append(data);
      return {};
    }
    if (!committed_) commit(false);
    body_buf_.clear();
    return write_error_;
  }
  if (body_buf_.size() + data.size() <= kBufferBeforeChunking) {
    body_buf_.append(data);
    return {};
  }
  if (!committed_) commit(false);
  if (replaced_) return {};  // commit answered 400 instead (body_buf_ holds its body)
  if (!body_buf_.empty()) {
    emit_body(body_buf_);
    body_buf_.clear();
  }
  if (data.size() >= kBufferBeforeChunking)
    emit_body(data);
  else
    body_buf_.append(data);
  return write_error_;
}

std::error_code conn_engine::flush() {
  if (!wrote_header_) write_header(200);
  if (!committed_) commit(false);
  if (!body_buf_.empty() && req_.method != "HEAD") emit_body(body_buf_);
  body_buf_.clear();
  return flush_out();
}

void conn_engine::emit_body(std::string_view data) {
  if (data.empty() || write_error_) return;
  if (chunking_) {
    char size[24];
    auto r = std::to_chars(size, size + sizeof size, data.size(), 16);
    out_.append(size, r.ptr);
    out_.append("\r\n", 2);
    out_.append(data);
    out_.append("\r\n", 2);
  } else {
    out_.append(data);
  }
  if (out_.size() >= kOutFlush) flush_out();
}

std::error_code conn_engine::flush_out() {
  if (write_error_) return write_error_;
  if (out_.empty()) return {};
  write_error_ = io_.write(out_.data(), out_.size());
  out_.clear();
  if (write_error_) close_after_ = true;
  return write_error_;
}

// commit writes the status line and the header to out_ (Go's chunkWriter.writeHeader). final:
// the handler has returned and body_buf_ is the whole body.
void conn_engine::commit(bool final) {
  committed_ = true;
  const bool is_head = req_.method == "HEAD";
  const bool is11 = req_.proto_major > 1 || (req_.proto_major == 1 && req_.proto_minor >= 1);
  const bool body_ok = body_allowed_for_status(status_);
  http::header& h = resp_header_;

  // The request body the handler left unread: read and drop up to 256 KiB so that the connection
  // can carry the next request; more than that (or a client waiting for 100-continue) closes.
  if (!message_done_ && !body_error_) {
    if (expect_continue_ && !sent_continue_) {
      close_after_ = true;
    } else if (req_.content_length > 0 &&
               static_cast<std::size_t>(req_.content_length) - body_seen_ >= kMaxPostHandlerRead) {
      close_after_ = true;
    } else if (!discard_body(kMaxPostHandlerRead)) {
      close_after_ = true;
    }
  }
  if (body_malformed_) {
    // The client broke the protocol in its body: answer 400 if nothing was sent yet.
    // (commit runs once, before anything of the response was sent.)
    close_after_ = true;
    replaced_ = true;  // the handler's later writes are dropped
    h.clear();
    h.set("Content-Type", "text/plain; charset=utf-8");
    status_ = 400;
    declared_length_ = -1;
    body_buf_ = "400 Bad Request";
    written_ = static_cast<std::int64_t>(body_buf_.size());
    final = true;
  }

  if (!keep_alives_ || (hooks_ != nullptr && !hooks_->keep_alives())) close_after_ = true;
  if (const std::string* c = req_.headers_.find("Connection")) {
    if (has_token(*c, "close")) close_after_ = true;
  }
  if (!is11) {
    const std::string* c = req_.headers_.find("Connection");
    if (c == nullptr || !has_token(*c, "keep-alive")) close_after_ = true;
  }
  if (const std::string* c = h.find("Connection")) {
    if (has_token(*c, "close")) close_after_ = true;
  }
  if (parser_.upgrade) close_after_ = true;

  // Content-Length: declared by the handler, or known because it has returned.
  h.del("Transfer-Encoding");  // the engine decides the framing (Go honours only "chunked" here)
  bool have_length = declared_length_ >= 0;
  bool set_length = false;
  if (final && !have_length && body_ok && (!is_head || !body_buf_.empty())) {
    declared_length_ = static_cast<std::int64_t>(body_buf_.size());
    have_length = set_length = true;
  }
  std::string content_type;
  if (body_ok && !h.has("Content-Type") && !h.has("Content-Encoding") && !body_buf_.empty())
    content_type = sniff(body_buf_);
  if (body_ok && !is_head && !have_length) {
    if (is11)
      chunking_ = true;
    else
      close_after_ = true;  // HTTP/1.0: the end of the body is the end of the connection
  }
  if (!body_ok) h.del("Content-Length");

  std::string_view text = status_text(status_);
  out_ += is11 ? "HTTP/1.1 " : "HTTP/1.0 ";
  append_decimal(out_, static_cast<std::uint64_t>(status_));
  out_ += ' ';
  if (text.empty()) {
    out_ += "status code ";
    append_decimal(out_, static_cast<std::uint64_t>(status_));
  } else {
    out_ += text;
  }
  out_ += "\r\n";
  // The handler's fields, sorted by key as Go's Header.Write, minus the ones written below.
  std::vector<const std::pair<std::string, std::string>*> fields;
  fields.reserve(h.size());
  for (const auto& f : h.fields()) {
    if (close_after_ && iequals(f.first, "Connection")) continue;
    fields.push_back(&f);
  }
  std::stable_sort(fields.begin(), fields.end(),
                   [](const auto* a, const auto* b) { return a->first < b->first; });
  for (const auto* f : fields) {
    out_ += f->first;
    out_ += ": ";
    // A newline in a value would split it into two fields: Go replaces CR and LF with spaces.
    for (char c : f->second) out_ += (c == '\r' || c == '\n') ? ' ' : c;
    out_ += "\r\n";
  }
  if (!h.has("Date")) {
    out_ += "Date: ";
    out_ += http_date();
    out_ += "\r\n";
  }
  if (set_length) {
    out_ += "Content-Length: ";
    append_decimal(out_, static_cast<std::uint64_t>(declared_length_));
    out_ += "\r\n";
  }
  if (!content_type.empty()) {
    out_ += "Content-Type: ";
    out_ += content_type;
    out_ += "\r\n";
  }
  if (close_after_) {
    if (is11) out_ += "Connection: close\r\n";
  } else if (!is11) {
    out_ += "Connection: keep-alive\r\n";
  }
  if (chunking_) out_ += "Transfer-Encoding: chunked\r\n";
  out_ += "\r\n";
}

void conn_engine::finish_response() {
  handler_done_ = true;
  if (!wrote_header_) write_header(200);
  if (!committed_) commit(true);
  if (req_.method != "HEAD" && body_allowed_for_status(status_) && !body_buf_.empty())
    emit_body(body_buf_);
  body_buf_.clear();
  if (chunking_) out_.append("0\r\n\r\n", 5);
  if (declared_length_ >= 0 && written_ != declared_length_ && req_.method != "HEAD" &&
      body_allowed_for_status(status_))
    close_after_ = true;  // the client waits for bytes that will never come
  flush_out();
  // The body the handler did not read, when the response went out early (chunked).
  if (!close_after_ && !message_done_ && !discard_body(kMaxPostHandlerRead)) close_after_ = true;
}

void conn_engine::reply_error(read_result r) {
  std::string s;
  static constexpr std::string_view hdrs =
      "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n";
  std::string pub;
  switch (r) {
    case read_result::too_large:
      pub = "431 Request Header Fields Too Large";
      break;
    case read_result::not_implemented:
      pub = "501 Not Implemented";
      break;
    default:
      pub = "400 Bad Request";
      if (!reason_.empty()) pub += ": " + reason_;
      break;
  }
  s = "HTTP/1.1 " + pub;
  s += hdrs;
  s += pub;
  out_.clear();
  io_.write(s.data(), s.size());
}

bool conn_engine::run_handler() {
  bool panicked = false;
  std::string value;
  gort::func([&](gort::frame& f) {
    f.defer([&panicked, &value] {
      std::string v = describe_current_panic();
      if (gort::recover().has_value()) {
        panicked = true;
        value = std::move(v);
      }
    });
    if (cfg_.mux != nullptr)
      cfg_.mux->serve(writer_, req_);
    else
      not_found(writer_, req_);
  });
  if (panicked) {
    log_line(cfg_, "http: panic serving " + req_.remote_addr + ": " + value);
    return false;
  }
  return true;
}

// A connection closed while the client may still be sending (an error answered before its
// request was read to the end, a body left unread) would make the kernel answer those bytes with
// a reset, which can destroy the response before the client reads it. net/http half-closes and
// sleeps 500 ms (closeWriteAndWait); the engine half-closes and reads until the client closes,
// at most 500 ms or 1 MiB.
void conn_engine::linger() {
  flush_out();
  io_.close_write();
  io_.set_read_deadline(clock::now() + std::chrono::milliseconds(500));
  std::size_t drained = 0;
  while (drained < (1u << 20)) {
    auto [n, err] = io_.read(rbuf_, sizeof rbuf_);
    if (n == 0) break;
    drained += n;
  }
}

serve_end conn_engine::serve(bool resumed) {
  bool first = true;
  for (;;) {
    if (resumed) {
      // Started by the server for an idle connection: its first read says why (the next
      // request's bytes, or the idle deadline or a close), under the deadline set at idle.
      resumed = false;
      if (fill()) return serve_end::closed;
    } else if (!first) {
      // Between requests: wait for the next one's first byte (idle_timeout, else read_timeout).
      // With nothing buffered the wait may be the server's instead (hooks' park_idle): the
      // deadline is set, and serve returns for the server to hand the connection to the
      // netpoller; a new engine serves the next request (nothing else carries over).
      if (hooks_ != nullptr && !hooks_->to_idle()) return serve_end::closed;
      auto idle = cfg_.idle_timeout.count() != 0 ? cfg_.idle_timeout : cfg_.read_timeout;
      if (rpos_ == rend_) {
        if (idle.count() != 0) io_.set_read_deadline(clock::now() + idle);
        if (hooks_ != nullptr && hooks_->park_idle()) return serve_end::idle;
        if (fill()) return serve_end::closed;
      }
    }
    first = false;
    clock::time_point t0{};
    if (cfg_.read_header_timeout.count() != 0 || cfg_.read_timeout.count() != 0 ||
        cfg_.write_timeout.count() != 0)
      t0 = clock::now();
    auto header_timeout =
        cfg_.read_header_timeout.count() != 0 ? cfg_.read_header_timeout : cfg_.read_timeout;
    io_.set_read_deadline(header_timeout.count() != 0 ? t0 + header_timeout : clock::time_point{});
    whole_deadline_ = cfg_.read_timeout.count() != 0 ? t0 + cfg_.read_timeout : clock::time_point{};

    read_result rr = read_request();
    if (rr == read_result::closed) return serve_end::closed;
    keep_alives_ = hooks_ == nullptr || hooks_->to_active();
    if (rr != read_result::ok) {
      reply_error(rr);
      linger();
      return serve_end::closed;
    }
    io_.set_read_deadline(whole_deadline_);
    if (cfg_.write_timeout.count() != 0) io_.set_write_deadline(clock::now() + cfg_.write_timeout);

    reset_response();
    close_after_ = false;
    if (!run_handler()) {
      flush_out();
      return serve_end::closed;
    }
    finish_response();
    if (write_error_) return serve_end::closed;
    if (close_after_) {
      if (!message_done_) linger();  // the rest of the request is still coming
      return serve_end::closed;
    }
    // A deadline for the body must not cut the wait for the next request.
    if (cfg_.read_timeout.count() != 0) io_.set_read_deadline(clock::time_point{});
  }
}

}  // namespace gort::http::internal
