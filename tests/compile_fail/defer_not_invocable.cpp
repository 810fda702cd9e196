// Must not compile: the deferred callable cannot take the given argument.
#include <gort/gort.hpp>

int main() {
  gort::func([](gort::frame& f) { f.defer([](int*) {}, "not an int pointer"); });
}
