// Copyright 2026 The gort Authors.
//
// json_writer: a minimal streaming JSON writer for gort-trace's outputs (commas and string
// escapes handled here, so no output can be malformed whatever the trace's strings hold:
// invalid UTF-8 bytes are written as \u00XX escapes of the byte, control characters escaped).
#pragma once

#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <string_view>
#include <vector>

namespace gort::trace_file {

class json_writer {
 public:
  explicit json_writer(std::ostream& out) : out_(out) {}

  json_writer& begin_object() { return open('{'); }
  json_writer& end_object() { return close('}'); }
  json_writer& begin_array() { return open('['); }
  json_writer& end_array() { return close(']'); }
  json_writer& key(std::string_view k) {
    comma();
    string(k);
    out_ << ':';
    after_key_ = true;
    return *this;
  }
  json_writer& value(std::string_view v) {
    comma();
    string(v);
    return *this;
  }
  json_writer& value(const char* v) { return value(std::string_view(v)); }
  json_writer& value(bool v) {
    comma();
    out_ << (v ? "true" : "false");
    return *this;
  }
  json_writer& value(std::int64_t v) {
    comma();
    out_ << v;
    return *this;
  }
  json_writer& value(std::uint64_t v) {
    comma();
    out_ << v;
    return *this;
  }
  json_writer& value(int v) { return value(static_cast<std::int64_t>(v)); }
  json_writer& value(double v) {
    comma();
    if (!std::isfinite(v)) {
      out_ << "null";
    } else {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.6g", v);
      out_ << buf;
    }
    return *this;
  }
  // raw_number: a number already formatted (for example "12.345").
  json_writer& raw_number(const char* v) {
    comma();
    out_ << v;
    return *this;
  }

 private:
  json_writer& open(char c) {
    comma();
    out_ << c;
    first_.push_back(true);
    return *this;
  }
  json_writer& close(char c) {
    out_ << c;
    if (!first_.empty()) first_.pop_back();
    return *this;
  }
  void comma() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_ << ',';
      first_.back() = false;
    }
  }
  void string(std::string_view s) {
    out_ << '"';
    for (std::size_t i = 0; i < s.size(); i++) {
      auto c = static_cast<unsigned char>(s[i]);
      if (c == '"' || c == '\\') {
        out_ << '\\' << static_cast<char>(c);
      } else if (c < 0x20 || c == 0x7f) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out_ << buf;
      } else if (c < 0x80) {
        out_ << static_cast<char>(c);
      } else {
        std::size_t n = utf8_length(s, i);
        if (n == 0) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out_ << buf;
        } else {
          out_ << s.substr(i, n);
          i += n - 1;
        }
      }
    }
    out_ << '"';
  }
  // The length of a valid UTF-8 sequence at s[i], or 0.
  static std::size_t utf8_length(std::string_view s, std::size_t i) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    if (c >= 0xf5) n = 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; k++)
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
    // Overlong and surrogate forms.
    auto c1 = static_cast<unsigned char>(s[i + 1]);
    if (n == 3 && ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0))) return 0;
    if (n == 4 && ((c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 >= 0x90))) return 0;
    return n;
  }

  std::ostream& out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace gort::trace_file
