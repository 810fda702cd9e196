// Copyright 2026 The gort Authors.
//
// The pprof file writer: samples (stacks of pcs, values, string labels) to a gzipped
// profile.proto (github.com/google/pprof/proto/profile.proto), symbolized at write time with
// src/symbolize/. Shared by the CPU profile and the defer heap profile. Internal.
#pragma once

#include <cstdint>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace gort::internal {

struct profile_sample {
  // Lookup addresses, innermost first: the interrupted pc as is, return addresses minus 1 (so
  // that each resolves to its call's line); the Location's address is this value.
  std::vector<std::uintptr_t> stack;
  std::vector<std::int64_t> values;  // one per sample type
  std::vector<std::pair<std::string, std::string>> labels;
};

struct profile_header {
  std::vector<std::pair<std::string, std::string>> sample_types;  // (type, unit)
  std::pair<std::string, std::string> period_type;
  std::int64_t period = 0;
  std::int64_t time_nanos = 0;        // wall clock at the start
  std::int64_t duration_nanos = 0;    // 0 when it does not apply
  std::string default_sample_type;    // empty: pprof's default (the last type)
  std::vector<std::string> comments;  // shown by `go tool pprof -comments`
};

// encode_profile returns the uncompressed protobuf encoding. Symbolizes every distinct address;
// mappings come from /proc/self/maps. Allocates; not for signal handlers.
std::string encode_profile(const profile_header& header,
                           const std::vector<profile_sample>& samples);

// write_gzip writes `data` gzip-compressed to fd (which it does not close); returns the error
// of the first failing write (errno), or of zlib (std::errc::io_error).
std::error_code write_gzip(int fd, const std::string& data);

}  // namespace gort::internal
