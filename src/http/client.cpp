// Copyright 2026 The gort Authors.
//
// The minimal client: http::get and http::post send one request on a new connection (with
// "Connection: close") and read the whole response with libhttp-parser in response mode
// (Content-Length, chunked, or until the server closes). For tests and examples; no redirects,
// no connection reuse, no TLS.

#include <http_parser.h>

#include <string>

#include <gort/http.hpp>
#include <gort/net.hpp>

namespace gort::http {

namespace {

struct client_state {
  response resp;
  std::string field, value;
  bool in_value = false;
  bool done = false;
  void end_field() {
    if (in_value) resp.header.add(field, value);
    field.clear();
    value.clear();
    in_value = false;
  }
};

int on_header_field(http_parser* p, const char* at, std::size_t n) {
  auto* st = static_cast<client_state*>(p->data);
  st->end_field();
  st->field.append(at, n);
  return 0;
}
int on_header_value(http_parser* p, const char* at, std::size_t n) {
  auto* st = static_cast<client_state*>(p->data);
  st->in_value = true;
  st->value.append(at, n);
  return 0;
}
int on_headers_complete(http_parser* p) {
  auto* st = static_cast<client_state*>(p->data);
  st->end_field();
  st->resp.status_code = static_cast<int>(p->status_code);
  st->resp.proto = "HTTP/" + std::to_string(p->http_major) + "." + std::to_string(p->http_minor);
  std::string_view text = status_text(st->resp.status_code);
  st->resp.status = std::to_string(st->resp.status_code) + " " + std::string(text);
  return 0;
}
int on_body(http_parser* p, const char* at, std::size_t n) {
  static_cast<client_state*>(p->data)->resp.body.append(at, n);
  return 0;
}
int on_message_complete(http_parser* p) {
  static_cast<client_state*>(p->data)->done = true;
  return 0;
}

std::pair<response, std::error_code> do_request(std::string_view method, std::string_view url,
                                                std::string_view content_type,
                                                std::string_view body) {
  http_parser_url u;
  http_parser_url_init(&u);
  if (http_parser_parse_url(url.data(), url.size(), 0, &u) != 0 || !(u.field_set & (1 << UF_HOST)))
    return {{}, make_error_code(errc::bad_url)};
  auto field = [&](int f) -> std::string_view {
    if (!(u.field_set & (1 << f))) return {};
    return url.substr(u.field_data[f].off, u.field_data[f].len);
  };
  if (field(UF_SCHEMA) != "http") return {{}, make_error_code(errc::bad_url)};
  std::string host(field(UF_HOST));
  if (host.find(':') != std::string::npos) host = "[" + host + "]";  // IPv6
  std::string port = u.field_set & (1 << UF_PORT) ? std::string(field(UF_PORT)) : "80";
  std::string hostport = host + ":" + port;
  std::string target(field(UF_PATH));
  if (target.empty()) target = "/";
  if (u.field_set & (1 << UF_QUERY)) target += "?" + std::string(field(UF_QUERY));

  auto [c, err] = net::dial("tcp", hostport);
  if (err) return {{}, err};
  std::string req;
  req.reserve(128 + body.size());
  req.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ");
  req.append(u.field_set & (1 << UF_PORT) ? hostport : host);
  req.append("\r\nUser-Agent: Go-http-client/1.1\r\nConnection: close\r\n");
  if (method == "POST") {
    req.append("Content-Type: ").append(content_type).append("\r\n");
    req.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  req.append("\r\n").append(body);
  if (auto [n, werr] = c.write(req); werr) {
    (void)c.close();
    return {{}, werr};
  }

  http_parser_settings s;
  http_parser_settings_init(&s);
  s.on_header_field = on_header_field;
  s.on_header_value = on_header_value;
  s.on_headers_complete = on_headers_complete;
  s.on_body = on_body;
  s.on_message_complete = on_message_complete;
  http_parser p;
  http_parser_init(&p, HTTP_RESPONSE);
  client_state st;
  p.data = &st;
  char buf[4096];
  std::error_code result;
  std::size_t got = 0;
  while (!st.done) {
    auto [n, rerr] = c.read(buf, sizeof buf);
    got += n;
    if (n == 0) {
      if (rerr == net::eof && got == 0) {
        result = net::eof;  // closed before any byte of a response (Go's client: "EOF")
      } else if (rerr == net::eof) {
        http_parser_execute(&p, &s, nullptr, 0);  // the end of a close-delimited body
        if (!st.done) result = make_error_code(errc::bad_response);
      } else {
        result = rerr;
      }
      break;
    }
    std::size_t k = http_parser_execute(&p, &s, buf, n);
    if (HTTP_PARSER_ERRNO(&p) != HPE_OK || k != n) {
      if (!st.done) result = make_error_code(errc::bad_response);
      break;
    }
  }
  (void)c.close();
  if (result) return {{}, result};
  return {std::move(st.resp), {}};
}

}  // namespace

std::pair<response, std::error_code> get(std::string_view url) {
  return do_request("GET", url, {}, {});
}

std::pair<response, std::error_code> post(std::string_view url, std::string_view content_type,
                                          std::string_view body) {
  return do_request("POST", url, content_type, body);
}

}  // namespace gort::http
