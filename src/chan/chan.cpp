// Copyright 2026 The gort Authors.
//
// Channels and select (Go's runtime/chan.go and select.go, rebuilt for C++).
//
// Terms.
//   hchan   a channel: a ring buffer of `cap` elements (none when unbuffered), two FIFO queues of
//           waiters (recvq, sendq), a closed flag and a lock. chan<T> holds a counted reference.
//   waiter  one blocked operation on one channel (Go's sudog): who waits (a parker), where the
//           value is (the sender's object, or the receiver's uninitialized slot), and how it
//           ended (`success`: it communicated, or the channel was closed). Lives on the blocked
//           goroutine's (or thread's) stack.
//   parker  the blocked goroutine (or plain thread, which sleeps on a note) behind one or, for a
//           select, several waiters. `select_done` picks the single winner among a select's
//           waiters; `fired` says which one won.
//
// Invariants (under the channel's lock).
//   - At least one of sendq and recvq is empty, except transiently for an unbuffered channel
//     where a select both sends and receives on it (a select never matches itself).
//   - sendq is non-empty only if the buffer is full; recvq only if the buffer is empty.
//   - A value moves exactly once: sender object -> receiver slot (direct handoff, in either
//     direction), or sender object -> buffer slot -> receiver slot. The buffer's live slots are
//     [recvx, recvx + qcount) modulo cap.
//   - A waiter is on at most one queue. Whoever dequeues it (under the lock) fills in `success`
//     and `fired` and then wakes its parker after unlocking; the waiter's owner reads them after
//     it resumes (the park/ready handoff orders the two).
//
// Locking. One lock per channel, a spin_lock (its unlock is a plain store: the buffered path
// costs one atomic read-modify-write per operation, not two; critical sections are a few dozen
// instructions plus T's move constructor and never block). A goroutine that blocks parks with an
// unlock function, so the lock is released only after its stack is off the CPU: a waker that finds
// the waiter can ready it at once. select locks all its channels in address order (each once),
// which makes any two selects agree on the order and cannot deadlock; it waits on all of them at
// once and, after waking, locks them all again to take its other waiters off the queues. A
// waiter is woken (ready) only after every channel lock is dropped: Go's rule, checked in debug
// builds with the locks' ranks (src/sched/lockrank.hpp: hchan, the one rank that nests).
//
// Memory order. `closed` and `qcount` are atomics only for the lock-free fast paths of
// non-blocking operations and len(), which read them relaxed, as Go does; every decision that
// changes state is taken under the lock.
//
// Rejected: a lock-free buffered fast path (Vyukov-style ring). It needs the waiter queues to be
// checked anyway on every operation that might have to wake someone, and Go's behaviour (FIFO
// handoff to parked receivers) falls out of the single lock; measured per-element cost of the
// locked path is in docs/chan.md.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

#include <gort/chan.hpp>
#include <gort/panic.hpp>

#include "sched/lock.hpp"
#include "sched/runtime.hpp"
#include "sched/sched.hpp"

namespace gort::internal {

namespace {

struct parker {
  g* gp = nullptr;  // the goroutine, or nullptr: a plain thread sleeping on thread_note
  note thread_note;
  std::atomic<std::uint32_t> select_done{0};
  struct waiter* fired = nullptr;  // the waiter that completed (written by the waker)
};

struct waiter {
  parker* pk = nullptr;
  void* elem = nullptr;  // sender: the value to move; receiver: the slot to construct into
  waiter* next = nullptr;
  waiter* prev = nullptr;
  bool is_select = false;
  bool success = false;  // true: communicated; false: woken by close
  int case_index = 0;
};

// A FIFO of waiters (Go's waitq), doubly linked so a select can take its waiter out of the middle.
// Changed only under the channel's lock; `first` is atomic (relaxed) because the fast path of a
// failing non-blocking operation peeks at it without the lock, as Go's does.
struct waitq {
  std::atomic<waiter*> first{nullptr};
  waiter* last = nullptr;

  waiter* head() const { return first.load(std::memory_order_relaxed); }
  void set_head(waiter* w) { first.store(w, std::memory_order_relaxed); }

  void enqueue(waiter* w) {
    w->next = nullptr;
    w->prev = last;
    if (last != nullptr)
      last->next = w;
    else
      set_head(w);
    last = w;
  }

  // dequeue takes the oldest waiter that can still be woken: a select's waiter whose select
  // already fired elsewhere is dropped.
  waiter* dequeue() {
    for (;;) {
      waiter* w = head();
      if (w == nullptr) return nullptr;
      waiter* next = w->next;
      set_head(next);
      if (next != nullptr)
        next->prev = nullptr;
      else
        last = nullptr;
      w->next = w->prev = nullptr;
      if (w->is_select) {
        std::uint32_t zero = 0;
        if (!w->pk->select_done.compare_exchange_strong(zero, 1, std::memory_order_acq_rel))
          continue;
      }
      return w;
    }
  }

  // remove takes w out if it is still queued (a select cleaning up after another case won).
  void remove(waiter* w) {
    waiter* x = w->prev;
    waiter* y = w->next;
    if (x != nullptr) {
      x->next = y;
      if (y != nullptr)
        y->prev = x;
      else
        last = x;
    } else if (y != nullptr) {
      y->prev = nullptr;
      set_head(y);
    } else if (head() == w) {
      set_head(nullptr);
      last = nullptr;
    }
    w->next = w->prev = nullptr;
  }

  bool empty() const { return head() == nullptr; }
};

// A thread-local xorshift for select's case order; goroutines read and update it between two
// switches, so migrating between threads only changes which generator they draw from.
std::uint32_t cheaprand() {
  static thread_local std::uint32_t x =
      0x9e3779b9u ^ static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(&x) >> 4);
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return x;
}

// Not analysed: the lock comes through park's void* (taken by block_on's caller).
bool unlock_one(g*, void* lock) GORT_NO_THREAD_SAFETY_ANALYSIS {
  static_cast<spin_lock*>(lock)->unlock();
  return true;
}

[[noreturn]] void chan_panic(const char* message) {
  gort::panic(runtime_error(message));
}

// block_forever is a send or receive on a nil channel, or an empty select.
[[noreturn]] void block_forever(wait_reason reason) {
  if (current_g() != nullptr) park(nullptr, nullptr, reason);
  // A plain thread: sleep for good. (A goroutine never returns from that park either.)
  note never;
  for (;;) never.sleep();
}

// wait blocks the parker's owner until a waker readies it. REQUIRES: `lock` held; released here
// (after the goroutine's switch, for a goroutine).
void wait(parker* pk, bool (*unlockf)(g*, void*), void* arg, wait_reason reason) {
  if (pk->gp != nullptr) {
    park(unlockf, arg, reason);
  } else {
    unlockf(nullptr, arg);
    pk->thread_note.sleep();
  }
}

void wake(waiter* w) {
  parker* pk = w->pk;
  if (pk->gp != nullptr)
    ready(pk->gp);
  else
    pk->thread_note.wakeup();  // the last touch: pk may be gone once the sleeper sees it
}

}  // namespace

struct hchan {
  std::atomic<long> refs{1};
  spin_lock lock{lock_rank::hchan};
  std::atomic<std::uint32_t> qcount{0};           // buffered elements (written under lock)
  std::uint32_t dataqsiz = 0;                     // buffer size
  std::uint32_t sendx GORT_GUARDED_BY(lock) = 0;  // next slot to fill
  std::uint32_t recvx GORT_GUARDED_BY(lock) = 0;  // next slot to drain
  std::atomic<bool> closed{false};                // written under lock
  // How to move an element, decided once from ops: a fixed-size copy for the common trivially
  // copyable sizes, memcpy for other trivial types, else ops->move_to / ops->destroy.
  enum : std::uint8_t { kTrivial8, kTrivial4, kTrivial, kMove } kind = kMove;
  std::uint32_t elem_size = 0;
  const elem_ops* ops = nullptr;
  unsigned char* buf = nullptr;  // dataqsiz slots of elem_size bytes, after this struct
  waitq recvq;
  waitq sendq;

  void* slot(std::uint32_t i) const { return buf + static_cast<std::size_t>(i) * elem_size; }
};

namespace {

// move_elem constructs the value at src into dst and leaves src moved from (not destroyed).
inline void move_elem(const hchan* c, void* dst, void* src) {
  switch (c->kind) {
    case hchan::kTrivial8:
      std::memcpy(dst, src, 8);
      return;
    case hchan::kTrivial4:
      std::memcpy(dst, src, 4);
      return;
    case hchan::kTrivial:
      std::memcpy(dst, src, c->elem_size);
      return;
    case hchan::kMove:
      c->ops->move_to(dst, src);
      return;
  }
}

inline void destroy_elem(const hchan* c, void* obj) {
  if (c->kind == hchan::kMove) c->ops->destroy(obj);
}

// A parked waiter's value moved: mark it done and remember it as its parker's winner.
inline void complete(waiter* w, bool success) {
  w->success = success;
  w->pk->fired = w;
}

inline bool full(const hchan* c) {
  if (c->dataqsiz == 0) return c->recvq.empty();
  return c->qcount.load(std::memory_order_relaxed) == c->dataqsiz;
}

inline bool empty(const hchan* c) {
  if (c->dataqsiz == 0) return c->sendq.empty();
  return c->qcount.load(std::memory_order_relaxed) == 0;
}

// hand_to_receiver moves elem into the parked receiver w's slot and marks w done;
// take_from_sender moves the parked sender w's value into dst (for a buffered, hence full,
// channel the receiver gets the buffer's head and the sender's value goes to its tail). The
// caller unlocks, then wakes w. REQUIRES: c->lock.
[[gnu::always_inline]] inline void hand_to_receiver(hchan* c, waiter* w, void* elem)
    GORT_REQUIRES(c->lock) {
  move_elem(c, w->elem, elem);
  complete(w, true);
}

[[gnu::always_inline]] inline void take_from_sender(hchan* c, waiter* w, void* dst)
    GORT_REQUIRES(c->lock) {
  if (c->dataqsiz == 0) {
    move_elem(c, dst, w->elem);
  } else {
    void* head = c->slot(c->recvx);
    move_elem(c, dst, head);
    destroy_elem(c, head);
    move_elem(c, head, w->elem);
    if (++c->recvx == c->dataqsiz) c->recvx = 0;
    c->sendx = c->recvx;
  }
  complete(w, true);
}

// buf_put / buf_take move an element into or out of the ring. REQUIRES: c->lock.
inline void buf_put(hchan* c, void* elem) GORT_REQUIRES(c->lock) {
  move_elem(c, c->slot(c->sendx), elem);
  if (++c->sendx == c->dataqsiz) c->sendx = 0;
  c->qcount.store(c->qcount.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

inline void buf_take(hchan* c, void* dst) GORT_REQUIRES(c->lock) {
  void* s = c->slot(c->recvx);
  move_elem(c, dst, s);
  destroy_elem(c, s);
  if (++c->recvx == c->dataqsiz) c->recvx = 0;
  c->qcount.store(c->qcount.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
}

// block_on queues the caller on q (c's sendq or recvq) with its element and parks it until a
// partner or close completes the operation; returns whether it communicated (false: closed).
// Kept out of line so the fast paths save fewer registers. REQUIRES: c->lock; released here, by
// wait's unlock function (after the switch, on g0 or the next goroutine), which the analysis
// cannot follow.
[[gnu::noinline]] bool block_on(hchan* c, waitq& q, void* elem, wait_reason reason)
    GORT_RELEASE(c->lock) GORT_NO_THREAD_SAFETY_ANALYSIS {
  parker pk;
  pk.gp = current_g();
  waiter w;
  w.pk = &pk;
  w.elem = elem;
  q.enqueue(&w);
  wait(&pk, &unlock_one, &c->lock, reason);
  return w.success;
}

}  // namespace

hchan* chan_make(const elem_ops* ops, std::size_t cap) {
  if (cap > 0xffffffffu / (ops->size == 0 ? 1 : ops->size))
    chan_panic("makechan: size out of range");
  std::size_t align = std::max(alignof(hchan), ops->align);
  std::size_t head = (sizeof(hchan) + ops->align - 1) / ops->align * ops->align;
  std::size_t bytes = head + cap * ops->size;
  void* mem = ::operator new (bytes, std::align_val_t{align});
  auto* c = ::new (mem) hchan;
  c->ops = ops;
  c->elem_size = static_cast<std::uint32_t>(ops->size);
  if (!ops->trivial)
    c->kind = hchan::kMove;
  else if (ops->size == 8)
    c->kind = hchan::kTrivial8;
  else if (ops->size == 4)
    c->kind = hchan::kTrivial4;
  else
    c->kind = hchan::kTrivial;
  c->dataqsiz = static_cast<std::uint32_t>(cap);
  c->buf = static_cast<unsigned char*>(mem) + head;
  return c;
}

void chan_retain(hchan* c) noexcept {
  c->refs.fetch_add(1, std::memory_order_relaxed);
}

// Not analysed: the last reference is gone, no other thread can reach c.
void chan_release(hchan* c) noexcept GORT_NO_THREAD_SAFETY_ANALYSIS {
  if (c->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  for (std::uint32_t i = 0, n = c->qcount.load(std::memory_order_relaxed); i < n; ++i)
    destroy_elem(c, c->slot((c->recvx + i) % c->dataqsiz));
  std::size_t align = std::max(alignof(hchan), c->ops->align);
  c->~hchan();
  ::operator delete (c, std::align_val_t{align});
}

std::size_t chan_len(const hchan* c) noexcept {
  return c->qcount.load(std::memory_order_relaxed);
}
std::size_t chan_cap(const hchan* c) noexcept {
  return c->dataqsiz;
}

bool chan_send(hchan* c, void* elem, bool block) {
  if (c == nullptr) {
    if (!block) return false;
    block_forever(wait_reason::chan_send_nil);
  }
  // Fast path of a failed non-blocking send, without the lock (Go's reasoning: the channel was
  // not closed and was full at one moment between the two loads).
  if (!block && !c->closed.load(std::memory_order_relaxed) && full(c)) return false;

  c->lock.lock();
  if (c->closed.load(std::memory_order_relaxed)) {
    c->lock.unlock();
    chan_panic("send on closed channel");
  }
  if (waiter* w = c->recvq.dequeue()) {
    hand_to_receiver(c, w, elem);
    c->lock.unlock();
    wake(w);
    return true;
  }
  if (c->qcount.load(std::memory_order_relaxed) < c->dataqsiz) {
    buf_put(c, elem);
    c->lock.unlock();
    return true;
  }
  if (!block) {
    c->lock.unlock();
    return false;
  }
  if (!block_on(c, c->sendq, elem, wait_reason::chan_send)) chan_panic("send on closed channel");
  return true;
}

int chan_recv(hchan* c, void* dst, bool block) {
  if (c == nullptr) {
    if (!block) return -1;
    block_forever(wait_reason::chan_receive_nil);
  }
  if (!block && empty(c)) {
    // Not ready. Was it closed? Read closed after emptiness, then check emptiness again: a
    // channel that was empty and closed at one moment reports closed (Go's chanrecv).
    if (!c->closed.load(std::memory_order_acquire)) return -1;
    if (empty(c)) return 0;
  }

  c->lock.lock();
  if (c->closed.load(std::memory_order_relaxed) && c->qcount.load(std::memory_order_relaxed) == 0) {
    c->lock.unlock();
    return 0;
  }
  if (waiter* w = c->sendq.dequeue()) {
    take_from_sender(c, w, dst);
    c->lock.unlock();
    wake(w);
    return 1;
  }
  if (c->qcount.load(std::memory_order_relaxed) > 0) {
    buf_take(c, dst);
    c->lock.unlock();
    return 1;
  }
  if (!block) {
    c->lock.unlock();
    return -1;
  }
  return block_on(c, c->recvq, dst, wait_reason::chan_receive) ? 1 : 0;
}

void chan_close(hchan* c) {
  if (c == nullptr) chan_panic("close of nil channel");
  c->lock.lock();
  if (c->closed.load(std::memory_order_relaxed)) {
    c->lock.unlock();
    chan_panic("close of closed channel");
  }
  c->closed.store(true, std::memory_order_release);
  // Release every receiver (they get the zero value, ok == false) and every sender (they
  // panic). Collect them first: they are woken after the unlock.
  waiter* woken = nullptr;
  while (waiter* w = c->recvq.dequeue()) {
    complete(w, false);
    w->next = woken;
    woken = w;
  }
  while (waiter* w = c->sendq.dequeue()) {
    complete(w, false);
    w->next = woken;
    woken = w;
  }
  c->lock.unlock();
  while (woken != nullptr) {
    waiter* w = woken;
    woken = w->next;  // read before the wake: w dies with its owner's frame
    wake(w);
  }
}

// ---------------------------------------------------------------------------------------------
// select (Go's selectgo).

namespace {

struct select_locks {
  hchan** order;  // the distinct channels, sorted by address
  int n;
};

// lock_all / unlock_all take and drop a select's channel locks (not analysed: a set of locks
// chosen at run time, which the analysis cannot name; select_go is not analysed either).
void lock_all(const select_locks& l) GORT_NO_THREAD_SAFETY_ANALYSIS {
  for (int i = 0; i < l.n; ++i) l.order[i]->lock.lock();
}

void unlock_all(const select_locks& l) GORT_NO_THREAD_SAFETY_ANALYSIS {
  for (int i = l.n - 1; i >= 0; --i) l.order[i]->lock.unlock();
}

bool unlock_all_after_park(g*, void* arg) GORT_NO_THREAD_SAFETY_ANALYSIS {
  unlock_all(*static_cast<select_locks*>(arg));
  return true;
}

// A small vector on the stack for the usual handful of cases.
template <class T, int N>
struct small_buf {
  T inline_[N];
  std::vector<T> heap_;
  T* get(int n) {
    if (n <= N) return inline_;
    heap_.resize(static_cast<std::size_t>(n));
    return heap_.data();
  }
};

}  // namespace

int select_go(select_case* cases, int n, bool block, bool* recv_ok) GORT_NO_THREAD_SAFETY_ANALYSIS {
  *recv_ok = false;
  small_buf<int, 8> poll_buf;
  small_buf<hchan*, 8> lock_buf;
  int* poll = poll_buf.get(n);
  hchan** order = lock_buf.get(n);

  // Poll order: a random permutation of the cases on non-nil channels (inside-out
  // Fisher-Yates), so that among ready cases each is equally likely to win.
  int npoll = 0;
  for (int i = 0; i < n; ++i) {
    if (cases[i].c == nullptr) continue;
    int j = static_cast<int>(cheaprand() % static_cast<std::uint32_t>(npoll + 1));
    poll[npoll] = poll[j];
    poll[j] = i;
    order[npoll] = cases[i].c;
    ++npoll;
  }
  if (npoll == 0) {
    if (!block) return -1;
    block_forever(n == 0 ? wait_reason::select_no_cases : wait_reason::select);
  }
  std::sort(order, order + npoll);
  select_locks locks{order, static_cast<int>(std::unique(order, order + npoll) - order)};

  lock_all(locks);

  // Pass 1: is a case ready now?
  for (int k = 0; k < npoll; ++k) {
    int i = poll[k];
    select_case& sc = cases[i];
    hchan* c = sc.c;
    if (sc.is_send) {
      if (c->closed.load(std::memory_order_relaxed)) {
        unlock_all(locks);
        chan_panic("send on closed channel");
      }
      if (waiter* w = c->recvq.dequeue()) {
        hand_to_receiver(c, w, sc.elem);
        unlock_all(locks);
        wake(w);
        return i;
      }
      if (c->qcount.load(std::memory_order_relaxed) < c->dataqsiz) {
        buf_put(c, sc.elem);
        unlock_all(locks);
        return i;
      }
    } else {
      if (waiter* w = c->sendq.dequeue()) {
        take_from_sender(c, w, sc.elem);
        unlock_all(locks);
        wake(w);
        *recv_ok = true;
        return i;
      }
      if (c->qcount.load(std::memory_order_relaxed) > 0) {
        buf_take(c, sc.elem);
        unlock_all(locks);
        *recv_ok = true;
        return i;
      }
      if (c->closed.load(std::memory_order_relaxed)) {
        unlock_all(locks);
        return i;  // closed and drained: ok == false
      }
    }
  }
  if (!block) {
    unlock_all(locks);
    return -1;
  }

  // Pass 2: wait on every channel at once.
  parker pk;
  pk.gp = current_g();
  small_buf<waiter, 8> waiter_buf;
  waiter* ws = waiter_buf.get(n);
  for (int i = 0; i < n; ++i) {
    select_case& sc = cases[i];
    if (sc.c == nullptr) continue;
    waiter& w = ws[i];
    w.pk = &pk;
    w.elem = sc.elem;
    w.is_select = true;
    w.case_index = i;
    (sc.is_send ? sc.c->sendq : sc.c->recvq).enqueue(&w);
  }
  wait(&pk, &unlock_all_after_park, &locks, wait_reason::select);

  // Pass 3: one waiter fired (its waker set pk.fired); take the others off their queues.
  lock_all(locks);
  waiter* fired = pk.fired;
  for (int i = 0; i < n; ++i) {
    select_case& sc = cases[i];
    if (sc.c == nullptr || &ws[i] == fired) continue;
    (sc.is_send ? sc.c->sendq : sc.c->recvq).remove(&ws[i]);
  }
  unlock_all(locks);
  if (fired == nullptr) runtime_throw("select woke up without a case");
  int i = fired->case_index;
  if (cases[i].is_send) {
    if (!fired->success) chan_panic("send on closed channel");
  } else {
    *recv_ok = fired->success;
  }
  return i;
}

}  // namespace gort::internal
