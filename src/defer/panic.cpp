// Copyright 2026 The gort Authors.
//
// panic, recover, goexit and the thread's panic list.
//
// The panic list (defer_state::panic, newest first) is Go's g._panic: every panic that started
// and has not ended, including aborted ones (a newer panic started in a deferred call they were
// running) and recovered ones whose deferred call then panicked again; Go prints them all when
// the program dies. See src/defer/frame.cpp for how frames walk it.
//
// Lifetime. A record is freed when it is off the list and no panic_signal refers to it. Records
// are carried by C++ exceptions, and C++ code may catch and drop one between two frames (Go code
// cannot). Two rules keep the list true anyway:
//   - a gort panic_signal counts references: when the last signal of an in-flight record dies,
//     a catch block swallowed it, and it leaves the list;
//   - a C++ exception carries no signal, so records for them are pruned by position: a record in
//     flight towards frame T is stale once a frame at or outside T handles something else.
//
// Thread safety: the list belongs to one thread (later: one goroutine). Moving a std::exception_ptr
// of a gort panic to another thread and rethrowing it there is not supported.

#include <cxxabi.h>
#include <unwind.h>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <gort/frame.hpp>
#include <gort/panic.hpp>

#include "defer/panic_record.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

namespace gort {
namespace internal {

// ---------------------------------------------------------------------------------------------
// Records.

panic_record* alloc_panic() {
  defer_state& ts = current_state();
  void* mem = ts.spare_panic;
  if (mem != nullptr)
    ts.spare_panic = nullptr;
  else
    mem = ::operator new(sizeof(panic_record));
  return ::new (mem) panic_record;
}

void free_panic(panic_record* p) noexcept {
  p->~panic_record();
  defer_state& ts = current_state();
  if (ts.spare_panic == nullptr)
    ts.spare_panic = p;
  else
    ::operator delete(p);
}

// ---------------------------------------------------------------------------------------------
// panic_signal reference counting.

panic_signal::panic_signal(panic_record* record) noexcept : record_(record) {
  ++record_->refs;
}

panic_signal::panic_signal(const panic_signal& other) noexcept : record_(other.record_) {
  ++record_->refs;
}

panic_signal::~panic_signal() {
  panic_record* p = record_;
  if (--p->refs != 0) return;
  if (!p->on_list) {
    free_panic(p);
  } else if (p->state == panic_state::in_flight) {
    remove_panic(current_state(), p);  // swallowed between frames
  }
}

// ---------------------------------------------------------------------------------------------
// The list.

void push_panic(defer_state& ts, panic_record* p) {
  p->link = ts.panic;
  p->on_list = true;
  ts.panic = p;
}

void remove_panic(defer_state& ts, panic_record* p) {
  for (panic_record** at = &ts.panic; *at != nullptr; at = &(*at)->link) {
    if (*at == p) {
      *at = p->link;
      break;
    }
  }
  p->link = nullptr;
  p->on_list = false;
  p->state = panic_state::detached;
  p->defer_depth = 0;
  if (p->refs == 0) free_panic(p);
}

static bool outside_or_at(std::uint32_t at, std::uint32_t target, bool inclusive) {
  // Frames of one goroutine nest strictly: an outer frame has a smaller depth.
  return inclusive ? at <= target : at < target;
}

void prune_stale(defer_state& ts, std::uint32_t at, panic_record* keep, bool unwinding) {
  panic_record* p = ts.panic;
  while (p != nullptr) {
    panic_record* next = p->link;
    if (p != keep && p->state == panic_state::in_flight && outside_or_at(at, p->target, !unwinding))
      remove_panic(ts, p);
    p = next;
  }
}

void clear_panics(defer_state& ts) {
  while (ts.panic != nullptr) remove_panic(ts, ts.panic);
}

panic_record* adopt_foreign(defer_state& ts, std::uint32_t at, std::exception_ptr e) {
  panic_record* found = nullptr;
  for (panic_record* p = ts.panic; p != nullptr; p = p->link) {
    if (p->foreign == e) {
      found = p;
      break;
    }
  }
  prune_stale(ts, at, found, false);
  if (found != nullptr) return found;
  panic_record* p = alloc_panic();
  p->value = e;
  p->describe = &describe_value<std::exception_ptr>;
  p->foreign = std::move(e);
  p->state = panic_state::processing;
  push_panic(ts, p);
  ++ts.count.panics;
  return p;
}

void adopt_signal(defer_state& ts, std::uint32_t at, panic_record* p) {
  prune_stale(ts, at, p, false);
  if (!p->on_list) push_panic(ts, p);  // it had been dropped (caught and kept, then rethrown)
  p->state = panic_state::processing;
}

// ---------------------------------------------------------------------------------------------
// Raising a panic.
//
// A C++ throw runs the unwinder twice: the search phase asks every frame's personality whether it
// handles the exception, then the cleanup phase unwinds to the handler found. A gort panic's
// handler is known: the innermost gort::func, whose guarded() catches everything. So a panic is
// raised as a forced unwind (_Unwind_ForcedUnwind, what thread cancellation uses), the cleanup
// phase alone: every frame's cleanups (destructors) run as before, and the first handler that
// matches a forced unwind takes it: a `catch (...)`, or a `catch (abi::__forced_unwind&)` such as
// the frame's own. Typed catches never match, as they never matched a panic_signal (an internal
// type). The exception object is a normal C++ one (__cxa_allocate_exception, a panic_signal), so
// `catch (...)` blocks between the panic and the frame see it as before: std::current_exception()
// holds it, `throw;` continues the forced unwind, std::rethrow_exception throws it again as a
// normal exception (which the frame's `catch (panic_signal&)` takes), and swallowing it destroys
// the signal, which drops the panic as before. What differs (docs/defer.md, "Panic cost, third
// pass"): a noexcept function between the panic and the frame calls std::terminate from the
// unwinder without making the panic the current exception (gort::run's handler reports it from
// the panic list), and a panic with no handler at all runs every cleanup up the stack before
// terminating (a C++ throw terminates before any), which only a frame-less stack (no gort::func
// above the panic on its stack) could reach, and start_panic already turns that into panic_error.

namespace {

// The Itanium C++ ABI's per-thread exception globals (cxxabi.h only declares the struct).
struct eh_globals {
  void* caught_exceptions;
  unsigned int uncaught_exceptions;
};

_Unwind_Reason_Code panic_stop(int, _Unwind_Action, _Unwind_Exception_Class, _Unwind_Exception*,
                               _Unwind_Context*, void*) {
  return _URC_NO_REASON;  // run each frame's personality (cleanups, catch (...) handlers)
}

// What __cxa_throw does, with _Unwind_ForcedUnwind instead of _Unwind_RaiseException.
[[noreturn, gnu::always_inline]] inline void raise_signal(void* obj) {
#if defined(__SANITIZE_ADDRESS__)
  __asan_handle_no_return();  // ASan's __cxa_throw interceptor does it for a throw
#endif
  ++static_cast<eh_globals*>(static_cast<void*>(abi::__cxa_get_globals()))->uncaught_exceptions;
  void* header = abi::__cxa_init_primary_exception(
      obj, const_cast<std::type_info*>(&typeid(panic_signal)), &destroy_panic_signal);
  *static_cast<int*>(header) = 1;  // __cxa_refcounted_exception::referenceCount
  // The unwind header ends the __cxa_exception that precedes the object, and adjustedPtr ends
  // just before it: the pointer __cxa_begin_catch returns, which forced_panic() checks.
  _Unwind_Exception* ue = static_cast<_Unwind_Exception*>(obj) - 1;
  static_cast<void**>(static_cast<void*>(ue))[-1] = obj;
  _Unwind_ForcedUnwind(ue, &panic_stop, nullptr);
  abi::__cxa_begin_catch(ue);  // no frame took it (as __cxa_throw does then)
  std::terminate();
}

}  // namespace

void raise_panic(panic_record* p) {
  raise_signal(start_panic_exception(p));
}

panic_record* forced_panic(void* caught) noexcept {
  // A foreign forced unwind (thread cancellation) is caught with a null object; a C++ one that
  // gort did not raise has a null adjustedPtr too, and anything else must be a panic_signal.
  if (caught == nullptr) return nullptr;
  const std::type_info* t = abi::__cxa_current_exception_type();
  if (t == nullptr || *t != typeid(panic_signal)) return nullptr;
  return static_cast<panic_signal*>(caught)->record();
}

bool panic_in_flight() noexcept {
  const panic_record* p = current_state().panic;
  return p != nullptr && p->state == panic_state::in_flight;
}

void rethrow_panic(panic_record* p) {
  if (p->foreign) std::rethrow_exception(p->foreign);
  void* e = abi::__cxa_allocate_exception(sizeof(panic_signal));
  raise_signal(::new (e) panic_signal(p));
}

static std::string panic_line(const panic_record* p) {
  std::string s = "panic: " + p->describe(p->value);
  if (p->recovered) s += " [recovered]";
  return s;
}

// Go's printpanics: oldest first, each later one on a line of its own starting with a tab.
static std::string panic_report(const panic_record* newest) {
  if (newest == nullptr) return "";
  std::string older = panic_report(newest->link);
  if (newest->goexit) return older;
  if (!older.empty()) older += "\t";
  return older + panic_line(newest) + "\n";
}

void escape_outermost(defer_state& ts, panic_record* p) {
  if (p->foreign) {
    std::exception_ptr e = p->foreign;
    clear_panics(ts);
    std::rethrow_exception(e);
  }
  std::any value = p->value;
  std::string text = p->describe(p->value);
  std::string report = panic_report(ts.panic);
  clear_panics(ts);
  throw panic_error(std::move(value), std::move(text), std::move(report));
}

std::string terminate_report(const std::exception_ptr& e) {
  // std::terminate runs with the exception that ended the program current; the thread's panic
  // list still holds every panic that had started and not ended (an in-flight one whose unwinding
  // ran a destructor that threw, say), as Go's printpanics sees g._panic when it dies.
  defer_state& ts = current_state();
  // No current exception while a panic is in flight: a noexcept function on its way (the unwinder
  // terminates there without making it current, see "Raising a panic").
  if (!e) return panic_report(ts.panic);
  const panic_record* newest = nullptr;
  try {
    std::rethrow_exception(e);
  } catch (const panic_error& pe) {
    return pe.report();  // already left its outermost frame, with its chain
  } catch (const panic_signal& s) {
    newest = s.record();
  } catch (...) {
  }
  std::string chain = panic_report(ts.panic);
  bool listed = false;
  for (const panic_record* p = ts.panic; p != nullptr; p = p->link)
    if (p == newest || (p->foreign && p->foreign == e)) listed = true;
  if (listed) return chain;
  // An exception no frame has seen yet (or a record already off the list): the newest panic.
  std::string line = newest != nullptr ? panic_line(newest) : "panic: " + describe_exception(e);
  if (newest != nullptr && newest->goexit) return chain;
  return chain.empty() ? line + "\n" : chain + "\t" + line + "\n";
}

// ---------------------------------------------------------------------------------------------
// panic, recover, goexit.

// After current_state(), which normalizes an unregistered thread's depth to 0.
static bool in_frame() {
  return cur_depth != 0;
}

panic_record* new_panic(describe_fn describe) {
  panic_record* p = alloc_panic();
  p->describe = describe;
  return p;
}

std::any& panic_value(panic_record* p) noexcept {
  return p->value;
}

void delete_panic(panic_record* p) noexcept {
  free_panic(p);
}

[[noreturn]] static void escape_without_frame(panic_record* p) {
  // No frame to unwind through: the panic leaves at once, as from an outermost frame.
  std::any value = std::move(p->value);
  describe_fn describe = p->describe;
  free_panic(p);
  std::string text = describe(value);
  std::string report = "panic: " + text + "\n";
  throw panic_error(std::move(value), std::move(text), std::move(report));
}

panic_record* start_panic(panic_record* p) {
  defer_state& ts = current_state();
  ++ts.count.panics;
  if (!in_frame()) escape_without_frame(p);
  p->target = cur_depth;
  push_panic(ts, p);
  return p;
}

void* start_panic_exception(panic_record* p) {
  // start_panic first: if it throws (no frame), no exception object is half-built.
  p = start_panic(p);
  void* e = abi::__cxa_allocate_exception(sizeof(panic_signal));
  return ::new (e) panic_signal(p);
}

void destroy_panic_signal(void* signal) noexcept {
  static_cast<panic_signal*>(signal)->~panic_signal();
}

}  // namespace internal

std::any recover() {
  internal::defer_state& ts = internal::current_state();
  internal::panic_record* p = ts.panic;
  if (p == nullptr) return {};
  if (p->state == internal::panic_state::in_flight) {
    internal::prune_stale(ts, internal::cur_depth, nullptr, std::uncaught_exceptions() > 0);
    p = ts.panic;
    if (p == nullptr) return {};
  }
  if (p->state != internal::panic_state::processing || p->goexit || p->recovered ||
      p->defer_depth != internal::cur_depth)
    return {};
  p->recovered = true;
  ++ts.count.recovers;
  return p->value;
}

void goexit() {
  internal::defer_state& ts = internal::current_state();
  if (!internal::in_frame()) {
    if (!ts.is_goroutine) internal::fatal("goexit called with no gort::func to end on this thread");
    ++ts.count.goexits;
    throw internal::goroutine_exit{};  // no deferred call to run: the goroutine just ends
  }
  internal::panic_record* p = internal::alloc_panic();
  p->goexit = true;
  p->target = internal::cur_depth;
  internal::push_panic(ts, p);
  ++ts.count.goexits;
  throw internal::panic_signal(p);
}

panic_error::panic_error(std::any value, std::string text, std::string report)
    : value_(std::move(value)), text_(std::move(text)), report_(std::move(report)) {}

// ---------------------------------------------------------------------------------------------
// Printing panic values (Go's printpanicval).

namespace internal {

std::string format_go_float(double v) {
  // Go's print/println of a float64: "+1.500000e+000".
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.6e", v);
  std::string s(buf);
  std::size_t e = s.find('e');
  std::string mant = s.substr(0, e);
  char sign = s[e + 1];
  std::string digits = s.substr(e + 2);
  if (digits.size() < 3) digits.insert(digits.begin(), 3 - digits.size(), '0');
  mant += 'e';
  mant += sign;
  mant += digits;
  return mant;
}

static std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> d(abi::__cxa_demangle(name, nullptr, nullptr, &status),
                                           std::free);
  return status == 0 && d ? std::string(d.get()) : std::string(name);
}

std::string describe_exception(const std::exception_ptr& e) {
  if (!e) return "nil";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    const std::type_info* t = abi::__cxa_current_exception_type();
    return "(C++ exception " + (t != nullptr ? demangle(t->name()) : std::string("?")) + ")";
  }
}

// "(type) text", built by appending: GCC 12's -Wrestrict misfires on `"(" + str + ") " + buf`.
static std::string typed(const std::type_info& type, const char* text) {
  std::string s = "(";
  s += demangle(type.name());
  s += ") ";
  s += text;
  return s;
}

std::string describe_pointer(const std::type_info& type, const void* value) {
  // Go prints the pointer's value in hex, a nil one as 0x0 (glibc's %p would say "(nil)").
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%" PRIxPTR, reinterpret_cast<std::uintptr_t>(value));
  return typed(type, buf);
}

std::string describe_opaque(const std::type_info& type, const void* address) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%p", address);
  return typed(type, buf);
}

}  // namespace internal
}  // namespace gort
