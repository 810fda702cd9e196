// Copyright 2026 The gort Authors.
//
// Shared pieces of gort::http's tests: a response-stream parser (on libhttp-parser in response
// mode, an independent reading of what the server wrote: status, fields, decoded body, whether
// it was chunked) and the fd counter of the leak checks.

#pragma once

#include <dirent.h>
#include <http_parser.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gort/http.hpp>

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

}  // namespace http_test
