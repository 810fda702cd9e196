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
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
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

namespace {

using namespace std::chrono_literals;
using gort_test::kAsan;
using gort_test::kTsan;
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
        auto [ln, err] = gort::net::listen("tcp", "127.0.0.1:0");
        ASSERT_FALSE(err);
        auto [c, derr] = gort::net::dial("tcp", ln.addr());
        ASSERT_FALSE(derr);
        auto [s, aerr] = ln.accept();
        ASSERT_FALSE(aerr);
        c.set_read_deadline(Clock::now() + 1ms);
        char b;
        c.read(&b, 1);
        c.close();
        s.close();
        ln.close();
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
  auto [ln, err] = gort::net::listen("tcp", "127.0.0.1:0");
  ASSERT_FALSE(err);
  auto [c, derr] = gort::net::dial("tcp", ln.addr());
  ASSERT_FALSE(derr);
  auto [s, aerr] = ln.accept();
  ASSERT_FALSE(aerr);
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
  auto [ln, err] = gort::net::listen("tcp", "127.0.0.1:0");
  ASSERT_FALSE(err);
  auto [c, derr] = gort::net::dial("tcp", ln.addr());
  ASSERT_FALSE(derr);
  auto [s, aerr] = ln.accept();
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
  s.close();
  ln.close();
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
          [&](int k) {
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

}  // namespace
