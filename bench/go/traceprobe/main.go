// A runtime/trace of a small defer-heavy program for the articles' claims about what Go's
// tracer shows (tools/bench/claims.py): goroutines that register defers, call Gosched and
// exit. tools/bench/run.sh dumps the trace's events with `go tool trace -d`.
//
//	traceprobe <trace file>
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

func main() {
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	var wg sync.WaitGroup
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
