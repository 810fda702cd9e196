// Copyright 2026 The gort Authors.
//
// chan<T>: Go's channels. A channel is a FIFO of T shared by reference between goroutines (and
// plain threads): unbuffered (make_chan<T>()) or buffered (make_chan<T>(n)). A send to a waiting
// receiver hands the value over directly; otherwise it goes to the buffer if there is room, or
// the sender parks until a receiver takes it. Waiters are served first come, first served.
// Closing wakes every waiter: receivers then drain the buffer and get (T{}, false), senders
// panic. See src/chan/chan.cpp for the algorithm and docs/chan.md for the details.
//
// Example:
//
//   auto jobs = gort::make_chan<int>(16);
//   auto done = gort::make_chan<int>();
//   gort::go([=] { int sum = 0; for (int j : jobs) sum += j; done.send(sum); });
//   for (int i = 1; i <= 10; ++i) jobs.send(i);
//   jobs.close();
//   auto [sum, ok] = done.recv();  // 55, true
//
// A default-constructed chan is nil: send and recv block forever, close panics, and select
// never picks its cases. Every blocking operation parks the calling goroutine; called on a
// thread that is not a goroutine it blocks that thread. Misuse panics with Go's message as a
// gort::runtime_error: "send on closed channel", "close of closed channel", "close of nil
// channel".
//
// T must be nothrow move constructible (values move under the channel's lock); it may be
// move-only. recv() on a closed channel needs T to be default constructible.

#pragma once

#include <cstddef>
#include <iterator>
#include <optional>
#include <type_traits>
#include <utility>

#include <gort/detail/chan_core.hpp>

namespace gort {

template <class T>
class chan;

template <class T>
chan<T> make_chan(std::size_t cap = 0);

template <class T>
class chan {
  static_assert(std::is_nothrow_move_constructible_v<T>,
                "gort::chan<T>: T must be nothrow move constructible (values move under the "
                "channel's lock)");
  static_assert(!std::is_reference_v<T> && !std::is_const_v<T>,
                "gort::chan<T>: T must be a non-const object type");

 public:
  using value_type = T;

  // A nil channel.
  chan() noexcept = default;
  chan(const chan& o) noexcept : c_(o.c_) {
    if (c_ != nullptr) internal::chan_retain(c_);
  }
  chan(chan&& o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
  chan& operator=(const chan& o) noexcept {
    chan(o).swap(*this);
    return *this;
  }
  chan& operator=(chan&& o) noexcept {
    chan(std::move(o)).swap(*this);
    return *this;
  }
  ~chan() {
    if (c_ != nullptr) internal::chan_release(c_);
  }
  void swap(chan& o) noexcept { std::swap(c_, o.c_); }

  // send sends v, blocking until a receiver takes it or the buffer has room. Blocks forever on
  // a nil channel; panics with "send on closed channel" on a closed one (also when the channel
  // is closed while the sender waits).
  void send(const T& v) const requires std::is_copy_constructible_v<T> {
    T copy(v);
    internal::chan_send(c_, &copy, true);
  }
  void send(T&& v) const { internal::chan_send(c_, &v, true); }

  // try_send sends v only if that needs no waiting (Go: select with a default case). Returns
  // whether it did; v is moved from only then.
  [[nodiscard]] bool try_send(T&& v) const { return internal::chan_send(c_, &v, false); }
  [[nodiscard]] bool try_send(const T& v) const requires std::is_copy_constructible_v<T> {
    T copy(v);
    return internal::chan_send(c_, &copy, false);
  }

  // recv receives a value: (value, true), or (T{}, false) at once when the channel is closed and
  // its buffer drained. Blocks until then; forever on a nil channel.
  std::pair<T, bool> recv() const {
    alignas(T) unsigned char buf[sizeof(T)];
    if (internal::chan_recv(c_, buf, true) == 1) return take(buf);
    return {T{}, false};
  }

  // try_recv receives a value only if one is ready: nullopt when it would block, (T{}, false)
  // when closed and drained.
  [[nodiscard]] std::optional<std::pair<T, bool>> try_recv() const {
    alignas(T) unsigned char buf[sizeof(T)];
    int r = internal::chan_recv(c_, buf, false);
    if (r < 0) return std::nullopt;
    if (r == 1) return take(buf);
    return std::pair<T, bool>{T{}, false};
  }

  // close closes the channel: pending and future receivers drain the buffer, then get
  // (T{}, false); waiting and future senders panic. Panics with "close of nil channel" or
  // "close of closed channel".
  void close() const { internal::chan_close(c_); }

  // len is the number of buffered elements, cap the buffer's size (0 for unbuffered and nil).
  std::size_t len() const noexcept { return c_ != nullptr ? internal::chan_len(c_) : 0; }
  std::size_t cap() const noexcept { return c_ != nullptr ? internal::chan_cap(c_) : 0; }

  // A channel is true unless nil. Copies compare equal (they are the same channel).
  explicit operator bool() const noexcept { return c_ != nullptr; }
  friend bool operator==(const chan& a, const chan& b) noexcept { return a.c_ == b.c_; }

  // Range: for (T v : ch) receives until the channel is closed and drained.
  class iterator {
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(const chan* c) : c_(c) { advance(); }
    T& operator*() { return *v_; }
    iterator& operator++() {
      advance();
      return *this;
    }
    void operator++(int) { advance(); }
    bool operator==(std::default_sentinel_t) const noexcept { return c_ == nullptr; }

   private:
    void advance() {
      auto [v, ok] = c_->recv();
      if (!ok) {
        c_ = nullptr;
        v_.reset();
        return;
      }
      v_.emplace(std::move(v));
    }
    const chan* c_ = nullptr;
    std::optional<T> v_;
  };
  iterator begin() const { return iterator(this); }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  friend chan make_chan<T>(std::size_t);
  friend internal::hchan* internal::chan_handle<T>(const chan<T>&) noexcept;
  explicit chan(internal::hchan* c) noexcept : c_(c) {}

  static std::pair<T, bool> take(unsigned char* buf) {
    T* p = std::launder(reinterpret_cast<T*>(buf));
    std::pair<T, bool> out{std::move(*p), true};
    p->~T();
    return out;
  }

  internal::hchan* c_ = nullptr;
};

// make_chan makes a channel with a buffer of `cap` elements (0: unbuffered).
template <class T>
chan<T> make_chan(std::size_t cap) {
  return chan<T>(internal::chan_make(&internal::elem_ops_for<T>, cap));
}

}  // namespace gort
