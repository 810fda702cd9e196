// GC counts and allocation for the articles' GC claims (tools/bench/claims.py), run by run.sh
// under GODEBUG=gctrace=1 (stderr keeps the runtime's gc lines):
//
//	gctrace <mode> [calls (1000000)]
//
// mode: nodefer (a direct call), closure (a defer of a closure capturing locals), loopplain
// (100 `defer cleanup()` in a loop per call, calls/100 calls) or looparg (100 `defer
// cleanupI(i)`, an argument closure each). Prints one JSON line: mode, calls, total_alloc
// (bytes), num_gc (runtime.MemStats deltas over the loop).
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
)

var sink int

//go:noinline
func cleanup() {}

//go:noinline
func cleanupI(i int) { sink = i }

//go:noinline
func use(x int) { sink = x }

//go:noinline
func noDefer(n int) { use(n) }

//go:noinline
func deferClosure(n int) {
	x, y := n, n+1
	defer func() { use(x + y) }()
	x++
}

//go:noinline
func loopPlain() {
	for i := 0; i < 100; i++ {
		defer cleanup()
	}
}

//go:noinline
func loopArg() {
	for i := 0; i < 100; i++ {
		defer cleanupI(i)
	}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gctrace nodefer|closure|loopplain|looparg [calls]")
		os.Exit(2)
	}
	calls := 1000000
	if len(os.Args) > 2 {
		calls, _ = strconv.Atoi(os.Args[2])
	}
	var f func(int)
	per := 1
	switch os.Args[1] {
	case "nodefer":
		f = noDefer
	case "closure":
		f = deferClosure
	case "loopplain":
		f, per = func(int) { loopPlain() }, 100
	case "looparg":
		f, per = func(int) { loopArg() }, 100
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", os.Args[1])
		os.Exit(2)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < calls/per; i++ {
		f(i)
	}
	runtime.ReadMemStats(&after)
	fmt.Printf(`{"mode": %q, "calls": %d, "defers_per_call": %d, "total_alloc": %d, "num_gc": %d}`+"\n",
		os.Args[1], calls/per, per, after.TotalAlloc-before.TotalAlloc, after.NumGC-before.NumGC)
}
