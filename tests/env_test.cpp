// Copyright 2026 The gort Authors.
//
// The GORT_* parser (src/sched/env.cpp), table-driven: each input with the value it must give or
// the exact error it must produce, for the three kinds of setting the runtime has (an integer
// variable, a size variable, a GORT_DEBUG key), then GORT_DEBUG's key=value splitting and the
// "unset or empty means the default" rule. The variables' fatal errors themselves are death
// tests in sched_death_test.cpp (SchedEnvDeathTest).

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "sched/env.hpp"

namespace {

using gort::internal::env_kind;
using gort::internal::env_setting;

// The runtime's own settings (start.cpp, stack.cpp), restated: the test checks their messages.
constexpr env_setting kMaxprocs{"GORT_MAXPROCS", nullptr, env_kind::integer, 1, 1024};
constexpr env_setting kStackSize{"GORT_STACK_SIZE", nullptr, env_kind::size, 16 * 1024,
                                 std::uint64_t{1} << 30};
constexpr env_setting kSchedtrace{"GORT_DEBUG", "schedtrace", env_kind::integer, 0, INT_MAX};

constexpr const char* kMaxprocsRule = "must be an integer, at least 1 and at most 1024";
constexpr const char* kStackSizeRule =
    "must be a size in bytes (k, m or g suffix allowed), at least 16k and at most 1g";
constexpr const char* kSchedtraceRule = "must be an integer, at least 0 and at most 2147483647";

struct row {
  const env_setting* setting;
  const char* input;
  std::optional<std::uint64_t> want;  // nullopt: an error
};

constexpr std::uint64_t KiB = 1024, MiB = KiB << 10, GiB = MiB << 10;

const row kRows[] = {
    // GORT_MAXPROCS: decimal digits, 1..1024, nothing else.
    {&kMaxprocs, "4", 4},
    {&kMaxprocs, "1", 1},
    {&kMaxprocs, "1024", 1024},
    {&kMaxprocs, "0004", 4},  // leading zeros, as Go's atoi
    {&kMaxprocs, "0", std::nullopt},
    {&kMaxprocs, "1025", std::nullopt},
    {&kMaxprocs, "  4", std::nullopt},  // was accepted (strtol skips spaces)
    {&kMaxprocs, "2 ", std::nullopt},
    {&kMaxprocs, "+4", std::nullopt},
    {&kMaxprocs, "-2", std::nullopt},
    {&kMaxprocs, "4x", std::nullopt},
    {&kMaxprocs, "abc", std::nullopt},
    {&kMaxprocs, "0x10", std::nullopt},
    {&kMaxprocs, "4k", std::nullopt},                    // units are for sizes only
    {&kMaxprocs, "18446744073709551617", std::nullopt},  // 2^64 + 1: no wrap-around to 1
    {&kMaxprocs, "", std::nullopt},  // (the variables treat empty as unset before parsing)
    // GORT_STACK_SIZE: digits, one optional k/m/g in either case, 16k..1g.
    {&kStackSize, "16k", 16 * KiB},
    {&kStackSize, "16K", 16 * KiB},
    {&kStackSize, "16384", 16 * KiB},
    {&kStackSize, "64k", 64 * KiB},
    {&kStackSize, "1m", MiB},
    {&kStackSize, "1M", MiB},
    {&kStackSize, "1024m", GiB},
    {&kStackSize, "1g", GiB},
    {&kStackSize, "1G", GiB},
    {&kStackSize, "1073741824", GiB},
    {&kStackSize, "00064k", 64 * KiB},
    {&kStackSize, "-1", std::nullopt},               // was accepted: stack_size() became 0
    {&kStackSize, "99999999999999m", std::nullopt},  // was 12623879631451193344
    {&kStackSize, "18446744073709551615k", std::nullopt},
    {&kStackSize, "18446744073709551616", std::nullopt},  // 2^64
    {&kStackSize, "0", std::nullopt},
    {&kStackSize, "12", std::nullopt},
    {&kStackSize, "16383", std::nullopt},
    {&kStackSize, "15k", std::nullopt},
    {&kStackSize, "1073741825", std::nullopt},
    {&kStackSize, "2g", std::nullopt},
    {&kStackSize, "1025m", std::nullopt},
    {&kStackSize, "1t", std::nullopt},
    {&kStackSize, "64kb", std::nullopt},
    {&kStackSize, "64KiB", std::nullopt},
    {&kStackSize, "64kk", std::nullopt},
    {&kStackSize, "k", std::nullopt},
    {&kStackSize, " 64k", std::nullopt},
    {&kStackSize, "64k ", std::nullopt},
    {&kStackSize, "64 k", std::nullopt},
    {&kStackSize, "+64k", std::nullopt},
    {&kStackSize, "1.5m", std::nullopt},
    {&kStackSize, "", std::nullopt},
    // GORT_DEBUG's schedtrace: milliseconds, 0 (off, Go's default) .. 2^31 - 1.
    {&kSchedtrace, "0", 0},
    {&kSchedtrace, "5", 5},
    {&kSchedtrace, "2147483647", 2147483647},
    {&kSchedtrace, "2147483648", std::nullopt},
    {&kSchedtrace, "-1", std::nullopt},
    {&kSchedtrace, "abc", std::nullopt},
    {&kSchedtrace, " 5", std::nullopt},
    {&kSchedtrace, "5ms", std::nullopt},
};

std::string expected_error(const row& r) {
  const env_setting& s = *r.setting;
  std::string name = s.key == nullptr ? s.variable : std::string(s.variable) + ": " + s.key;
  const char* rule = &s == &kMaxprocs    ? kMaxprocsRule
                     : &s == &kStackSize ? kStackSizeRule
                                         : kSchedtraceRule;
  return name + "=\"" + r.input + "\": " + rule;
}

TEST(EnvParse, EachInputGivesItsValueOrItsError) {
  // Checks every row: the value when one is expected (and no error text), else nullopt with the
  // exact message the fatal error prints.
  for (const row& r : kRows) {
    std::string error;
    std::optional<std::uint64_t> got =
        gort::internal::parse_env_number(*r.setting, r.input, &error);
    std::string where = std::string(r.setting->variable) + " input \"" + r.input + "\"";
    if (r.want) {
      EXPECT_EQ(got, r.want) << where << " (error: " << error << ")";
      EXPECT_EQ(error, "") << where;
    } else {
      EXPECT_EQ(got, std::nullopt) << where << " gave " << got.value_or(0);
      EXPECT_EQ(error, expected_error(r)) << where;
    }
  }
}

TEST(EnvParse, ErrorTextExamples) {
  // The exact messages quoted in docs/env.md.
  std::string error;
  EXPECT_EQ(gort::internal::parse_env_number(kStackSize, "-1", &error), std::nullopt);
  EXPECT_EQ(error,
            "GORT_STACK_SIZE=\"-1\": must be a size in bytes (k, m or g suffix allowed), at least "
            "16k and at most 1g");
  EXPECT_EQ(gort::internal::parse_env_number(kMaxprocs, "  4", &error), std::nullopt);
  EXPECT_EQ(error, "GORT_MAXPROCS=\"  4\": must be an integer, at least 1 and at most 1024");
  EXPECT_EQ(gort::internal::parse_env_number(kSchedtrace, "x", &error), std::nullopt);
  EXPECT_EQ(error,
            "GORT_DEBUG: schedtrace=\"x\": must be an integer, at least 0 and at most 2147483647");
}

// A variable of the test's own, so that the runtime's are left alone.
constexpr const char* kVar = "GORT_ENV_TEST_VARIABLE";

struct scoped_env {
  explicit scoped_env(const char* value) {
    if (value != nullptr)
      setenv(kVar, value, 1);
    else
      unsetenv(kVar);
  }
  ~scoped_env() { unsetenv(kVar); }
};

TEST(EnvText, GortDebugFieldsAreKeyEqualsValueSeparatedByCommas) {
  // Checks the key lookup of each GORT_DEBUG-shaped value: the last `schedtrace=` field's value,
  // or nullopt (not given, given empty, a field without '=', a different key).
  struct {
    const char* env;
    std::optional<std::string> want;
  } const cases[] = {
      {nullptr, std::nullopt},
      {"", std::nullopt},
      {"schedtrace=5", "5"},
      {"gctrace=1,schedtrace=5", "5"},
      {"schedtrace=5,gctrace=1", "5"},
      {"schedtrace=5,schedtrace=7", "7"},  // the last wins, as in Go
      {"schedtrace=5,schedtrace=", std::nullopt},
      {",,schedtrace=3,", "3"},
      {"schedtrace", std::nullopt},   // no '=': ignored, as Go ignores it
      {"schedtrace=", std::nullopt},  // empty: unset
      {"schedtracex=5", std::nullopt},
      {"xschedtrace=5", std::nullopt},
      {" schedtrace=5", std::nullopt},  // keys are compared exactly
      {"schedtrace=a=b", "a=b"},        // the value is everything after the first '='
      {"schedtrace= 5", " 5"},          // kept as is: the number parser rejects it
  };
  for (const auto& c : cases) {
    scoped_env env(c.env);
    EXPECT_EQ(gort::internal::env_text(kVar, "schedtrace"), c.want)
        << kVar << "=" << (c.env != nullptr ? c.env : "(unset)");
  }
}

TEST(EnvNumber, UnsetOrEmptyGivesTheFallback) {
  // Checks env_number on a variable unset, empty and set: 42 (the fallback) twice, then 7.
  constexpr env_setting s{kVar, nullptr, env_kind::integer, 1, 100};
  {
    scoped_env env(nullptr);
    EXPECT_EQ(gort::internal::env_number(s, 42), 42u);
    EXPECT_EQ(gort::internal::env_text(kVar, nullptr), std::nullopt);
  }
  {
    scoped_env env("");
    EXPECT_EQ(gort::internal::env_number(s, 42), 42u);
    EXPECT_EQ(gort::internal::env_text(kVar, nullptr), std::nullopt);
  }
  {
    scoped_env env("7");
    EXPECT_EQ(gort::internal::env_number(s, 42), 7u);
  }
  {
    scoped_env env(" ");  // not empty: a value, which the number rule then rejects
    EXPECT_EQ(gort::internal::env_text(kVar, nullptr), " ");
  }
}

}  // namespace
