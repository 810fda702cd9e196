// Copyright 2026 The gort Authors.
//
// The case objects that gort::recv, gort::send and gort::otherwise build for gort::select
// (<gort/select.hpp>): each describes itself to the type-erased select (detail/chan_core.hpp's
// select_case, src/chan/chan.cpp's Go selectgo) and runs its callback when chosen. Nothing here
// is public API.

#pragma once

#include <new>
#include <type_traits>
#include <utility>

#include <gort/detail/chan_core.hpp>

namespace gort::internal {

struct no_callback {
  void operator()() const noexcept {}
};

template <class T, class F>
struct recv_case {
  static_assert(std::is_invocable_v<F&, T&&, bool> || std::is_invocable_v<F&, T&&> ||
                    std::is_invocable_v<F&>,
                "gort::recv: the callback must be callable as f(T value, bool ok), f(T value) or "
                "f()");
  hchan* c;
  F f;
  alignas(T) unsigned char buf[sizeof(T)];

  void describe(select_case& sc) { sc = {c, buf, false}; }
  void fire(bool ok) {
    if (ok) {
      T* p = std::launder(reinterpret_cast<T*>(buf));
      struct destroy {
        T* p;
        ~destroy() { p->~T(); }
      } guard{p};
      call(std::move(*p), true);
    } else {
      call(T{}, false);
    }
  }
  void call(T&& v, bool ok) {
    if constexpr (std::is_invocable_v<F&, T&&, bool>)
      f(std::move(v), ok);
    else if constexpr (std::is_invocable_v<F&, T&&>)
      f(std::move(v));
    else
      f();
  }
};

template <class T, class F>
struct send_case {
  static_assert(std::is_invocable_v<F&>, "gort::send: the callback must be callable as f()");
  hchan* c;
  T v;
  F f;
  void describe(select_case& sc) { sc = {c, &v, true}; }
  void fire(bool) { f(); }
};

template <class F>
struct default_case {
  static_assert(std::is_invocable_v<F&>, "gort::otherwise: the callback must be callable as f()");
  F f;
  void fire(bool) { f(); }
};

template <class C>
struct is_default_case : std::false_type {};
template <class F>
struct is_default_case<default_case<F>> : std::true_type {};

}  // namespace gort::internal
