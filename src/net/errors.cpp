// Copyright 2026 The gort Authors.
//
// gort::net's error category. One category carries both gort::net's own errors (errc, from
// 0x10000 up) and the system's errno values, so that message() can print Go's texts for both:
// Go spells errno messages in lowercase ("connection refused", syscall's zerrors tables), which
// is strerror's text with its first letter lowered for every errno the network calls return.
// default_error_condition maps errno values to std::generic_category and errc::timeout to
// std::errc::timed_out, so `err == std::errc::connection_refused` and
// `err == std::errc::timed_out` hold as a C++ reader expects.

#include <cctype>
#include <cstring>
#include <string>
#include <system_error>

#include <gort/net.hpp>

namespace gort::net {
namespace {

class net_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "gort.net"; }

  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::eof:
        return "EOF";
      case errc::closed:
        return "use of closed network connection";
      case errc::timeout:
        return "i/o timeout";
      case errc::missing_port:
        return "missing port in address";
      case errc::too_many_colons:
        return "too many colons in address";
      case errc::bad_port:
        return "invalid port";
      case errc::unknown_network:
        return "unknown network";
      case errc::no_such_host:
        return "no such host";
      case errc::no_suitable_address:
        return "no suitable address found";
    }
    char buf[256];
    // GNU strerror_r returns the text (maybe not in buf).
    std::string s = strerror_r(ev, buf, sizeof buf);
    if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z' &&
        !(s.size() > 1 && std::isupper(static_cast<unsigned char>(s[1]))))
      s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
    return s;
  }

  std::error_condition default_error_condition(int ev) const noexcept override {
    if (ev == static_cast<int>(errc::timeout)) return std::errc::timed_out;
    if (ev > 0 && ev < static_cast<int>(errc::eof)) return {ev, std::generic_category()};
    return {ev, *this};
  }
};

}  // namespace

const std::error_category& category() noexcept {
  static const net_category c;
  return c;
}

std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), category()};
}

}  // namespace gort::net
