// Copyright 2026 The gort Authors.
//
// Crash reports, as Go prints them.
//
//   Unrecovered panic on a goroutine. The frame core runs the deferred calls of every frame, then
//   throws gort::panic_error out of the outermost gort::func (or straight from gort::panic when
//   the goroutine has no frame; a C++ exception escapes as itself). The goroutine's entry
//   (g_main) catches only goroutine_exit, and gort_start's CFI ends the stack, so the unwinder
//   finds no handler and std::terminate runs on the throwing stack. Our terminate handler prints
//   Go's lines (`panic: ...`, earlier panics first, `[recovered]` where it applies), a blank line,
//   `goroutine N [running]:` and the symbolized stack, and exits with status 2.
//   The stack is the one at the throw: for a gort panic that left a gort::func, the outermost
//   frame's rethrow (the frames inside it were unwound to run their deferred calls, C++ style).
//
//   Stack overflow. A goroutine that runs into its guard page gets SIGSEGV; the handler runs on
//   the M's alternate signal stack and prints `runtime: goroutine stack exceeds N-byte limit`
//   (N: the stack's configured size), Go's `runtime: sp=... stack=[...]` line,
//   `fatal error: stack overflow`, `goroutine N [running]:` and the stack, exit status 2. A fault
//   counts as an overflow when the faulting address lies within kReach below the stack, or the
//   stack pointer itself is below it (by at most one stack and kReach: further down, the stack
//   pointer is more likely somewhere else on purpose, such as a signal handler's own stack). With
//   -fstack-clash-protection (gort::gort's consumers get it) a large frame touches its pages in
//   order, so the first touch below the stack is in the guard page. An unguarded stack (see
//   stack.cpp) is caught late: by this handler only when what lies below it is unmapped, else at
//   its next switch to the scheduler (fatal_unguarded_stack_overflow); those reports say that
//   memory below the stack may have been overwritten.
//
//   Hardware faults in a goroutine (SIGSEGV, SIGBUS, SIGFPE raised by the CPU, not sent with
//   kill) follow Go's sigpanic: an address below 0x1000 is `panic: runtime error: invalid memory
//   address or nil pointer dereference`, another address `unexpected fault address 0x...` and
//   `fatal error: fault`, a division by zero `panic: runtime error: integer divide by zero`;
//   then Go's `[signal SIG...: ... code=0x.. addr=0x.. pc=0x..]` line, `goroutine N [running]:`
//   and the faulting goroutine's stack, exit status 2. Go's nil dereference is a panic that
//   deferred calls may recover; in C++ it is undefined behaviour after which nothing can resume
//   the goroutine, so no deferred call runs and the report's last line says so.
//
//   Everything else goes to the previous handler (or the default action): faults on threads that
//   run no goroutine, on an M's scheduler stack (g0), and signals sent by kill. Under ASan the
//   previous handler is ASan's; TSan keeps its own handler in front and calls ours. Either way
//   faults outside goroutines still get the sanitizer's report.
//
//   Async-signal safety. After a fault the process is dying, and the report is best effort, but it
//   allocates nothing: text goes to fd 2 through a static buffer (report_writer), the frames and
//   addr2line's output live in static arrays (one report at a time: a second thread that starts
//   one waits for the first one's exit; a fault inside a report ends the process at once). What
//   remains is backtrace() (libgcc's unwinder, which crosses the signal frame; glibc loads it at
//   its first call, made at install time so that no handler dlopens it), dladdr, snprintf, and
//   fork + exec of addr2line. A fault while the loader's lock is held (inside dlopen) can still
//   hang the report after its first lines. The panic report (on_terminate) uses the same path.
//
// Symbolization: glibc's backtrace() for the addresses, dladdr() for the module, then the
// binutils addr2line program for function, file and line (run only when a crash is printed).
//
// Rejected: Go's way of turning a fault into a panic (rewrite the signal context so that the
// faulting goroutine returns from the handler into a call of sigpanic). For C++ that call could
// only print, as here (throwing from it needs -fnon-call-exceptions in every frame between, and an
// overflowed stack has no room for it), and it would add hand-written CFI for the fake frame.
// libunwind walking from the ucontext: not needed, since backtrace() crosses the signal frame.

#include <cxxabi.h>
#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ucontext.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include <gort/panic.hpp>

#include "sched/runtime.hpp"

namespace gort::internal {

namespace {

std::terminate_handler previous_terminate = nullptr;
struct sigaction previous_segv;
struct sigaction previous_bus;
struct sigaction previous_fpe;
bool handlers_installed = false;
constexpr std::size_t kAltStackSize = 64 * 1024;
constexpr int kMaxAddrs = 256;             // frames collected
constexpr int kMaxFrames = 100;            // Go's traceback prints at most 100 frames, then says so
constexpr std::size_t kReach = 64 * 1024;  // how far below its stack a faulting access may land

// Set by the first thread that prints a crash report; others wait for its exit. Atomic: any M
// may crash at any time; the exchange is all that orders them, and the winner owns the static
// buffers below.
std::atomic<bool> reporting{false};
constinit thread_local bool reporting_here = false;  // this thread is printing a report

// ---------------------------------------------------------------------------------------------
// Output: straight to fd 2 through a static buffer.

void write_all(const char* text, std::size_t n) {
  while (n > 0) {
    ssize_t w = write(2, text, n);
    if (w <= 0) return;
    text += w;
    n -= static_cast<std::size_t>(w);
  }
}

class report_writer {
 public:
  void put(const char* s) { put(s, std::strlen(s)); }
  void put(const char* s, std::size_t n) {
    while (n > 0) {
      if (len_ == sizeof buf_) flush();
      std::size_t k = std::min(n, sizeof buf_ - len_);
      std::memcpy(buf_ + len_, s, k);
      len_ += k;
      s += k;
      n -= k;
    }
  }
  [[gnu::format(printf, 2, 3)]] void putf(const char* fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = std::vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) put(tmp, std::min(static_cast<std::size_t>(n), sizeof tmp - 1));
  }
  void flush() {
    write_all(buf_, len_);
    len_ = 0;
  }

 private:
  char buf_[4096];
  std::size_t len_ = 0;
};

report_writer out;  // owned by the reporting thread

// begin_report makes this thread the one that prints (see `reporting`).
void begin_report() {
  if (reporting_here) {
    static const char msg[] = "fatal error: fault while printing a crash report\n";
    write_all(msg, sizeof msg - 1);
    _exit(2);
  }
  reporting_here = true;
  if (reporting.exchange(true, std::memory_order_acq_rel))
    for (;;) pause();
  std::fflush(stdout);
}

[[noreturn]] void end_report() {
  out.flush();
  _exit(2);
}

// ---------------------------------------------------------------------------------------------
// Symbolization: dladdr for the module, then one addr2line run per module for function, file and
// line. Everything lives in static arrays owned by the reporting thread.

struct frame_sym {
  std::uintptr_t pc;      // the call instruction (or the faulting one)
  std::uintptr_t offset;  // pc in the module
  const char* module;     // dladdr's file name (the loader's string), or nullptr
  const char* fn;         // function name (addr2line's, demangled; else dladdr's), or nullptr
  const char* file;       // file:line from addr2line, or nullptr
};

frame_sym frames[kMaxAddrs];
void* addrs[kMaxAddrs];
char a2l_text[1 << 20];  // addr2line's output, split into lines in place
std::size_t a2l_used = 0;
char a2l_args[kMaxAddrs][24];
char* a2l_argv[kMaxAddrs + 8];
const char* a2l_lines[2 * kMaxAddrs + 2];

// Runs addr2line on `module` for the frames idx[0..n); on success points their fn and file at its
// output (two lines per address: function, then file:line) and returns true.
bool addr2line(const char* module, const int* idx, int n) {
  int pipefd[2];
  if (pipe(pipefd) != 0) return false;
  int argc = 0;
  a2l_argv[argc++] = const_cast<char*>("addr2line");
  a2l_argv[argc++] = const_cast<char*>("-C");
  a2l_argv[argc++] = const_cast<char*>("-f");
  a2l_argv[argc++] = const_cast<char*>("-e");
  a2l_argv[argc++] = const_cast<char*>(module);
  for (int k = 0; k < n; ++k) {
    std::snprintf(a2l_args[k], sizeof a2l_args[k], "0x%lx",
                  static_cast<unsigned long>(frames[idx[k]].offset));
    a2l_argv[argc++] = a2l_args[k];
  }
  a2l_argv[argc] = nullptr;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], 1);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 2);
    close(pipefd[0]);
    execvp("addr2line", a2l_argv);
    _exit(127);
  }
  close(pipefd[1]);
  if (pid < 0) {
    close(pipefd[0]);
    return false;
  }
  char* text = a2l_text + a2l_used;
  std::size_t room = sizeof a2l_text - a2l_used - 1, len = 0;
  for (ssize_t r; len < room && (r = read(pipefd[0], text + len, room - len)) > 0;)
    len += static_cast<std::size_t>(r);
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return false;
  text[len] = '\0';
  a2l_used += len + 1;
  int lines = 0;
  for (char* p = text; *p != '\0' && lines < 2 * n;) {
    a2l_lines[lines++] = p;
    char* nl = std::strchr(p, '\n');
    if (nl == nullptr) break;
    *nl = '\0';
    p = nl + 1;
  }
  if (lines < 2 * n) return false;
  for (int k = 0; k < n; ++k) {
    frame_sym& f = frames[idx[k]];
    if (std::strcmp(a2l_lines[2 * k], "??") != 0) f.fn = a2l_lines[2 * k];
    if (std::strncmp(a2l_lines[2 * k + 1], "??", 2) != 0) f.file = a2l_lines[2 * k + 1];
  }
  return true;
}

bool starts_with(const char* s, const char* prefix) {
  return s != nullptr && std::strncmp(s, prefix, std::strlen(prefix)) == 0;
}

// Prints frames[0..n), innermost first: one line with the function, one with file:line (or
// module+offset) and pc. Frames of the runtime are left out (Go's traceback hides runtime frames
// the same way), and so is everything below the goroutine's entry. With `below_throw`, the trace
// starts below the C++ runtime's throw machinery (terminate, __cxa_throw). `may_allocate`: not in
// a signal handler, so names addr2line could not give may be demangled.
void print_frames(int n, bool below_throw, bool may_allocate) {
  a2l_used = 0;
  for (int i = 0; i < n; ++i) {
    Dl_info info{};
    frame_sym& f = frames[i];
    f.offset = 0;
    f.module = f.fn = f.file = nullptr;
    if (dladdr(reinterpret_cast<void*>(f.pc), &info) != 0 && info.dli_fname != nullptr) {
      f.module = info.dli_fname;
      f.offset = f.pc - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
      f.fn = info.dli_sname;
    }
  }
  // One addr2line per module. The main program is named "" by dladdr on some systems.
  static bool done[kMaxAddrs];
  static int idx[kMaxAddrs];
  std::fill(done, done + n, false);
  for (int i = 0; i < n; ++i) {
    if (done[i] || frames[i].module == nullptr) continue;
    int k = 0;
    for (int j = i; j < n; ++j)
      if (!done[j] && frames[j].module != nullptr &&
          std::strcmp(frames[j].module, frames[i].module) == 0) {
        done[j] = true;
        idx[k++] = j;
      }
    const char* path =
        std::strchr(frames[i].module, '/') != nullptr ? frames[i].module : "/proc/self/exe";
    addr2line(path, idx, k);
  }
  int first = 0;
  if (below_throw)
    for (int i = 0; i < n; ++i)
      if (starts_with(frames[i].fn, "__cxa_throw") || starts_with(frames[i].fn, "__cxa_rethrow"))
        first = i + 1;
  int printed = 0;
  for (int i = first; i < n; ++i) {
    const frame_sym& f = frames[i];
    if (starts_with(f.fn, "gort_start")) break;  // gort_start, gort_start_fresh
    // Demangled names from addr2line; mangled ones from dladdr when it could not run.
    bool runtime_frame =
        starts_with(f.fn, "gort::frame::") || starts_with(f.fn, "_ZN4gort5frame") ||
        ((starts_with(f.fn, "gort::internal::") || starts_with(f.fn, "_ZN4gort8internal")) &&
         std::strstr(f.fn, " gort::func<") == nullptr &&
         std::strstr(f.fn, "4gort4func") == nullptr);
    if (runtime_frame) continue;
    if (printed == kMaxFrames) {
      out.put("...additional frames elided...\n");
      break;
    }
    ++printed;
    const char* fn = f.fn;
    if (fn != nullptr && may_allocate && f.file == nullptr) {
      int status = 0;
      char* d = abi::__cxa_demangle(fn, nullptr, nullptr, &status);  // freed by the exit
      if (status == 0 && d != nullptr) fn = d;
    }
    out.put(fn != nullptr ? fn : "??");
    out.put("\n\t");
    if (f.file != nullptr)
      out.put(f.file);
    else
      out.putf("%s+0x%lx", f.module != nullptr ? f.module : "?",
               static_cast<unsigned long>(f.offset));
    out.putf(" pc=0x%lx\n", static_cast<unsigned long>(f.pc));
  }
}

// Prints the current stack, skipping `skip` innermost frames (the crash machinery itself).
void print_traceback(int skip) {
  int n = backtrace(addrs, kMaxAddrs);
  int k = 0;
  // Return addresses point after the call; look up the call instruction itself.
  for (int i = skip; i < n; ++i) frames[k++].pc = reinterpret_cast<std::uintptr_t>(addrs[i]) - 1;
  print_frames(k, true, true);
}

// Prints the stack of the code a signal interrupted at `fault_pc`. Called in the handler:
// backtrace() walks the handler's frames, crosses the signal frame (libgcc reads the saved
// registers from it) and goes on with the interrupted code, whose first frame is the faulting
// instruction itself (not a return address). When the unwinder cannot cross the signal frame,
// only the faulting frame is shown.
void print_signal_traceback(std::uintptr_t fault_pc) {
  int n = backtrace(addrs, kMaxAddrs);
  int at = -1;
  for (int i = 0; i < n && at < 0; ++i)
    if (reinterpret_cast<std::uintptr_t>(addrs[i]) == fault_pc) at = i;
  int k = 0;
  frames[k++].pc = fault_pc;
  if (at >= 0)
    for (int i = at + 1; i < n; ++i)
      frames[k++].pc = reinterpret_cast<std::uintptr_t>(addrs[i]) - 1;
  print_frames(k, false, false);
}

void print_goroutine_header(const g* gp, const char* state) {
  out.putf("goroutine %llu [%s]:\n", static_cast<unsigned long long>(gp->id), state);
}

// ---------------------------------------------------------------------------------------------
// Reports.

void on_terminate() {
  g* gp = current_g();
  std::exception_ptr e = std::current_exception();
  // With no current exception, a panic raised as a forced unwind may have met a noexcept
  // function (src/defer/panic.cpp): its report comes from the panic list.
  if (gp == nullptr || (!e && !panic_in_flight())) {
    if (previous_terminate != nullptr) previous_terminate();
    std::abort();
  }
  std::string report = terminate_report(e);
  begin_report();
  out.put(report.data(), report.size());
  out.put("\n");
  print_goroutine_header(gp, gstatus_name(gstatus::running));
  out.flush();
  print_traceback(2);
  end_report();
}

}  // namespace

void fatal(const char* message) noexcept {
  std::fflush(stdout);
  std::fprintf(stderr, "fatal error: %s\n", message);
  std::fflush(stderr);
  std::_Exit(2);
}

// runtime_throw adds the stack that found the broken invariant: the goroutine's, or the M's
// scheduler stack ("runtime stack:", as Go labels g0's).
void runtime_throw(const char* message) noexcept {
  begin_report();
  out.putf("fatal error: %s\n\n", message);
  if (const g* gp = current_g(); gp != nullptr)
    print_goroutine_header(gp, gstatus_name(gstatus::running));
  else
    out.put("runtime stack:\n");
  out.flush();
  print_traceback(2);
  end_report();
}

namespace {

// report_stack_overflow prints Go's stack overflow report for gp and exits with status 2. `sp` is
// the stack pointer at the overflow; `fault_pc`, when not 0, the faulting instruction, whose stack
// is printed (a switch-time check has no stack to show).
[[noreturn]] void report_stack_overflow(const g* gp, std::uintptr_t sp, std::uintptr_t fault_pc) {
  out.putf("runtime: goroutine stack exceeds %zu-byte limit\n", gp->stack.bytes);
  out.putf("runtime: sp=0x%lx stack=[0x%lx, 0x%lx]\n", static_cast<unsigned long>(sp),
           reinterpret_cast<unsigned long>(gp->stack.lo),
           reinterpret_cast<unsigned long>(gp->stack.hi));
  if (!gp->stack.guarded)
    out.put(
        "runtime: the stack has no guard page (past the guard budget of a kernel without "
        "MADV_GUARD_INSTALL): the overflow was caught late and may have overwritten memory below "
        "the stack\n");
  out.put("fatal error: stack overflow\n\n");
  print_goroutine_header(gp, gstatus_name(gstatus::running));
  out.flush();  // the header is out even if symbolization gets stuck
  if (fault_pc != 0) print_signal_traceback(fault_pc);
  end_report();
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGSEGV:
      return "SIGSEGV: segmentation violation";
    case SIGBUS:
      return "SIGBUS: bus error";
    default:
      return "SIGFPE: floating-point exception";
  }
}

// report_hardware_fault prints Go's report for a fault the CPU raised in gp's code (Go's sigpanic
// and dopanic_m) and exits with status 2.
[[noreturn]] void report_hardware_fault(const g* gp, int sig, const siginfo_t* info,
                                        std::uintptr_t pc) {
  auto addr = reinterpret_cast<std::uintptr_t>(info->si_addr);
  const char* panic = nullptr;  // a Go panic, else Go's throw("fault")
  if (sig == SIGFPE) {
    panic = info->si_code == FPE_INTDIV   ? "integer divide by zero"
            : info->si_code == FPE_INTOVF ? "integer overflow"
                                          : "floating point error";
  } else if (addr < 0x1000 && (sig == SIGSEGV || info->si_code == BUS_ADRERR)) {
    panic = "invalid memory address or nil pointer dereference";
  }
  if (panic != nullptr)
    out.putf("panic: runtime error: %s\n", panic);
  else
    out.putf("unexpected fault address 0x%lx\nfatal error: fault\n",
             static_cast<unsigned long>(addr));
  out.putf("[signal %s code=0x%x addr=0x%lx pc=0x%lx]\n\n", signal_name(sig),
           static_cast<unsigned>(info->si_code), static_cast<unsigned long>(addr),
           static_cast<unsigned long>(pc));
  print_goroutine_header(gp, gstatus_name(gstatus::running));
  out.flush();  // the header is out even if symbolization gets stuck
  print_signal_traceback(pc);
  // Go's panic would run the goroutine's deferred calls first, and recover() could stop it.
  if (panic != nullptr)
    out.put("runtime: no deferred call ran: C++ cannot recover from a hardware fault\n");
  end_report();
}

void on_fault(int sig, siginfo_t* info, void* uctx) {
  g* gp = current_g();
  // si_code > 0: raised by the kernel for this instruction (kill and sigqueue give <= 0).
  if (gp != nullptr && info->si_code > 0) {
    auto addr = reinterpret_cast<std::uintptr_t>(info->si_addr);
    auto* uc = static_cast<ucontext_t*>(uctx);
    auto sp = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]);
    auto pc = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
    auto lo = reinterpret_cast<std::uintptr_t>(gp->stack.lo);
    auto hi = reinterpret_cast<std::uintptr_t>(gp->stack.hi);
    // A fault just below the stack (the guard page, or past an unguarded stack's end), or any
    // fault while the stack pointer itself is below the stack.
    bool below = addr < lo && addr + kReach >= lo;
    bool sp_out = sp < lo && sp + gp->stack.bytes + kReach >= lo;
    if (sig != SIGFPE && (below || sp_out)) {
      begin_report();
      report_stack_overflow(gp, sp, pc);
    }
    // The goroutine's own code faulted (not the scheduler on g0 just before or after a switch).
    if (sp >= lo && sp <= hi) {
      begin_report();
      report_hardware_fault(gp, sig, info, pc);
    }
  }
  // Not ours: hand it to whoever was installed before, or die of the default action.
  const struct sigaction& prev = sig == SIGBUS   ? previous_bus
                                 : sig == SIGFPE ? previous_fpe
                                                 : previous_segv;
  if ((prev.sa_flags & SA_SIGINFO) != 0 && prev.sa_sigaction != nullptr) {
    prev.sa_sigaction(sig, info, uctx);
    return;
  }
  if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN && prev.sa_handler != nullptr) {
    prev.sa_handler(sig);
    return;
  }
  signal(sig, SIG_DFL);  // returning re-runs the faulting instruction, which now kills us
}

}  // namespace

void install_crash_handlers() {
  if (handlers_installed) return;
  handlers_installed = true;
  previous_terminate = std::set_terminate(&on_terminate);
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = &on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &previous_segv);
  sigaction(SIGBUS, &sa, &previous_bus);
  sigaction(SIGFPE, &sa, &previous_fpe);
  // glibc loads libgcc's unwinder (dlopen, malloc) at the first backtrace(): do it now, not in
  // a signal handler.
  void* warm[2];
  backtrace(warm, 2);
}

void fatal_unguarded_stack_overflow(const g* gp) noexcept {
  begin_report();
  report_stack_overflow(gp, reinterpret_cast<std::uintptr_t>(gp->ctx.sp), 0);
}

void install_altstack(m* mp) {
  // A thread that already has one (set by the program or a sanitizer) keeps it.
  stack_t old;
  if (sigaltstack(nullptr, &old) == 0 && (old.ss_flags & SS_DISABLE) == 0) return;
  mp->altstack = std::malloc(kAltStackSize);
  if (mp->altstack == nullptr) return;
  stack_t ss{};
  ss.ss_sp = mp->altstack;
  ss.ss_size = kAltStackSize;
  ss.ss_flags = 0;
  sigaltstack(&ss, nullptr);
}

void free_altstack(m* mp) noexcept {
  if (mp->altstack == nullptr) return;
  stack_t ss{};
  ss.ss_flags = SS_DISABLE;
  sigaltstack(&ss, nullptr);
  std::free(mp->altstack);
  mp->altstack = nullptr;
}

}  // namespace gort::internal
