// Go twins of bench/sched_bench.cpp (the scheduler benchmarks of issue 3), each at GOMAXPROCS 1
// and 2 (sub-benchmarks P1 and P2, set inside the benchmark and restored after). Names map to
// the C++ cases: BenchmarkSpawnWait/P1 <-> BM_GortSpawnWait/1, and so on.
// Run: cd bench/go && go test -run '^$' -bench 'Spawn|Yield' -benchmem
package gortbench

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// atProcs runs f as sub-benchmarks P1 and P2 with GOMAXPROCS set accordingly.
func atProcs(b *testing.B, f func(b *testing.B)) {
	for _, p := range []int{1, 2} {
		p := p
		b.Run(fmt.Sprintf("P%d", p), func(b *testing.B) {
			prev := runtime.GOMAXPROCS(p)
			defer runtime.GOMAXPROCS(prev)
			b.ResetTimer()
			f(b)
		})
	}
}

// Spawn a goroutine that signals completion, wait for it; one at a time.
func BenchmarkSpawnWait(b *testing.B) {
	atProcs(b, func(b *testing.B) {
		var wg sync.WaitGroup
		for i := 0; i < b.N; i++ {
			wg.Add(1)
			go func() { wg.Done() }()
			wg.Wait()
		}
	})
}

// Spawn goroutines in batches of 1000 and wait for each batch; ns/op is per goroutine.
func BenchmarkSpawnBatch(b *testing.B) {
	const batch = 1000
	atProcs(b, func(b *testing.B) {
		var wg sync.WaitGroup
		for done := 0; done < b.N; done += batch {
			n := batch
			if b.N-done < n {
				n = b.N - done
			}
			wg.Add(n)
			for i := 0; i < n; i++ {
				go func() { wg.Done() }()
			}
			wg.Wait()
		}
	})
}

// One goroutine calling runtime.Gosched in a loop.
func BenchmarkYield(b *testing.B) {
	atProcs(b, func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			runtime.Gosched()
		}
	})
}

// Two goroutines calling runtime.Gosched; ns/yield is the elapsed time over the yields of both
// (at P1: the cost of one switch from one to the other).
func BenchmarkYieldPair(b *testing.B) {
	atProcs(b, func(b *testing.B) {
		var stop int32
		var partner int64 // written by the partner only
		done := make(chan struct{})
		go func() {
			n := int64(0)
			for atomic.LoadInt32(&stop) == 0 {
				runtime.Gosched()
				n++
				atomic.StoreInt64(&partner, n)
			}
			close(done)
		}()
		runtime.Gosched() // the partner starts and is runnable from now on
		b.ResetTimer()
		theirs0 := atomic.LoadInt64(&partner)
		start := time.Now()
		for i := 0; i < b.N; i++ {
			runtime.Gosched()
		}
		elapsed := time.Since(start)
		theirs := atomic.LoadInt64(&partner) - theirs0
		b.StopTimer()
		atomic.StoreInt32(&stop, 1)
		<-done
		b.ReportMetric(float64(elapsed.Nanoseconds())/float64(int64(b.N)+theirs), "ns/yield")
		b.ReportMetric(float64(theirs)/float64(b.N), "partner_yields/op")
	})
}
