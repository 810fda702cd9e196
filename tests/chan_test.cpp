// Copyright 2026 The gort Authors.
//
// Tests of channels (include/gort/chan.hpp, src/chan/): one test per rule of Go's channels
// (unbuffered hand-over, buffering and FIFO order, close and drain, len/cap, range, nil channels,
// the three channel panics, reference semantics, move-only elements, try_send/try_recv, plain
// threads), then ports of the ideas of Go's test/chan/ programs (sieve1.go, fifo.go,
// goroutines.go, nonblock.go, powser1.go) and producer/consumer stress. Every goroutine test runs
// under P = 1, 2, 4 and 8 (the Chan fixture, tests/test_support.hpp), which also fails a test
// that leaves a goroutine alive.
//
// No test asserts an upper bound on time. A few tests sleep to make a race likely (a sender
// parked before the close, say); their checks hold whichever way the race goes.

#include <atomic>
#include <cstdint>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <gort/gort.hpp>

#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using gort_test::kAsan;
using gort_test::kTsan;
using gort_test::panic_message;
using gort_test::scaled;

class Chan : public gort_test::Runtime {};
GORT_INSTANTIATE_PROCS(Chan);

using gort_test::Tracked;

std::vector<int> primes_up_to(int n) {
  std::vector<int> out;
  for (int i = 2; i <= n; ++i) {
    bool prime = true;
    for (int d = 2; d * d <= i; ++d) prime = prime && i % d != 0;
    if (prime) out.push_back(i);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sending and receiving

TEST_P(Chan, UnbufferedChannelHandsValuesOverInOrder) {
  // Checks: a goroutine sends 0..n-1 on an unbuffered channel; main receives them, each with
  // ok == true, in the order sent.
  const int kN = scaled(10000);
  std::vector<int> got;
  run([&] {
    auto ch = gort::make_chan<int>();
    gort::go([ch] {
      for (int i = 0; i < kN; ++i) ch.send(i);
    });
    for (int i = 0; i < kN; ++i) {
      auto [v, ok] = ch.recv();
      EXPECT_TRUE(ok);
      got.push_back(v);
    }
  });
  std::vector<int> want(kN);
  std::iota(want.begin(), want.end(), 0);
  EXPECT_EQ(got, want);
}

TEST_P(Chan, UnbufferedSendCompletesOnlyWhenAReceiverTakesTheValue) {
  // Checks: a goroutine sends on an unbuffered channel and then sets `sent`. Main sleeps first,
  // so the sender has had time to run: `sent` must still be false (it can only be false if the
  // machine is slow). After main receives, the sender finishes (main waits for its "done").
  std::atomic<bool> sent{false};
  bool sent_before_recv = true;
  int value = 0;
  run([&] {
    auto ch = gort::make_chan<int>();
    auto done = gort::make_chan<int>();
    gort::go([&, ch, done] {
      ch.send(42);
      sent = true;
      done.send(1);
    });
    gort::sleep(5ms);
    sent_before_recv = sent.load();
    value = ch.recv().first;
    done.recv();
  });
  EXPECT_FALSE(sent_before_recv);
  EXPECT_EQ(value, 42);
  EXPECT_TRUE(sent.load());
}

TEST_P(Chan, BufferedSendsFillTheBufferWithoutBlockingAndRecvIsFifo) {
  // Checks: main alone sends cap values on a buffered channel (a blocking send would have no one
  // to wake it: the runtime would report a deadlock), reads len after each, then receives them
  // in the order sent.
  std::vector<std::size_t> lens;
  std::vector<int> got;
  std::optional<bool> full_try_send;
  run([&] {
    auto ch = gort::make_chan<int>(5);
    for (int i = 0; i < 5; ++i) {
      ch.send(i * 10);
      lens.push_back(ch.len());
    }
    full_try_send = ch.try_send(99);
    for (int i = 0; i < 5; ++i) got.push_back(ch.recv().first);
    lens.push_back(ch.len());
  });
  EXPECT_EQ(lens, (std::vector<std::size_t>{1, 2, 3, 4, 5, 0}));
  EXPECT_EQ(got, (std::vector<int>{0, 10, 20, 30, 40}));
  EXPECT_EQ(full_try_send, false);
}

TEST_P(Chan, BufferedChannelKeepsFifoOrderWithConcurrentSenderAndReceiver) {
  // Checks: one sender and one receiver (so FIFO order is defined) exchange many values through
  // a small buffer, so both block and wake often; the receiver compares each value with the next
  // expected one and reports the first mismatch.
  const int kN = scaled(50000);
  int mismatch = -1;
  int count = 0;
  run([&] {
    auto ch = gort::make_chan<int>(3);
    gort::go([ch] {
      for (int i = 0; i < kN; ++i) ch.send(i);
      ch.close();
    });
    for (int v : ch) {
      if (v != count && mismatch < 0) mismatch = count;
      ++count;
    }
  });
  EXPECT_EQ(mismatch, -1);
  EXPECT_EQ(count, kN);
}

TEST_P(Chan, LenAndCap) {
  // Checks: len and cap of nil, unbuffered and buffered channels, read by main alone.
  run([] {
    gort::chan<int> nil_ch;
    EXPECT_EQ(nil_ch.len(), 0u);
    EXPECT_EQ(nil_ch.cap(), 0u);
    auto unbuffered = gort::make_chan<int>();
    EXPECT_EQ(unbuffered.len(), 0u);
    EXPECT_EQ(unbuffered.cap(), 0u);
    auto buffered = gort::make_chan<std::string>(7);
    EXPECT_EQ(buffered.cap(), 7u);
    buffered.send("a");
    buffered.send("b");
    EXPECT_EQ(buffered.len(), 2u);
    buffered.recv();
    EXPECT_EQ(buffered.len(), 1u);
    buffered.close();
    EXPECT_EQ(buffered.len(), 1u);  // closing keeps the buffered value
    EXPECT_EQ(buffered.cap(), 7u);
  });
}

// ---------------------------------------------------------------------------------------------
// close

TEST_P(Chan, RecvDrainsTheBufferAfterCloseThenReturnsZeroAndFalse) {
  // Checks: values buffered before close are still received (ok == true) in order; then every
  // recv returns (T{}, false) at once, and so does try_recv. Main alone: a blocking recv would be
  // a deadlock.
  std::vector<std::pair<std::string, bool>> got;
  std::optional<std::pair<std::string, bool>> tried;
  run([&] {
    auto ch = gort::make_chan<std::string>(4);
    ch.send("x");
    ch.send("y");
    ch.close();
    for (int i = 0; i < 4; ++i) got.push_back(ch.recv());
    tried = ch.try_recv();
  });
  using P = std::pair<std::string, bool>;
  EXPECT_EQ(got, (std::vector<P>{{"x", true}, {"y", true}, {"", false}, {"", false}}));
  ASSERT_TRUE(tried.has_value());
  EXPECT_EQ(*tried, (P{"", false}));
}

TEST_P(Chan, RecvOnClosedUnbufferedChannelReturnsZeroAndFalse) {
  // Checks: recv on a closed, empty channel returns (0, false) at once, many times.
  int bad = 0;
  run([&] {
    auto ch = gort::make_chan<int>();
    ch.close();
    for (int i = 0; i < 10; ++i) {
      auto [v, ok] = ch.recv();
      bad += v != 0 || ok;
    }
  });
  EXPECT_EQ(bad, 0);
}

TEST_P(Chan, RangeReceivesUntilTheChannelIsClosedAndDrained) {
  // Checks: a goroutine sends 1..100 and closes; range-for in main sums them and ends.
  int sum = 0;
  int count = 0;
  run([&] {
    auto ch = gort::make_chan<int>(10);
    gort::go([ch] {
      for (int i = 1; i <= 100; ++i) ch.send(i);
      ch.close();
    });
    for (int v : ch) sum += v, ++count;
  });
  EXPECT_EQ(sum, 5050);
  EXPECT_EQ(count, 100);
}

TEST_P(Chan, SendOnClosedChannelPanics) {
  // Checks: send and try_send on a closed channel (buffered or not) panic with a
  // gort::runtime_error "send on closed channel" (Go: a select with a default case panics too).
  std::vector<std::string> messages;
  run([&] {
    for (std::size_t cap : {0, 1}) {
      auto ch = gort::make_chan<int>(cap);
      ch.close();
      messages.push_back(panic_message([&] { ch.send(1); }));
      messages.push_back(panic_message([&] { (void)ch.try_send(1); }));  // it panics
    }
  });
  EXPECT_EQ(messages, std::vector<std::string>(4, "send on closed channel"));
}

TEST_P(Chan, CloseOfClosedChannelPanics) {
  // Checks: the second close panics with "close of closed channel"; the first did not.
  std::string first, second;
  run([&] {
    auto ch = gort::make_chan<int>(2);
    first = panic_message([&] { ch.close(); });
    second = panic_message([&] { ch.close(); });
  });
  EXPECT_EQ(first, "no panic");
  EXPECT_EQ(second, "close of closed channel");
}

TEST_P(Chan, CloseOfNilChannelPanics) {
  // Checks: closing a default-constructed channel panics with "close of nil channel".
  std::string message;
  run([&] {
    gort::chan<int> nil_ch;
    message = panic_message([&] { nil_ch.close(); });
  });
  EXPECT_EQ(message, "close of nil channel");
}

TEST(ChanOutsideRun, PanicsOutsideAFrameArePanicErrors) {
  // Checks: with no gort::func to recover in (main thread of the test, outside gort::run), a
  // channel panic is a gort::panic_error whose value is a gort::runtime_error.
  auto ch = gort::make_chan<int>(1);
  ch.close();
  try {
    ch.send(1);
    ADD_FAILURE() << "send on a closed channel did not panic";
  } catch (const gort::panic_error& e) {
    EXPECT_STREQ(e.what(), "send on closed channel");
    EXPECT_TRUE(std::any_cast<gort::runtime_error>(&e.value()) != nullptr);
  }
  EXPECT_THROW(ch.close(), gort::panic_error);
  EXPECT_THROW(gort::chan<int>().close(), gort::panic_error);
}

TEST_P(Chan, SenderBlockedWhenTheChannelClosesPanics) {
  // Checks: goroutines block sending on an unbuffered channel nobody receives from; main sleeps
  // (so they are very likely parked), then closes it. Each sender's send panics with "send on
  // closed channel" (had it not parked yet, the send still panics the same way), recovered in
  // the sender and reported on a buffered channel.
  constexpr int kSenders = 5;
  std::vector<std::string> messages;
  run([&] {
    auto ch = gort::make_chan<int>();
    auto results = gort::make_chan<std::string>(kSenders);
    for (int i = 0; i < kSenders; ++i)
      gort::go([ch, results] { results.send(panic_message([&] { ch.send(7); })); });
    gort::sleep(5ms);
    ch.close();
    for (int i = 0; i < kSenders; ++i) messages.push_back(results.recv().first);
  });
  EXPECT_EQ(messages, std::vector<std::string>(kSenders, "send on closed channel"));
}

TEST_P(Chan, CloseWakesEveryBlockedReceiver) {
  // Checks: many goroutines block in recv on one channel; close wakes all of them, each getting
  // (0, false); each reports on a buffered channel, which main counts.
  const int kReceivers = kTsan ? 100 : 500;
  int woken = 0, bad = 0;
  run([&] {
    auto ch = gort::make_chan<int>();
    auto results = gort::make_chan<bool>(kReceivers);
    for (int i = 0; i < kReceivers; ++i)
      gort::go([ch, results] {
        auto [v, ok] = ch.recv();
        results.send(v == 0 && !ok);
      });
    gort::sleep(2ms);
    ch.close();
    for (int i = 0; i < kReceivers; ++i) {
      ++woken;
      bad += !results.recv().first;
    }
  });
  EXPECT_EQ(woken, kReceivers);
  EXPECT_EQ(bad, 0);
}

TEST_P(Chan, CloseLetsBlockedReceiversDrainTheBufferFirst) {
  // Checks: values still buffered at close are delivered before (0, false): a goroutine sends 3
  // values and closes; a slow receiver sees exactly those values, then one false.
  std::vector<std::pair<int, bool>> got;
  run([&] {
    auto ch = gort::make_chan<int>(3);
    auto sent = gort::make_chan<int>();
    gort::go([ch, sent] {
      ch.send(1), ch.send(2), ch.send(3);
      ch.close();
      sent.send(0);
    });
    sent.recv();
    for (int i = 0; i < 4; ++i) got.push_back(ch.recv());
  });
  EXPECT_EQ(got, (std::vector<std::pair<int, bool>>{{1, true}, {2, true}, {3, true}, {0, false}}));
}

// ---------------------------------------------------------------------------------------------
// nil channels

TEST_P(Chan, NilChannelIsNeverReadyAndComparesAsNil) {
  // Checks: a default-constructed channel is false, equal only to other nil channels, and never
  // ready: try_send fails without consuming its value, try_recv returns nullopt, select picks
  // its cases never (the otherwise case runs).
  std::vector<int> picks;
  run([&] {
    gort::chan<int> nil_ch, other_nil;
    auto real = gort::make_chan<int>(1);
    EXPECT_FALSE(static_cast<bool>(nil_ch));
    EXPECT_TRUE(static_cast<bool>(real));
    EXPECT_TRUE(nil_ch == other_nil);
    EXPECT_FALSE(nil_ch == real);
    EXPECT_FALSE(nil_ch.try_send(1));
    EXPECT_FALSE(nil_ch.try_recv().has_value());
    gort::chan<std::unique_ptr<int>> nil_ptr_ch;
    auto p = std::make_unique<int>(3);
    EXPECT_FALSE(nil_ptr_ch.try_send(std::move(p)));
    EXPECT_TRUE(p != nullptr);
    for (int i = 0; i < 100; ++i)
      picks.push_back(gort::select(gort::recv(nil_ch), gort::send(nil_ch, 1), gort::otherwise()));
  });
  EXPECT_EQ(picks, std::vector<int>(100, 2));
}

TEST_P(Chan, NilChannelBlocksAGoroutineThatOtherCasesRelease) {
  // Checks: a goroutine selects on a nil channel and a `release` channel; after main sleeps, the
  // select has not returned (it can only have returned early if the nil case fired); main sends
  // on release and the select reports case 1.
  std::atomic<int> chosen{-1};
  int before = 0;
  run([&] {
    gort::chan<int> nil_ch;
    auto release = gort::make_chan<int>();
    auto done = gort::make_chan<int>();
    gort::go([&, nil_ch, release, done] {
      chosen = gort::select(gort::recv(nil_ch), gort::recv(release));
      done.send(0);
    });
    gort::sleep(5ms);
    before = chosen.load();
    release.send(1);
    done.recv();
  });
  EXPECT_EQ(before, -1);
  EXPECT_EQ(chosen.load(), 1);
}

// ---------------------------------------------------------------------------------------------
// Reference semantics and element types

TEST_P(Chan, CopiesReferToTheSameChannel) {
  // Checks: a copy compares equal and shares the buffer (a value sent on the copy is received on
  // the original); close on a copy closes both; a moved-from channel is nil; separately made
  // channels differ.
  run([] {
    auto a = gort::make_chan<int>(2);
    gort::chan<int> b = a;
    gort::chan<int> c;
    c = b;
    EXPECT_TRUE(a == b);
    EXPECT_TRUE(a == c);
    EXPECT_FALSE(a == gort::make_chan<int>(2));
    b.send(5);
    EXPECT_EQ(a.len(), 1u);
    EXPECT_EQ(c.recv(), (std::pair<int, bool>{5, true}));
    c.close();
    EXPECT_EQ(a.recv(), (std::pair<int, bool>{0, false}));
    gort::chan<int> d = std::move(b);
    EXPECT_TRUE(d == a);
    EXPECT_FALSE(static_cast<bool>(b));  // NOLINT(bugprone-use-after-move): moved-from is nil
  });
}

TEST_P(Chan, ChannelOutlivesItsCreatorsCopy) {
  // Checks: the goroutine's copy keeps the channel alive after main dropped its own: values sent
  // into it are still received through a second channel.
  int got = 0;
  run([&] {
    auto out = gort::make_chan<int>();
    {
      auto ch = gort::make_chan<int>(1);
      ch.send(11);
      gort::go([ch, out] { out.send(ch.recv().first); });
    }
    got = out.recv().first;
  });
  EXPECT_EQ(got, 11);
}

TEST_P(Chan, MoveOnlyValuesMoveThroughChannels) {
  // Checks: std::unique_ptr<int> through an unbuffered and a buffered channel and a select case;
  // pointees arrive intact; recv on the closed channel gives a null pointer and false.
  std::vector<int> got;
  bool closed_null = false;
  run([&] {
    for (std::size_t cap : {0, 4}) {
      auto ch = gort::make_chan<std::unique_ptr<int>>(cap);
      gort::go([ch] {
        for (int i = 1; i <= 3; ++i) ch.send(std::make_unique<int>(i));
        ch.close();
      });
      auto [p, ok] = ch.recv();
      if (ok && p) got.push_back(*p);
      gort::select(gort::recv(ch, [&](std::unique_ptr<int> q, bool ok2) {
        if (ok2 && q) got.push_back(*q);
      }));
      for (auto& q : ch) got.push_back(*q);
      auto [last, last_ok] = ch.recv();
      closed_null = last == nullptr && !last_ok;
    }
  });
  EXPECT_EQ(got, (std::vector<int>{1, 2, 3, 1, 2, 3}));
  EXPECT_TRUE(closed_null);
}

TEST_P(Chan, BufferedValuesAreDestroyedWithTheChannel) {
  // Checks: Tracked counts live instances: values left in a buffer (closed or not) are destroyed
  // when the last copy of the channel goes; values received are the receiver's to destroy.
  int live_inside = -1;
  const int live_before = Tracked::live.load();
  run([&] {
    {
      auto ch = gort::make_chan<Tracked>(4);
      ch.send(Tracked(1));
      ch.send(Tracked(2));
      ch.send(Tracked(3));
      ch.close();
      (void)ch.recv();  // the received value is destroyed at once
      live_inside = Tracked::live.load() - live_before;
    }
  });
  EXPECT_EQ(live_inside, 2);
  EXPECT_EQ(Tracked::live.load(), live_before);
}

// ---------------------------------------------------------------------------------------------
// try_send / try_recv (Go: select with a default case), ported from test/chan/nonblock.go

TEST_P(Chan, TrySendAndTryRecvNeverBlock) {
  // Checks, main alone: on an empty channel try_recv is nullopt; try_send fills a buffer and
  // then fails without consuming its value; try_recv empties it in order; after close it
  // returns (0, false).
  run([] {
    auto ch = gort::make_chan<std::unique_ptr<int>>(2);
    EXPECT_FALSE(ch.try_recv().has_value());
    EXPECT_TRUE(ch.try_send(std::make_unique<int>(1)));
    EXPECT_TRUE(ch.try_send(std::make_unique<int>(2)));
    auto third = std::make_unique<int>(3);
    EXPECT_FALSE(ch.try_send(std::move(third)));
    ASSERT_TRUE(third != nullptr);
    EXPECT_EQ(*third, 3);
    auto a = ch.try_recv();
    auto b = ch.try_recv();
    ASSERT_TRUE(a && b && a->first && b->first);
    EXPECT_EQ(*a->first, 1);
    EXPECT_EQ(*b->first, 2);
    EXPECT_FALSE(ch.try_recv().has_value());
    ch.close();
    auto c = ch.try_recv();
    ASSERT_TRUE(c.has_value());
    EXPECT_FALSE(c->second);
    EXPECT_TRUE(c->first == nullptr);

    auto unbuffered = gort::make_chan<int>();
    EXPECT_FALSE(unbuffered.try_send(1));  // nobody waits to receive
    EXPECT_FALSE(unbuffered.try_recv().has_value());
  });
}

TEST_P(Chan, NonblockingOperationsSucceedOnceAPartnerWaits) {
  // Checks (nonblock.go): for buffers of 0, 1 and 8, a goroutine blocks in recv while main
  // retries try_send (yielding between tries) until it succeeds, then the reverse with a
  // blocked sender and try_recv. Values are compared; the loops end because the partner
  // eventually waits.
  std::vector<int> got;
  run([&] {
    for (std::size_t cap : {0, 1, 8}) {
      auto ch = gort::make_chan<int>(cap);
      auto back = gort::make_chan<int>(1);
      gort::go([ch, back] { back.send(ch.recv().first); });
      while (!ch.try_send(100 + static_cast<int>(cap))) gort::yield();
      got.push_back(back.recv().first);

      gort::go([ch, cap] { ch.send(200 + static_cast<int>(cap)); });
      std::optional<std::pair<int, bool>> r;
      while (!(r = ch.try_recv())) gort::yield();
      got.push_back(r->second ? r->first : -1);
    }
  });
  EXPECT_EQ(got, (std::vector<int>{100, 200, 101, 201, 108, 208}));
}

// ---------------------------------------------------------------------------------------------
// Plain threads

TEST(ChanOutsideRun, PlainThreadsPingPongAndShareABufferedChannel) {
  // Checks: with no gort::run, two std::threads ping-pong over unbuffered channels (each recv
  // blocks its thread), then four threads send into a buffered channel that two threads drain
  // until it is closed; counts and sums compared after join.
  constexpr int kRounds = 2000;
  auto ping = gort::make_chan<int>();
  auto pong = gort::make_chan<int>();
  int last = -1;
  std::thread a([&] {
    for (int i = 0; i < kRounds; ++i) {
      ping.send(i);
      last = pong.recv().first;
    }
    ping.close();
  });
  std::thread b([&] {
    for (int v : ping) pong.send(v + 1);
  });
  a.join();
  b.join();
  EXPECT_EQ(last, kRounds);

  constexpr int kSenders = 4, kPer = 5000;
  auto ch = gort::make_chan<int>(16);
  std::atomic<long> sum{0};
  std::atomic<int> count{0};
  std::vector<std::thread> threads;
  for (int s = 0; s < kSenders; ++s)
    threads.emplace_back([&] {
      for (int i = 1; i <= kPer; ++i) ch.send(i);
    });
  std::vector<std::thread> receivers;
  for (int r = 0; r < 2; ++r)
    receivers.emplace_back([&] {
      for (int v : ch) sum += v, ++count;
    });
  for (auto& t : threads) t.join();
  ch.close();
  for (auto& t : receivers) t.join();
  EXPECT_EQ(count.load(), kSenders * kPer);
  EXPECT_EQ(sum.load(), static_cast<long>(kSenders) * kPer * (kPer + 1) / 2);
}

TEST_P(Chan, PlainThreadTalksToGoroutines) {
  // Checks: inside gort::run, a std::thread sends 1..n on an unbuffered channel that several
  // goroutines receive from; they send partial sums back to the thread, which adds them and
  // reports the total on a third channel main receives from. While the thread is between
  // operations every goroutine may be parked: that is not a deadlock (the thread can wake
  // them). The thread is joined through gort::blocking.
  constexpr int kWorkers = 4;
  const int kN = scaled(5000);
  long total = 0;
  run([&] {
    auto work = gort::make_chan<int>();
    auto partial = gort::make_chan<long>();
    auto result = gort::make_chan<long>();
    for (int w = 0; w < kWorkers; ++w)
      gort::go([work, partial] {
        long s = 0;
        for (int v : work) s += v;
        partial.send(s);
      });
    std::thread t([&] {
      for (int i = 1; i <= kN; ++i) work.send(i);
      work.close();
      long sum = 0;
      for (int w = 0; w < kWorkers; ++w) sum += partial.recv().first;
      result.send(sum);
    });
    total = result.recv().first;
    gort::blocking([&] { t.join(); });
  });
  EXPECT_EQ(total, static_cast<long>(kN) * (kN + 1) / 2);
}

// ---------------------------------------------------------------------------------------------
// Producers and consumers

TEST_P(Chan, ManyProducersAndConsumersLoseAndDuplicateNothing) {
  // Checks: for buffers of 0, 1 and 64, 4 producers send (producer, sequence) pairs, 4
  // consumers receive until close (a closer goroutine closes once every producer reported done).
  // Each consumer checks that each producer's sequence numbers reach it in increasing order
  // (FIFO); main checks the total count and the sum of all sequence numbers.
  constexpr int kProducers = 4, kConsumers = 4;
  const int kPer = kTsan ? 2000 : kAsan ? 5000 : 20000;
  for (std::size_t cap : {0, 1, 64}) {
    long count = 0, seq_sum = 0;
    int out_of_order = 0;
    run([&] {
      auto ch = gort::make_chan<std::pair<int, int>>(cap);
      auto producers_done = gort::make_chan<int>(kProducers);
      struct result {
        long count = 0, seq_sum = 0;
        int out_of_order = 0;
      };
      auto results = gort::make_chan<result>(kConsumers);
      for (int p = 0; p < kProducers; ++p)
        gort::go([=] {
          for (int i = 0; i < kPer; ++i) ch.send({p, i});
          producers_done.send(p);
        });
      gort::go([=] {
        for (int p = 0; p < kProducers; ++p) producers_done.recv();
        ch.close();
      });
      for (int c = 0; c < kConsumers; ++c)
        gort::go([=] {
          result r;
          std::vector<int> last(kProducers, -1);
          for (auto [p, i] : ch) {
            if (i <= last[p]) ++r.out_of_order;
            last[p] = i;
            ++r.count;
            r.seq_sum += i;
          }
          results.send(r);
        });
      for (int c = 0; c < kConsumers; ++c) {
        result r = results.recv().first;
        count += r.count, seq_sum += r.seq_sum, out_of_order += r.out_of_order;
      }
    });
    EXPECT_EQ(count, static_cast<long>(kProducers) * kPer) << "cap " << cap;
    EXPECT_EQ(seq_sum, static_cast<long>(kProducers) * kPer * (kPer - 1) / 2) << "cap " << cap;
    EXPECT_EQ(out_of_order, 0) << "cap " << cap;
  }
}

// ---------------------------------------------------------------------------------------------
// Ports of Go's test/chan programs

TEST_P(Chan, PrimeSieveOfChainedFilters) {
  // Checks (sieve1.go): a generator sends 2..limit into a chain of filter goroutines, one per
  // prime found, each dropping multiples of its prime; main collects the primes and compares
  // them with trial division. The generator closes its channel and every filter closes its
  // output when its input is closed, so every goroutine ends.
  const int kLimit = kTsan ? 2000 : 8000;  // 303 / 1007 filters alive at the end
  std::vector<int> primes;
  run([&] {
    auto ch = gort::make_chan<int>();
    gort::go([ch] {
      for (int i = 2; i <= kLimit; ++i) ch.send(i);
      ch.close();
    });
    for (;;) {
      auto [prime, ok] = ch.recv();
      if (!ok) break;
      primes.push_back(prime);
      auto next = gort::make_chan<int>();
      gort::go(
          [](gort::chan<int> in, gort::chan<int> out, int p) {
            for (int v : in)
              if (v % p != 0) out.send(v);
            out.close();
          },
          ch, next, prime);
      ch = next;
    }
  });
  EXPECT_EQ(primes, primes_up_to(kLimit));
}

TEST_P(Chan, AsynchronousFifoKeepsOrder) {
  // Checks (fifo.go, AsynchFifo): main sends 0..n-1 into a channel with room for all of them,
  // then receives them back in order.
  const int kN = 1000;
  int mismatches = 0;
  run([&] {
    auto ch = gort::make_chan<int>(kN);
    for (int i = 0; i < kN; ++i) ch.send(i);
    for (int i = 0; i < kN; ++i) mismatches += ch.recv().first != i;
  });
  EXPECT_EQ(mismatches, 0);
}

TEST_P(Chan, SynchronousFifoThroughADaisyChain) {
  // Checks (fifo.go, SynchFifo): n goroutines, each waiting for a token from its predecessor
  // before receiving one value from a shared unbuffered channel, so they receive in chain order;
  // each checks it got its own index and passes the token on. Main sends 0..n-1 and waits for
  // the last token; mismatches are counted.
  const int kN = kTsan ? 200 : 2000;
  std::atomic<int> mismatches{0};
  run([&] {
    auto ch = gort::make_chan<int>();
    auto start = gort::make_chan<int>();
    auto in = start;
    for (int i = 0; i < kN; ++i) {
      auto out = gort::make_chan<int>();
      gort::go([&mismatches, ch, in, out, i] {
        in.recv();
        if (ch.recv().first != i) ++mismatches;
        out.send(1);
      });
      in = out;
    }
    start.send(0);
    for (int i = 0; i < kN; ++i) ch.send(i);
    in.recv();
  });
  EXPECT_EQ(mismatches.load(), 0);
}

TEST_P(Chan, ValuePassesThroughAChainOfGoroutines) {
  // Checks (goroutines.go): n goroutines each receive from their right neighbour and send one
  // more to their left; main feeds 0 at the right end and receives n at the left end.
  const int kN = kTsan ? 500 : kAsan ? 2000 : 10000;
  int got = -1;
  run([&] {
    auto leftmost = gort::make_chan<int>();
    auto right = leftmost;
    for (int i = 0; i < kN; ++i) {
      auto left = right;
      right = gort::make_chan<int>();
      gort::go([left, right] { left.send(1 + right.recv().first); });
    }
    right.send(0);
    got = leftmost.recv().first;
  });
  EXPECT_EQ(got, kN);
}

// Power series as streams of coefficients (the idea of powser1.go, with integer coefficients):
// each operator is a goroutine reading its inputs from channels and writing its output to one.
// A consumer stops a stream by closing its `stop` side: every operator selects between sending
// its next coefficient and the stop channel, so all goroutines end.
struct series {
  gort::chan<long> c;    // coefficients, a0 first
  gort::chan<int> stop;  // closed by the consumer when it wants no more
};

series make_series() {
  return {gort::make_chan<long>(), gort::make_chan<int>()};
}

// emit sends v on s unless s was stopped; returns false if stopped.
bool emit(const series& s, long v) {
  bool sent = false;
  gort::select(gort::send(s.c, v, [&] { sent = true; }), gort::recv(s.stop));
  return sent;
}

// ones is 1 + x + x^2 + ... = 1/(1-x).
series ones() {
  series s = make_series();
  gort::go([s] {
    while (emit(s, 1)) {
    }
  });
  return s;
}

// mul is the Cauchy product of a and b (both fully consumed by it).
series mul(series a, series b) {
  series s = make_series();
  gort::go([s, a, b] {
    std::vector<long> as, bs;
    for (;;) {
      as.push_back(a.c.recv().first);
      bs.push_back(b.c.recv().first);
      long c = 0;
      std::size_t n = as.size();
      for (std::size_t i = 0; i < n; ++i) c += as[i] * bs[n - 1 - i];
      if (!emit(s, c)) break;
    }
    a.stop.close();
    b.stop.close();
  });
  return s;
}

// derivative is d/dx of a (integer coefficients stay integers).
series derivative(series a) {
  series s = make_series();
  gort::go([s, a] {
    a.c.recv();  // a0 drops out
    for (long n = 1;; ++n)
      if (!emit(s, n * a.c.recv().first)) break;
    a.stop.close();
  });
  return s;
}

TEST_P(Chan, PowerSeriesOperatorsAsGoroutines) {
  // Checks (powser1.go's idea): 1/(1-x)^2 = sum (n+1) x^n computed as ones * ones, and its
  // derivative sum (n+1)(n+2) x^n, both read for 20 terms and compared with the closed forms;
  // closing the stop channels ends every operator goroutine (the leak check sees them go).
  std::vector<long> square, deriv;
  run([&] {
    series sq = mul(ones(), ones());
    for (int i = 0; i < 20; ++i) square.push_back(sq.c.recv().first);
    sq.stop.close();
    series d = derivative(mul(ones(), ones()));
    for (int i = 0; i < 20; ++i) deriv.push_back(d.c.recv().first);
    d.stop.close();
  });
  std::vector<long> want_square, want_deriv;
  for (long n = 0; n < 20; ++n) {
    want_square.push_back(n + 1);
    want_deriv.push_back((n + 1) * (n + 2));
  }
  EXPECT_EQ(square, want_square);
  EXPECT_EQ(deriv, want_deriv);
}

}  // namespace
