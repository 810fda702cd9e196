// Copyright 2026 The gort Authors.
//
// The execution tracer: gort's scheduler events written in Go 1.19's execution-trace format
// (Go's runtime/trace.go writes it; internal/trace/parser.go and order.go read it, and their
// rules are the invariants below). docs/trace.md has the event mapping and the deviations.
//
// Terms.
//   stream   the events of one P, or the global stream (P id -1, Go's traceGlobProc) for threads
//            that hold no P. A stream is a sequence of buffers; each buffer starts with an
//            EvBatch [pid, ticks] and its events carry their time as deltas from the previous
//            one. The reader concatenates a P's batches in file order, so a stream's buffers are
//            written in the order they were filled (one writer queue, FIFO).
//   gen      the trace generation: bumped at each start. A P slot or a G whose gen is not the
//            current one has not been described in this trace yet.
//   seq      a goroutine's sequence number (Go's g.traceseq): GoStart, GoUnblock and GoSysExit
//            carry it, and the reader merges the streams so that these events of one goroutine
//            come in seq order. The "Local" forms carry none: they follow the goroutine's
//            previous sequenced event in the same stream (g_trace::lastp says which stream).
//
// Invariants (what the reader checks; each hook keeps them).
//   - An event about a goroutine is written before the goroutine becomes visible to anyone who
//     could write the next one: GoCreate and GoUnblock before the run-queue put, GoSched before
//     the requeue, GoBlock before park's unlock function, GoSysCall before the P is released,
//     ProcStop before releasep gives the P up. So a stream's order is causal order, and the
//     time stamps (one invariant TSC for all CPUs, read with RDTSCP) are ordered too.
//   - Lazy description: Go stops the world at trace start and describes every goroutine. gort
//     has no stop-the-world (no preemption), so a goroutine is described at its first event of
//     the trace: GoCreate, then GoWaiting (it is being unblocked), GoInSyscall (its blocking
//     call ends after its P was retaken) or GoStart (it is running: the event is its own). A P
//     gets its ProcStart at its first event. The reader then sees every goroutine created
//     before it does anything, as it requires.
//   - Timestamps within a buffer never go backwards (a delta that would be negative is 0).
//
// Writing events: no lock on a P's stream. Its events are written by the thread that holds the
// P (the M, or sysmon right after it retook the P from a blocking call), and P ownership moves
// only through the scheduler's own synchronization. The global stream takes `global_lock`. A full
// buffer goes to the writer thread's queue (one mutex, once per 64 KiB) and a fresh one comes
// from the free list: the writer thread does all file I/O, so a P never waits on the disk. The
// writer is woken once kWriteBatch buffers wait and writes them with one writev (on 2 cores its
// wake-ups and syscalls compete with the Ps). Each hook reads the clock once (see ticks()) and
// its events share that time.
//
// Stopping. Each P slot has a `busy` word: an event writer sets it, then reads trace_enabled and
// the generation; stop clears trace_enabled, then waits until every busy word is 0. The writer's
// store-then-load needs a StoreLoad barrier against stop's: the writer side uses only a compiler
// barrier and stop issues membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), which runs a full barrier
// on every thread of the process (the asymmetric Dekker pattern). Where membarrier is missing,
// and under TSan, which does not know it, the writer's store is a seq_cst exchange instead.
// After that no one writes into any P's buffer of this generation, and stop hands them all to
// the writer, then the string table, the stack table (symbolized now) and EvFrequency.
//
// Errors: the file is opened by start (its error is start's). A write that fails later (disk
// full) makes the writer drop the rest; stop prints one message. The program goes on.
//
// Rejected: a lock per event (Go 1.19 has none either); a timestamp from clock_gettime (54 ns per
// call on the 2-core VM, against RDTSC's 23 and RDTSCP's 38); stopping the world for start and
// stop (gort cannot preempt a running goroutine, so a stop could wait forever behind a busy
// loop).

#include "trace/trace.hpp"

#include <fcntl.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <x86intrin.h>

#include <execinfo.h>
#include <limits.h>
#include <algorithm>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <semaphore>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <gort/detail/go_core.hpp>
#include <gort/go.hpp>
#include <gort/trace.hpp>

#include "sched/runtime.hpp"
#include "symbolize/symbolize.hpp"
#include "trace/stack.hpp"

#if defined(__SANITIZE_THREAD__)
#define GORT_TRACE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GORT_TRACE_TSAN 1
#endif
#endif
#ifndef GORT_TRACE_TSAN
#define GORT_TRACE_TSAN 0
#endif

namespace gort::internal {

std::atomic<bool> trace_enabled{false};

namespace {

// Go 1.19's event types (runtime/trace.go), the ones gort writes.
enum ev : std::uint8_t {
  kEvBatch = 1,
  kEvFrequency = 2,
  kEvStack = 3,
  kEvGomaxprocs = 4,
  kEvProcStart = 5,
  kEvProcStop = 6,
  kEvGoCreate = 13,
  kEvGoStart = 14,
  kEvGoEnd = 15,
  kEvGoSched = 17,
  kEvGoPreempt = 18,
  kEvGoSleep = 19,
  kEvGoBlock = 20,
  kEvGoUnblock = 21,
  kEvGoBlockSend = 22,
  kEvGoBlockRecv = 23,
  kEvGoBlockSelect = 24,
  kEvGoBlockSync = 25,
  kEvGoBlockCond = 26,
  kEvGoBlockNet = 27,
  kEvGoSysCall = 28,
  kEvGoSysExit = 29,
  kEvGoSysBlock = 30,
  kEvGoWaiting = 31,
  kEvGoInSyscall = 32,
  kEvString = 37,
  kEvGoStartLocal = 38,
  kEvGoUnblockLocal = 39,
  kEvUserTaskCreate = 45,
  kEvUserTaskEnd = 46,
  kEvUserRegion = 47,
  kEvUserLog = 48,
};

constexpr std::int32_t kGlobalP = -1;
constexpr int kMaxSlots = 1024;  // start.cpp's kMaxProcs
constexpr std::size_t kBufSize = 64 << 10;
constexpr std::size_t kMaxEvent = 128;         // bytes of any event but a log's text
constexpr std::size_t kMaxLogText = 16 << 10;  // longer log messages are cut (docs/trace.md)
constexpr int kMaxFrames = 128;

// Timestamps: the TSC divided by 64, as Go's cputicks()/traceTickDiv on amd64.
//
// ticks() reads it with RDTSCP, which waits for every earlier instruction and load: an event
// that follows an event of another thread (a GoStart after a GoUnblock on another P) then gets a
// later time than that one, which the reader requires (order.go: the merged events must be
// sorted). ticks_local() is RDTSC, which does not wait (RDTSCP waits for the cache misses before
// it: in perf it was most of the cost of a GoStart), for events whose predecessor in their
// goroutine's history is on the same stream (GoSched, GoBlock*, GoEnd after the goroutine's own
// GoStart; GoStartLocal, GoUnblockLocal): a stream's events are ordered by the stream itself, a
// time that would go back being written as a delta of 0.
//
// clock::follow reads no clock: the event takes its stream's previous time (a delta of 0). Only
// for a GoStartLocal that the scheduler found in its P's local queue at its first look, right
// after the end of the previous slice on that P (GoEnd, a block, GoSched: written by the same M
// an instant before). Its predecessors are all on the same stream, so any time between the
// stream's previous one and the real one keeps every ordering the reader checks; what is lost is
// the scheduler's own time between the two events (in skynet at P=2 a median of 1 tick of 64 TSC
// cycles, 25 ns: Go's own resolution), which the viewer shows as part of the next slice.
enum class clock { serialized, local, follow };
inline std::uint64_t ticks() noexcept {
  unsigned aux;
  return __rdtscp(&aux) >> 6;
}
inline std::uint64_t ticks_local() noexcept {
  return __rdtsc() >> 6;
}

struct trace_buf {
  std::size_t pos = 0;
  std::uint64_t last_ticks = 0;
  unsigned char data[kBufSize];
};

// One P's stream. busy: see "Stopping". buf, gen and the entry cache: the P's holder only.
struct alignas(64) p_slot {
  std::atomic<std::uint32_t> busy{0};
  std::uint32_t gen = 0;
  trace_buf* buf = nullptr;
  // The goroutine the reader sees running on this P (0: none), so that stop can end its slice.
  std::uint64_t running = 0;
  // Stack ids of goroutine entry functions (GoCreate's new stack), so that a spawn needs no lock.
  std::uintptr_t entry_pc[4] = {};
  std::uint64_t entry_id[4] = {};
  // Recently seen stacks (capture_stack), for the generation stack_cache_gen.
  std::uint32_t stack_cache_gen = 0;
  std::uint64_t stack_hash[64] = {};
  std::uint64_t stack_id[64] = {};
};

struct stack_key_hash {
  std::size_t operator()(const std::vector<std::uintptr_t>& v) const noexcept {
    std::size_t h = 1469598103934665603ull;
    for (std::uintptr_t pc : v) h = (h ^ pc) * 1099511628211ull;
    return h;
  }
};

// A lock that may be released by another thread than the one that took it: stop, called on a
// goroutine, waits for the writer as a blocking call, and the goroutine may come back on another
// M (a std::mutex must be unlocked by its owner thread).
class control_lock {
 public:
  void lock() noexcept { sem_.acquire(); }
  void unlock() noexcept { sem_.release(); }

 private:
  std::binary_semaphore sem_{1};
};

constinit p_slot slot_storage[kMaxSlots];

struct tracer {
  control_lock control;  // serializes start and stop
  // Guards everything below it except the slots.
  std::mutex lock;
  std::condition_variable cv;
  std::deque<trace_buf*> full;      // for the writer, in the order filled
  std::vector<trace_buf*> free;     // written buffers, reused
  std::vector<unsigned char> tail;  // strings, stacks, frequency: written last
  bool writer_stop = false;
  bool write_failed = false;
  int write_errno = 0;
  std::unordered_map<std::string, std::uint64_t> strings;
  std::unordered_map<std::vector<std::uintptr_t>, std::uint64_t, stack_key_hash> stacks;

  std::mutex global_lock;  // the global stream (a leaf)
  trace_buf* global_buf = nullptr;
  std::uint32_t global_gen = 0;

  std::atomic<std::uint32_t> gen{0};
  std::atomic<std::uint64_t> goid_base{0};  // added to goroutine ids: unique over several runs
  std::atomic<std::uint64_t> next_task{0};
  std::atomic<bool> stacks_on{false};  // set before trace_enabled
  std::uint64_t defer_key = 0;
  int fd = -1;
  std::string path;
  std::thread writer;
  std::uint64_t ticks_start = 0;
  std::int64_t ns_start = 0;
  bool use_membarrier = false;
  bool started_by_run = false;  // GORT_DEBUG=trace: stop when the run ends
  // The P slots (slot_storage): outside the tracer, which is built at static initialization (its
  // maps and queues are not constexpr), so that the 1,024 slots are constant-initialized zeros
  // in .bss: no startup memset of a megabyte, and no page of it touched before tracing does.
  p_slot* const slots = slot_storage;
};

never_destroyed<tracer> tracer_storage;
tracer& T = tracer_storage.value;

thread_local long tls_tid = 0;
long thread_id() {
  if (tls_tid == 0) tls_tid = static_cast<long>(syscall(SYS_gettid));
  return tls_tid;
}

// The current goroutine's task for regions and logs; a plain thread's is here.
thread_local std::uint64_t tls_task = 0;

// ---------------------------------------------------------------------------------------------
// Encoding.

inline unsigned char* put_varint(unsigned char* p, std::uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<unsigned char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<unsigned char>(v);
  return p;
}

void put_varint(std::vector<unsigned char>& out, std::uint64_t v) {
  unsigned char tmp[10];
  unsigned char* e = put_varint(tmp, v);
  out.insert(out.end(), tmp, e);
}

// The writer is woken once this many buffers wait (or at stop): one wake-up and one writev per
// kWriteBatch buffers instead of a futex wake and a write per 64 KiB. On 2 cores the writer
// competes with the Ps it serves, so its syscalls are the tracer's overhead.
constexpr std::size_t kWriteBatch = 16;

void queue_full_locked(trace_buf* b) {
  T.full.push_back(b);
  if (T.full.size() == kWriteBatch) T.cv.notify_one();
}

trace_buf* new_buf_locked() {
  trace_buf* b;
  if (!T.free.empty()) {
    b = T.free.back();
    T.free.pop_back();
  } else {
    b = new trace_buf;
  }
  b->pos = 0;
  return b;
}

// A stream being written: a P's (slot != nullptr) or the global one. Every event a hook writes
// carries the hook's one timestamp, `now` (read once the stream is entered: one RDTSCP a hook).
struct stream {
  p_slot* slot = nullptr;
  std::int32_t pid = kGlobalP;
  std::uint32_t gen = 0;
  bool ok = false;  // tracing is on: write
  std::uint64_t now = 0;

  trace_buf*& buf() { return slot != nullptr ? slot->buf : T.global_buf; }

  // refill queues the full buffer and starts a new batch in a fresh one.
  [[gnu::noinline]] trace_buf* refill() {
    trace_buf*& b = buf();
    {
      std::lock_guard lk(T.lock);
      if (b != nullptr) queue_full_locked(b);
      b = new_buf_locked();
    }
    unsigned char* p = b->data;
    *p++ = kEvBatch | 1 << 6;
    p = put_varint(p, static_cast<std::uint64_t>(static_cast<std::int64_t>(pid)));
    p = put_varint(p, now);
    b->pos = static_cast<std::size_t>(p - b->data);
    b->last_ticks = now;
    return b;
  }

  // event writes one event: its type, the time delta, args, and (has_stack) the stack id.
  // `text`, for EvUserLog only, follows as a length-prefixed string. Inlined into each hook, so
  // that the type and the argument count are constants there.
  [[gnu::always_inline]] void event(std::uint8_t type, std::initializer_list<std::uint64_t> args,
                                    bool has_stack, std::uint64_t stack = 0,
                                    std::string_view text = {}) {
    std::size_t narg = args.size() + (has_stack ? 1 : 0);
    trace_buf* b = buf();
    if (b == nullptr || b->pos + kMaxEvent + text.size() + 10 > kBufSize) [[unlikely]]
      b = refill();
    std::uint64_t delta = 0;
    if (now > b->last_ticks) {
      delta = now - b->last_ticks;
      b->last_ticks = now;
    }
    // Written in place: the header byte, for 3 or more arguments a one-byte length (every
    // event's arguments fit in 127 bytes: at most 5 varints), then the varints.
    unsigned char* out = b->data + b->pos;
    unsigned char* lenp = nullptr;
    if (narg < 3) {
      *out++ = static_cast<unsigned char>(type | narg << 6);
    } else {
      *out++ = static_cast<unsigned char>(type | 3 << 6);
      lenp = out++;
    }
    unsigned char* body = out;
    out = put_varint(out, delta);
    for (std::uint64_t a : args) out = put_varint(out, a);
    if (has_stack) out = put_varint(out, stack);
    if (lenp != nullptr) *lenp = static_cast<unsigned char>(out - body);
    if (type == kEvUserLog) {
      out = put_varint(out, text.size());
      std::memcpy(out, text.data(), text.size());
      out += text.size();
    }
    b->pos = static_cast<std::size_t>(out - b->data);
  }

  // running records which goroutine the reader sees on this P (0: none), so that stop can end
  // its slice: set by GoStart, cleared by the events that end a slice.
  void running(std::uint64_t id) {
    if (slot != nullptr) slot->running = id;
  }
};

// ---------------------------------------------------------------------------------------------
// Entering a stream.

// p_stream: writing into pp's stream. `proc_start`: the event is ProcStart itself.
class p_stream : public stream {
 public:
  explicit p_stream(p* pp, clock c = clock::serialized, bool proc_start = false) {
    slot = &T.slots[pp->id];
    pid = pp->id;
#if GORT_TRACE_TSAN
    slot->busy.exchange(1, std::memory_order_seq_cst);
#else
    if (T.use_membarrier) {
      slot->busy.store(1, std::memory_order_relaxed);
      std::atomic_signal_fence(std::memory_order_seq_cst);
    } else {
      slot->busy.exchange(1, std::memory_order_seq_cst);
    }
#endif
    ok = trace_enabled.load(std::memory_order_acquire);
    if (!ok) return;
    gen = T.gen.load(std::memory_order_relaxed);
    if (c == clock::follow && slot->gen == gen && slot->buf != nullptr) [[likely]]
      now = slot->buf->last_ticks;
    else
      now = c == clock::serialized ? ticks() : ticks_local();
    if (slot->gen != gen) [[unlikely]] {
      // First event of this trace on this P: its buffer (if any) belongs to an earlier trace,
      // already handed to the writer by that trace's stop.
      slot->gen = gen;
      slot->buf = nullptr;
      slot->running = 0;
      std::fill(std::begin(slot->entry_pc), std::end(slot->entry_pc), 0);
      if (!proc_start) event(kEvProcStart, {static_cast<std::uint64_t>(thread_id())}, false);
    }
  }
  ~p_stream() {
    slot->busy.store(0, std::memory_order_release);
  }
  p_stream(const p_stream&) = delete;
  p_stream& operator=(const p_stream&) = delete;
};

// g_stream: the global stream, under global_lock.
class g_stream : public stream {
 public:
  g_stream() : lk_(T.global_lock) {
    ok = trace_enabled.load(std::memory_order_acquire);
    if (!ok) return;
    now = ticks();
    gen = T.gen.load(std::memory_order_relaxed);
    if (T.global_gen != gen) {
      T.global_gen = gen;
      T.global_buf = nullptr;
    }
  }

 private:
  std::lock_guard<std::mutex> lk_;
};

// ---------------------------------------------------------------------------------------------
// Strings and stacks.

std::uint64_t string_id(std::string_view s) {
  if (s.empty()) return 0;
  std::lock_guard lk(T.lock);
  auto [it, fresh] = T.strings.try_emplace(std::string(s), T.strings.size() + 1);
  return it->second;
}

std::uint64_t stack_id_of(std::vector<std::uintptr_t> pcs) {
  if (pcs.empty()) return 0;
  std::lock_guard lk(T.lock);
  auto [it, fresh] = T.stacks.try_emplace(std::move(pcs), T.stacks.size() + 1);
  return it->second;
}

// capture_stack returns the id of the calling code's stack, without the `skip` innermost frames
// (0 when stacks are off).
//
// The walk. On a goroutine's stack: cfi_backtrace (stack.hpp), the DWARF CFI rule of each
// return address computed once by libdw and cached, then applied with a few loads per frame
// (about 40 instructions a frame); it ends at g_main, which it leaves out with the trampoline
// below it, as Go leaves out runtime.goexit. Elsewhere (a plain thread, g0), or where a frame has a
// rule the cache cannot hold: glibc's backtrace() (libgcc's DWARF unwinder, about 1,000
// instructions per frame). At most 128 frames, Go's traceStackSize. A P keeps the last 64 stacks it
// saw (by a 64-bit hash of the pcs) so that a stack seen before costs no lock.
[[gnu::noinline]] std::uint64_t capture_stack(int skip) {
  if (!T.stacks_on.load(std::memory_order_relaxed)) return 0;
  std::uintptr_t pcs[kMaxFrames];
  int n = -1;
  m* mp = tls_m;
  g* gp = mp != nullptr ? mp->curg : nullptr;
  if (gp != nullptr)
    n = cfi_backtrace(pcs, kMaxFrames, skip, reinterpret_cast<std::uintptr_t>(gp->stack.lo),
                      reinterpret_cast<std::uintptr_t>(gp->stack.hi));
  if (n < 0) {
    void* frames[kMaxFrames + 1];
    int got = backtrace(frames, kMaxFrames + 1);
    n = 0;
    for (int i = skip + 1; i < got; ++i) pcs[n++] = reinterpret_cast<std::uintptr_t>(frames[i]);
  }
  if (n == 0) return 0;
  p* pp = mp != nullptr ? mp->pp : nullptr;
  if (pp == nullptr) return stack_id_of(std::vector<std::uintptr_t>(pcs, pcs + n));
  std::uint64_t h = 1469598103934665603ull ^ static_cast<std::uint64_t>(n);
  for (int i = 0; i < n; ++i) h = (h ^ pcs[i]) * 1099511628211ull;
  h ^= h >> 29;
  p_slot& slot = T.slots[pp->id];
  std::uint32_t gen = T.gen.load(std::memory_order_relaxed);
  if (slot.stack_cache_gen != gen) {
    slot.stack_cache_gen = gen;
    std::fill(std::begin(slot.stack_hash), std::end(slot.stack_hash), 0);
  }
  std::size_t i = h & 63;
  if (slot.stack_hash[i] == h) return slot.stack_id[i];
  std::uint64_t id = stack_id_of(std::vector<std::uintptr_t>(pcs, pcs + n));
  slot.stack_hash[i] = h;
  slot.stack_id[i] = id;
  return id;
}

// entry_stack: the one-frame stack of a goroutine's entry function (GoCreate's new stack, which
// the goroutine analysis groups goroutines by). Cached per P slot: a spawn takes no lock.
std::uint64_t entry_stack(stream& s, g* gp) {
  auto pc = reinterpret_cast<std::uintptr_t>(gp->entry);
  if (pc == 0) return 0;
  if (s.slot != nullptr) {
    std::size_t i = (pc >> 4) & 3;
    if (s.slot->entry_pc[i] == pc) return s.slot->entry_id[i];
    std::uint64_t id = stack_id_of({pc + 1});  // +1: symbolized as a return address, like Go
    s.slot->entry_pc[i] = pc;
    s.slot->entry_id[i] = id;
    return id;
  }
  return stack_id_of({pc + 1});
}

// ---------------------------------------------------------------------------------------------
// Goroutines.

std::uint64_t trace_goid(const g* gp) {
  return gp->id + T.goid_base.load(std::memory_order_relaxed);
}

inline std::uint32_t defer_signature(const std::uint64_t c[6]) {
  return static_cast<std::uint32_t>(c[0] + c[1] + c[2] + c[4] + c[5]);
}

void remember_defers(g* gp, std::uint32_t gen) {
  std::uint64_t c[6];
  trace_defer_counts(gp, c);
  for (int i = 0; i < 6; ++i) gp->trace.defer_seen[i] = static_cast<std::uint32_t>(c[i]);
  gp->trace.defer_sig = defer_signature(c);
  gp->trace.defer_gen = gen;
}

enum class gstate { runnable, running, waiting, syscall };

// describe writes gp's GoCreate and the events that put it in state `st`, as Go's StartTrace
// does for the goroutines that exist when tracing starts.
void describe(stream& s, g* gp, gstate st) {
  std::uint64_t id = trace_goid(gp);
  s.event(kEvGoCreate, {id, entry_stack(s, gp)}, true, 0);
  gp->trace.gen.store(s.gen, std::memory_order_relaxed);
  gp->trace.seq.store(0, std::memory_order_relaxed);
  gp->trace.lastp.store(s.pid, std::memory_order_relaxed);
  remember_defers(gp, s.gen);
  switch (st) {
    case gstate::runnable:
      break;
    case gstate::waiting:
      s.event(kEvGoWaiting, {id}, false);
      gp->trace.seq.store(1, std::memory_order_relaxed);
      break;
    case gstate::syscall:
      s.event(kEvGoInSyscall, {id}, false);
      gp->trace.seq.store(1, std::memory_order_relaxed);
      break;
    case gstate::running:
      s.event(kEvGoStart, {id, 1}, false);
      s.running(id);
      gp->trace.seq.store(1, std::memory_order_relaxed);
      break;
  }
}

inline bool fresh(const stream& s, const g* gp) {
  return gp->trace.gen.load(std::memory_order_relaxed) != s.gen;
}

// ensure_running: gp runs on s's P and is about to write an event of its own.
inline void ensure_running(stream& s, g* gp) {
  if (gp != nullptr && s.slot != nullptr && fresh(s, gp)) describe(s, gp, gstate::running);
}

void start_event(stream& s, g* gp) {
  if (fresh(s, gp)) describe(s, gp, gstate::runnable);
  std::uint64_t seq = gp->trace.seq.load(std::memory_order_relaxed) + 1;
  gp->trace.seq.store(seq, std::memory_order_relaxed);
  std::uint64_t id = trace_goid(gp);
  if (gp->trace.lastp.load(std::memory_order_relaxed) == s.pid) {
    s.event(kEvGoStartLocal, {id}, false);
  } else {
    gp->trace.lastp.store(s.pid, std::memory_order_relaxed);
    s.event(kEvGoStart, {id, seq}, false);
  }
  s.running(id);
}

void sysexit_event(stream& s, g* gp) {
  if (fresh(s, gp)) describe(s, gp, gstate::syscall);
  std::uint64_t seq = gp->trace.seq.load(std::memory_order_relaxed) + 1;
  gp->trace.seq.store(seq, std::memory_order_relaxed);
  // Always the sequenced form, as Go writes it: the reader takes GoSysExitLocal's goroutine from
  // the stream, not from its argument.
  gp->trace.lastp.store(s.pid, std::memory_order_relaxed);
  s.event(kEvGoSysExit, {trace_goid(gp), seq, 0}, false);
}

// defer_log writes gp's gort.defer log when its counters changed since the last one.
void defer_log(stream& s, g* gp) {
  std::uint64_t c[6];
  trace_defer_counts(gp, c);
  std::uint32_t sig = defer_signature(c);
  gp->trace.defer_gen = s.gen;             // defer_seen is up to date when this returns
  if (sig == gp->trace.defer_sig) return;  // the counters only grow: nothing changed
  gp->trace.defer_sig = sig;
  std::uint32_t d[6];
  bool changed = false;
  for (int i = 0; i < 6; ++i) {
    auto now = static_cast<std::uint32_t>(c[i]);
    d[i] = now - gp->trace.defer_seen[i];
    gp->trace.defer_seen[i] = now;
    changed |= d[i] != 0;
  }
  if (!changed) return;
  // "inline=12 pooled=3 heap=1 heap_bytes=96 panics=0 recovers=0", without snprintf.
  static constexpr std::string_view keys[6] = {
      "inline=", " pooled=", " heap=", " heap_bytes=", " panics=", " recovers="};
  char text[160];
  char* out = text;
  for (int i = 0; i < 6; ++i) {
    std::memcpy(out, keys[i].data(), keys[i].size());
    out += keys[i].size();
    char digits[10];
    int nd = 0;
    std::uint32_t v = d[i];
    do {
      digits[nd++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (nd > 0) *out++ = digits[--nd];
  }
  s.event(kEvUserLog, {gp->trace.task, T.defer_key}, true, 0,
          std::string_view(text, static_cast<std::size_t>(out - text)));
}

std::uint8_t park_event(wait_reason why) {
  switch (why) {
    case wait_reason::chan_send:
    case wait_reason::chan_send_nil:
      return kEvGoBlockSend;
    case wait_reason::chan_receive:
    case wait_reason::chan_receive_nil:
      return kEvGoBlockRecv;
    case wait_reason::select:
    case wait_reason::select_no_cases:
      return kEvGoBlockSelect;
    case wait_reason::sync_mutex_lock:
    case wait_reason::sync_rwmutex_rlock:
    case wait_reason::sync_rwmutex_lock:
    case wait_reason::sync_waitgroup_wait:
    case wait_reason::semacquire:
      return kEvGoBlockSync;
    case wait_reason::sync_cond_wait:
      return kEvGoBlockCond;
    case wait_reason::sleep:
      return kEvGoSleep;
    case wait_reason::io_wait:
      return kEvGoBlockNet;  // the netpoller's one park (src/netpoll/netpoll.cpp, park_io)
    default:
      return kEvGoBlock;
  }
}

// ---------------------------------------------------------------------------------------------
// The writer thread.

// write_all writes n buffers' bytes with writev (partial writes resumed).
void write_all(iovec* iov, int n) {
  while (n > 0 && !T.write_failed) {
    ssize_t w = ::writev(T.fd, iov, std::min(n, IOV_MAX));
    if (w < 0) {
      if (errno == EINTR) continue;
      T.write_failed = true;  // only the writer thread touches these while it runs
      T.write_errno = errno;
      return;
    }
    auto left = static_cast<std::size_t>(w);
    while (n > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --n;
    }
    if (n > 0) {
      iov->iov_base = static_cast<unsigned char*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
}

void write_all(const unsigned char* p, std::size_t n) {
  iovec v{const_cast<unsigned char*>(p), n};
  write_all(&v, 1);
}

// writer_loop: the writer thread. It sleeps until kWriteBatch buffers wait (or stop), then
// writes all that wait in one writev.
void writer_loop() {
  static const char header[16] = "go 1.19 trace\0\0";
  write_all(reinterpret_cast<const unsigned char*>(header), 16);
  std::vector<trace_buf*> batch;
  std::vector<iovec> iov;
  std::unique_lock lk(T.lock);
  for (;;) {
    T.cv.wait(lk, [] { return T.full.size() >= kWriteBatch || T.writer_stop; });
    if (T.full.empty()) break;
    batch.assign(T.full.begin(), T.full.end());
    T.full.clear();
    lk.unlock();
    iov.clear();
    for (trace_buf* b : batch) iov.push_back(iovec{b->data, b->pos});
    write_all(iov.data(), static_cast<int>(iov.size()));
    lk.lock();
    T.free.insert(T.free.end(), batch.begin(), batch.end());
  }
  std::vector<unsigned char> tail;
  tail.swap(T.tail);
  lk.unlock();
  write_all(tail.data(), tail.size());
}

// build_tail encodes the string table, the stack table (symbolized) and EvFrequency.
// REQUIRES: T.lock; no event writer left.
std::vector<unsigned char> build_tail_locked(std::uint64_t freq) {
  std::vector<unsigned char> out;
  auto put_string = [&](std::uint64_t id, const std::string& s) {
    out.push_back(kEvString);
    put_varint(out, id);
    put_varint(out, s.size());
    out.insert(out.end(), s.begin(), s.end());
  };
  // Stacks first: symbolizing adds function and file names to the string table.
  std::vector<std::uintptr_t> pcs;
  for (auto& [key, id] : T.stacks)
    for (std::uintptr_t pc : key) pcs.push_back(pc - 1);
  std::sort(pcs.begin(), pcs.end());
  pcs.erase(std::unique(pcs.begin(), pcs.end()), pcs.end());
  std::vector<std::vector<symbol>> syms;
  if (!pcs.empty()) syms = symbolize(pcs);
  auto sid = [&](const std::string& s) -> std::uint64_t {
    if (s.empty()) return 0;
    auto [it, fresh] = T.strings.try_emplace(s, T.strings.size() + 1);
    return it->second;
  };
  for (auto& [key, id] : T.stacks) {
    std::vector<std::uint64_t> vals;
    std::size_t frames = 0;
    for (std::uintptr_t pc : key) {
      auto at = std::lower_bound(pcs.begin(), pcs.end(), pc - 1);
      const std::vector<symbol>& fs = syms[static_cast<std::size_t>(at - pcs.begin())];
      for (const symbol& f : fs) {
        if (frames == 128) break;
        vals.push_back(pc);
        vals.push_back(sid(f.function.empty() ? "?" : f.function));
        vals.push_back(sid(f.file.empty() ? "?" : f.file));
        vals.push_back(static_cast<std::uint64_t>(f.line));
        ++frames;
      }
    }
    std::vector<unsigned char> body;
    put_varint(body, id);
    put_varint(body, frames);
    for (std::uint64_t v : vals) put_varint(body, v);
    out.push_back(kEvStack | 3 << 6);
    put_varint(out, body.size());
    out.insert(out.end(), body.begin(), body.end());
  }
  for (auto& [s, id] : T.strings) put_string(id, s);
  out.push_back(kEvFrequency);
  put_varint(out, freq);
  return out;
}

// ---------------------------------------------------------------------------------------------
// start and stop.

std::error_code start_locked(const std::string& path, trace::options opt);
void stop_locked();

class trace_category : public std::error_category {
 public:
  const char* name() const noexcept override { return "gort.trace"; }
  std::string message(int) const override { return "tracing is already enabled"; }
};

const std::error_category& trace_errors() {
  static const trace_category c;
  return c;
}

std::error_code start_locked(const std::string& path, trace::options opt) {
  if (trace_enabled.load(std::memory_order_relaxed)) return std::error_code(1, trace_errors());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return std::error_code(errno, std::generic_category());
  static std::once_flag once;
  std::call_once(once, [] {
#if !GORT_TRACE_TSAN
    T.use_membarrier =
        syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
#endif
  });
  {
    std::lock_guard lk(T.lock);
    T.fd = fd;
    T.path = path;
    T.writer_stop = false;
    T.write_failed = false;
    T.write_errno = 0;
    T.strings.clear();
    T.stacks.clear();
    T.tail.clear();
    T.stacks_on.store(opt.stacks, std::memory_order_relaxed);
  }
  if (opt.stacks) cfi_unwinder_init();  // the module list, read now and not at the first stack
  T.defer_key = string_id("gort.defer");
  T.next_task.store(0);
  T.goid_base.store(0);
  T.ticks_start = ticks();
  T.ns_start = nanotime();
  T.writer = std::thread(writer_loop);
  T.gen.fetch_add(1, std::memory_order_relaxed);
  trace_enabled.store(true, std::memory_order_seq_cst);
  // Always one event: Go's reader rejects a trace without any batch ("trace is empty"), and a
  // trace started and stopped outside gort::run would have none.
  {
    g_stream s;
    auto procs = static_cast<std::uint64_t>(
        sched.running.load(std::memory_order_acquire) ? sched.procs : gort::maxprocs());
    if (s.ok) s.event(kEvGomaxprocs, {procs}, true, 0);
  }
  return {};
}

void stop_locked() {
  if (!trace_enabled.load(std::memory_order_relaxed)) return;
  trace_enabled.store(false, std::memory_order_seq_cst);
  if (T.use_membarrier) syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
  for (int i = 0; i < kMaxSlots; ++i)
    while (T.slots[i].busy.load(std::memory_order_acquire) != 0) std::this_thread::yield();
  std::uint32_t gen = T.gen.load(std::memory_order_relaxed);
  // Every writer is gone: the streams are ours. A goroutine still running gets an end to its
  // slice (Go's StopTrace has none left running: it stops the world first). GoPreempt leaves it
  // runnable, which is what it is as far as this trace can tell.
  for (int i = 0; i < kMaxSlots; ++i) {
    p_slot& slot = T.slots[i];
    if (slot.gen != gen || slot.running == 0) continue;
    stream s;
    s.slot = &slot;
    s.pid = i;
    s.gen = gen;
    s.ok = true;
    s.now = ticks();
    s.event(kEvGoPreempt, {}, true, 0);
    s.running(0);
  }
  std::uint64_t t1 = ticks();
  std::int64_t ns1 = nanotime();
  {
    std::lock_guard glk(T.global_lock);
    std::lock_guard lk(T.lock);
    // A P's batches must reach the file in the order they were filled: its last buffer goes
    // after every full one already queued, which holds as the queue is FIFO.
    for (int i = 0; i < kMaxSlots; ++i) {
      p_slot& s = T.slots[i];
      if (s.gen == gen && s.buf != nullptr) {
        T.full.push_back(s.buf);
        s.buf = nullptr;
      }
    }
    if (T.global_gen == gen && T.global_buf != nullptr) {
      T.full.push_back(T.global_buf);
      T.global_buf = nullptr;
    }
    double dt = static_cast<double>(std::max<std::int64_t>(ns1 - T.ns_start, 1));
    auto freq = static_cast<std::uint64_t>(static_cast<double>(t1 - T.ticks_start) * 1e9 / dt);
    T.tail = build_tail_locked(std::max<std::uint64_t>(freq, 1));
    T.writer_stop = true;
    T.cv.notify_one();
  }
  // Waiting for the file to be written is a blocking call: a goroutine that stops the trace
  // gives its P away meanwhile, as gort::blocking does (tracing is off: no events for it).
  bool on_g = on_goroutine();
  if (on_g) entersyscall();
  T.writer.join();
  if (on_g) exitsyscall();
  if (T.write_failed)
    std::fprintf(stderr, "gort: trace: writing %s failed: %s; the trace is incomplete\n",
                 T.path.c_str(), std::strerror(T.write_errno));
  ::close(T.fd);
  T.fd = -1;
  T.started_by_run = false;
}

// with_stream runs fn(stream&) on pp's stream (its clock read as `c` says), or on the global one
// (always serialized) when pp is nullptr, if tracing is on.
template <class Fn>
[[gnu::always_inline]] inline void with_stream(p* pp, clock c, Fn&& fn) {
  if (pp != nullptr) {
    p_stream s(pp, c);
    if (s.ok) fn(s);
  } else {
    g_stream s;
    if (s.ok) fn(s);
  }
}

// current_p: the P the calling thread holds (nullptr: none) and the goroutine it runs.
g* current_p(p** pp) {
  m* mp = tls_m;
  *pp = mp != nullptr ? mp->pp : nullptr;
  return mp != nullptr ? mp->curg : nullptr;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The hooks.

void trace_proc_start(p* pp) {
  p_stream s(pp, clock::serialized, true);
  if (s.ok) s.event(kEvProcStart, {static_cast<std::uint64_t>(thread_id())}, false);
}

void trace_proc_stop(p* pp) {
  p_stream s(pp, clock::local);
  if (s.ok) s.event(kEvProcStop, {}, false);
}

// clock_after: how to read the clock for an event about gp on pp's stream. Local when gp's last
// sequenced event is on that stream in this trace (the event is then GoStartLocal or
// GoUnblockLocal); a goroutine not described yet has no earlier event either, but its
// description is rare and the serialized clock costs it nothing worth saving.
inline clock clock_after(const p* pp, const g* gp) {
  return gp->trace.gen.load(std::memory_order_relaxed) == T.gen.load(std::memory_order_relaxed) &&
                 gp->trace.lastp.load(std::memory_order_relaxed) == pp->id
             ? clock::local
             : clock::serialized;
}

static void create_event(stream& s, g* cur, g* newg) {
  ensure_running(s, cur);
  std::uint64_t stk = T.stacks_on.load(std::memory_order_relaxed) ? capture_stack(2) : 0;
  s.event(kEvGoCreate, {trace_goid(newg), entry_stack(s, newg)}, true, stk);
  newg->trace.gen.store(s.gen, std::memory_order_relaxed);
  newg->trace.seq.store(0, std::memory_order_relaxed);
  newg->trace.lastp.store(s.pid, std::memory_order_relaxed);
  newg->trace.task = 0;
  if (newg->trace.defer_gen != s.gen) remember_defers(newg, s.gen);
}

void trace_go_create(p* pp, g* cur, g* newg) {
  with_stream(pp, clock::local,
              [&](stream& s) { create_event(s, pp != nullptr ? cur : nullptr, newg); });
}

void trace_go_start(p* pp, g* gp, bool follows) {
  clock c = clock_after(pp, gp);
  p_stream s(pp, follows && c == clock::local ? clock::follow : c);
  if (!s.ok) return;
  start_event(s, gp);
  prefetch_defer_counts(gp);  // for the defer_log of its block or end
}

void trace_go_end(p* pp, g* gp) {
  p_stream s(pp, clock::local);
  if (!s.ok) return;
  ensure_running(s, gp);
  defer_log(s, gp);
  s.event(kEvGoEnd, {}, false);
  s.running(0);
}

static void trace_go_sched(p* pp, g* gp) {
  p_stream s(pp, clock::local);
  if (!s.ok) return;
  ensure_running(s, gp);
  s.event(kEvGoSched, {}, true, gp->trace.stack);
  s.running(0);
}

static void trace_go_park(p* pp, g* gp, wait_reason why) {
  p_stream s(pp, clock::local);
  if (!s.ok) return;
  ensure_running(s, gp);
  defer_log(s, gp);
  s.event(park_event(why), {}, true, gp->trace.stack);
  s.running(0);
}

static void unpark_event(stream& s, g* cur, g* gp) {
  ensure_running(s, cur);
  if (fresh(s, gp)) describe(s, gp, gstate::waiting);
  std::uint64_t stk =
      T.stacks_on.load(std::memory_order_relaxed) && cur != nullptr ? capture_stack(2) : 0;
  std::uint64_t seq = gp->trace.seq.load(std::memory_order_relaxed) + 1;
  gp->trace.seq.store(seq, std::memory_order_relaxed);
  if (gp->trace.lastp.load(std::memory_order_relaxed) == s.pid) {
    s.event(kEvGoUnblockLocal, {trace_goid(gp)}, true, stk);
  } else {
    gp->trace.lastp.store(s.pid, std::memory_order_relaxed);
    s.event(kEvGoUnblock, {trace_goid(gp), seq}, true, stk);
  }
}

void trace_go_unpark(p* pp, g* cur, g* gp) {
  with_stream(pp, pp != nullptr ? clock_after(pp, gp) : clock::serialized,
              [&](stream& s) { unpark_event(s, pp != nullptr ? cur : nullptr, gp); });
}

void trace_go_syscall(p* pp, g* gp) {
  p_stream s(pp, clock::local);
  if (!s.ok) return;
  ensure_running(s, gp);
  std::uint64_t stk = T.stacks_on.load(std::memory_order_relaxed) ? capture_stack(2) : 0;
  s.event(kEvGoSysCall, {}, true, stk);
}

// sysblock_event: the blocking call of gp (if any) lost its P: GoSysBlock on s.
static void sysblock_event(stream& s, g* gp) {
  if (gp == nullptr) return;
  ensure_running(s, gp);
  s.event(kEvGoSysBlock, {}, false);
  s.running(0);
}

void trace_go_sysblock_retake(p* pp, g* gp) {
  p_stream s(pp);
  if (!s.ok) return;
  sysblock_event(s, gp);
  s.event(kEvProcStop, {}, false);
}

void trace_go_sysexit_reacquired(p* pp, g* other, g* gp) {
  p_stream s(pp);
  if (!s.ok) return;
  sysblock_event(s, other);
  sysexit_event(s, gp);
  start_event(s, gp);
}

void trace_go_sysexit(p* pp, g* gp, bool start) {
  with_stream(pp, clock::serialized, [&](stream& s) {
    sysexit_event(s, gp);
    if (start && pp != nullptr) start_event(s, gp);
  });
}

void trace_go_yield(g* gp) {
  trace_go_sched(gp->mp->pp, gp);
}

void trace_go_parking(g* gp, wait_reason why) {
  trace_go_park(gp->mp->pp, gp, why);
}

void trace_wait_sysblock(const std::atomic<std::uint32_t>& tick, std::uint32_t seen) {
  while (tick.load(std::memory_order_acquire) == seen) std::this_thread::yield();
}

void trace_capture_stack(g* gp) {
  gp->trace.stack = T.stacks_on.load(std::memory_order_relaxed) ? capture_stack(1) : 0;
}

void trace_run_started(int procs, const std::optional<std::string>& path, bool stacks) {
  if (!trace_enabled.load(std::memory_order_relaxed)) {
    if (path) {
      trace::options opt;
      opt.stacks = stacks;
      std::lock_guard lk(T.control);
      std::error_code ec = start_locked(*path, opt);
      if (ec) {
        std::string msg = "GORT_DEBUG: trace=\"" + *path + "\": " + ec.message();
        fatal(msg.c_str());
      }
      T.started_by_run = true;
    }
  }
  if (tracing()) {
    g_stream s;
    if (s.ok) s.event(kEvGomaxprocs, {static_cast<std::uint64_t>(procs)}, true, 0);
  }
}

void trace_run_ended(std::uint64_t last_goid) {
  std::lock_guard lk(T.control);
  if (!trace_enabled.load(std::memory_order_relaxed)) return;
  T.goid_base.fetch_add(last_goid, std::memory_order_relaxed);
  if (T.started_by_run) stop_locked();
}

// prefetch_defer_counts starts loading the cache lines of the counters trace_defer_counts reads
// (three lines of the G that a goroutine without defers never touches) at the start of the hooks
// that read them: defer_log found them cold and waited for them, most of its time.
void prefetch_defer_counts(const g* gp) noexcept {
  const counters& c = gp->st.count;
  __builtin_prefetch(&c.defers_inline);
  __builtin_prefetch(&c.defers_heap);
  __builtin_prefetch(&c.recovers);
}

void trace_defer_counts(const g* gp, std::uint64_t out[6]) noexcept {
  const counters& c = gp->st.count;
  out[0] = c.defers_inline.get();
  out[1] = c.defers_pooled.get();
  out[2] = c.defers_heap.get();
  out[3] = c.defer_heap_bytes.get();
  out[4] = c.panics.get();
  out[5] = c.recovers.get();
}

}  // namespace gort::internal

// ---------------------------------------------------------------------------------------------
// The public API.

namespace gort::trace {

using namespace gort::internal;

std::error_code start(const std::string& path, options opt) {
  std::lock_guard lk(T.control);
  return start_locked(path, opt);
}

void stop() {
  std::lock_guard lk(T.control);
  stop_locked();
}

bool enabled() noexcept {
  return tracing();
}

namespace {

// user_stack: the stack of a user annotation. Go's viewer needs at least the caller's frame on
// regions (it groups them by it), so without stacks the annotation gets that one frame.
[[gnu::always_inline]] inline std::uint64_t user_stack(void* caller) {
  if (T.stacks_on.load(std::memory_order_relaxed)) return capture_stack(1);
  return stack_id_of({reinterpret_cast<std::uintptr_t>(caller)});
}

std::uint64_t& current_task() {
  g* gp = current_g();
  return gp != nullptr ? gp->trace.task : tls_task;
}

// user_event writes a user annotation on the caller's P stream, or the global one.
template <class Fn>
void user_event(Fn&& fn) {
  p* pp;
  g* gp = current_p(&pp);
  with_stream(pp, clock::local, [&](stream& s) {
    ensure_running(s, gp);  // only on a P's stream
    fn(s);
  });
}

}  // namespace

task::task(std::string_view name) {
  if (!tracing()) return;
  id_ = T.next_task.fetch_add(1, std::memory_order_relaxed) + 1;
  std::uint64_t& cur = current_task();
  parent_ = cur;
  cur = id_;
  std::uint64_t name_id = string_id(name);
  std::uint64_t stk = user_stack(__builtin_return_address(0));
  user_event([&](stream& s) { s.event(kEvUserTaskCreate, {id_, parent_, name_id}, true, stk); });
}

void task::end() {
  if (id_ == 0 || ended_) return;
  ended_ = true;
  std::uint64_t& cur = current_task();
  if (cur == id_) cur = parent_;
  if (!tracing()) return;
  std::uint64_t stk = user_stack(__builtin_return_address(0));
  user_event([&](stream& s) { s.event(kEvUserTaskEnd, {id_}, true, stk); });
}

region::region(std::string_view name) {
  if (!tracing()) return;
  traced_ = true;
  task_ = current_task();
  name_id_ = string_id(name);
  std::uint64_t stk = user_stack(__builtin_return_address(0));
  user_event([&](stream& s) { s.event(kEvUserRegion, {task_, 0, name_id_}, true, stk); });
}

region::~region() {
  if (!traced_ || !tracing()) return;
  std::uint64_t stk = user_stack(__builtin_return_address(0));
  user_event([&](stream& s) { s.event(kEvUserRegion, {task_, 1, name_id_}, true, stk); });
}

void log(std::string_view category, std::string_view message) {
  if (!tracing()) return;
  std::uint64_t task_id = current_task();
  std::uint64_t key = string_id(category);
  std::uint64_t stk = user_stack(__builtin_return_address(0));
  if (message.size() > kMaxLogText) message = message.substr(0, kMaxLogText);
  user_event([&](stream& s) { s.event(kEvUserLog, {task_id, key}, true, stk, message); });
}

}  // namespace gort::trace
