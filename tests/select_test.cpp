// Copyright 2026 The gort Authors.
//
// Tests of select (include/gort/select.hpp, src/chan/): one test per rule of Go's select
// statement (the chosen case's index and callback, the default case, nil and closed channels,
// send cases, blocking until a partner arrives, uniform choice among ready cases), ports of the
// ideas of Go's test/chan/select3.go and doubleselect.go, and producer/consumer stress through
// select. Every goroutine test runs under P = 1, 2, 4 and 8 (the Select fixture,
// tests/test_support.hpp), which also fails a test that leaves a goroutine alive.

#include <atomic>
#include <cstdint>
#include <memory>
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

class Select : public gort_test::Runtime {};
GORT_INSTANTIATE_PROCS(Select);

using gort_test::Tracked;

// ---------------------------------------------------------------------------------------------
// Which case runs

TEST_P(Select, RunsTheReadyCaseAndReturnsItsArgumentIndex) {
  // Checks, main alone: with exactly one ready case (a buffered value, room in a buffer, or the
  // default), select returns that case's position among its arguments (the otherwise case
  // counts) and runs only that callback.
  std::vector<int> indexes;
  std::vector<std::string> log;
  run([&] {
    auto empty = gort::make_chan<int>(1);
    auto full = gort::make_chan<int>(1);
    full.send(5);
    indexes.push_back(
        gort::select(gort::recv(empty, [&](int v) { log.push_back("empty " + std::to_string(v)); }),
                     gort::recv(full, [&](int v) { log.push_back("full " + std::to_string(v)); })));
    // full is now empty: a send to it is the only ready case.
    indexes.push_back(gort::select(gort::otherwise([&] { log.push_back("default"); }),
                                   gort::send(full, 8, [&] { log.push_back("sent"); }),
                                   gort::recv(empty, [&] { log.push_back("recv"); })));
    EXPECT_EQ(full.recv().first, 8);
    indexes.push_back(gort::select(gort::recv(empty, [&] { log.push_back("recv"); }),
                                   gort::otherwise([&] { log.push_back("default"); })));
  });
  EXPECT_EQ(indexes, (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(log, (std::vector<std::string>{"full 5", "sent", "default"}));
}

TEST_P(Select, OtherwiseRunsOnlyWhenNoCaseIsReady) {
  // Checks (select3.go): a select with a default case never blocks: on an unbuffered channel
  // with no partner the default runs; a select with only a default case runs it; a ready case
  // beats the default every time.
  std::vector<int> got;
  run([&] {
    auto ch = gort::make_chan<int>();
    got.push_back(gort::select(gort::recv(ch), gort::send(ch, 1), gort::otherwise()));
    bool ran = false;
    got.push_back(gort::select(gort::otherwise([&] { ran = true; })));
    EXPECT_TRUE(ran);
    auto ready = gort::make_chan<int>(1);
    int defaults = 0;
    for (int i = 0; i < 100; ++i) {
      ready.send(i);
      defaults += gort::select(gort::recv(ready), gort::otherwise()) == 1;
    }
    got.push_back(defaults);
  });
  EXPECT_EQ(got, (std::vector<int>{2, 0, 0}));
}

TEST_P(Select, RecvCallbackMayTakeValueAndOkValueOrNothing) {
  // Checks: the three callback shapes of gort::recv, and a recv case without a callback, each
  // on a channel holding one value.
  std::vector<std::string> log;
  run([&] {
    auto ch = gort::make_chan<int>(4);
    for (int i = 1; i <= 4; ++i) ch.send(i);
    gort::select(gort::recv(
        ch, [&](int v, bool ok) { log.push_back(std::to_string(v) + (ok ? " ok" : " closed")); }));
    gort::select(gort::recv(ch, [&](int v) { log.push_back(std::to_string(v)); }));
    gort::select(gort::recv(ch, [&] { log.push_back("nothing"); }));
    EXPECT_EQ(gort::select(gort::recv(ch)), 0);
    EXPECT_EQ(ch.len(), 0u);
  });
  EXPECT_EQ(log, (std::vector<std::string>{"1 ok", "2", "nothing"}));
}

// ---------------------------------------------------------------------------------------------
// nil and closed channels

TEST_P(Select, CasesOnNilChannelsAreNeverChosen) {
  // Checks (select3.go): a nil channel's send and recv cases lose every time to a ready case,
  // and with a default case the default runs.
  int nil_chosen = 0;
  int defaults = 0;
  run([&] {
    gort::chan<int> nil_ch;
    auto ready = gort::make_chan<int>(1);
    for (int i = 0; i < 1000; ++i) {
      ready.send(i);
      int k = gort::select(gort::recv(nil_ch), gort::send(nil_ch, 1), gort::recv(ready));
      nil_chosen += k != 2;
    }
    for (int i = 0; i < 100; ++i)
      defaults += gort::select(gort::send(nil_ch, 1), gort::recv(nil_ch), gort::otherwise()) == 2;
  });
  EXPECT_EQ(nil_chosen, 0);
  EXPECT_EQ(defaults, 100);
}

TEST_P(Select, RecvCaseOnAClosedChannelIsReadyWithZeroAndFalse) {
  // Checks (select3.go): a closed channel's recv case is ready at once (main alone, so a block
  // would be a deadlock), with the zero value and ok == false, and beats the default case.
  std::vector<std::pair<std::string, bool>> got;
  int index = -1;
  run([&] {
    auto closed = gort::make_chan<std::string>(2);
    closed.send("left");
    closed.close();
    for (int i = 0; i < 2; ++i)
      index =
          gort::select(gort::recv(closed, [&](std::string v, bool ok) { got.emplace_back(v, ok); }),
                       gort::otherwise([&] { got.emplace_back("default", true); }));
  });
  EXPECT_EQ(got, (std::vector<std::pair<std::string, bool>>{{"left", true}, {"", false}}));
  EXPECT_EQ(index, 0);
}

TEST_P(Select, SendCaseOnAClosedChannelPanics) {
  // Checks (select3.go): a select whose chosen case sends on a closed channel panics with "send
  // on closed channel", with or without a default case.
  std::vector<std::string> messages;
  run([&] {
    auto closed = gort::make_chan<int>(1);
    closed.close();
    messages.push_back(panic_message([&] { gort::select(gort::send(closed, 1)); }));
    messages.push_back(
        panic_message([&] { gort::select(gort::send(closed, 1), gort::otherwise()); }));
  });
  EXPECT_EQ(messages, std::vector<std::string>(2, "send on closed channel"));
}

TEST_P(Select, BlockedSendCasePanicsWhenItsChannelIsClosed) {
  // Checks: a goroutine blocks in a select with a send case (unbuffered, nobody receiving) and a
  // recv case on a channel nobody sends to; main sleeps (so it very likely parked), then closes
  // the send case's channel: the select panics with "send on closed channel" (had it not parked
  // yet, it panics the same way). The recovered message comes back on a channel.
  std::string message;
  run([&] {
    auto out = gort::make_chan<int>();
    auto never = gort::make_chan<int>();
    auto result = gort::make_chan<std::string>(1);
    gort::go([=] {
      result.send(panic_message([&] { gort::select(gort::send(out, 1), gort::recv(never)); }));
    });
    gort::sleep(5ms);
    out.close();
    message = result.recv().first;
  });
  EXPECT_EQ(message, "send on closed channel");
}

TEST_P(Select, BlockedSelectWakesWhenOneOfItsChannelsIsClosed) {
  // Checks: a goroutine blocks on recv cases of two channels; main closes the second: the select
  // returns 1 with (0, false); the goroutine reports through a channel.
  std::pair<int, bool> got{-1, true};
  int index = -1;
  run([&] {
    auto a = gort::make_chan<int>();
    auto b = gort::make_chan<int>();
    auto done = gort::make_chan<int>();
    gort::go([&, a, b, done] {
      index = gort::select(gort::recv(a), gort::recv(b, [&](int v, bool ok) { got = {v, ok}; }));
      done.send(0);
    });
    gort::sleep(2ms);
    b.close();
    done.recv();
  });
  EXPECT_EQ(index, 1);
  EXPECT_EQ(got, (std::pair<int, bool>{0, false}));
}

TEST_P(Select, OnlyNilChannelsAndOtherwiseRunsTheDefault) {
  // Checks: a select whose every channel case is nil, plus a default, runs the default.
  int index = -1;
  bool ran = false;
  run([&] {
    gort::chan<int> a;
    gort::chan<std::string> b;
    index = gort::select(gort::recv(a), gort::send(b, "x"), gort::recv(b),
                         gort::otherwise([&] { ran = true; }));
  });
  EXPECT_EQ(index, 3);
  EXPECT_TRUE(ran);
}

// ---------------------------------------------------------------------------------------------
// Blocking selects

TEST_P(Select, BlockedSelectProceedsWithWhicheverPartnerArrives) {
  // Checks: a goroutine loops over select(send on `out`, recv on `in`); main alternates between
  // receiving from out and sending on in, so each select must take the case whose partner
  // arrived. The goroutine logs which case fired and the value; main compares the log.
  constexpr int kRounds = 200;
  std::vector<std::string> log;
  run([&] {
    auto out = gort::make_chan<int>();
    auto in = gort::make_chan<int>();
    auto done = gort::make_chan<int>();
    gort::go([&, out, in, done] {
      int next = 0;
      for (int i = 0; i < 2 * kRounds; ++i) {
        gort::select(
            gort::send(out, next, [&] { log.push_back("sent " + std::to_string(next++)); }),
            gort::recv(in, [&](int v) { log.push_back("got " + std::to_string(v)); }));
      }
      done.send(0);
    });
    for (int i = 0; i < kRounds; ++i) {
      EXPECT_EQ(out.recv().first, i);
      in.send(-i);
    }
    done.recv();
  });
  std::vector<std::string> want;
  for (int i = 0; i < kRounds; ++i) {
    want.push_back("sent " + std::to_string(i));
    want.push_back("got " + std::to_string(-i));
  }
  EXPECT_EQ(log, want);
}

TEST_P(Select, SelectDoesNotPairItsSendWithItsOwnRecv) {
  // Checks (select3.go, "select should not get confused if it sees itself"): a goroutine selects
  // on send and recv of the same unbuffered channel; it must not complete alone (after main's
  // sleep it has not returned; it can only have returned early by matching itself). Then main
  // receives: the send case fires with its value.
  std::atomic<int> index{-1};
  int before = 0;
  int value = 0;
  run([&] {
    auto c = gort::make_chan<int>();
    auto done = gort::make_chan<int>();
    gort::go([&, c, done] {
      index = gort::select(gort::send(c, 1), gort::recv(c));
      done.send(0);
    });
    gort::sleep(5ms);
    before = index.load();
    value = c.recv().first;
    done.recv();
  });
  EXPECT_EQ(before, -1);
  EXPECT_EQ(index.load(), 0);
  EXPECT_EQ(value, 1);
}

TEST_P(Select, TheChosenCaseLeavesNoWaiterOnTheOtherChannels) {
  // Checks: a goroutine blocks in select on recv from a and b (unbuffered); main sends on a.
  // Once that send returned the select has committed to a, so nobody receives on b any more:
  // try_send(b) must fail, now and after the goroutine ended (reported on `done`).
  std::vector<bool> try_sends;
  run([&] {
    for (int round = 0; round < 50; ++round) {
      auto a = gort::make_chan<int>();
      auto b = gort::make_chan<int>();
      auto done = gort::make_chan<int>();
      gort::go([a, b, done] {
        gort::select(gort::recv(a), gort::recv(b));
        done.send(0);
      });
      a.send(1);
      bool first = b.try_send(2);
      done.recv();
      bool second = b.try_send(3);
      if (first || second) try_sends.push_back(first), try_sends.push_back(second);
    }
  });
  EXPECT_TRUE(try_sends.empty());
}

TEST_P(Select, UnchosenSendValuesAreDestroyedNotSent) {
  // Checks: a send case that is not chosen leaves its channel untouched and its value is
  // destroyed with the case (Tracked counts live values); a chosen one moves its value into
  // the channel; a move-only value in an unchosen case is simply dropped.
  const int live_before = Tracked::live.load();
  std::size_t full_len = 0, empty_len = 99;
  int live_after_select = -1;
  run([&] {
    auto full = gort::make_chan<Tracked>(1);
    full.send(Tracked(1));
    auto empty = gort::make_chan<Tracked>(1);
    auto unbuffered = gort::make_chan<Tracked>();
    for (int i = 0; i < 10; ++i)
      gort::select(gort::send(full, Tracked(2)), gort::send(unbuffered, Tracked(3)),
                   gort::otherwise());
    full_len = full.len();
    live_after_select = Tracked::live.load() - live_before;  // only the one in `full`
    gort::select(gort::send(full, Tracked(4)), gort::send(empty, Tracked(5)));
    empty_len = empty.len();
    EXPECT_EQ(empty.recv().first.v, 5);
    EXPECT_EQ(full.recv().first.v, 1);

    auto ptrs = gort::make_chan<std::unique_ptr<int>>();
    EXPECT_EQ(gort::select(gort::send(ptrs, std::make_unique<int>(1)), gort::otherwise()), 1);
  });
  EXPECT_EQ(full_len, 1u);
  EXPECT_EQ(live_after_select, 1);
  EXPECT_EQ(empty_len, 1u);
  EXPECT_EQ(Tracked::live.load(), live_before);
}

// ---------------------------------------------------------------------------------------------
// Uniform choice

TEST_P(Select, ChoosesUniformlyAmongReadyCases) {
  // Checks: selects over always-ready cases, counting how often each is chosen. With n trials
  // and k cases each count is Binomial(n, 1/k); the bounds are 1/k +- 5 percentage points,
  // which is >= 10 standard deviations even at the TSan count (n = 10,000 for k = 2: sd = 50,
  // bound 500), so a fair select fails with probability < 1e-20.
  //   - two buffered channels each holding one value, refilled after each receive;
  //   - two buffered channels with room, drained after each send;
  //   - four recv cases.
  const int kTrials = kTsan ? 10000 : kAsan ? 20000 : 100000;
  std::vector<int> recv2(2), send2(2), recv4(4);
  run([&] {
    std::vector<gort::chan<int>> c;
    for (int i = 0; i < 4; ++i) c.push_back(gort::make_chan<int>(1));
    for (int i = 0; i < 2; ++i) c[i].send(i);
    for (int t = 0; t < kTrials; ++t) {
      int k = gort::select(gort::recv(c[0]), gort::recv(c[1]));
      ++recv2[k];
      c[k].send(k);
    }
    c[0].recv(), c[1].recv();
    for (int t = 0; t < kTrials; ++t) {
      int k = gort::select(gort::send(c[0], 0), gort::send(c[1], 1));
      ++send2[k];
      c[k].recv();
    }
    for (int i = 0; i < 4; ++i) c[i].send(i);
    for (int t = 0; t < kTrials; ++t) {
      int k = gort::select(gort::recv(c[0]), gort::recv(c[1]), gort::recv(c[2]), gort::recv(c[3]));
      ++recv4[k];
      c[k].send(k);
    }
  });
  auto check = [&](const std::vector<int>& counts, const char* what) {
    double k = static_cast<double>(counts.size());
    for (std::size_t i = 0; i < counts.size(); ++i) {
      double share = counts[i] / static_cast<double>(kTrials);
      EXPECT_GE(share, 1 / k - 0.05) << what << " case " << i << " chosen " << counts[i];
      EXPECT_LE(share, 1 / k + 0.05) << what << " case " << i << " chosen " << counts[i];
    }
  };
  check(recv2, "recv of 2");
  check(send2, "send of 2");
  check(recv4, "recv of 4");
}

// ---------------------------------------------------------------------------------------------
// Ports of Go's test/chan programs and stress

TEST_P(Select, DoubleSelectNeitherLosesNorDuplicatesValues) {
  // Checks (doubleselect.go): a sender selects among sends on four unbuffered channels for each
  // counter value; four muxes forward their channel onto one; the receiver marks each value
  // seen. A value seen twice means two cases of one select ran; a missing one that one was lost.
  // The sender closes its four channels, each mux reports when its input closed, and a closer
  // closes the shared channel after all four.
  const int kN = kTsan ? 5000 : kAsan ? 20000 : 100000;
  int duplicates = 0, seen_count = 0;
  run([&] {
    std::vector<gort::chan<int>> c;
    for (int i = 0; i < 4; ++i) c.push_back(gort::make_chan<int>());
    auto cmux = gort::make_chan<int>();
    auto mux_done = gort::make_chan<int>(4);
    gort::go([c] {
      for (int i = 0; i < kN; ++i)
        gort::select(gort::send(c[0], i), gort::send(c[1], i), gort::send(c[2], i),
                     gort::send(c[3], i));
      for (auto& ch : c) ch.close();
    });
    for (int m = 0; m < 4; ++m)
      gort::go(
          [cmux, mux_done](gort::chan<int> in) {
            for (int v : in) cmux.send(v);
            mux_done.send(1);
          },
          c[m]);
    gort::go([cmux, mux_done] {
      for (int m = 0; m < 4; ++m) mux_done.recv();
      cmux.close();
    });
    std::vector<bool> seen(kN);
    for (int v : cmux) {
      if (v < 0 || v >= kN || seen[v])
        ++duplicates;
      else
        seen[v] = true, ++seen_count;
    }
  });
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(seen_count, kN);
}

TEST_P(Select, ProducersAndConsumersThroughSelect) {
  // Checks: 4 producers each send 1..n, choosing per value between an unbuffered and a buffered
  // channel by select; 4 consumers select-receive from both until both are closed, setting a
  // closed one to nil (Go's idiom: a nil channel's case is never chosen again). A closer closes
  // both after every producer is done. Count and sum compared.
  constexpr int kProducers = 4, kConsumers = 4;
  const int kPer = kTsan ? 2000 : kAsan ? 5000 : 20000;
  long count = 0, sum = 0;
  run([&] {
    auto a = gort::make_chan<int>();
    auto b = gort::make_chan<int>(8);
    auto producers_done = gort::make_chan<int>(kProducers);
    auto results = gort::make_chan<std::pair<long, long>>(kConsumers);
    for (int p = 0; p < kProducers; ++p)
      gort::go([=] {
        for (int i = 1; i <= kPer; ++i) gort::select(gort::send(a, i), gort::send(b, i));
        producers_done.send(p);
      });
    gort::go([=] {
      for (int p = 0; p < kProducers; ++p) producers_done.recv();
      a.close();
      b.close();
    });
    for (int c = 0; c < kConsumers; ++c)
      gort::go([=] {
        gort::chan<int> ra = a, rb = b;
        long n = 0, s = 0;
        while (ra || rb) {
          auto take = [&](gort::chan<int>& from) {
            return [&](int v, bool ok) {
              if (ok)
                ++n, s += v;
              else
                from = gort::chan<int>();
            };
          };
          gort::select(gort::recv(ra, take(ra)), gort::recv(rb, take(rb)));
        }
        results.send({n, s});
      });
    for (int c = 0; c < kConsumers; ++c) {
      auto [r, ok] = results.recv();
      count += r.first, sum += r.second;
    }
  });
  EXPECT_EQ(count, static_cast<long>(kProducers) * kPer);
  EXPECT_EQ(sum, static_cast<long>(kProducers) * kPer * (kPer + 1) / 2);
}

TEST_P(Select, ManyGoroutinesSelectOnTheSameChannels) {
  // Checks: many goroutines block in one select each, over the same three unbuffered channels;
  // main sends one value per goroutine, rotating among the channels. Every goroutine gets
  // exactly one value (it reports it), and the reported values are exactly those sent.
  const int kGoroutines = kTsan ? 300 : 1000;
  long sum = 0;
  int reports = 0;
  run([&] {
    std::vector<gort::chan<int>> c;
    for (int i = 0; i < 3; ++i) c.push_back(gort::make_chan<int>());
    auto report = gort::make_chan<int>(kGoroutines);
    for (int g = 0; g < kGoroutines; ++g)
      gort::go([c, report] {
        int got = -1;
        auto take = [&](int v) { got = v; };
        gort::select(gort::recv(c[0], take), gort::recv(c[1], take), gort::recv(c[2], take));
        report.send(got);
      });
    for (int i = 1; i <= kGoroutines; ++i) c[i % 3].send(i);
    for (int g = 0; g < kGoroutines; ++g) sum += report.recv().first, ++reports;
  });
  EXPECT_EQ(reports, kGoroutines);
  EXPECT_EQ(sum, static_cast<long>(kGoroutines) * (kGoroutines + 1) / 2);
}

// ---------------------------------------------------------------------------------------------
// Plain threads

TEST(SelectOutsideRun, PlainThreadsSelect) {
  // Checks: with no gort::run, a std::thread blocks in select over two channels while two other
  // threads each send n values on one of them and then close it; the selecting thread drops a
  // channel when it sees it closed. Count and sum compared after join.
  constexpr int kN = 2000;
  auto a = gort::make_chan<int>();
  auto b = gort::make_chan<int>(4);
  long count = 0, sum = 0;
  std::thread receiver([&, a, b]() mutable {
    while (a || b) {
      gort::select(gort::recv(a,
                              [&](int v, bool ok) {
                                if (ok)
                                  ++count, sum += v;
                                else
                                  a = gort::chan<int>();
                              }),
                   gort::recv(b, [&](int v, bool ok) {
                     if (ok)
                       ++count, sum += v;
                     else
                       b = gort::chan<int>();
                   }));
    }
  });
  std::thread sa([a] {
    for (int i = 1; i <= kN; ++i) a.send(i);
    a.close();
  });
  std::thread sb([b] {
    for (int i = 1; i <= kN; ++i) b.send(i);
    b.close();
  });
  sa.join();
  sb.join();
  receiver.join();
  EXPECT_EQ(count, 2 * kN);
  EXPECT_EQ(sum, 2L * kN * (kN + 1) / 2);
  // A select with a default case on a plain thread never blocks.
  EXPECT_EQ(gort::select(gort::recv(gort::make_chan<int>()), gort::otherwise()), 1);
}

}  // namespace
