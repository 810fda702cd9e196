// Copyright 2026 The gort Authors.
//
// The GORT_* environment variables (Go's GOMAXPROCS and GODEBUG, and gort's GORT_STACK_SIZE),
// read through one parser so that every variable follows the same rule (docs/env.md).
//
// The rule. Unset and empty are the same: the setting keeps its default (Go treats an empty
// GOMAXPROCS as unset too). Otherwise the whole value is decimal digits, leading zeros allowed,
// nothing else: no spaces, no sign, no '+', no hex; a size may end in one unit letter, k, m or g
// in either case, which multiplies by 2^10, 2^20 or 2^30. The value must lie in the setting's
// range. Anything else is a fatal error, exit status 2, with one message shape:
//   fatal error: NAME="value": must be KIND, at least MIN and at most MAX
// where NAME is the variable, or `GORT_DEBUG: key` for a GORT_DEBUG setting. Go instead ignores
// a GOMAXPROCS or GODEBUG value it cannot parse (and a GOMAXPROCS <= 0); gort has always failed
// loudly, so that a typo is never silently a different configuration.
//
// GORT_DEBUG is Go's GODEBUG shape: comma-separated key=value fields. A field without '=' and an
// unknown key are ignored, as Go ignores them (a program may carry settings meant for another
// gort version); when a key repeats, the last one wins, as in Go, where each field overwrites.
//
// Overflow. A digit is added only when the number stays in range, checked without overflowing,
// and a unit only when the product stays in range, so no input wraps around
// (GORT_STACK_SIZE=99999999999999m was once 12623879631451193344 bytes, and -1 a size that
// rounded up to 0).
//
// Rejected: strtol/strtoull. They skip leading spaces, accept a sign (strtoull turns -1 into
// 2^64 - 1), stop at the first bad character, and report overflow through errno: each caller
// then wrapped them in its own checks, differently, which is how the variables came to disagree
// on spaces and empty values.

#include "sched/env.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <gort/detail/defer_core.hpp>

namespace gort::internal {

namespace {

std::string label(const env_setting& s) {
  if (s.key == nullptr) return s.variable;
  return std::string(s.variable) + ": " + s.key;
}

// bound prints a range bound: a size in the largest unit it is a whole multiple of ("16k").
std::string bound(const env_setting& s, std::uint64_t v) {
  char buf[32];
  const char* unit = "";
  if (s.kind == env_kind::size && v != 0) {
    for (const char* u : {"g", "m", "k"}) {
      unsigned shift = *u == 'g' ? 30 : *u == 'm' ? 20 : 10;
      if (v % (std::uint64_t{1} << shift) == 0) {
        v >>= shift;
        unit = u;
        break;
      }
    }
  }
  std::snprintf(buf, sizeof buf, "%llu%s", static_cast<unsigned long long>(v), unit);
  return buf;
}

}  // namespace

std::optional<std::uint64_t> parse_env_number(const env_setting& s, std::string_view text,
                                              std::string* error) {
  std::size_t i = 0;
  std::uint64_t v = 0;
  bool in_range = true;  // false once the digits alone exceed max (then they are only skipped)
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    auto digit = static_cast<std::uint64_t>(text[i] - '0');
    if (in_range && (v > (UINT64_MAX - digit) / 10 || v * 10 + digit > s.max))
      in_range = false;  // the first test keeps the second from overflowing
    else if (in_range)
      v = v * 10 + digit;
    ++i;
  }
  bool ok = i > 0;
  if (ok && i < text.size() && s.kind == env_kind::size) {
    unsigned shift = 0;
    switch (text[i]) {
      case 'k':
      case 'K':
        shift = 10;
        break;
      case 'm':
      case 'M':
        shift = 20;
        break;
      case 'g':
      case 'G':
        shift = 30;
        break;
    }
    if (shift != 0) {
      ++i;
      if (in_range && v > (s.max >> shift)) in_range = false;
      if (in_range) v <<= shift;
    }
  }
  ok = ok && i == text.size() && in_range && v >= s.min;
  if (ok) return v;
  if (error != nullptr) {
    *error =
        label(s) + "=\"" + std::string(text) + "\": must be " +
        (s.kind == env_kind::size ? "a size in bytes (k, m or g suffix allowed)" : "an integer") +
        ", at least " + bound(s, s.min) + " and at most " + bound(s, s.max);
  }
  return std::nullopt;
}

std::optional<std::string> env_text(const char* variable, const char* key) {
  const char* env = std::getenv(variable);
  if (env == nullptr || *env == '\0') return std::nullopt;
  if (key == nullptr) return std::string(env);
  std::optional<std::string> found;
  std::string_view rest = env;
  const std::size_t key_len = std::strlen(key);
  for (;;) {
    std::size_t comma = rest.find(',');
    std::string_view field = rest.substr(0, comma);
    std::size_t eq = field.find('=');
    if (eq != std::string_view::npos && field.substr(0, eq) == std::string_view(key, key_len))
      found = std::string(field.substr(eq + 1));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (found && found->empty()) return std::nullopt;
  return found;
}

std::uint64_t env_number(const env_setting& s, std::uint64_t fallback) {
  std::optional<std::string> text = env_text(s.variable, s.key);
  if (!text) return fallback;
  std::string error;
  std::optional<std::uint64_t> v = parse_env_number(s, *text, &error);
  if (!v) fatal(error.c_str());
  return *v;
}

}  // namespace gort::internal
