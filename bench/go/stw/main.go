// Stop-the-world pauses with 10,000 goroutines each parked with k pending deferred calls, for
// article 000's claims that defers add to the GC's STW time (tools/bench/claims.py, A000-27/28).
//
//	stw [goroutines (10000)] [GC cycles per k (20)]
//
// For k = 0, 3 and 10 (3: open-coded, 10: stack records), the goroutines park inside a function
// with k defers registered, runtime.GC() runs the cycles, and one JSON line per k gives the
// stop-the-world pause of each cycle (runtime.MemStats.PauseNs: both STW phases of a cycle).
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

//go:noinline
func cleanup() {}

func park3(ready *sync.WaitGroup, release chan struct{}) {
	defer cleanup()
	defer cleanup()
	defer cleanup()
	ready.Done()
	<-release
}

func park10(ready *sync.WaitGroup, release chan struct{}) {
	defer cleanup()
	defer cleanup()
	defer cleanup()
	defer cleanup()
	defer cleanup()
	defer cleanup()
	defer cleanup()
	defer cleanup()
	defer cleanup()
	defer cleanup()
	ready.Done()
	<-release
}

func park0(ready *sync.WaitGroup, release chan struct{}) {
	ready.Done()
	<-release
}

func measure(k, goroutines, cycles int) {
	park := map[int]func(*sync.WaitGroup, chan struct{}){0: park0, 3: park3, 10: park10}[k]
	var ready, done sync.WaitGroup
	release := make(chan struct{})
	ready.Add(goroutines)
	done.Add(goroutines)
	for i := 0; i < goroutines; i++ {
		go func() {
			defer done.Done()
			park(&ready, release)
		}()
	}
	ready.Wait()
	runtime.GC() // warm-up
	pauses := make([]string, 0, cycles)
	var ms runtime.MemStats
	for c := 0; c < cycles; c++ {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		pauses = append(pauses, strconv.FormatUint(ms.PauseNs[(ms.NumGC+255)%256], 10))
	}
	close(release)
	done.Wait()
	fmt.Printf(`{"pending_defers": %d, "goroutines": %d, "pause_ns": [%s]}`+"\n", k, goroutines,
		strings.Join(pauses, ", "))
}

func main() {
	goroutines, cycles := 10000, 20
	if len(os.Args) > 1 {
		goroutines, _ = strconv.Atoi(os.Args[1])
	}
	if len(os.Args) > 2 {
		cycles, _ = strconv.Atoi(os.Args[2])
	}
	for _, k := range []int{0, 3, 10} {
		measure(k, goroutines, cycles)
	}
}
