// Copyright 2026 The gort Authors.
//
// select: Go's select statement. Each case is a receive (gort::recv), a send (gort::send) or the
// default case (gort::otherwise). select blocks until one case can proceed, picks uniformly at
// random among the ready ones, runs that case's callback and returns the case's index (its
// position among select's arguments). With an otherwise case it never blocks: when no other case
// is ready it runs the default. Cases on nil channels are never ready; a select with no ready
// case and no default parks the goroutine (no polling) until a channel operation or close makes
// a case ready. The algorithm is Go's selectgo: channels are locked in address order, the
// goroutine waits on every channel at once, and the first to fire wins (src/chan/chan.cpp).
//
// Example:
//
//   int n = gort::select(
//       gort::recv(in, [&](int v, bool ok) { if (ok) total += v; }),
//       gort::send(out, 42),                          // callback optional
//       gort::otherwise([] { std::puts("nothing ready"); }));
//
// A recv callback may take (T value, bool ok), (T value) or nothing. Values the select did not
// send are not consumed (a send case's value is moved only when that case is chosen). A send
// on a closed channel panics ("send on closed channel") when that case is chosen. Called on a
// thread that is not a goroutine, a blocking select blocks the thread.

#pragma once

#include <cstddef>
#include <new>
#include <tuple>
#include <type_traits>
#include <utility>

#include <gort/chan.hpp>
#include <gort/detail/select_core.hpp>

namespace gort {

// recv is a select case that receives from c; f(value, ok) runs when it is chosen.
template <class T, class F = internal::no_callback>
internal::recv_case<T, std::decay_t<F>> recv(const chan<T>& c, F&& f = {}) {
  return {internal::chan_handle(c), std::forward<F>(f), {}};
}

// send is a select case that sends v on c; f() runs when it is chosen. v is decay-copied (or
// moved) into the case now and moved into the channel only if this case is chosen.
template <class T, class V, class F = internal::no_callback>
internal::send_case<T, std::decay_t<F>> send(const chan<T>& c, V&& v, F&& f = {}) {
  static_assert(std::is_constructible_v<T, V&&>, "gort::send: the value does not convert to T");
  return {internal::chan_handle(c), T(std::forward<V>(v)), std::forward<F>(f)};
}

// otherwise is select's default case: chosen when no other case is ready.
template <class F = internal::no_callback>
internal::default_case<std::decay_t<F>> otherwise(F&& f = {}) {
  return {std::forward<F>(f)};
}

// select runs one ready case (blocking until there is one, unless an otherwise case is given)
// and returns its index among the arguments. A select with no case at all blocks forever.
template <class... Cases>
int select(Cases&&... cases) {
  constexpr std::size_t kDefaults =
      (std::size_t{0} + ... + internal::is_default_case<std::decay_t<Cases>>::value);
  static_assert(kDefaults <= 1, "gort::select: at most one otherwise case");
  constexpr std::size_t kN = sizeof...(Cases);
  constexpr std::size_t kChan = kN - kDefaults;
  auto all = std::forward_as_tuple(cases...);
  internal::select_case sc[kChan == 0 ? 1 : kChan];
  int map[kChan == 0 ? 1 : kChan] = {};  // select_case index -> argument index
  int default_index = -1;
  {
    std::size_t k = 0;
    int i = 0;
    auto one = [&](auto& c) {
      if constexpr (internal::is_default_case<std::decay_t<decltype(c)>>::value) {
        default_index = i;
      } else {
        c.describe(sc[k]);
        map[k++] = i;
      }
      ++i;
    };
    std::apply([&](auto&... c) { (one(c), ...); }, all);
  }
  bool ok = false;
  int chosen = internal::select_go(sc, static_cast<int>(kChan), kDefaults == 0, &ok);
  int index = chosen < 0 ? default_index : map[chosen];
  int i = 0;
  auto fire = [&](auto& c) {
    if (i++ == index) c.fire(ok);
  };
  std::apply([&](auto&... c) { (fire(c), ...); }, all);
  return index;
}

}  // namespace gort
