// A program outside gort's tree: defer, panic and recover through the installed package.
#include <gort/gort.hpp>

#include <cstdio>

int main() {
  int r = gort::func<int>([](gort::frame& f, int& r) {
    f.defer([&] {
      if (gort::recover().has_value()) r *= 2;
    });
    r = 21;
    gort::panic("consumer");
  });
  std::printf("consumer result %d\n", r);
  return r == 42 ? 0 : 1;
}
