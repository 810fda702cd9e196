// A GOMAXPROCS=1 spin probe for the articles' claims about preemption (tools/bench/claims.py):
// one goroutine spins in a loop without calls (no cooperative yield point) while main sleeps
// 1 ms on the only P. If Go preempts the spinner (asynchronously, since Go 1.14), main wakes up
// a few ms later; under a cooperative-only scheduler it never would. tools/bench/run.sh also
// runs it with GODEBUG=asyncpreemptoff=1 under a timeout. One "key: value" line each.
package main

import (
	"fmt"
	"runtime"
	"time"
)

var spins uint64

func main() {
	runtime.GOMAXPROCS(1)
	started := make(chan struct{})
	go func() {
		close(started)
		for {
			spins++
		}
	}()
	<-started // the spinner has run: it holds the only P from here on
	t := time.Now()
	time.Sleep(time.Millisecond)
	fmt.Printf("spin-main-resumed-ms: %.3f\n", float64(time.Since(t).Nanoseconds())/1e6)
	fmt.Printf("spin-gomaxprocs: %d\n", runtime.GOMAXPROCS(0))
}
