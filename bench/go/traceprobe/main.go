// A runtime/trace of a small defer-heavy program for the articles' claims about what Go's
// tracer shows (tools/bench/claims.py): goroutines that register defers, call Gosched and
// exit. tools/bench/run.sh dumps the trace's events with `go tool trace -d`. With "hot", the
// scenario of article 003's trace chapter instead: goroutines running its hotDeferHandler (10,000
// `defer func() {}()` in a loop, then Gosched) over and over; run.sh reads its runnable delays
// from `go tool trace -d` and the trace viewer's profiles with `go tool trace -pprof=...`.
//
//	traceprobe <trace file> [hot]
package main

import (
	"os"
	"runtime"
	"runtime/trace"
	"sync"
)

//go:noinline
func cleanup() {}

//go:noinline
func work(n int) {
	for i := 0; i < n; i++ {
		defer cleanup()
	}
	runtime.Gosched()
}

// hotDeferHandler is article 003's (section 4.4), as written there.
//
//go:noinline
func hotDeferHandler() {
	for i := 0; i < 10000; i++ {
		defer func() {}()
	}
	runtime.Gosched()
}

func main() {
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	var wg sync.WaitGroup
	if len(os.Args) > 2 && os.Args[2] == "hot" {
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; k < 20; k++ {
					hotDeferHandler()
				}
			}()
		}
		wg.Wait()
		trace.Stop()
		f.Close()
		return
	}
	for g := 0; g < 100; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work(10)
		}()
	}
	wg.Wait()
	trace.Stop()
	f.Close()
}
