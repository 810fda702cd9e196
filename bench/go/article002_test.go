// Go benchmarks for article 002's claims (tools/bench/claims.py, A002-*): a mutex pair with
// `defer mu.Unlock()` against the explicit unlock, alone and with 1,000 and 5,000 goroutines
// contending; and closing a connection (net.Pipe) with a deferred Close against an explicit
// one. No gort twin: these rows judge claims about Go.
package gortbench

import (
	"net"
	"strconv"
	"sync"
	"testing"
)

var lockMu sync.Mutex
var lockCount int

//go:noinline
func lockDefer() {
	lockMu.Lock()
	defer lockMu.Unlock()
	lockCount++
}

//go:noinline
func lockManual() {
	lockMu.Lock()
	lockCount++
	lockMu.Unlock()
}

func BenchmarkLockDefer(b *testing.B) {
	for i := 0; i < b.N; i++ {
		lockDefer()
	}
}

func BenchmarkLockManual(b *testing.B) {
	for i := 0; i < b.N; i++ {
		lockManual()
	}
}

// b.N lock pairs spread over g goroutines started together; ns/op is per lock pair.
func contended(b *testing.B, g int, f func()) {
	var wg sync.WaitGroup
	per := b.N / g
	extra := b.N % g
	start := make(chan struct{})
	wg.Add(g)
	for k := 0; k < g; k++ {
		n := per
		if k < extra {
			n++
		}
		go func(n int) {
			defer wg.Done()
			<-start
			for i := 0; i < n; i++ {
				f()
			}
		}(n)
	}
	b.ResetTimer()
	close(start)
	wg.Wait()
}

func BenchmarkLockContendedDefer(b *testing.B) {
	for _, g := range []int{1000, 5000} {
		g := g
		b.Run("G"+strconv.Itoa(g), func(b *testing.B) { contended(b, g, lockDefer) })
	}
}

func BenchmarkLockContendedManual(b *testing.B) {
	for _, g := range []int{1000, 5000} {
		g := g
		b.Run("G"+strconv.Itoa(g), func(b *testing.B) { contended(b, g, lockManual) })
	}
}

//go:noinline
func connCloseDefer() {
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
}

//go:noinline
func connCloseManual() {
	c1, c2 := net.Pipe()
	c2.Close()
	c1.Close()
}

func BenchmarkConnCloseDefer(b *testing.B) {
	for i := 0; i < b.N; i++ {
		connCloseDefer()
	}
}

func BenchmarkConnCloseManual(b *testing.B) {
	for i := 0; i < b.N; i++ {
		connCloseManual()
	}
}
