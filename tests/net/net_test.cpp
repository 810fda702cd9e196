// Copyright 2026 The gort Authors.
//
// Tests of gort::net (include/gort/net.hpp, src/net/, src/netpoll/): listen/accept/dial/read/
// write/close over TCP (IPv4, IPv6) and Unix sockets, errors and their Go texts, deadlines, close
// while another goroutine waits, half-close, peer reset, a writer blocked on a peer that never
// reads, file_conn on pipes and eventfds, accept's back-off when out of descriptors, and many
// connections at once. Goroutine tests run under P = 1, 2, 4 and 8 (the Net fixture).
//
// How results are checked: every test compares the bytes that arrived with the bytes sent, and
// the error of each call with the one Go's net package gives in the same situation. No test
// asserts a time bound: a deadline test checks that the call failed with "i/o timeout" and that
// the deadline had passed when it did (a lower bound). Each test leaves the process's open fd
// count where it found it (NetFixture checks it through /proc/self/fd) and, as the Runtime
// fixture does, no goroutine alive.

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <gort/gort.hpp>
#include <gort/net.hpp>

#include "../test_support.hpp"
#include "connected_pair.hpp"
#include "netpoll/netpoll.hpp"
#include "sched/runtime.hpp"
#include "sched/sched.hpp"

// (Lambdas capture structured bindings through init-captures: clang before 16 cannot capture
// them directly.)
namespace {

using namespace std::chrono_literals;
using gort_test::kAsan;
using gort_test::kTsan;
using gort_test::pair_conns;
using Clock = std::chrono::steady_clock;

int open_fds() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n - 1;  // the DIR's own
}

// Checks that a test leaves the open fd count where it found it (the netpoller's own epoll and
// eventfd are opened by a first test that runs before the count is taken: see SetUpTestSuite).
class FdCheck {
 public:
  FdCheck() : before_(open_fds()) {}
  ~FdCheck() {
    // A conn closed by its last handle on another thread may close a moment later: retry.
    int after = open_fds();
    for (int i = 0; i < 200 && after != before_; ++i) {
      std::this_thread::sleep_for(5ms);
      after = open_fds();
    }
    EXPECT_EQ(after, before_) << "the test leaked file descriptors";
  }

 private:
  int before_;
};

void warm_up() {
  // Opens what the runtime keeps for the whole process (the epoll fd, its eventfd), so that
  // fd counts compare like with like.
  gort::run(
      [] {
        auto [p, err] = gort_test::connected_pair();
        ASSERT_FALSE(err);
        p.client.set_read_deadline(Clock::now() + 1ms);
        char b;
        p.client.read(&b, 1);
        p.close_all();
      },
      1);
}

class Net : public gort_test::Runtime {
 protected:
  static void SetUpTestSuite() { warm_up(); }
  FdCheck fds_;
};
GORT_INSTANTIATE_PROCS(Net);

class NetThread : public testing::Test {
 protected:
  static void SetUpTestSuite() { warm_up(); }
  FdCheck fds_;
};

// read_all reads until eof or an error; returns the bytes and the final error.
std::pair<std::string, std::error_code> read_all(gort::net::conn& c) {
  std::string out;
  char buf[4096];
  for (;;) {
    auto [n, err] = c.read(buf, sizeof buf);
    out.append(buf, n);
    if (err) return {out, err};
  }
}

// connected: gort_test::connected_pair, failing the test when the setup failed.
pair_conns connected(const char* network = "tcp", const char* address = "127.0.0.1:0") {
  auto [p, err] = gort_test::connected_pair(network, address);
  EXPECT_FALSE(err) << err.message();
  return p;
}

// ---------------------------------------------------------------------------------------------
// Errors

TEST(NetErrors, MessagesAreGosTexts) {
  EXPECT_EQ(gort::net::eof.message(), "EOF");
  EXPECT_EQ(gort::net::err_closed.message(), "use of closed network connection");
  EXPECT_EQ(gort::net::err_timeout.message(), "i/o timeout");
  EXPECT_TRUE(gort::net::err_timeout == std::errc::timed_out);
  EXPECT_FALSE(gort::net::eof == std::errc::timed_out);
  std::error_code refused(ECONNREFUSED, gort::net::category());
  EXPECT_EQ(refused.message(), "connection refused");
  EXPECT_TRUE(refused == std::errc::connection_refused);
  EXPECT_EQ(std::error_code(ECONNRESET, gort::net::category()).message(),
            "connection reset by peer");
  EXPECT_EQ(std::error_code(EPIPE, gort::net::category()).message(), "broken pipe");
}

TEST_F(NetThread, BadAddressesAreClearErrors) {
  EXPECT_EQ(gort::net::listen("tcp", "127.0.0.1").second,
            gort::net::make_error_code(gort::net::errc::missing_port));
  EXPECT_EQ(gort::net::listen("tcp", "::1:80").second,
            gort::net::make_error_code(gort::net::errc::too_many_colons));
  EXPECT_EQ(gort::net::listen("tcp", "127.0.0.1:99999").second,
            gort::net::make_error_code(gort::net::errc::bad_port));
  EXPECT_EQ(gort::net::listen("udp", "127.0.0.1:0").second,
            gort::net::make_error_code(gort::net::errc::unknown_network));
  EXPECT_EQ(gort::net::dial("tcp", "no-such-host.invalid:80").second,
            gort::net::make_error_code(gort::net::errc::no_such_host));
  EXPECT_EQ(gort::net::dial("tcp4", "[::1]:80").second,
            gort::net::make_error_code(gort::net::errc::no_suitable_address));
}

// ---------------------------------------------------------------------------------------------
// Plain threads (outside gort::run): the calls block the thread.

TEST_F(NetThread, EchoBetweenThreads) {
  auto [ln, err] = gort::net::listen("tcp", "127.0.0.1:0");
  ASSERT_FALSE(err) << err.message();
  EXPECT_EQ(ln.addr().network(), "tcp");
  EXPECT_NE(ln.addr().port(), 0);
  std::thread server([ln = ln] {
    auto [c, aerr] = ln.accept();
    ASSERT_FALSE(aerr);
    char buf[256];
    for (;;) {
      auto [n, rerr] = c.read(buf, sizeof buf);
      if (n > 0) {
        EXPECT_FALSE(c.write(buf, n).second);
      }
      if (rerr) {
        EXPECT_EQ(rerr, gort::net::eof);
        break;
      }
    }
    c.close();
  });
  auto [c, derr] = gort::net::dial("tcp", ln.addr());
  ASSERT_FALSE(derr) << derr.message();
  EXPECT_EQ(c.remote_addr(), ln.addr());
  std::string msg(10000, 'x');
  for (std::size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<char>('a' + i % 26);
  auto [n, werr] = c.write(msg);
  EXPECT_EQ(n, msg.size());
  EXPECT_FALSE(werr);
  EXPECT_FALSE(c.close_write());
  auto [got, rerr] = read_all(c);
  EXPECT_EQ(got, msg);
  EXPECT_EQ(rerr, gort::net::eof);
  server.join();
  EXPECT_FALSE(c.close());
  EXPECT_EQ(c.close(), gort::net::err_closed);
  EXPECT_FALSE(ln.close());
}

TEST_F(NetThread, DialRefused) {
  auto [ln, err] = gort::net::listen("tcp", "127.0.0.1:0");
  ASSERT_FALSE(err);
  std::string a(ln.addr().string());
  ln.close();
  auto [c, derr] = gort::net::dial("tcp", a);
  EXPECT_EQ(derr.message(), "connection refused");
  EXPECT_TRUE(derr == std::errc::connection_refused);
  EXPECT_FALSE(c);
}

TEST_F(NetThread, ReadDeadlineOnAThread) {
  auto [p, err] = gort_test::connected_pair();
  ASSERT_FALSE(err);
  gort::net::conn &c = p.client, &s = p.server;
  auto deadline = Clock::now() + 20ms;
  c.set_read_deadline(deadline);
  char b;
  auto [n, rerr] = c.read(&b, 1);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(rerr, gort::net::err_timeout);
  EXPECT_GE(Clock::now(), deadline);
  // The deadline stays passed: the next read fails at once; removing it lets data through.
  EXPECT_EQ(c.read(&b, 1).second, gort::net::err_timeout);
  c.set_read_deadline({});
  s.write("z");
  auto [n2, rerr2] = c.read(&b, 1);
  EXPECT_EQ(n2, 1u);
  EXPECT_FALSE(rerr2);
  EXPECT_EQ(b, 'z');
}

TEST_F(NetThread, CloseWakesAThreadBlockedInRead) {
  auto [p, err] = gort_test::connected_pair();
  ASSERT_FALSE(err);
  const gort::net::conn& c = p.client;
  std::atomic<bool> started{false};
  std::error_code got;
  std::thread reader([&] {
    char b;
    started = true;
    got = c.read(&b, 1).second;
  });
  while (!started) std::this_thread::yield();
  std::this_thread::sleep_for(
      10ms);  // most likely blocked by now; either way the result is the same
  c.close();
  reader.join();
  EXPECT_EQ(got, gort::net::err_closed);
  p.close_all();
}

// ---------------------------------------------------------------------------------------------
// Goroutines

TEST_P(Net, EchoManyGoroutines) {
  run([] {
    auto [ln, err] = gort::net::listen("tcp", "127.0.0.1:0");
    ASSERT_FALSE(err);
    const int clients = kTsan ? 20 : 100;
    gort::waitgroup served;
    served.add(1);
    gort::go([&, ln = ln]() mutable {
      gort::waitgroup conns;
      for (int i = 0; i < clients; ++i) {
        auto [c, aerr] = ln.accept();
        ASSERT_FALSE(aerr);
        conns.add(1);
        gort::go(
            [&conns](gort::net::conn c) {
              char buf[512];
              for (;;) {
                auto [n, rerr] = c.read(buf, sizeof buf);
                if (n > 0 && c.write(buf, n).second) break;
                if (rerr) break;
              }
              c.close();
              conns.done();
            },
            c);
      }
      conns.wait();
      served.done();
    });
    gort::waitgroup wg;
    std::atomic<int> ok{0};
    for (int i = 0; i < clients; ++i) {
      wg.add(1);
      gort::go(
          [&, &ln = ln](int k) {
            auto [c, derr] = gort::net::dial("tcp", ln.addr());
            ASSERT_FALSE(derr) << derr.message();
            std::string msg = "hello " + std::to_string(k) + std::string(k * 50, '.');
            EXPECT_FALSE(c.write(msg).second);
            c.close_write();
            auto [got, rerr] = read_all(c);
            if (got == msg && rerr == gort::net::eof) ++ok;
            c.close();
            wg.done();
          },
          i);
    }
    wg.wait();
    served.wait();
    EXPECT_EQ(ok.load(), clients);
    ln.close();
  });
}

TEST_P(Net, UnixAndIPv6) {
  run([] {
    std::string path = "/tmp/gort_net_test_" + std::to_string(getpid()) + ".sock";
    for (auto [network, address] :
         {std::pair<std::string, std::string>{"unix", path}, {"tcp6", "[::1]:0"}, {"tcp", ":0"}}) {
      auto [ln, err] = gort::net::listen(network, address);
      if (network == "tcp6" && err) continue;  // no IPv6 on this machine
      ASSERT_FALSE(err) << network << " " << err.message();
      gort::go([ln = ln]() mutable {
        auto [c, aerr] = ln.accept();
        if (aerr) return;
        c.write("from server");
        c.close();
      });
      auto [c, derr] = gort::net::dial(network, ln.addr());
      ASSERT_FALSE(derr) << network << " " << ln.addr() << " " << derr.message();
      auto [got, rerr] = read_all(c);
      EXPECT_EQ(got, "from server");
      EXPECT_EQ(rerr, gort::net::eof);
      c.close();
      ln.close();
    }
    EXPECT_NE(access(path.c_str(), F_OK), 0) << "closing a unix listener removes its file";
  });
}

// wait_parked yields until at least n goroutines are parked on the network, so that what the test
// does next happens to a parked goroutine (the result must be the same if it was not: the tests
// check outcomes, and this only makes the parked case the one exercised).
void wait_parked(int n) {
  for (int i = 0; i < 100000 && gort::internal::netpoll_waiters() < n; ++i) gort::yield();
}

// A goroutine parked on the network shows Go's wait reason, "IO wait" (what crash reports and
// traces print), and counts among the netpoller's waiters.
TEST_P(Net, ParkedReaderWaitsWithReasonIOWait) {
  run([] {
    auto p = connected();
    gort::waitgroup wg;
    wg.add(1);
    gort::go([&] {
      char b;
      p.client.read(&b, 1);
      wg.done();
    });
    wait_parked(1);
    EXPECT_GE(gort::internal::netpoll_waiters(), 1);
    int io_waits = 0;
    {
      gort::internal::lock_guard lock(gort::internal::sched.allg_lock);
      for (gort::internal::g* gp : gort::internal::sched.allgs)
        if (gp->status.load() == gort::internal::gstatus::waiting &&
            std::string(gort::internal::wait_reason_text(gp)) == "IO wait")
          ++io_waits;
    }
    EXPECT_EQ(io_waits, 1);
    p.server.write("x");
    wg.wait();
    EXPECT_EQ(gort::internal::netpoll_waiters(), 0);
    p.close_all();
  });
}

TEST_P(Net, ReadDeadlineFiresWhileParked) {
  run([] {
    auto p = connected();
    auto deadline = Clock::now() + 20ms;
    p.client.set_read_deadline(deadline);
    char b;
    auto [n, err] = p.client.read(&b, 1);
    EXPECT_EQ(n, 0u);
    EXPECT_EQ(err, gort::net::err_timeout);
    EXPECT_TRUE(err == std::errc::timed_out);
    EXPECT_GE(Clock::now(), deadline);
    EXPECT_EQ(p.client.read(&b, 1).second, gort::net::err_timeout)
        << "a passed deadline stays passed";
    // A deadline moved earlier while a reader is parked wakes it; one moved later keeps it parked.
    p.client.set_read_deadline(Clock::now() + 1h);
    gort::waitgroup wg;
    wg.add(1);
    std::error_code got;
    gort::go([&] {
      got = p.client.read(&b, 1).second;
      wg.done();
    });
    wait_parked(1);
    p.client.set_read_deadline(Clock::now() + 10s);
    auto d2 = Clock::now() + 5ms;
    p.client.set_read_deadline(d2);
    wg.wait();
    EXPECT_EQ(got, gort::net::err_timeout);
    EXPECT_GE(Clock::now(), d2);
    // Cleared, data gets through; the write side never had a deadline.
    p.client.set_read_deadline({});
    EXPECT_FALSE(p.server.write("k").second);
    auto [n2, err2] = p.client.read(&b, 1);
    EXPECT_EQ(n2, 1u);
    EXPECT_FALSE(err2);
    p.client.close();
    p.server.close();
    p.ln.close();
  });
}

TEST_P(Net, DeadlineInThePastFailsAtOnceAndSetDeadlineCoversBoth) {
  run([] {
    auto p = connected();
    p.client.set_deadline(Clock::now() - 1s);
    char b;
    EXPECT_EQ(p.client.read(&b, 1).second, gort::net::err_timeout);
    EXPECT_EQ(p.client.write("x").second, gort::net::err_timeout);
    EXPECT_EQ(p.client.write("x").first, 0u);
    p.client.set_write_deadline({});
    EXPECT_FALSE(p.client.write("x").second);
    EXPECT_EQ(p.client.read(&b, 1).second, gort::net::err_timeout);
    p.client.close();
    EXPECT_EQ(p.client.set_deadline({}), gort::net::err_closed);
    p.server.close();
    p.ln.close();
  });
}

// A writer whose peer never reads fills both socket buffers, parks, and its write deadline fires:
// write returns what it wrote and "i/o timeout".
TEST_P(Net, WriteDeadlineFiresOnAPeerThatNeverReads) {
  run([] {
    auto p = connected();
    std::string chunk(1 << 20, 'w');
    auto deadline = Clock::now() + 30ms;
    p.client.set_write_deadline(deadline);
    std::size_t total = 0;
    std::error_code err;
    for (int i = 0; i < 1024 && !err; ++i) {
      auto [n, e] = p.client.write(chunk);
      total += n;
      err = e;
    }
    EXPECT_EQ(err, gort::net::err_timeout);
    EXPECT_GE(Clock::now(), deadline);
    EXPECT_GT(total, 0u);
    EXPECT_LT(total, 1024u * chunk.size());
    // What was written arrives intact.
    p.client.close();
    auto [got, rerr] = read_all(p.server);
    EXPECT_EQ(got.size(), total);
    EXPECT_EQ(got.find_first_not_of('w'), std::string::npos);
    EXPECT_EQ(rerr, gort::net::eof);
    p.server.close();
    p.ln.close();
  });
}

TEST_P(Net, CloseWakesGoroutinesParkedInReadWriteAndAccept) {
  run([] {
    auto p = connected();
    gort::waitgroup wg;
    std::error_code read_err, accept_err, write_err;
    std::size_t written = 0;
    wg.add(3);
    gort::go([&] {
      char b;
      read_err = p.client.read(&b, 1).second;
      wg.done();
    });
    gort::go([&] {
      accept_err = p.ln.accept().second;
      wg.done();
    });
    gort::go([&] {
      std::string big(64 << 20, 'x');     // more than the socket buffers hold: parks
      auto [n, e] = p.client.write(big);  // the server never reads
      written = n;
      write_err = e;
      wg.done();
    });
    wait_parked(3);
    EXPECT_FALSE(p.client.close());  // wakes the reader and the writer
    EXPECT_FALSE(p.ln.close());      // wakes the accept
    wg.wait();
    p.server.close();
    EXPECT_EQ(read_err, gort::net::err_closed);
    EXPECT_EQ(accept_err, gort::net::err_closed);
    EXPECT_EQ(write_err, gort::net::err_closed);
    EXPECT_LT(written, std::size_t{64} << 20);
    EXPECT_EQ(read_err.message(), "use of closed network connection");
    char b;
    EXPECT_EQ(p.client.read(&b, 1).second, gort::net::err_closed);
    EXPECT_EQ(p.client.write("x").second, gort::net::err_closed);
    EXPECT_EQ(p.ln.accept().second, gort::net::err_closed);
    EXPECT_EQ(p.ln.close(), gort::net::err_closed);
  });
}

// The peer resets the connection (SO_LINGER 0, then close) while a reader is parked: the reader
// gets "connection reset by peer", as Go's read does.
TEST_P(Net, PeerResetMidRead) {
  run([] {
    auto p = connected();
    EXPECT_FALSE(p.server.write("partial").second);
    gort::waitgroup wg;
    wg.add(1);
    std::string got;
    std::atomic<std::size_t> received{0};  // got.size(), published for the main goroutine
    std::error_code err;
    gort::go([&] {
      char buf[64];
      for (;;) {
        auto [n, e] = p.client.read(buf, sizeof buf);
        got.append(buf, n);
        received.store(got.size());
        if (e) {
          err = e;
          break;
        }
      }
      wg.done();
    });
    while (received.load() < 7) gort::yield();
    wait_parked(1);
    linger lg{1, 0};
    ASSERT_EQ(setsockopt(p.server.fd(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
    p.server.close();
    wg.wait();
    EXPECT_EQ(got, "partial");
    EXPECT_TRUE(err == std::errc::connection_reset) << err.message();
    EXPECT_EQ(err.message(), "connection reset by peer");
    // Writing to a reset connection fails with an error, not SIGPIPE.
    std::error_code werr;
    for (int i = 0; i < 10 && !werr; ++i) werr = p.client.write("more").second;
    EXPECT_TRUE(werr == std::errc::broken_pipe || werr == std::errc::connection_reset)
        << werr.message();
    p.client.close();
    p.ln.close();
  });
}

TEST_P(Net, HalfClose) {
  run([] {
    auto p = connected();
    EXPECT_FALSE(p.client.write("request").second);
    EXPECT_FALSE(p.client.close_write());
    auto [req, rerr] = read_all(p.server);
    EXPECT_EQ(req, "request");
    EXPECT_EQ(rerr, gort::net::eof);
    // The other direction still works after the half-close.
    EXPECT_FALSE(p.server.write("response").second);
    p.server.close();
    auto [resp, rerr2] = read_all(p.client);
    EXPECT_EQ(resp, "response");
    EXPECT_EQ(rerr2, gort::net::eof);
    p.client.close();
    p.ln.close();
  });
}

TEST_P(Net, FileConnMakesPipesAndEventfdsPollable) {
  run([] {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    auto [r, rerr] = gort::net::file_conn(fds[0]);
    auto [w, werr] = gort::net::file_conn(fds[1]);
    ASSERT_FALSE(rerr);
    ASSERT_FALSE(werr);
    EXPECT_EQ(r.local_addr().string(), "");
    gort::waitgroup wg;
    wg.add(1);
    std::string got;
    gort::go([&, &r = r] {
      got = read_all(r).first;
      wg.done();
    });
    wait_parked(1);
    std::string big(1 << 20, 'p');  // more than a pipe holds: the writer parks too
    EXPECT_EQ(w.write(big).first, big.size());
    w.close();
    wg.wait();
    EXPECT_EQ(got, big);
    // A pipe whose reader is gone: EPIPE ("broken pipe"), no SIGPIPE.
    ASSERT_EQ(pipe(fds), 0);
    auto [r2, e1] = gort::net::file_conn(fds[0]);
    auto [w2, e2] = gort::net::file_conn(fds[1]);
    r2.close();
    auto [n, perr] = w2.write("x");
    EXPECT_EQ(n, 0u);
    EXPECT_EQ(perr.message(), "broken pipe");
    w2.close();
    r.close();
    // An eventfd: a parked reader wakes when another goroutine adds to it.
    auto [ev, eerr] = gort::net::file_conn(eventfd(0, 0));
    ASSERT_FALSE(eerr);
    std::uint64_t v = 0;
    wg.add(1);
    gort::go([&, &ev = ev] {
      ev.read(&v, sizeof v);
      wg.done();
    });
    wait_parked(1);
    std::uint64_t add = 42;
    EXPECT_FALSE(ev.write(&add, sizeof add).second);
    wg.wait();
    EXPECT_EQ(v, 42u);
    // Close wakes a parked pipe reader too (no socket shutdown involved).
    ASSERT_EQ(pipe(fds), 0);
    auto [r3, e3] = gort::net::file_conn(fds[0]);
    std::error_code closed;
    wg.add(1);
    gort::go([&, &r3 = r3] {
      char b;
      closed = r3.read(&b, 1).second;
      wg.done();
    });
    wait_parked(1);
    r3.close();
    wg.wait();
    EXPECT_EQ(closed, gort::net::err_closed);
    ::close(fds[1]);
    ev.close();
    // A regular file cannot be polled: EPERM, and the fd stays the caller's.
    int f = open("/proc/self/cmdline", O_RDONLY);
    auto [fc, ferr] = gort::net::file_conn(f);
    EXPECT_TRUE(ferr == std::errc::operation_not_permitted) << ferr.message();
    EXPECT_EQ(::close(f), 0);
  });
}

// Dialing a listener whose accept queue is full: the SYN goes unanswered and the timeout
// overload gives up with "i/o timeout".
TEST_P(Net, DialTimeout) {
  run([] {
    int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(lfd, 0), 0);
    socklen_t len = sizeof a;
    getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
    std::string addr = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
    std::vector<gort::net::conn> filling;
    std::error_code err;
    for (int i = 0; i < 8 && !err; ++i) {
      auto before = Clock::now();
      auto [c, e] = gort::net::dial("tcp", addr, 30ms);
      err = e;
      if (!e)
        filling.push_back(c);
      else
        EXPECT_GE(Clock::now(), before + 30ms);
    }
    EXPECT_EQ(err, gort::net::err_timeout);
    for (auto& c : filling) c.close();
    ::close(lfd);
  });
}

// Out of file descriptors, accept backs off and retries instead of failing (or spinning); once
// descriptors are free again it returns the waiting connection.
TEST_P(Net, AcceptBacksOffWhenOutOfDescriptors) {
  run([] {
    auto [ln, err] = gort::net::listen("tcp", "127.0.0.1:0");
    ASSERT_FALSE(err);
    auto [c, derr] = gort::net::dial("tcp", ln.addr());
    ASSERT_FALSE(derr);
    rlimit old;
    getrlimit(RLIMIT_NOFILE, &old);
    // Fill every descriptor below a lowered limit.
    rlimit low = old;
    low.rlim_cur = static_cast<rlim_t>(open_fds() + 16);
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
    std::vector<int> hog;
    for (int fd; (fd = ::dup(0)) >= 0;) hog.push_back(fd);
    ASSERT_EQ(errno, EMFILE);
    gort::waitgroup wg;
    wg.add(1);
    std::error_code aerr;
    gort::net::conn s;
    gort::go([&, &ln = ln] {
      auto [sc, e] = ln.accept();
      s = sc;
      aerr = e;
      wg.done();
    });
    gort::sleep(30ms);  // accept meets EMFILE a few times (5, 10, 20 ms apart)
    for (int fd : hog) ::close(fd);
    setrlimit(RLIMIT_NOFILE, &old);
    wg.wait();
    EXPECT_FALSE(aerr) << aerr.message();
    EXPECT_TRUE(s);
    EXPECT_FALSE(c.write("ok").second);
    char b[2];
    EXPECT_EQ(s.read(b, 2).first, 2u);
    s.close();
    c.close();
    ln.close();
  });
}

// 10,000 connections open at once, each served by its own goroutine: every client gets its own
// message back. The clients are a child process (plain blocking sockets: it shares nothing with
// the runtime), so that each process needs one descriptor per connection; the test raises
// RLIMIT_NOFILE to fit and says so when the hard limit caps the count. The server's goroutines
// all wait until the last connection is accepted before they echo, so all are open at once.
void clients_process(const std::string& host_port, int n) {
  std::size_t colon = host_port.rfind(':');
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(std::stoi(host_port.substr(colon + 1))));
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) _exit(3);
    fds.push_back(fd);
  }
  for (int i = 0; i < n; ++i) {
    std::string msg = "conn " + std::to_string(i);
    if (::write(fds[i], msg.data(), msg.size()) != static_cast<ssize_t>(msg.size())) _exit(4);
  }
  for (int i = 0; i < n; ++i) {
    std::string msg = "conn " + std::to_string(i);
    std::string got;
    char buf[64];
    while (got.size() < msg.size()) {
      ssize_t k = ::read(fds[i], buf, sizeof buf);
      if (k <= 0) _exit(5);
      got.append(buf, static_cast<std::size_t>(k));
    }
    if (got != msg) _exit(6);
    ::close(fds[i]);
  }
  _exit(0);
}

TEST_P(Net, TenThousandConnections) {
  int want = kTsan ? 400 : 10000;  // TSan caps live goroutines (test_support.hpp)
  rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rlim_t need = static_cast<rlim_t>(want + open_fds() + 64);
  if (rl.rlim_cur < need) {
    rlimit up = rl;
    up.rlim_cur = std::min(need, rl.rlim_max);
    setrlimit(RLIMIT_NOFILE, &up);
  }
  rlimit now;
  getrlimit(RLIMIT_NOFILE, &now);
  int n = static_cast<int>(std::min<rlim_t>(want, now.rlim_cur - (need - want)));
  if (n < want)
    std::printf(
        "TenThousandConnections: the RLIMIT_NOFILE hard limit (%llu) allows %d connections, not "
        "%d\n",
        static_cast<unsigned long long>(rl.rlim_max), n, want);
  if (n < 100) GTEST_SKIP() << "RLIMIT_NOFILE hard limit too low for the test: " << rl.rlim_max;
  auto [ln, err] = gort::net::listen("tcp", "127.0.0.1:0");
  ASSERT_FALSE(err);
  std::fflush(stdout);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) clients_process(ln.addr().string(), n);
  std::size_t old_stack = gort::stack_size();
  gort::set_stack_size(64 * 1024);
  run([n, ln = ln] {
    std::atomic<int> accepted{0}, echoed{0};
    gort::chan<int> gate = gort::make_chan<int>();
    gort::waitgroup all;
    for (int i = 0; i < n; ++i) {
      auto [c, aerr] = ln.accept();
      if (aerr) {
        ADD_FAILURE() << aerr.message();
        break;
      }
      all.add(1);
      gort::go(
          [&, gate](gort::net::conn c) {
            if (++accepted == n) gate.close();
            gate.recv();
            char buf[64];
            auto [k, rerr] = c.read(buf, sizeof buf);
            if (!rerr && !c.write(buf, k).second) ++echoed;
            read_all(c);  // until the client closes
            c.close();
            all.done();
          },
          c);
    }
    all.wait();
    EXPECT_EQ(accepted.load(), n);
    EXPECT_EQ(echoed.load(), n);
    ln.close();
  });
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "client process status " << status;
  gort::set_stack_size(old_stack);
  setrlimit(RLIMIT_NOFILE, &rl);
}

// A program whose only goroutine waits on the network is not deadlocked: main reads from a socket
// that a child process writes to later. With no M running, no timer and no goroutine queued,
// checkdead must count the goroutine parked on the network as one that can still wake.
TEST(NetDeadlock, WaitingOnlyOnTheNetworkIsNotADeadlock) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(sv[0]);
    usleep(100 * 1000);
    [[maybe_unused]] ssize_t w = ::write(sv[1], "late", 4);
    _exit(0);
  }
  ::close(sv[1]);
  std::string got;
  int rc = gort::run(
      [&] {
        auto [c, err] = gort::net::file_conn(sv[0]);
        ASSERT_FALSE(err);
        got = read_all(c).first;
        c.close();
      },
      2);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(got, "late");
}

}  // namespace
