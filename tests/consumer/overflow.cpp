// A goroutine's alloca() larger than its whole stack, in a program outside gort's tree: it must be
// reported as Go's stack overflow (exit status 2), which needs the -fstack-clash-protection that
// gort::gort adds to its consumers' compile options. Compiled without it, the allocation steps
// over the guard page into the stack below and the program ends normally (exit status 0).
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
  gort::set_stack_size(256 * 1024);
  return gort::run([] {
    auto park = gort::make_chan<int>();
    auto done = gort::make_chan<int>();
    gort::go([=] {  // its stack is the one below the overflowing goroutine's
      unsigned char buf[64 * 1024];
      std::memset(buf, 1, sizeof buf);
      park.recv();
      asm volatile("" : : "r"(buf) : "memory");
      done.send(1);
    });
    gort::yield();
    gort::go([=] {
      big_alloca();
      park.send(1);
    });
    done.recv();
    std::puts("overflow: not reported");
  });
}
