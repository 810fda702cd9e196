// Go twins of bench/defer_bench.cpp. Run: cd bench/go && go test -bench . -benchmem
// Names map to the C++ cases in tools/bench/report.py (BenchmarkDefer <-> BM_GortDefer, ...).
package gortbench

import (
	"strconv"
	"testing"
)

var sink int

//go:noinline
func cleanup() {}

//go:noinline
func use(x int) { sink = x }

//go:noinline
func cleanupI(i int) { sink = i }

// S0: no defer / one defer / a defer whose closure captures locals.

//go:noinline
func noDefer() { cleanup() }

//go:noinline
func oneDefer() { defer cleanup() }

//go:noinline
func noDeferClosure(n int) {
	x := n
	y := n + 1
	x++
	use(x + y)
}

//go:noinline
func deferClosure(n int) {
	x := n
	y := n + 1
	defer func() { use(x + y) }()
	x++
}

func BenchmarkNoDefer(b *testing.B) {
	for i := 0; i < b.N; i++ {
		noDefer()
	}
}

func BenchmarkDefer(b *testing.B) {
	for i := 0; i < b.N; i++ {
		oneDefer()
	}
}

func BenchmarkNoDeferClosure(b *testing.B) {
	for i := 0; i < b.N; i++ {
		noDeferClosure(7)
	}
}

func BenchmarkDeferClosure(b *testing.B) {
	for i := 0; i < b.N; i++ {
		deferClosure(7)
	}
}

// S1: defers registered in a loop (Go: heap-allocated _defer records from the P's pool).
// loopDeferPlain defers an argument-less call (the main pair, twin of gort's
// f.defer(cleanup)); loopDefer defers cleanupI(i), whose argument Go 1.19 wraps in an allocated
// closure per defer (its own row).

//go:noinline
func loopDeferPlain(n int) {
	for i := 0; i < n; i++ {
		defer cleanup()
	}
}

//go:noinline
func noDeferLoopPlain(n int) {
	for i := 0; i < n; i++ {
		cleanup()
	}
}

//go:noinline
func loopDefer(n int) {
	for i := 0; i < n; i++ {
		defer cleanupI(i)
	}
}

//go:noinline
func noDeferLoop(n int) {
	var pending [128]int
	for i := 0; i < n; i++ {
		pending[i] = i
	}
	for i := n - 1; i >= 0; i-- {
		cleanupI(pending[i])
	}
}

func sizes(b *testing.B, ns []int, f func(int)) {
	for _, n := range ns {
		n := n
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				f(n)
			}
		})
	}
}

func BenchmarkLoopDeferPlain(b *testing.B)   { sizes(b, []int{1, 10, 100}, loopDeferPlain) }
func BenchmarkNoDeferLoopPlain(b *testing.B) { sizes(b, []int{1, 10, 100}, noDeferLoopPlain) }
func BenchmarkLoopDefer(b *testing.B)        { sizes(b, []int{1, 10, 100}, loopDefer) }
func BenchmarkNoDeferLoop(b *testing.B)      { sizes(b, []int{1, 10, 100}, noDeferLoop) }

// S4: closures deferred in a loop, capturing the loop variable by reference or by value, and a
// large captured value.

type big struct{ words [32]int }

//go:noinline
func useBig(b *big) { sink = b.words[0] }

//go:noinline
func captureByReference(n int) {
	for i := 0; i < n; i++ {
		defer func() { use(i) }()
	}
}

//go:noinline
func captureByValue(n int) {
	for i := 0; i < n; i++ {
		defer func(v int) { use(v) }(i)
	}
}

//go:noinline
func captureBig(n int) {
	var v big
	for i := 0; i < n; i++ {
		v.words[0] = i
		defer func(b big) { useBig(&b) }(v)
	}
}

func BenchmarkCaptureByReference(b *testing.B) { sizes(b, []int{3, 100}, captureByReference) }
func BenchmarkCaptureByValue(b *testing.B)     { sizes(b, []int{3, 100}, captureByValue) }
func BenchmarkCaptureBig(b *testing.B)         { sizes(b, []int{3, 100}, captureBig) }

// Panic + recover, the panic raised `depth` calls below the recovering function.

//go:noinline
func divePanic(depth int) {
	if depth <= 1 {
		panic(depth)
	}
	divePanic(depth - 1)
	sink++
}

//go:noinline
func panicRecover(depth int) (r int) {
	defer func() {
		if recover() != nil {
			r = 1
		}
	}()
	divePanic(depth)
	return
}

func BenchmarkPanicRecover(b *testing.B) {
	sizes(b, []int{1, 10}, func(d int) { sink += panicRecover(d) })
}

// Panic with five pending deferred calls, the first registered one recovering:
// plain function calls, and closures capturing arguments.

//go:noinline
func panicFiveDefers() (r int) {
	defer func() {
		if recover() != nil {
			r = 1
		}
	}()
	defer cleanup()
	defer cleanup()
	defer cleanup()
	defer cleanup()
	divePanic(1)
	return
}

//go:noinline
func panicFiveClosures(a, b, c, d int) (r int) {
	defer func() {
		if recover() != nil {
			r = 1
		}
	}()
	defer func() { use(a) }()
	defer func() { use(b) }()
	defer func() { use(c) }()
	defer func() { use(d) }()
	divePanic(1)
	return
}

func BenchmarkPanicDefers5(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink += panicFiveDefers()
	}
}

func BenchmarkPanicClosures5(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink += panicFiveClosures(i, i+1, i+2, i+3)
	}
}
