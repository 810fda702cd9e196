// Copyright 2026 The gort Authors.
//
// The GORT_* environment variables: one parser, one rule, one message shape (the table of the
// variables is docs/env.md). Internal.
//
// Example:
//   constexpr env_setting kMaxprocs{"GORT_MAXPROCS", nullptr, env_kind::integer, 1, 1024};
//   std::uint64_t procs = env_number(kMaxprocs, 0);  // 0 when unset or empty; fatal when bad

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gort::internal {

// What a setting's value is: a plain decimal integer, or a size in bytes that may end in one
// binary unit letter (k, m or g in either case: KiB, MiB, GiB).
enum class env_kind { integer, size };

// env_setting describes one numeric setting: a variable of its own (key == nullptr), or one key
// of GORT_DEBUG's comma-separated key=value list (variable == "GORT_DEBUG"), and the range its
// value must lie in, bounds included (for a size, after the unit is applied).
struct env_setting {
  const char* variable;
  const char* key;
  env_kind kind;
  std::uint64_t min;
  std::uint64_t max;
};

// parse_env_number parses a non-empty `text` by the rule: decimal digits only (no spaces, no
// sign), then for a size at most one unit letter, then the range. Returns the value, or nullopt
// with *error set to the message, without "fatal error: ":
//   GORT_STACK_SIZE="-1": must be a size in bytes (k, m or g suffix allowed), at least 16k and
//   at most 1g
// Never overflows: digits beyond the range stop the parse. Does not block.
std::optional<std::uint64_t> parse_env_number(const env_setting& s, std::string_view text,
                                              std::string* error);

// env_text returns the setting's raw value: the variable's, or the value of the last `key=`
// field of GORT_DEBUG (fields without '=' and unknown keys are ignored, as Go's GODEBUG does).
// Unset and empty are the same: nullopt.
std::optional<std::string> env_text(const char* variable, const char* key);

// env_number returns the setting's value, or `fallback` when it is unset or empty. An invalid
// value is a fatal error (exit status 2) with parse_env_number's message.
std::uint64_t env_number(const env_setting& s, std::uint64_t fallback);

}  // namespace gort::internal
