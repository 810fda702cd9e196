// Copyright 2026 The gort Authors.
//
// A goroutine recurses with 100 KB of locals per call: the third call needs more than the 256 KiB
// stack. Without stack-clash probes its frame steps over the one-page guard into whatever lies
// below (another goroutine's stack, mapped and writable); with them (gort::gort's consumers are
// compiled with -fstack-clash-protection) its prologue touches each page in order and the first
// one below the stack is the guard: Go's stack overflow report, exit status 2. The Go twin caps
// its stack at the same 256 KiB (debug.SetMaxStack), so both print the same limit.
//
// env GORT_STACK_SIZE=256k
// expect exit 2
// expect stderr ^runtime: goroutine stack exceeds 262144-byte limit$
// expect stderr ^runtime: sp=0x[0-9a-f]+ stack=\[0x[0-9a-f]+, 0x[0-9a-f]+\]$
// expect stderr ^fatal error: stack overflow$
// expect stderr ^goroutine [0-9]+ \[running\]:$
// expect stderr recurse\(
// expect no-stderr unreachable
#include <cstdio>

#include <gort/gort.hpp>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winfinite-recursion"
[[gnu::noinline]] int recurse(int depth) {
  volatile unsigned char pad[100 << 10];
  pad[static_cast<unsigned>(depth) % sizeof pad] = static_cast<unsigned char>(depth);
  return recurse(depth + 1) + pad[static_cast<unsigned>(depth + 7) % sizeof pad];
}
#pragma GCC diagnostic pop

int main() {
  return gort::run([] {
    auto done = gort::make_chan<int>();
    gort::go([=] {
      recurse(0);
      done.send(1);
    });
    done.recv();
    std::fputs("unreachable\n", stderr);
  });
}
