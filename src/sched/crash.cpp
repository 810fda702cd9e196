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
//   the M's alternate signal stack and prints `runtime: goroutine stack exceeds N-byte limit`,
//   `fatal error: stack overflow` and the goroutine id, exit status 2. Faults elsewhere go to the
//   previous handler (or the default action).
//
// Symbolization: glibc's backtrace() for the addresses, dladdr() for the module, then the
// binutils addr2line program for function, file and line (run only when a crash is printed).

#include <cxxabi.h>
#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ucontext.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include <gort/panic.hpp>

#include "sched/runtime.hpp"

namespace gort::internal {

namespace {

std::terminate_handler previous_terminate = nullptr;
struct sigaction previous_segv;
struct sigaction previous_bus;
bool handlers_installed = false;
constexpr std::size_t kAltStackSize = 64 * 1024;

// Runs addr2line on one module for the given offsets; returns its output lines (two per address:
// function, then file:line), or nothing when it cannot run.
std::vector<std::string> addr2line(const std::string& module,
                                   const std::vector<std::uintptr_t>& offs) {
  std::vector<std::string> lines;
  int out[2];
  if (pipe(out) != 0) return lines;
  std::vector<std::string> args = {"addr2line", "-C", "-f", "-e", module};
  for (std::uintptr_t o : offs) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(o));
    args.push_back(buf);
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    int devnull = open("/dev/null", 0);
    if (devnull >= 0) dup2(devnull, 2);
    close(out[0]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp("addr2line", argv.data());
    _exit(127);
  }
  close(out[1]);
  if (pid < 0) {
    close(out[0]);
    return lines;
  }
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) lines.clear();
  return lines;
}

std::string demangle(const char* name) {
  int status = 0;
  char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string s = status == 0 && d != nullptr ? d : name;
  std::free(d);
  return s;
}

// Appends the current stack, innermost first, skipping `skip` innermost frames (the crash
// machinery itself) and stopping at the goroutine's entry.
void append_traceback(std::string& out, int skip) {
  void* addrs[64];
  int n = backtrace(addrs, 64);
  struct frame_info {
    std::string module;
    std::uintptr_t offset;
    std::uintptr_t pc;
    std::string fn, file;
  };
  std::vector<frame_info> frames;
  for (int i = skip; i < n; ++i) {
    // Return addresses point after the call; look up the call instruction itself.
    auto pc = reinterpret_cast<std::uintptr_t>(addrs[i]) - 1;
    Dl_info info{};
    frame_info f;
    f.pc = pc;
    if (dladdr(reinterpret_cast<void*>(pc), &info) != 0 && info.dli_fname != nullptr) {
      f.module = info.dli_fname;
      f.offset = pc - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
      if (info.dli_sname != nullptr) f.fn = demangle(info.dli_sname);
    }
    frames.push_back(f);
  }
  // One addr2line per module. The main program is named "" by dladdr on some systems.
  std::map<std::string, std::vector<std::size_t>> by_module;
  for (std::size_t i = 0; i < frames.size(); ++i)
    if (!frames[i].module.empty()) by_module[frames[i].module].push_back(i);
  for (auto& [module, idx] : by_module) {
    std::vector<std::uintptr_t> offs;
    for (std::size_t i : idx) offs.push_back(frames[i].offset);
    std::string path = module;
    if (path.find('/') == std::string::npos) path = "/proc/self/exe";
    std::vector<std::string> lines = addr2line(path, offs);
    if (lines.size() < 2 * idx.size()) continue;
    for (std::size_t k = 0; k < idx.size(); ++k) {
      frame_info& f = frames[idx[k]];
      if (lines[2 * k] != "??") f.fn = lines[2 * k];
      f.file = lines[2 * k + 1];
    }
  }
  // Start below the C++ runtime's throw machinery (terminate, __cxa_throw), and leave out the
  // runtime's own frames (Go's traceback hides runtime frames the same way).
  std::size_t first = 0;
  for (std::size_t i = 0; i < frames.size(); ++i)
    if (frames[i].fn == "__cxa_throw" || frames[i].fn == "__cxa_rethrow") first = i + 1;
  for (std::size_t i = first; i < frames.size(); ++i) {
    const frame_info& f = frames[i];
    if (f.fn.rfind("gort_start", 0) == 0) break;  // gort_start, gort_start_fresh
    bool runtime_frame =
        f.fn.rfind("gort::frame::", 0) == 0 ||
        (f.fn.rfind("gort::internal::", 0) == 0 && f.fn.find(" gort::func<") == std::string::npos);
    if (runtime_frame) continue;
    char buf[64];
    out += f.fn.empty() ? "??" : f.fn;
    out += "\n\t";
    if (!f.file.empty() && f.file.rfind("??", 0) != 0) {
      out += f.file;
    } else {
      std::snprintf(buf, sizeof buf, "%s+0x%lx", f.module.empty() ? "?" : f.module.c_str(),
                    static_cast<unsigned long>(f.offset));
      out += buf;
    }
    std::snprintf(buf, sizeof buf, " pc=0x%lx\n", static_cast<unsigned long>(f.pc));
    out += buf;
  }
}

std::string goroutine_header(const g* gp, const char* state) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "goroutine %llu [%s]:\n", static_cast<unsigned long long>(gp->id),
                state);
  return buf;
}

[[noreturn]] void print_and_exit(const std::string& text) {
  std::fflush(stdout);
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
  std::_Exit(2);
}

void on_terminate() {
  g* gp = current_g();
  std::exception_ptr e = std::current_exception();
  if (gp == nullptr || !e) {
    if (previous_terminate != nullptr) previous_terminate();
    std::abort();
  }
  std::string out = terminate_report(e) + "\n" + goroutine_header(gp, "running");
  append_traceback(out, 2);
  print_and_exit(out);
}

void on_fault(int sig, siginfo_t* info, void* uctx) {
  g* gp = current_g();
  if (gp != nullptr) {
    auto* addr = static_cast<unsigned char*>(info->si_addr);
    auto* uc = static_cast<ucontext_t*>(uctx);
    auto* sp = reinterpret_cast<unsigned char*>(uc->uc_mcontext.gregs[REG_RSP]);
    constexpr std::size_t kReach = 64 * 1024;  // how far below its stack a frame may land
    unsigned char* lo = gp->stack.lo;
    // A fault just below the stack (the guard page, or past an unguarded stack's end), or any
    // fault while the stack pointer itself is below the stack.
    bool below = addr < lo && addr + kReach >= lo;
    bool sp_out = sp < lo && sp + kReach >= lo;
    if (below || sp_out) {
      char buf[256];
      int n = std::snprintf(buf, sizeof buf,
                            "runtime: goroutine stack exceeds %zu-byte limit\n"
                            "fatal error: stack overflow\n\ngoroutine %llu [running]:\n",
                            static_cast<std::size_t>(gp->stack.hi - gp->stack.lo),
                            static_cast<unsigned long long>(gp->id));
      ssize_t w = write(2, buf, static_cast<std::size_t>(n));
      (void)w;
      _exit(2);
    }
  }
  // Not ours: hand it to whoever was installed before, or die of the default action.
  const struct sigaction& prev = sig == SIGBUS ? previous_bus : previous_segv;
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
