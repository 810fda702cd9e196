// Copyright 2026 The gort Authors.
//
// C++ twin of tests/go/semantics.go: the same scenarios written with gort, printing the same
// lines. tests/twins/compare.sh runs both and compares the output line by line.

#include <any>
#include <iostream>
#include <string>
#include <thread>

#include <gort/gort.hpp>

namespace {

std::string show(const std::any& v) {
  if (!v.has_value()) return "<nil>";
  if (auto* s = std::any_cast<std::string>(&v)) return *s;
  if (auto* i = std::any_cast<int>(&v)) return std::to_string(*i);
  return "<?>";
}

void println(const std::string& s) {
  std::cout << s << "\n";
}
void print_int(const std::string& label, int x) {
  std::cout << label << " " << x << "\n";
}

void lifo() {
  gort::func([](gort::frame& f) {
    f.defer(println, "lifo 1");
    f.defer(println, "lifo 2");
    f.defer(println, "lifo 3");
  });
}

void args_at_defer() {
  gort::func([](gort::frame& f) {
    int x = 1;
    f.defer(print_int, "args", x);
    x = 2;
    (void)x;
  });
}

void closure_by_reference() {
  int x = 1;  // Go's closure variable escapes; here it lives in the enclosing scope
  gort::func([&](gort::frame& f) {
    f.defer([&] { print_int("closure", x); });
    x = 2;
  });
}

void loop_accumulates() {
  gort::func([](gort::frame& f) {
    for (int i = 0; i < 5; ++i) f.defer(print_int, "loop", i);
    println("loop done");
  });
}

void capture_trap() {
  int i = 0;  // one variable shared by every iteration, as Go before 1.22
  gort::func([&](gort::frame& f) {
    for (i = 0; i < 3; ++i) f.defer([&] { print_int("by reference", i); });
  });
}

void capture_by_value() {
  gort::func([](gort::frame& f) {
    for (int i = 0; i < 3; ++i) f.defer([](int i) { print_int("by value", i); }, i);
  });
}

int named_result() {
  return gort::func<int>([](gort::frame& f, int& r) {
    f.defer([&] { r *= 2; });
    r = 21;
  });
}

int recover_value() {
  return gort::func([](gort::frame& f) -> int {
    f.defer([] { println("recovered " + show(gort::recover())); });
    gort::panic("boom");
  });
}

void nested_frames() {
  gort::func([](gort::frame& f) {
    f.defer([] { println("outer recovered " + show(gort::recover())); });
    gort::func([](gort::frame& mid) {
      mid.defer(println, "mid");
      gort::func([](gort::frame& inner) {
        inner.defer(println, "inner");
        gort::panic(3);
      });
    });
  });
}

void recover_in_nested_func() {
  gort::func([](gort::frame& f) {
    f.defer([] { println("direct " + show(gort::recover())); });
    f.defer([] { gort::func([](gort::frame&) { println("nested " + show(gort::recover())); }); });
    gort::panic("p");
  });
}

void recover_in_normal_return_during_panic() {
  gort::func([](gort::frame& f) {
    f.defer([] { println("outer " + show(gort::recover())); });
    f.defer([] {
      gort::func([](gort::frame& g) { g.defer([] { println("g " + show(gort::recover())); }); });
    });
    gort::panic("x");
  });
}

void second_recover() {
  gort::func([](gort::frame& f) {
    f.defer([] {
      println("first " + show(gort::recover()));
      println("second " + show(gort::recover()));
    });
    gort::panic("once");
  });
}

void panic_replaces() {
  gort::func([](gort::frame& f) {
    f.defer([] { println("replaced, recovered " + show(gort::recover())); });
    f.defer([] { gort::panic("second"); });
    gort::panic("first");
  });
}

void repanic_recovered_further_up() {
  gort::func([](gort::frame& f) {
    f.defer([] { println("outer " + show(gort::recover())); });
    gort::func([](gort::frame& inner) {
      inner.defer([] {
        std::any v = gort::recover();
        println("inner " + show(v));
        gort::panic("again");
      });
      gort::panic("once");
    });
  });
}

int panic_during_normal_return() {
  return gort::func<int>([](gort::frame& f, int& r) {
    f.defer([&] {
      println("normal-return panic recovered " + show(gort::recover()));
      r++;
    });
    f.defer([] { gort::panic("late"); });
    f.defer(println, "before");
    r = 10;
  });
}

void nested_recovered_panic_keeps_outer() {
  gort::func([](gort::frame& f) {
    f.defer([] { println("outer " + show(gort::recover())); });
    f.defer([] {
      gort::func([](gort::frame& g) {
        g.defer([] { println("g " + show(gort::recover())); });
        gort::panic("inner");
      });
      println("after g");
    });
    gort::panic("outer");
  });
}

void destructors_then_defers() {
  gort::func([](gort::frame& f) {
    f.defer([] { println("recover " + show(gort::recover())); });
    gort::panic("deep");
  });
}

// Go's twin runs these in a goroutine; on a plain thread goexit ends the outermost gort::func.
void goexit_runs_defers() {
  std::thread([] {
    gort::func([](gort::frame& f) {
      f.defer([] { println("outer recover " + show(gort::recover())); });
      gort::func([](gort::frame& inner) {
        inner.defer([] { println("inner recover " + show(gort::recover())); });
        gort::goexit();
      });
      println("not reached");
    });
  }).join();
}

void goexit_panic_recovered() {
  std::thread([] {
    gort::func([](gort::frame& f) {
      f.defer(println, "goexit outer");
      gort::func([](gort::frame& inner) {
        inner.defer(println, "goexit last");
        inner.defer([] { println("goexit recovered " + show(gort::recover())); });
        inner.defer([] { gort::panic("during goexit"); });
        gort::goexit();
      });
      println("not reached");
    });
  }).join();
}

}  // namespace

int main() {
  lifo();
  args_at_defer();
  closure_by_reference();
  loop_accumulates();
  capture_trap();
  capture_by_value();
  print_int("named", named_result());
  print_int("result after recover", recover_value());
  nested_frames();
  recover_in_nested_func();
  recover_in_normal_return_during_panic();
  second_recover();
  panic_replaces();
  repanic_recovered_further_up();
  print_int("named after late panic", panic_during_normal_return());
  nested_recovered_panic_keeps_outer();
  destructors_then_defers();
  goexit_runs_defers();
  goexit_panic_recovered();
  std::cout.flush();
}
