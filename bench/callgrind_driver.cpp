// Copyright 2026 The gort Authors.
//
// Runs one benchmark case `iterations` times so that callgrind can count instructions:
//   valgrind --tool=callgrind gort_callgrind_driver <case> <iterations>
// tools/bench/run.sh runs each case at two iteration counts; the difference divided by the
// difference in iterations is the instruction count of one call, with start-up costs cancelled.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <gort/gort.hpp>

#include "cases.hpp"

namespace {

using namespace gort_bench;

template <std::size_t N>
void (*gort_case())() {
  return [] { gort_n(std::make_index_sequence<N>()); };
}
template <std::size_t N>
void (*manual_case())() {
  return [] { manual_n(std::make_index_sequence<N>()); };
}
template <std::size_t N>
void (*gort_arg_case())() {
  return [] { gort_n_arg(std::make_index_sequence<N>()); };
}
template <std::size_t N>
void (*manual_arg_case())() {
  return [] { manual_n_arg(std::make_index_sequence<N>()); };
}

struct named_case {
  const char* name;
  void (*fn)();
};

const named_case cases[] = {
    {"gort/1", gort_case<1>()},
    {"manual/1", manual_case<1>()},
    {"gort/3", gort_case<3>()},
    {"manual/3", manual_case<3>()},
    {"gort/8", gort_case<8>()},
    {"manual/8", manual_case<8>()},
    {"gort/10", gort_case<10>()},
    {"manual/10", manual_case<10>()},
    {"gort/50", gort_case<50>()},
    {"manual/50", manual_case<50>()},
    {"gort-arg/1", gort_arg_case<1>()},
    {"manual-arg/1", manual_arg_case<1>()},
    {"gort-arg/4", gort_arg_case<4>()},
    {"manual-arg/4", manual_arg_case<4>()},
    {"gort-loop/10", [] { gort_loop(10); }},
    {"manual-loop/10", [] { manual_loop(10); }},
    {"gort-loop/100", [] { gort_loop(100); }},
    {"manual-loop/100", [] { manual_loop(100); }},
    {"gort-loop-plain/100", [] { gort_loop_plain(100); }},
    {"manual-loop-plain/100", [] { manual_loop_plain(100); }},
    {"gort-panic/1", [] { gort_panic_recover(1); }},
    {"manual-throw/1", [] { manual_throw_catch(1); }},
    {"gort-panic/10", [] { gort_panic_recover(10); }},
    {"manual-throw/10", [] { manual_throw_catch(10); }},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <case> <iterations>\ncases:", argv[0]);
    for (const auto& c : cases) std::fprintf(stderr, " %s", c.name);
    std::fprintf(stderr, "\n");
    return 2;
  }
  long n = std::atol(argv[2]);
  for (const auto& c : cases) {
    if (std::strcmp(c.name, argv[1]) == 0) {
      for (long i = 0; i < n; ++i) c.fn();
      return 0;
    }
  }
  std::fprintf(stderr, "unknown case %s\n", argv[1]);
  return 2;
}
