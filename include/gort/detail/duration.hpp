// Copyright 2026 The gort Authors.
//
// Saturating duration conversion for the functions that take a std::chrono::nanoseconds (sleep,
// after, timer, ticker, after_func). Internal.
//
// Passing std::chrono::hours::max() where nanoseconds are expected converts it implicitly, and
// that multiplication overflows a 64-bit count: undefined behaviour, in practice a negative or
// small duration that fires at once. Each such function therefore has a second overload for the
// other durations that convert implicitly to nanoseconds (an integral count of a whole number of
// nanoseconds: microseconds ... hours, days), which clamps to nanoseconds::min()/max() instead;
// the deadline computed from nanoseconds::max() saturates in turn, to a timer that never fires
// (Go's time package clamps its deadlines the same way). The overload set accepts exactly the
// types it accepted before.

#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <ratio>
#include <type_traits>
#include <utility>

namespace gort::internal {

template <class T>
inline constexpr bool is_duration_v = false;
template <class Rep, class Period>
inline constexpr bool is_duration_v<std::chrono::duration<Rep, Period>> = true;

// coarse_duration: a std::chrono::duration other than nanoseconds itself that converts
// implicitly to nanoseconds, with an integral count.
template <class D>
concept coarse_duration =
    is_duration_v<D> && !std::is_same_v<D, std::chrono::nanoseconds> &&
    std::is_integral_v<typename D::rep> && !std::is_same_v<typename D::rep, bool> &&
    std::is_convertible_v<D, std::chrono::nanoseconds>;

// saturated_ns converts d to nanoseconds, clamping to nanoseconds::min() and max() where the
// exact value does not fit.
template <coarse_duration D>
constexpr std::chrono::nanoseconds saturated_ns(D d) noexcept {
  using to_ns = std::ratio_divide<typename D::period, std::nano>;
  static_assert(to_ns::den == 1, "a coarse duration is a whole number of nanoseconds");
  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t min = std::numeric_limits<std::int64_t>::min();
  const auto n = d.count();
  if (std::cmp_greater(n, max / to_ns::num)) return std::chrono::nanoseconds::max();
  if (std::cmp_less(n, min / to_ns::num)) return std::chrono::nanoseconds::min();
  return std::chrono::nanoseconds(static_cast<std::int64_t>(n) * to_ns::num);
}

}  // namespace gort::internal
