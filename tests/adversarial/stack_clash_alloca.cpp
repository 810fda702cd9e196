// Copyright 2026 The gort Authors.
//
// A goroutine asks alloca() for more than its whole stack (280 KiB on a 256 KiB stack) and writes
// the lowest page of it, while another goroutine, whose stack lies just below, is parked with a
// buffer full of a known pattern. Without stack-clash probes the frame steps over the one-page
// guard and the write lands in the parked goroutine's stack: nothing is reported, and the victim
// finds its buffer changed. gort::gort compiles its consumers with -fstack-clash-protection, so
// the allocation touches its pages in order and the first one below the stack is the guard: Go's
// stack overflow report, with the overflowing function in the stack, exit status 2. (Go has no
// alloca: no twin; stack_clash_locals has one.)
//
// env GORT_STACK_SIZE=256k
// env GORT_MAXPROCS=1
// expect exit 2
// expect stderr ^runtime: goroutine stack exceeds 262144-byte limit$
// expect stderr ^runtime: sp=0x[0-9a-f]+ stack=\[0x[0-9a-f]+, 0x[0-9a-f]+\]$
// expect stderr ^fatal error: stack overflow$
// expect stderr ^goroutine [0-9]+ \[running\]:$
// expect stderr ^big_alloca
// expect no-stderr victim
// expect no-stderr unreachable
#include <alloca.h>

#include <cstdio>
#include <cstring>

#include <gort/gort.hpp>

volatile std::size_t alloca_bytes = 280 * 1024;

[[gnu::noinline]] void big_alloca() {
  auto* p = static_cast<unsigned char*>(alloca(alloca_bytes));
  std::memset(p, 0x5a, 4096);
  asm volatile("" : : "r"(p) : "memory");
}

int main() {
  return gort::run([] {
    auto park = gort::make_chan<int>();
    auto done = gort::make_chan<int>();
    // The victim starts first, so its stack is the one just below the overflowing goroutine's.
    gort::go([=] {
      unsigned char buf[128 * 1024];
      std::memset(buf, 0xc3, sizeof buf);
      park.recv();
      std::size_t changed = 0;
      for (unsigned char b : buf) changed += b != 0xc3;
      if (changed != 0) std::fprintf(stderr, "victim: %zu bytes of its stack changed\n", changed);
      done.send(1);
    });
    gort::yield();  // the victim runs and parks
    gort::go([=] {
      big_alloca();
      park.send(1);
    });
    done.recv();
    std::fputs("unreachable\n", stderr);
  });
}
