// Copyright 2026 The gort Authors.
//
// A goroutine other than main divides an integer by zero: Go's `panic: runtime error: integer
// divide by zero`, the goroutine's id and its stack, exit status 2. Go's compiler tests the
// divisor and panics without a signal; in gort the CPU's trap (SIGFPE) is the panic, so gort's
// report also has Go's signal line, as Go prints it for a panic a signal caused. The divisor is
// volatile (the division cannot be folded away) and the division is kept from UBSan (its
// divide-by-zero check would report first under the asan preset).
//
// expect exit 2
// expect stderr ^panic: runtime error: integer divide by zero$
// expect-gort stderr ^\[signal SIGFPE: floating-point exception code=0x1 addr=0x\w+ pc=0x\w+]$
// expect stderr ^goroutine [0-9]+ \[running\]:$
// expect stderr divide
// expect no-stderr unreachable
#include <cstdio>

#include <gort/gort.hpp>

volatile int zero = 0;

[[gnu::noinline]] __attribute__((no_sanitize("undefined"))) int divide(int a, int b) {
  return a / b;
}

int main() {
  return gort::run([] {
    auto done = gort::make_chan<int>();
    gort::go([=] {
      std::printf("%d\n", divide(10, zero));
      done.send(1);
    });
    done.recv();
    std::fputs("unreachable\n", stderr);
  });
}
