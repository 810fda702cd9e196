// Copyright 2026 The gort Authors.
//
// The CPU profiler (Go's runtime/pprof StartCPUProfile on Linux since Go 1.18).
//
// Terms.
//   Sample: one SIGPROF: the interrupted thread's stack (innermost first), the running
//   goroutine's id (0 on a scheduler stack or a plain thread) and its label set.
//   Runtime thread: an M, or the thread running gort::run; it registers here
//   (profile_thread_start, from init_m_thread) and has a per-thread timer while a profile runs.
//
// Clocks. Each runtime thread gets a POSIX timer on its own CPU clock (pthread_getcpuclockid,
// timer_create with SIGEV_THREAD_ID), firing SIGPROF at that thread every 1/hz seconds of its
// CPU time (hz = 100; the first expiry is random within the period, as Go does, so that threads
// started together are not sampled in step). A process-wide setitimer(ITIMER_PROF) runs too, for
// the threads without a timer of their own (the program's std::threads, sysmon, main before or
// after gort::run): the kernel sends its SIGPROF to the thread whose CPU time made it expire,
// and a thread with its own timer drops those (si_code is SI_KERNEL, not SI_TIMER), so each
// thread is sampled once per period of its own CPU, by one clock (Go's validSIGPROF).
//
// The handler (async-signal-safe: no locks, no allocation). It walks the stack with libunwind's
// unw_backtrace (libunwind8, dlopen'ed: unwind.cpp), keeps the frames from the interrupted pc down,
// and writes the sample into a fixed ring of kRingSize slots: a bounded multi-producer queue
// (Vyukov's: each slot has a sequence number; a producer claims a slot with a CAS on head, fills it
// and publishes it with a release store of seq). A full ring drops the sample and counts it (the
// profile says so in a comment). A pc inside the context-switch assembly (src/arch/), whose CFI
// does not describe its pushes, is recorded without walking further.
// The goroutine's label set is retained for the slot (labels.hpp says why that is safe); the
// reader releases it once it has copied the labels.
//
// The reader thread drains the ring every 100 ms into an aggregate keyed by (stack, goroutine,
// labels); stop_cpu_profile disarms every timer, waits until no handler is inside (an in-flight
// counter, seq_cst against the `active` flag: either the handler sees active false or stop sees
// it in flight), drains the rest, and writes the file: symbolized (src/symbolize/) and gzipped
// (profile.cpp).
//
// Why libunwind rather than frame pointers. gort, Debian's libstdc++ and the user's code are
// built without frame pointers (GCC's default at -O1 and above), so an rbp walk would lose or
// invent frames wherever a function uses rbp as a register; adding -fno-omit-frame-pointer to
// gort and its users costs a register on every hot path. libunwind reads .eh_frame (always there
// on x86-64) and caches each pc's frame shape per thread, so a walk costs about a microsecond
// (docs/pprof.md has the measurement): at 100 Hz per thread that is 0.01% of a CPU.
// libunwind also stops where gort_start's CFI ends a goroutine's stack.
//
// Locks: state_mu (start/stop, one profile at a time) before registry_mu (the registered threads
// and their timers; also taken by a runtime thread when it starts and ends). Neither is a
// runtime lock: both are held only on OS-thread code paths that never switch goroutines.
//
// Rejected: one setitimer for the whole process (Go before 1.18): Linux then charges samples to
// whichever thread happens to run, under-sampling processes with many busy threads (golang/go
// issue 35057); per-M buffers: Ms come and go and plain threads have none, and a global ring's
// CAS at 100 Hz per thread contends with nothing.

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gort/go.hpp>
#include <gort/pprof.hpp>

#include "arch/context.hpp"  // gort_switch, gort_start: the switch code lies between them
#include "pprof/labels.hpp"
#include "pprof/profile.hpp"
#include "pprof/thread_hooks.hpp"
#include "pprof/unwind.hpp"
#include "sched/env.hpp"
#include "sched/runtime.hpp"

namespace gort::pprof {
namespace {

struct pprof_category final : std::error_category {
  const char* name() const noexcept override { return "gort.pprof"; }
  std::string message(int) const override { return "cpu profiling already in use"; }
};
const pprof_category& category() {
  static const pprof_category c;
  return c;
}

}  // namespace
}  // namespace gort::pprof

namespace gort::internal {
namespace {

constexpr int kDefaultHz = 100;
std::atomic<int> next_hz{kDefaultHz};          // the rate of the next profile (tests change it)
long period_ns = 1'000'000'000L / kDefaultHz;  // the running profile's; written under state_mu
constexpr int kMaxDepth = 64;                  // frames kept per sample (Go's maxCPUProfStack)
constexpr std::uint64_t kRingSize = 1024;      // a power of two

struct ring_slot {
  std::atomic<std::uint64_t> seq{0};
  std::uint64_t goid = 0;
  label_set* labels = nullptr;
  int weight = 1;  // periods this sample stands for: 1 + the timer's overrun
  int depth = 0;
  std::uintptr_t pcs[kMaxDepth];
};

// The ring and the handler's flags: static storage, never freed (a late signal may still look).
ring_slot ring[kRingSize];
std::atomic<std::uint64_t> ring_head{0};  // next slot to claim (producers)
std::uint64_t ring_tail = 0;              // next slot to read; reader (under drain_mu) only
std::atomic<std::uint64_t> ring_lost{0};  // samples dropped because the ring was full
std::atomic<bool> active{false};          // samples are wanted (written under registry_mu)
std::atomic<int> inflight{0};             // handlers between their active check and their exit

// A thread registered for a timer of its own.
struct thread_entry {
  pid_t tid = 0;
  pthread_t self{};
  timer_t timer{};
  std::atomic<bool> has_timer{false};  // read by the thread's own handler
  bool registered = false;
};
constinit thread_local thread_entry tls_thread;

std::mutex registry_mu;
std::vector<thread_entry*>& registry() {  // guarded by registry_mu; never destroyed
  static auto* v = new std::vector<thread_entry*>;
  return *v;
}

// ---------------------------------------------------------------------------------------------
// The handler.

bool in_switch_code(std::uintptr_t pc) {
  auto lo = reinterpret_cast<std::uintptr_t>(&gort_switch);
  auto hi = reinterpret_cast<std::uintptr_t>(&gort_start) + 16;
  return pc >= lo && pc < hi;
}

void take_sample(siginfo_t* info, void* uctx) {
  if (info->si_code != SI_TIMER && tls_thread.has_timer.load(std::memory_order_relaxed))
    return;  // the process-wide timer's signal, on a thread that has its own
  // Claim a slot.
  std::uint64_t pos = ring_head.load(std::memory_order_relaxed);
  ring_slot* s;
  for (;;) {
    s = &ring[pos & (kRingSize - 1)];
    std::uint64_t seq = s->seq.load(std::memory_order_acquire);
    auto dif = static_cast<std::int64_t>(seq - pos);
    if (dif == 0) {
      if (ring_head.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
    } else if (dif < 0) {
      ring_lost.fetch_add(1, std::memory_order_relaxed);
      return;
    } else {
      pos = ring_head.load(std::memory_order_relaxed);
    }
  }

  auto* uc = static_cast<ucontext_t*>(uctx);
  auto pc = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
  s->pcs[0] = pc;
  int depth = 1;
  if (!in_switch_code(pc)) {
    void* frames[kMaxDepth + 8];
    int n = walk_stack(frames, kMaxDepth + 8);
    int i = 0;
    while (i < n && reinterpret_cast<std::uintptr_t>(frames[i]) != pc) ++i;
    // Callers' pcs are return addresses: minus 1 puts them inside the call (its line).
    for (++i; i < n && depth < kMaxDepth; ++i)
      s->pcs[depth++] = reinterpret_cast<std::uintptr_t>(frames[i]) - 1;
  }
  s->depth = depth;
  // A timer that expired again while its signal was pending counts the extra periods as
  // overrun instead of queueing another signal (seen on a loaded machine, where a thread's CPU
  // time is accounted in bursts): the sample stands for all of them.
  s->weight = info->si_code == SI_TIMER ? 1 + std::max(info->si_overrun, 0) : 1;

  m* mp = tls_m;
  g* gp = mp != nullptr ? mp->curg : nullptr;
  label_set* ls = gp != nullptr   ? gp->labels.load(std::memory_order_relaxed)
                  : mp == nullptr ? thread_labels.load(std::memory_order_relaxed)
                                  : nullptr;
  if (ls != nullptr) retain(ls);
  s->labels = ls;
  s->goid = gp != nullptr ? gp->id : 0;
  s->seq.store(pos + 1, std::memory_order_release);
}

void on_sigprof(int, siginfo_t* info, void* uctx) {
  int saved_errno = errno;
  inflight.fetch_add(1, std::memory_order_seq_cst);
  if (active.load(std::memory_order_seq_cst)) take_sample(info, uctx);
  inflight.fetch_sub(1, std::memory_order_release);
  errno = saved_errno;
}

// ---------------------------------------------------------------------------------------------
// Timers.

// REQUIRES: registry_mu held.
void arm_timer(thread_entry* te) {
  if (te->has_timer.load(std::memory_order_relaxed)) return;
  clockid_t clock;
  if (pthread_getcpuclockid(te->self, &clock) != 0) return;
  sigevent sev{};
  sev.sigev_notify = SIGEV_THREAD_ID;
  sev.sigev_signo = SIGPROF;
  sev._sigev_un._tid = te->tid;
  timer_t t;
  if (timer_create(clock, &sev, &t) != 0) return;
  te->timer = t;
  te->has_timer.store(true, std::memory_order_relaxed);
  // The first expiry anywhere in (0, period]: threads that start together are not sampled in step.
  static std::atomic<std::uint64_t> spread{0x9e3779b97f4a7c15ull};
  std::uint64_t r = spread.fetch_add(0x9e3779b97f4a7c15ull, std::memory_order_relaxed);
  r ^= r >> 29;
  long first = 1 + static_cast<long>(r % static_cast<std::uint64_t>(period_ns));
  itimerspec its{};
  its.it_interval = {period_ns / 1'000'000'000L, period_ns % 1'000'000'000L};
  its.it_value = {first / 1'000'000'000L, first % 1'000'000'000L};
  timer_settime(t, 0, &its, nullptr);
}

// REQUIRES: registry_mu held.
void disarm_timer(thread_entry* te) {
  if (!te->has_timer.load(std::memory_order_relaxed)) return;
  timer_delete(te->timer);
  te->has_timer.store(false, std::memory_order_relaxed);
}

void set_itimer(long ns) {
  itimerval it{};
  it.it_interval = {ns / 1'000'000'000L, ns % 1'000'000'000L / 1000};
  it.it_value = it.it_interval;
  setitimer(ITIMER_PROF, &it, nullptr);
}

// ---------------------------------------------------------------------------------------------
// The reader and the aggregate.

using label_list = std::vector<std::pair<std::string, std::string>>;
using sample_key = std::tuple<std::vector<std::uintptr_t>, std::uint64_t, label_list>;

struct profile_state {
  std::mutex drain_mu;  // guards ring_tail and counts
  std::map<sample_key, std::int64_t> counts;
  int fd = -1;
  std::string path;
  std::int64_t start_wall_ns = 0;
  std::chrono::steady_clock::time_point start;
  std::thread reader;
  std::mutex reader_mu;
  std::condition_variable reader_cv;
  bool reader_stop = false;  // guarded by reader_mu
  std::error_code last_error;
};

std::mutex state_mu;             // one profile at a time; guards running and the fields below
bool running = false;            // guarded by state_mu
bool handler_installed = false;  // guarded by state_mu
bool from_env = false;           // GORT_DEBUG=cpuprofile started the running profile
profile_state& state() {
  static auto* s = new profile_state;
  return *s;
}

void drain() {
  profile_state& st = state();
  std::lock_guard lock(st.drain_mu);
  for (;;) {
    ring_slot& s = ring[ring_tail & (kRingSize - 1)];
    if (s.seq.load(std::memory_order_acquire) != ring_tail + 1) break;
    std::vector<std::uintptr_t> stack(s.pcs, s.pcs + s.depth);
    std::uint64_t goid = s.goid;
    int weight = s.weight;
    label_set* ls = s.labels;
    s.labels = nullptr;
    s.seq.store(ring_tail + kRingSize, std::memory_order_release);
    ++ring_tail;
    label_list labels;
    if (ls != nullptr) {
      labels = ls->labels;
      release(ls);
    }
    st.counts[sample_key{std::move(stack), goid, std::move(labels)}] += weight;
  }
}

void reader_loop() {
  // The reader is the profiler's own cost, not the program's: it takes no SIGPROF (so the
  // process-wide timer's signals, when the thread that spent the CPU cannot take them, go to a
  // thread that drops or counts them rather than to this idle one).
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPROF);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  profile_state& st = state();
  std::unique_lock lock(st.reader_mu);
  while (!st.reader_stop) {
    st.reader_cv.wait_for(lock, std::chrono::milliseconds(100));
    lock.unlock();
    drain();
    lock.lock();
  }
}

std::error_code write_profile(profile_state& st) {
  profile_header h;
  h.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  h.period_type = {"cpu", "nanoseconds"};
  h.period = period_ns;
  h.time_nanos = st.start_wall_ns;
  h.duration_nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::steady_clock::now() - st.start)
                         .count();
  std::vector<profile_sample> samples;
  samples.reserve(st.counts.size());
  for (const auto& [key, n] : st.counts) {
    profile_sample ps;
    ps.stack = std::get<0>(key);
    ps.values = {n, n * period_ns};
    if (std::get<1>(key) != 0)
      ps.labels.emplace_back("goroutine", std::to_string(std::get<1>(key)));
    for (const auto& kv : std::get<2>(key)) ps.labels.push_back(kv);
    samples.push_back(std::move(ps));
  }
  if (std::uint64_t lost = ring_lost.exchange(0))
    h.comments.push_back("gort: " + std::to_string(lost) + " samples lost (profile ring full)");
  std::string data = encode_profile(h, samples);
  return write_gzip(st.fd, data);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Thread hooks (thread_hooks.hpp).

void profile_thread_start() {
  thread_entry* te = &tls_thread;
  std::lock_guard lock(registry_mu);
  if (te->registered) return;
  te->tid = static_cast<pid_t>(syscall(SYS_gettid));
  te->self = pthread_self();
  te->registered = true;
  registry().push_back(te);
  if (active.load(std::memory_order_relaxed)) arm_timer(te);
}

void profile_thread_exit() {
  thread_entry* te = &tls_thread;
  std::lock_guard lock(registry_mu);
  if (!te->registered) return;
  disarm_timer(te);
  auto& r = registry();
  r.erase(std::remove(r.begin(), r.end(), te), r.end());
  te->registered = false;
}

void set_cpu_profile_hz_for_testing(int hz) {
  next_hz.store(hz > 0 ? hz : kDefaultHz, std::memory_order_relaxed);
}

void profile_run_start() {
  std::optional<std::string> path = env_text("GORT_DEBUG", "cpuprofile");
  if (!path) return;
  std::error_code ec = pprof::start_cpu_profile(*path);
  if (ec) {
    std::fprintf(stderr, "gort: GORT_DEBUG=cpuprofile=%s: %s\n", path->c_str(),
                 ec.message().c_str());
    return;
  }
  std::lock_guard lock(state_mu);
  from_env = true;
}

void profile_run_end() {
  {
    std::lock_guard lock(state_mu);
    if (!from_env) return;
    from_env = false;
  }
  pprof::stop_cpu_profile();
}

}  // namespace gort::internal

namespace gort::pprof {

using namespace gort::internal;

std::error_code start_cpu_profile(std::string_view path) {
  std::lock_guard lock(state_mu);
  if (running) return std::error_code(1, category());
  std::string p(path);
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return std::error_code(errno, std::system_category());

  if (!handler_installed) {
    for (std::uint64_t i = 0; i < kRingSize; ++i) ring[i].seq.store(i, std::memory_order_relaxed);
    ring_head.store(0);
    ring_tail = 0;
    load_unwinder();  // libunwind's set-up, here and not in a handler (without it: leaf pcs only)
    struct sigaction sa {};
    sa.sa_sigaction = &on_sigprof;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPROF, &sa, nullptr);
    handler_installed = true;
  }

  profile_state& st = state();
  st.counts.clear();
  st.fd = fd;
  st.path = std::move(p);
  st.start_wall_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  st.start = std::chrono::steady_clock::now();
  st.reader_stop = false;
  ring_lost.store(0);
  period_ns = 1'000'000'000L / next_hz.load(std::memory_order_relaxed);
  running = true;
  {
    std::lock_guard rlock(registry_mu);
    active.store(true, std::memory_order_seq_cst);
    for (thread_entry* te : registry()) arm_timer(te);
  }
  set_itimer(period_ns);
  st.reader = std::thread(reader_loop);
  return {};
}

namespace {
void stop_and_write() {
  std::lock_guard lock(state_mu);
  if (!running) return;
  set_itimer(0);
  {
    std::lock_guard rlock(registry_mu);
    active.store(false, std::memory_order_seq_cst);
    for (thread_entry* te : registry()) disarm_timer(te);
  }
  while (inflight.load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
  profile_state& st = state();
  {
    std::lock_guard rl(st.reader_mu);
    st.reader_stop = true;
  }
  st.reader_cv.notify_one();
  st.reader.join();
  drain();
  std::error_code ec = write_profile(st);
  if (::close(st.fd) != 0 && !ec) ec = std::error_code(errno, std::system_category());
  st.fd = -1;
  st.counts.clear();
  st.last_error = ec;
  if (ec) std::fprintf(stderr, "gort: cpu profile %s: %s\n", st.path.c_str(), ec.message().c_str());
  running = false;
  from_env = false;  // a profile GORT_DEBUG started and the program stopped is not stopped again
}
}  // namespace

void stop_cpu_profile() {
  // Symbolizing and writing take a while: on a goroutine, as a blocking call, so that its P
  // goes on running the other goroutines.
  gort::blocking(stop_and_write);
}

std::error_code cpu_profile_error() {
  std::lock_guard lock(state_mu);
  return state().last_error;
}

}  // namespace gort::pprof
