// Go twins of bench/chan_bench.cpp (channels, select, sync and timers: issue 4), each at
// GOMAXPROCS 1 and 2 (sub-benchmarks P1 and P2, set by atProcs in sched_test.go). Names map to
// the C++ cases: BenchmarkChanPingPong/P1 <-> BM_GortChanPingPong/1, and so on.
// Run: cd bench/go && go test -run '^$' -bench 'Chan|Select|Mutex|WaitGroup|Timers' -benchmem
//
//	ChanPingPong       two goroutines bounce a value over two unbuffered channels; per round trip.
//	ChanBuffered       a producer goroutine sends b.N ints on a channel of capacity 128, the
//	                   benchmark goroutine receives them; per element.
//	Select2, Select4   a producer sends b.N ints round-robin on 2 (4) channels of capacity 128,
//	                   the benchmark goroutine receives them with a select over all of them;
//	                   per select.
//	MutexUncontended   Lock + Unlock on one goroutine.
//	MutexContended     4 goroutines incrementing a shared counter under one mutex; per lock.
//	WaitGroupCycle     Add(8), start 8 goroutines that call Done, Wait; per cycle.
//	Timers10k          10,000 goroutines each sleeping 1 ms (time.Sleep), waited for with a
//	                   WaitGroup; per batch of 10,000.
//	After10k           the same with <-time.After(time.Millisecond). (gort's twins time batches
//	                   after an untimed first one; here the testing package's ramp-up warms the
//	                   runtime before the run it reports.)
package gortbench

import (
	"sync"
	"testing"
	"time"
)

func BenchmarkChanPingPong(b *testing.B) {
	atProcs(b, func(b *testing.B) {
		ping, pong := make(chan int), make(chan int)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			for v := range ping {
				pong <- v
			}
			wg.Done()
		}()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			ping <- i
			<-pong
		}
		b.StopTimer()
		close(ping)
		wg.Wait()
	})
}

func BenchmarkChanBuffered(b *testing.B) {
	atProcs(b, func(b *testing.B) {
		c := make(chan int, 128)
		n := b.N
		go func() {
			for i := 0; i < n; i++ {
				c <- i
			}
		}()
		for i := 0; i < n; i++ {
			<-c
		}
	})
}

// produceRoundRobin sends n ints on chans in turn.
func produceRoundRobin(chans []chan int, n int) {
	k := len(chans)
	for i := 0; i < n; i++ {
		chans[i%k] <- i
	}
}

func BenchmarkSelect2(b *testing.B) {
	atProcs(b, func(b *testing.B) {
		c0, c1 := make(chan int, 128), make(chan int, 128)
		go produceRoundRobin([]chan int{c0, c1}, b.N)
		for i := 0; i < b.N; i++ {
			select {
			case <-c0:
			case <-c1:
			}
		}
	})
}

func BenchmarkSelect4(b *testing.B) {
	atProcs(b, func(b *testing.B) {
		c0, c1, c2, c3 := make(chan int, 128), make(chan int, 128), make(chan int, 128),
			make(chan int, 128)
		go produceRoundRobin([]chan int{c0, c1, c2, c3}, b.N)
		for i := 0; i < b.N; i++ {
			select {
			case <-c0:
			case <-c1:
			case <-c2:
			case <-c3:
			}
		}
	})
}

func BenchmarkMutexUncontended(b *testing.B) {
	atProcs(b, func(b *testing.B) {
		var mu sync.Mutex
		for i := 0; i < b.N; i++ {
			mu.Lock()
			mu.Unlock()
		}
	})
}

const contenders = 4

func BenchmarkMutexContended(b *testing.B) {
	atProcs(b, func(b *testing.B) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		counter := 0
		for w := 0; w < contenders; w++ {
			n := b.N / contenders
			if w < b.N%contenders {
				n++
			}
			wg.Add(1)
			go func(n int) {
				for i := 0; i < n; i++ {
					mu.Lock()
					counter++
					mu.Unlock()
				}
				wg.Done()
			}(n)
		}
		wg.Wait()
		if counter != b.N {
			b.Fatalf("counter %d, want %d", counter, b.N)
		}
	})
}

const waitGroupSize = 8

func BenchmarkWaitGroupCycle(b *testing.B) {
	atProcs(b, func(b *testing.B) {
		var wg sync.WaitGroup
		for i := 0; i < b.N; i++ {
			wg.Add(waitGroupSize)
			for j := 0; j < waitGroupSize; j++ {
				go wg.Done()
			}
			wg.Wait()
		}
	})
}

const timerBatch = 10000

func BenchmarkTimers10k(b *testing.B) {
	atProcs(b, func(b *testing.B) {
		var wg sync.WaitGroup
		for i := 0; i < b.N; i++ {
			wg.Add(timerBatch)
			for j := 0; j < timerBatch; j++ {
				go func() {
					time.Sleep(time.Millisecond)
					wg.Done()
				}()
			}
			wg.Wait()
		}
	})
}

func BenchmarkAfter10k(b *testing.B) {
	atProcs(b, func(b *testing.B) {
		var wg sync.WaitGroup
		for i := 0; i < b.N; i++ {
			wg.Add(timerBatch)
			for j := 0; j < timerBatch; j++ {
				go func() {
					<-time.After(time.Millisecond)
					wg.Done()
				}()
			}
			wg.Wait()
		}
	})
}
