// Copyright 2026 The gort Authors.
//
// A goroutine other than main dereferences a null pointer: Go's nil-dereference panic with the
// signal line, the goroutine's id and its stack (which shows the faulting function), exit status
// 2; main never goes on. gort cannot run the goroutine's deferred calls first, as Go does (C++
// cannot resume after a hardware fault; docs/defer.md), and its report says so. The access is
// kept from UBSan (whose null check would report first under the asan preset) so that every
// build exercises the hardware path, and made through a volatile pointer so that the compiler
// cannot see the null and turn the access into a trap instruction.
//
// expect exit 2
// expect stderr ^panic: runtime error: invalid memory address or nil pointer dereference$
// expect stderr ^\[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x[0-9a-f]+\]$
// expect stderr ^goroutine [0-9]+ \[running\]:$
// expect stderr deref
// expect-gort stderr ^runtime: no deferred call ran: C\+\+ cannot recover from a hardware fault$
// expect no-stderr unreachable
#include <cstdio>

#include <gort/gort.hpp>

struct T {
  int x;
};

T* volatile nil = nullptr;

[[gnu::noinline]] __attribute__((no_sanitize("undefined"))) int deref(T* p) {
  return p->x;
}

int main() {
  return gort::run([] {
    auto done = gort::make_chan<int>();
    gort::go([=] {
      deref(nil);
      done.send(1);
    });
    done.recv();
    std::fputs("unreachable\n", stderr);
  });
}
