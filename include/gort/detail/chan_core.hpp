// Copyright 2026 The gort Authors.
//
// The type-erased channel core behind gort::chan<T> and gort::select (src/chan/chan.cpp). The
// templates only describe how to move and destroy a T; the algorithm (Go's chan.go and
// select.go) lives in one compiled place. Internal.

#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace gort {
template <class T>
class chan;
}  // namespace gort

namespace gort::internal {

// How the core moves elements around: into a waiter's slot, into and out of the buffer.
struct elem_ops {
  std::size_t size;
  std::size_t align;
  bool trivial;  // memcpy suffices and nothing needs destroying
  void (*move_to)(void* dst_raw, void* src) noexcept;  // new (dst_raw) T(std::move(*src))
  void (*destroy)(void* obj) noexcept;
};

template <class T>
inline constexpr elem_ops elem_ops_for = {
    sizeof(T),
    alignof(T),
    std::is_trivially_copyable_v<T>&& std::is_trivially_destructible_v<T>,
    [](void* dst, void* src) noexcept { ::new (dst) T(std::move(*static_cast<T*>(src))); },
    [](void* obj) noexcept { static_cast<T*>(obj)->~T(); },
};

struct hchan;

// chan_make returns a channel with one reference and room for `cap` buffered elements.
hchan* chan_make(const elem_ops* ops, std::size_t cap);
void chan_retain(hchan* c) noexcept;
void chan_release(hchan* c) noexcept;

// chan_send moves *elem into the channel (or straight to a waiting receiver), blocking while it
// cannot. A nil channel blocks forever. Panics on a closed channel. With block == false it
// returns false instead of blocking (and leaves *elem alone).
bool chan_send(hchan* c, void* elem, bool block);
// chan_recv constructs the received value in dst_raw (uninitialized storage for a T). Returns
// 1 when a value was received, 0 when the channel is closed and drained (dst_raw untouched),
// -1 when block == false and nothing is ready.
int chan_recv(hchan* c, void* dst_raw, bool block);
void chan_close(hchan* c);
std::size_t chan_len(const hchan* c) noexcept;
std::size_t chan_cap(const hchan* c) noexcept;

// One case of a select: for a send, elem is the value to move; for a receive, uninitialized
// storage the value is constructed in.
struct select_case {
  hchan* c;
  void* elem;
  bool is_send;
};
// select_go runs Go's selectgo over n cases (n <= 65535). Returns the index of the case that
// proceeded; for a receive, *recv_ok says whether a value was received (false: closed). With
// block == false and no case ready it returns -1.
int select_go(select_case* cases, int n, bool block, bool* recv_ok);

// chan_handle returns the core channel behind a gort::chan<T> (nullptr for nil), for select's
// cases and the timers; chan<T> befriends it.
template <class T>
hchan* chan_handle(const chan<T>& c) noexcept {
  return c.c_;
}

}  // namespace gort::internal
