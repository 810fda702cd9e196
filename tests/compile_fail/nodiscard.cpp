// Must not compile: each case drops a result that says whether the operation happened (a value
// not sent, a value received and lost, a lock not taken), which gort marks [[nodiscard]]. The
// pragma turns the compiler's warning into an error; check.cmake passes -DCASE=<n>.
#pragma GCC diagnostic error "-Wunused-result"

#include <gort/gort.hpp>

int main() {
  gort::chan<int> ch;
  gort::mutex m;
  gort::rwmutex rw;
  const int v = 1;
  (void)v;
#if CASE == 1
  ch.try_send(1);  // try_send(T&&)
#elif CASE == 2
  ch.try_send(v);  // try_send(const T&)
#elif CASE == 3
  ch.try_recv();
#elif CASE == 4
  m.try_lock();
#elif CASE == 5
  rw.try_lock();
#elif CASE == 6
  rw.try_lock_shared();
#else
#error "CASE must be 1 to 6"
#endif
}
