// Copyright 2026 The gort Authors.
//
// panic, recover and goexit: Go's run-time error unwinding, on C++ exceptions.
//
// A panic stops the ordinary flow of the current function, runs the deferred calls of every
// gort::func it unwinds through (innermost first, after the C++ destructors of the locals in
// between), and ends the program unless a deferred call stops it with recover().
//
// Example:
//
//   int safe_div(int a, int b) {
//     return gort::func<int>([&](gort::frame& f, int& r) {
//       f.defer([&] {
//         if (gort::recover().has_value()) r = -1;  // stops the panic; safe_div returns -1
//       });
//       if (b == 0) gort::panic("division by zero");
//       r = a / b;
//     });
//   }
//
// C++ exceptions and panics are one mechanism: a C++ exception that unwinds through a
// gort::func is a panic whose value is its std::exception_ptr, and it keeps its own type when
// nothing recovers it. Panics are not std::exceptions, so `catch (const std::exception&)` does
// not swallow them (catch (...) does: don't put one between a panic and the frame meant to
// recover it).

#pragma once

#include <any>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <gort/detail/panic_core.hpp>

namespace gort {

// panic raises a run-time panic carrying `value` (any copy-constructible value; `const char*`
// and string literals are stored as std::string, a null `const char*` as nullptr). Never returns.
// `panic(nullptr)` is Go's `panic(nil)`: it prints `panic: nil`, and recover() returns a
// std::any holding a std::nullptr_t (not an empty one, which means "no panic"; Go 1.19 returns
// nil there, so a recovering `if r := recover(); r != nil` misses it; see docs/defer.md). Deferred
// calls run as the panic unwinds through frames; a deferred call may stop it with recover().
//
// Outside gort::run, a panic that leaves the outermost gort::func (or that is raised with no
// gort::func on the thread at all) continues as a gort::panic_error. Inside the runtime, an
// unrecovered panic prints Go's report and exits with status 2.
template <class V>
[[noreturn, gnu::always_inline]] inline void panic(V&& value) {
  using D = std::decay_t<V>;
  static_assert(std::is_copy_constructible_v<D>,
                "gort::panic: the panic value must be copy-constructible (it is kept in a "
                "std::any, which recover() returns)");
  // A throw expression spelled out (allocate, construct, __cxa_throw) so that nothing is live
  // across the calls here: the frame of the function that panics then needs no saved registers,
  // each of which is a rule the unwinder interprets for that frame twice (search and cleanup),
  // and the throw stays in this frame (no extra frame to walk). See docs/defer.md (panic cost).
  if constexpr (std::is_array_v<std::remove_reference_t<V>>) {
    internal::throw_panic(internal::make_panic<std::string>(value));  // a string literal
  } else if constexpr (std::is_same_v<D, const char*> || std::is_same_v<D, char*>) {
    // A null C string is a nil value, not an empty string (std::string would refuse it).
    if (value == nullptr) internal::throw_panic(internal::make_panic<std::nullptr_t>(nullptr));
    internal::throw_panic(internal::make_panic<std::string>(value));
  } else {
    internal::throw_panic(internal::make_panic<D>(std::forward<V>(value)));
  }
}

// recover stops the panic in progress and returns its value, when called by a deferred call that
// runs because of that panic; the function whose deferred call recovered then returns normally.
// Anywhere else (no panic running, a deferred call run by a normal return, inside a new
// gort::func called from the deferred call, during goexit, a second call for the same panic) it
// returns an empty std::any and has no effect. Never blocks. It cannot stop a hardware fault:
// where Go turns a nil dereference or an integer division by zero into a recoverable run-time
// panic, in C++ the fault is undefined behaviour that nothing can resume after; in a goroutine it
// prints Go's report (`panic: runtime error: ...`) and exits with status 2 without running any
// deferred call (docs/defer.md). Test for nil and for a zero divisor and call gort::panic, as
// safe_div above does.
std::any recover();

// goexit runs every pending deferred call of the current goroutine (all frames, innermost first,
// with recover() disabled) and ends the goroutine. On a thread that is not a goroutine, it ends
// the outermost gort::func on that thread, which then returns a value-initialized result (or its
// named result). Calling it with no gort::func on a plain thread is a fatal error.
[[noreturn]] void goexit();

// panic_error is what an unrecovered panic becomes when it leaves the outermost gort::func of a
// thread that is not a goroutine.
class panic_error : public std::exception {
 public:
  panic_error(std::any value, std::string text, std::string report);

  // what returns the panic value as Go prints it (`panic: <what()>`).
  const char* what() const noexcept override { return text_.c_str(); }
  // value returns the panic value, as recover() would have.
  const std::any& value() const noexcept { return value_; }
  // report returns the lines Go prints for the panic chain, earlier panics first:
  // "panic: 1 [recovered]\n\tpanic: 2\n".
  const std::string& report() const noexcept { return report_; }

 private:
  std::any value_;
  std::string text_;
  std::string report_;
};

// runtime_error is the value of the panics the runtime itself raises (send on closed channel,
// negative WaitGroup counter, ...); what() is Go's message.
class runtime_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace gort
