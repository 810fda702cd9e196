// Copyright 2026 The gort Authors.
//
// The sync package (Go's sync/mutex.go, rwmutex.go, waitgroup.go) and the runtime semaphores it
// parks on (Go's runtime/sema.go).
//
// Terms.
//   semaphore  a uint32 counter anywhere in memory (a mutex's sema_ field, ...). semacquire
//              takes a unit or parks until semrelease gives one; the address is the key.
//   semtable   251 buckets keyed by address hash, each a lock, a waiter count (nwait, read
//              without the lock so that a release with nobody waiting costs one atomic add), and
//              a list of per-address FIFO queues. Sync objects therefore hold no lock or list of
//              their own and are constexpr-constructible, as in Go.
//   ticket     set by a handoff release: the unit went straight to this waiter (mutex starvation
//              mode), so it must not compete for it again.
//
// Invariants: a waiter is queued under exactly one address, in its bucket, and is woken by whoever
// dequeues it (after unlocking the bucket). The waiter lives on the waiting goroutine's (or
// thread's) stack; park's unlock function drops the bucket lock only once the goroutine is off
// its stack, so a waker may ready it at once.
//
// Mutex modes (Go's design, kept as is). Normal mode: a woken waiter competes with goroutines
// arriving now; arrivals hold the CPU and usually win, which is good for throughput, and a waiter
// that loses goes back to the front of the queue. A waiter that has waited more than 1 ms switches
// the mutex to starvation mode: unlock hands it directly to the queue's head, arrivals queue at
// the tail without trying, and the mode ends when the last waiter, or one that waited under
// 1 ms, takes the lock.
//
// Locks: a bucket's lock (rank sema_root, src/sched/lockrank.hpp) is a leaf: a waiter is woken
// (readied) only after the bucket is unlocked.

#include <gort/go.hpp>
#include <gort/panic.hpp>
#include <gort/sync.hpp>

#include "sched/lock.hpp"
#include "sched/runtime.hpp"
#include "sched/sched.hpp"

namespace gort {
namespace internal {

namespace {

struct sem_waiter {
  const void* addr = nullptr;
  g* gp = nullptr;  // nullptr: a plain thread, sleeping on thread_note
  note thread_note;
  sem_waiter* next = nullptr;       // the next waiter on the same address
  sem_waiter* tail = nullptr;       // queue heads only: the last waiter on this address
  sem_waiter* next_addr = nullptr;  // queue heads only: the next address's queue
  std::uint32_t ticket = 0;         // semaphores: handed off; notify lists: the wait ticket
};

struct alignas(64) sem_root {
  spin_lock lock{
      lock_rank::sema_root};  // short sections that never block: a plain-store unlock (lock.hpp)
  std::atomic<std::uint32_t> nwait{0};
  sem_waiter* heads GORT_GUARDED_BY(lock) = nullptr;  // one queue per address
};

constexpr std::size_t kSemTabSize = 251;
sem_root semtable[kSemTabSize];

sem_root* root_for(const void* addr) {
  return &semtable[(reinterpret_cast<std::uintptr_t>(addr) >> 3) % kSemTabSize];
}

// queue adds w to addr's queue: at the tail, or at the head with lifo (a waiter that already
// waited and lost the race goes first next time). REQUIRES: root->lock.
void queue(sem_root* root, sem_waiter* w, bool lifo) GORT_REQUIRES(root->lock) {
  sem_waiter** link = &root->heads;
  while (*link != nullptr && (*link)->addr != w->addr) link = &(*link)->next_addr;
  sem_waiter* head = *link;
  w->next = nullptr;
  if (head == nullptr) {
    w->tail = w;
    w->next_addr = nullptr;
    *link = w;
  } else if (lifo) {
    w->next = head;
    w->tail = head->tail;
    w->next_addr = head->next_addr;
    *link = w;
  } else {
    head->tail->next = w;
    head->tail = w;
  }
}

// dequeue takes the oldest waiter on addr, or nullptr. REQUIRES: root->lock.
sem_waiter* dequeue(sem_root* root, const void* addr) GORT_REQUIRES(root->lock) {
  sem_waiter** link = &root->heads;
  while (*link != nullptr && (*link)->addr != addr) link = &(*link)->next_addr;
  sem_waiter* head = *link;
  if (head == nullptr) return nullptr;
  if (head->next != nullptr) {
    sem_waiter* n = head->next;
    n->tail = head->tail;
    n->next_addr = head->next_addr;
    *link = n;
  } else {
    *link = head->next_addr;
  }
  head->next = nullptr;
  return head;
}

// Not analysed: the lock comes through park's void* (taken by block's caller).
bool unlock_root(g*, void* root) GORT_NO_THREAD_SAFETY_ANALYSIS {
  static_cast<sem_root*>(root)->lock.unlock();
  return true;
}

// block parks w's goroutine (or sleeps its thread). REQUIRES: root->lock; released here.
// Not analysed: on a goroutine the lock is dropped by unlock_root after its switch (on g0, or on
// the goroutine it switched to directly).
void block(sem_root* root, sem_waiter* w, wait_reason reason)
    GORT_RELEASE(root->lock) GORT_NO_THREAD_SAFETY_ANALYSIS {
  if (w->gp != nullptr) {
    park(&unlock_root, root, reason);
  } else {
    root->lock.unlock();
    w->thread_note.sleep();
  }
}

void wake(sem_waiter* w) {
  if (w->gp != nullptr)
    ready(w->gp);
  else
    w->thread_note.wakeup();  // the last touch: w may be gone once its sleeper sees it
}

bool cansemacquire(std::atomic<std::uint32_t>* addr) {
  std::uint32_t v = addr->load(std::memory_order_relaxed);
  while (v != 0)
    if (addr->compare_exchange_weak(v, v - 1, std::memory_order_acquire)) return true;
  return false;
}

// can_spin: Go's sync_runtime_canSpin. Spin briefly only on a multi-P runtime where another P is
// running (the holder may release soon), and only a few times.
bool can_spin(int iter) {
  if (iter >= 4 || !sched.running.load(std::memory_order_relaxed) || sched.procs <= 1) return false;
  return sched.procs > sched.npidle.load(std::memory_order_relaxed) +
                           sched.nmspinning.load(std::memory_order_relaxed) + 1;
}

void do_spin() {
  for (int i = 0; i < 30; ++i) __builtin_ia32_pause();
}

}  // namespace

void semacquire(std::atomic<std::uint32_t>* addr, bool lifo, wait_reason reason) {
  if (cansemacquire(addr)) return;
  sem_root* root = root_for(addr);
  sem_waiter w;
  w.addr = addr;
  w.gp = current_g();
  for (;;) {
    root->lock.lock();
    root->nwait.fetch_add(1, std::memory_order_seq_cst);
    if (cansemacquire(addr)) {
      root->nwait.store(root->nwait.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
      root->lock.unlock();
      return;
    }
    queue(root, &w, lifo);
    block(root, &w, reason);
    if (w.ticket != 0 || cansemacquire(addr)) return;
    w.thread_note.clear();
    lifo = true;  // woken but beaten to the unit: wait at the front
  }
}

void semrelease(std::atomic<std::uint32_t>* addr, bool handoff) {
  sem_root* root = root_for(addr);
  addr->fetch_add(1, std::memory_order_seq_cst);
  // The seq_cst pair (our add, then nwait; the waiter's nwait add, then its cansemacquire) makes
  // sure one of us sees the other.
  if (root->nwait.load(std::memory_order_seq_cst) == 0) return;
  root->lock.lock();
  if (root->nwait.load(std::memory_order_relaxed) == 0) {
    root->lock.unlock();
    return;
  }
  sem_waiter* w = dequeue(root, addr);
  // Every write of nwait is under the lock: a load and a store, no read-modify-write.
  if (w != nullptr)
    root->nwait.store(root->nwait.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  root->lock.unlock();
  if (w == nullptr) return;
  bool handed = handoff && cansemacquire(addr);
  if (handed) w->ticket = 1;
  bool goroutine_waiter = w->gp != nullptr;
  wake(w);
  // Starvation mode: let the waiter we handed the mutex to run now, on this P.
  if (handed && goroutine_waiter && current_g() != nullptr) gort::yield();
}

// The waitgroup's semaphore (Go's runtime_Semacquire / runtime_Semrelease on wg.sema, with the
// same FIFO order and the same counts). A waitgroup's sema is released only when its counter
// reaches zero with waiters, so a release always has to look at the queue: the count is kept
// under the bucket lock instead of in an atomic with semrelease's nwait handshake. A wait costs
// one atomic read-modify-write here (the lock) instead of three, a release one instead of four.
// The count is only ever touched through these two functions.
static void wg_semacquire(std::atomic<std::uint32_t>* addr) {
  sem_root* root = root_for(addr);
  root->lock.lock();
  std::uint32_t units = addr->load(std::memory_order_relaxed);
  if (units != 0) {  // released before we got here
    addr->store(units - 1, std::memory_order_relaxed);
    root->lock.unlock();
    return;
  }
  sem_waiter w;
  w.addr = addr;
  w.gp = current_g();
  queue(root, &w, false);
  block(root, &w, wait_reason::sync_waitgroup_wait);  // the releaser dequeued us: our unit
}

static void wg_semrelease(std::atomic<std::uint32_t>* addr, std::uint32_t n) {
  sem_root* root = root_for(addr);
  sem_waiter* woken = nullptr;  // in queue order, linked through next (dequeue cleared it)
  sem_waiter** link = &woken;
  root->lock.lock();
  for (; n != 0; --n) {
    sem_waiter* w = dequeue(root, addr);
    if (w == nullptr) break;
    *link = w;
    link = &w->next;
  }
  // Units for waiters that counted themselves in but have not queued yet.
  if (n != 0) addr->store(addr->load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  root->lock.unlock();
  while (woken != nullptr) {
    sem_waiter* next = woken->next;  // read before the wake: woken dies with its owner's frame
    wake(woken);
    woken = next;
  }
}

void sync_panic(const char* message) {
  gort::panic(runtime_error(message));
}

// ---------------------------------------------------------------------------------------------
// notify lists (Go's notifyList), behind gort::cond.

std::uint32_t notify_list_add(notify_list* l) noexcept {
  return l->wait.fetch_add(1, std::memory_order_acq_rel);
}

// Tickets wrap around: a is before b when the signed distance is negative.
static bool ticket_less(std::uint32_t a, std::uint32_t b) {
  return static_cast<std::int32_t>(a - b) < 0;
}

void notify_list_wait(notify_list* l, std::uint32_t ticket) {
  sem_root* root = root_for(l);
  root->lock.lock();
  if (ticket_less(ticket, l->notify.load(std::memory_order_relaxed))) {
    root->lock.unlock();  // already notified
    return;
  }
  sem_waiter w;
  w.addr = l;
  w.gp = current_g();
  w.ticket = ticket;
  if (l->tail != nullptr)
    static_cast<sem_waiter*>(l->tail)->next = &w;
  else
    l->head = &w;
  l->tail = &w;
  block(root, &w, wait_reason::sync_cond_wait);
}

void notify_list_notify_all(notify_list* l) {
  if (l->wait.load(std::memory_order_acquire) == l->notify.load(std::memory_order_acquire)) return;
  sem_root* root = root_for(l);
  root->lock.lock();
  auto* w = static_cast<sem_waiter*>(l->head);
  l->head = l->tail = nullptr;
  l->notify.store(l->wait.load(std::memory_order_acquire), std::memory_order_release);
  root->lock.unlock();
  while (w != nullptr) {
    sem_waiter* next = w->next;
    wake(w);
    w = next;
  }
}

void notify_list_notify_one(notify_list* l) {
  if (l->wait.load(std::memory_order_acquire) == l->notify.load(std::memory_order_acquire)) return;
  sem_root* root = root_for(l);
  root->lock.lock();
  std::uint32_t t = l->notify.load(std::memory_order_relaxed);
  if (t == l->wait.load(std::memory_order_acquire)) {
    root->lock.unlock();
    return;
  }
  l->notify.store(t + 1, std::memory_order_release);
  // The waiter holding ticket t may not have queued yet; then it will see notify > t and not wait.
  sem_waiter* prev = nullptr;
  for (auto* w = static_cast<sem_waiter*>(l->head); w != nullptr; prev = w, w = w->next) {
    if (w->ticket != t) continue;
    sem_waiter* next = w->next;
    if (prev != nullptr)
      prev->next = next;
    else
      l->head = next;
    if (l->tail == w) l->tail = prev;
    w->next = nullptr;
    root->lock.unlock();
    wake(w);
    return;
  }
  root->lock.unlock();
}

}  // namespace internal

// ---------------------------------------------------------------------------------------------
// mutex

void mutex::lock_slow() {
  constexpr std::int64_t kStarvationThresholdNs = 1000000;
  std::int64_t wait_start = 0;
  bool starving = false;
  bool awoke = false;
  int iter = 0;
  std::int32_t old = state_.load(std::memory_order_relaxed);
  for (;;) {
    // Spin while the mutex is locked in normal mode and spinning can pay off; ask unlock not to
    // wake anyone (kWoken) since we are awake.
    if ((old & (kLocked | kStarving)) == kLocked && internal::can_spin(iter)) {
      if (!awoke && (old & kWoken) == 0 && (old >> kWaiterShift) != 0 &&
          state_.compare_exchange_weak(old, old | kWoken, std::memory_order_relaxed))
        awoke = true;
      internal::do_spin();
      ++iter;
      old = state_.load(std::memory_order_relaxed);
      continue;
    }
    std::int32_t next = old;
    if ((old & kStarving) == 0) next |= kLocked;  // starving: do not grab, queue
    if ((old & (kLocked | kStarving)) != 0) next += 1 << kWaiterShift;
    // Switch to starvation mode only if the mutex is still locked (an unlocked one would leave
    // unlock with no waiter to hand to).
    if (starving && (old & kLocked) != 0) next |= kStarving;
    if (awoke) {
      if ((next & kWoken) == 0) internal::runtime_throw("sync: inconsistent mutex state");
      next &= ~kWoken;
    }
    if (state_.compare_exchange_weak(old, next, std::memory_order_acquire)) {
      if ((old & (kLocked | kStarving)) == 0) return;  // took it
      bool lifo = wait_start != 0;
      if (wait_start == 0) wait_start = internal::nanotime();
      internal::semacquire(&sema_, lifo, internal::wait_reason::sync_mutex_lock);
      starving = starving || internal::nanotime() - wait_start > kStarvationThresholdNs;
      old = state_.load(std::memory_order_relaxed);
      if ((old & kStarving) != 0) {
        // Handed over in starvation mode: the state says unlocked with us among the waiters.
        if ((old & (kLocked | kWoken)) != 0 || (old >> kWaiterShift) == 0)
          internal::runtime_throw("sync: inconsistent mutex state");
        std::int32_t delta = kLocked - (1 << kWaiterShift);
        if (!starving || (old >> kWaiterShift) == 1) delta -= kStarving;  // leave starvation
        state_.fetch_add(delta, std::memory_order_acquire);
        return;
      }
      awoke = true;
      iter = 0;
    }  // else: the failed CAS reloaded old
  }
}

void mutex::unlock_slow(std::int32_t now) {
  if (((now + kLocked) & kLocked) == 0) internal::fatal("sync: unlock of unlocked mutex");
  if ((now & kStarving) == 0) {
    std::int32_t old = now;
    for (;;) {
      // Nobody to wake, or someone is already awake / holds it / it is starving: done.
      if ((old >> kWaiterShift) == 0 || (old & (kLocked | kWoken | kStarving)) != 0) return;
      std::int32_t next = (old - (1 << kWaiterShift)) | kWoken;
      if (state_.compare_exchange_weak(old, next, std::memory_order_release)) {
        internal::semrelease(&sema_, false);
        return;
      }
    }
  }
  // Starvation mode: hand the mutex to the next waiter (kLocked stays clear; the waiter sets it).
  internal::semrelease(&sema_, true);
}

// ---------------------------------------------------------------------------------------------
// rwmutex

bool rwmutex::try_lock_shared() noexcept {
  std::int32_t c = reader_count_.load(std::memory_order_relaxed);
  while (c >= 0)
    if (reader_count_.compare_exchange_weak(c, c + 1, std::memory_order_acquire)) return true;
  return false;
}

void rwmutex::unlock_shared_slow(std::int32_t r) {
  if (r + 1 == 0 || r + 1 == -kMaxReaders) internal::fatal("sync: RUnlock of unlocked RWMutex");
  // A writer is waiting: the last departing reader wakes it.
  if (reader_wait_.fetch_sub(1, std::memory_order_acq_rel) - 1 == 0)
    internal::semrelease(&writer_sem_, false);
}

void rwmutex::lock() {
  w_.lock();  // first, resolve competition with other writers
  // Announce the writer to readers, then wait for the active ones to leave.
  std::int32_t r = reader_count_.fetch_sub(kMaxReaders, std::memory_order_acq_rel);
  if (r != 0 && reader_wait_.fetch_add(r, std::memory_order_acq_rel) + r != 0)
    internal::semacquire(&writer_sem_, false, internal::wait_reason::sync_rwmutex_lock);
}

bool rwmutex::try_lock() noexcept {
  if (!w_.try_lock()) return false;
  std::int32_t zero = 0;
  if (!reader_count_.compare_exchange_strong(zero, -kMaxReaders, std::memory_order_acquire)) {
    w_.unlock();
    return false;
  }
  return true;
}

void rwmutex::unlock() {
  std::int32_t r = reader_count_.fetch_add(kMaxReaders, std::memory_order_release) + kMaxReaders;
  if (r >= kMaxReaders) internal::fatal("sync: Unlock of unlocked RWMutex");
  for (std::int32_t i = 0; i < r; ++i) internal::semrelease(&reader_sem_, false);
  w_.unlock();
}

// ---------------------------------------------------------------------------------------------
// waitgroup

void waitgroup::add(int n) {
  std::uint64_t state =
      state_.fetch_add(static_cast<std::uint64_t>(static_cast<std::int64_t>(n)) << 32,
                       std::memory_order_acq_rel) +
      (static_cast<std::uint64_t>(static_cast<std::int64_t>(n)) << 32);
  auto v = static_cast<std::int32_t>(state >> 32);
  auto w = static_cast<std::uint32_t>(state);
  if (v < 0) internal::sync_panic("sync: negative WaitGroup counter");
  if (w != 0 && n > 0 && v == n)
    internal::sync_panic("sync: WaitGroup misuse: Add called concurrently with Wait");
  if (v > 0 || w == 0) return;
  // The counter reached zero with waiters: nobody may change the state now but us.
  if (state_.load(std::memory_order_acquire) != state)
    internal::sync_panic("sync: WaitGroup misuse: Add called concurrently with Wait");
  state_.store(0, std::memory_order_release);
  internal::wg_semrelease(&sema_, w);
}

void waitgroup::wait() {
  std::uint64_t state = state_.load(std::memory_order_acquire);
  for (;;) {
    if ((state >> 32) == 0) return;
    if (state_.compare_exchange_weak(state, state + 1, std::memory_order_acq_rel)) {
      internal::wg_semacquire(&sema_);
      if (state_.load(std::memory_order_acquire) != 0)
        internal::sync_panic("sync: WaitGroup is reused before previous Wait has returned");
      return;
    }
  }
}

}  // namespace gort
