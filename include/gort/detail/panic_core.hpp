// Copyright 2026 The gort Authors.
//
// Internal pieces of panic/recover that templates need inline: the exception object that carries
// a panic between frames and the per-type printers of panic values. See src/defer/panic.cpp.

#pragma once

#include <any>
#include <cstddef>
#include <exception>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>

#if defined(__GLIBCXX__)
#include <cxxabi.h>
#endif

namespace gort::internal {

struct panic_record;

// Renders a panic value the way Go's printpanicval does (used for `panic: <value>` and what()).
using describe_fn = std::string (*)(const std::any& value);

// panic_signal is the C++ exception object that carries a gort panic (or a goexit) from a
// panic() call to the frames that handle it. It is deliberately not derived from
// std::exception, so that `catch (const std::exception&)` in user code does not swallow panics.
// It counts references to its record: a record whose every signal died while the panic was in
// flight between frames was swallowed by a catch block, and leaves the panic list.
class panic_signal {
 public:
  explicit panic_signal(panic_record* record) noexcept;
  panic_signal(const panic_signal& other) noexcept;
  panic_signal& operator=(const panic_signal&) = delete;
  ~panic_signal();
  panic_record* record() const noexcept { return record_; }

 private:
  panic_record* record_;
};

// goroutine_exit unwinds a goroutine's stack to its entry after goexit() ran the deferred calls
// of every frame (or when there was none): the goroutine then ends. Not derived from
// std::exception; a catch (...) that swallows it keeps the goroutine alive (don't).
struct goroutine_exit {};

// Starting a panic is split so that no object with a destructor is alive in the frames the C++
// unwinder walks from the throw (each such object costs a landing pad and an _Unwind_Resume).
panic_record* new_panic(describe_fn describe);
std::any& panic_value(panic_record* p) noexcept;
void delete_panic(panic_record* p) noexcept;
// Links a new panic on the thread's list and returns it, ready to be thrown. With no frame on the
// thread it throws gort::panic_error instead.
panic_record* start_panic(panic_record* p);
// start_panic(p), then a panic_signal for it in a new C++ exception object, ready for
// __cxa_throw (the first half of `throw panic_signal(p)`).
void* start_panic_exception(panic_record* p);
void destroy_panic_signal(void* signal) noexcept;
// start_panic(p), then raises a panic_signal for it as a forced unwind: the cleanup phase only,
// without the C++ search phase (src/defer/panic.cpp, "Raising a panic").
[[noreturn]] void raise_panic(panic_record* p);
// The record of the gort panic a `catch (abi::__forced_unwind& u)` block caught (`caught` is &u),
// else nullptr: a thread cancellation, or another forced unwind.
panic_record* forced_panic(void* caught) noexcept;
// Throws the panic record p: `throw panic_signal(start_panic(p))`, with no value live across a
// call, as one call to raise_panic.
[[noreturn, gnu::always_inline]] inline void throw_panic(panic_record* p) {
#if defined(__GLIBCXX__)
  raise_panic(p);
#else
  throw panic_signal(start_panic(p));
#endif
}

std::string format_go_float(double v);
std::string describe_exception(const std::exception_ptr& e);
// Go's report lines (`panic: a`, `\tpanic: b`, ...) for a program that std::terminate ends with
// exception `e` current: the thread's whole panic chain, newest last.
// (`e` may be null while panic_in_flight(): std::terminate called by the unwinder itself.)
std::string terminate_report(const std::exception_ptr& e);
// True while the thread's newest panic is in flight between frames.
bool panic_in_flight() noexcept;
std::string describe_opaque(const std::type_info& type, const void* address);
std::string describe_pointer(const std::type_info& type, const void* value);

template <class D>
std::string describe_value(const std::any& a) {
  const D& v = *std::any_cast<D>(&a);
  if constexpr (std::is_same_v<D, std::string>) {
    return v;
  } else if constexpr (std::is_same_v<D, std::nullptr_t>) {
    return "nil";  // Go's panic(nil)
  } else if constexpr (std::is_same_v<D, bool>) {
    return v ? "true" : "false";
  } else if constexpr (std::is_integral_v<D>) {
    return std::to_string(v);
  } else if constexpr (std::is_floating_point_v<D>) {
    return format_go_float(static_cast<double>(v));
  } else if constexpr (std::is_base_of_v<std::exception, D>) {
    return v.what();  // Go prints an error value's Error()
  } else if constexpr (std::is_same_v<D, std::exception_ptr>) {
    return describe_exception(v);
  } else if constexpr (std::is_pointer_v<D>) {
    // Go prints a pointer as its type and value: `(*int) 0xc000012345`, `(*int) nil`.
    return describe_pointer(typeid(D), reinterpret_cast<const void*>(v));
  } else if constexpr (std::is_convertible_v<const D&, std::string_view>) {
    return std::string(std::string_view(v));
  } else if constexpr (requires(std::ostream & os) { os << v; }) {
    std::ostringstream os;  // Go prints a Stringer's String()
    os << v;
    return os.str();
  } else {
    return describe_opaque(typeid(D), &v);
  }
}

// Not inlined: its try block would give every function that calls gort::panic an exception
// table, which the unwinder then parses for each of their frames on every panic.
template <class D, class V>
[[gnu::noinline]] panic_record* make_panic(V&& value) {
  panic_record* p = new_panic(&describe_value<D>);
  try {
    panic_value(p).emplace<D>(std::forward<V>(value));
  } catch (...) {
    delete_panic(p);
    throw;
  }
  return p;
}

}  // namespace gort::internal
