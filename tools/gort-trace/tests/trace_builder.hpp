// Copyright 2026 The gort Authors.
//
// trace_builder: writes small Go 1.19 traces byte by byte, for tests that need a trace with a
// known defect (or a known shape) that no real program produces on demand.
//
// Example:
//   trace_builder b;
//   b.batch(0, 100).event(ev_proc_start, {1, 0}).event(ev_go_create, {1, 7, 0, 0});
//   b.frequency(1000000000);
//   std::vector<std::uint8_t> bytes = b.bytes();
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "trace_file.hpp"

namespace gort::trace_file::testing {

class trace_builder {
 public:
  trace_builder() {
    static constexpr char header[16] = {'g', 'o', ' ', '1', '.', '1', '9', ' ',
                                        't', 'r', 'a', 'c', 'e', 0,   0,   0};
    out_.assign(header, header + 16);
  }
  // batch: a batch header for P p at base tick count ticks.
  trace_builder& batch(std::int64_t p, std::uint64_t ticks) {
    return raw_event(ev_batch, {static_cast<std::uint64_t>(p), ticks});
  }
  trace_builder& frequency(std::uint64_t ticks_per_sec) {
    return raw_event(ev_frequency, {ticks_per_sec});
  }
  // event: an event whose first argument is the tick delta; args as in trace_file.hpp's table
  // (with the stack id last for the types that have one).
  trace_builder& event(std::uint8_t type, std::initializer_list<std::uint64_t> args) {
    return raw_event(type, args);
  }
  trace_builder& string(std::uint64_t id, std::string_view s) {
    out_.push_back(ev_string);
    varint(id);
    varint(s.size());
    out_.insert(out_.end(), s.begin(), s.end());
    return *this;
  }
  trace_builder& user_log(std::uint64_t delta, std::uint64_t task, std::uint64_t category,
                          std::string_view message) {
    raw_event(ev_user_log, {delta, task, category, 0});
    varint(message.size());
    out_.insert(out_.end(), message.begin(), message.end());
    return *this;
  }
  const std::vector<std::uint8_t>& bytes() const { return out_; }

 private:
  trace_builder& raw_event(std::uint8_t type, std::initializer_list<std::uint64_t> args) {
    if (args.size() < 4) {
      // Up to three arguments inline: the top two bits say how many minus one.
      out_.push_back(static_cast<std::uint8_t>(type | ((args.size() - 1) << 6)));
      for (std::uint64_t a : args) varint(a);
    } else {
      out_.push_back(static_cast<std::uint8_t>(type | (3 << 6)));
      std::vector<std::uint8_t> body;
      std::swap(body, out_);
      for (std::uint64_t a : args) varint(a);
      std::swap(body, out_);
      varint(body.size());
      out_.insert(out_.end(), body.begin(), body.end());
    }
    return *this;
  }
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  std::vector<std::uint8_t> out_;
};

}  // namespace gort::trace_file::testing
