// Go twin of bench/s3_latency.cpp (S3, article 003): runnable-to-running latency, with and
// without defer-heavy goroutines in the background. Prints the same JSON, one object per line
// and configuration; tools/bench/run.sh builds it once and runs it in rounds alternating with
// gort's.
//
//	s3 [milliseconds per configuration (250)] [background goroutines (1000)]
//
// Configurations: GOMAXPROCS 1 and 2, each with no background goroutines, with N goroutines
// that loop {10 plain calls; runtime.Gosched} ("plain"), and with N goroutines that loop {a
// function with 10 defers; runtime.Gosched} ("defer": more than 8 defers, so Go 1.19 runs them
// through stack-allocated records instead of open-coding them).
//
// Latencies, measured on W (the main goroutine) and R:
//
//	wake   W takes a timestamp and sends on an unbuffered channel R waits on, then waits for R's
//	       acknowledgement; R takes a timestamp as soon as it runs (Go's goready: runnext).
//	yield  W takes a timestamp, calls runtime.Gosched and takes another when it runs again
//	       (Go's Gosched puts the goroutine on the global run queue).
//
// One round is one of each; the first tenth of the time is warm-up and not recorded. Go has no
// counters for runnext hits or steals: those fields are null.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	_ "unsafe" // go:linkname
)

// nanotime is the runtime's monotonic clock (one vDSO call; time.Now reads two clocks).
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

var sink int

//go:noinline
func cleanup() { sink++ }

// Ten calls, and the same ten calls deferred.
//
//go:noinline
func plain() {
	cleanup()
	cleanup()
	cleanup()
	cleanup()
	cleanup()
	cleanup()
	cleanup()
	cleanup()
	cleanup()
	cleanup()
}

//go:noinline
func deferHeavy() {
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
}

const callsPerFunction = 10

// distribution: percentiles as index floor(q*n) of the sorted samples (gort uses the same rule).
func distribution(v []int64) string {
	if len(v) == 0 {
		return "null"
	}
	sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
	at := func(q float64) int64 {
		i := int(q * float64(len(v)))
		if i > len(v)-1 {
			i = len(v) - 1
		}
		return v[i]
	}
	sum := 0.0
	for _, x := range v {
		sum += float64(x)
	}
	return fmt.Sprintf(`{"p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}`,
		at(0.50), at(0.90), at(0.95), at(0.99), v[len(v)-1], sum/float64(len(v)))
}

func measure(procs int, background string, nBackground int, budget int64) {
	const maxRounds = 200000
	prev := runtime.GOMAXPROCS(procs)
	defer runtime.GOMAXPROCS(prev)
	wakeNs := make([]int64, 0, maxRounds)
	yieldNs := make([]int64, 0, maxRounds)

	n := nBackground
	if background == "none" {
		n = 0
	}
	var stop int32
	var calls uint64
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			mine := uint64(0)
			for atomic.LoadInt32(&stop) == 0 {
				if background == "defer" {
					deferHeavy()
				} else {
					plain()
				}
				mine++
				runtime.Gosched()
			}
			atomic.AddUint64(&calls, mine)
			wg.Done()
		}()
	}

	// The pair. t0, recording and quit are written by W before the send and read by R after
	// the receive: the channel orders them.
	wake, ack, receiverDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var t0 int64
	recording, quit := false, false
	go func() {
		for {
			<-wake
			t1 := nanotime()
			if quit {
				break
			}
			if recording {
				wakeNs = append(wakeNs, t1-t0)
			}
			ack <- struct{}{}
		}
		close(receiverDone)
	}()

	start := nanotime()
	warmUntil := start + budget/10
	end := start + budget
	var callsBefore uint64
	var since int64
	for {
		y0 := nanotime()
		if !recording && y0 >= warmUntil {
			recording = true
			callsBefore = atomic.LoadUint64(&calls)
			since = y0
		}
		if y0 >= end || len(yieldNs) == maxRounds {
			break
		}
		runtime.Gosched()
		y1 := nanotime()
		if recording {
			yieldNs = append(yieldNs, y1-y0)
		}
		t0 = nanotime()
		wake <- struct{}{}
		<-ack
	}
	seconds := float64(nanotime()-since) / 1e9
	quit = true
	wake <- struct{}{}
	<-receiverDone
	atomic.StoreInt32(&stop, 1)
	wg.Wait()
	backgroundCalls := atomic.LoadUint64(&calls) - callsBefore

	fmt.Printf(`{"impl": "go", "procs": %d, "background": "%s", "goroutines": %d, `+
		`"calls_per_function": %d, "rounds": %d, "seconds": %.3f, "wake_ns": %s, `+
		`"yield_ns": %s, "background_calls": %d, "runnext_hits": null, `+
		`"context_switches": null, "steals": null, "stolen_goroutines": null, `+
		`"global_runq_gets": null, "go": "%s"}`+"\n",
		procs, background, n, callsPerFunction, len(yieldNs), seconds, distribution(wakeNs),
		distribution(yieldNs), backgroundCalls, strings.TrimPrefix(runtime.Version(), "go"))
}

// selected: the configurations a third argument names ("2:none,2:defer"; all when empty).
func selected(list string, procs int, bg string) bool {
	if list == "" {
		return true
	}
	for _, c := range strings.Split(list, ",") {
		if c == fmt.Sprintf("%d:%s", procs, bg) {
			return true
		}
	}
	return false
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: s3 [ms per configuration] [background goroutines] "+
		"[configurations P:background,...] [trace file]")
	os.Exit(2)
}

func main() {
	ms, n := int64(250), 1000
	var err error
	if len(os.Args) > 1 {
		if ms, err = strconv.ParseInt(os.Args[1], 10, 64); err != nil || ms <= 0 {
			usage()
		}
	}
	if len(os.Args) > 2 {
		if n, err = strconv.Atoi(os.Args[2]); err != nil || n <= 0 {
			usage()
		}
	}
	configs := ""
	if len(os.Args) > 3 {
		configs = os.Args[3]
	}
	// A fourth argument: a runtime/trace of the whole run (tools/bench/run.sh's S3 traces, the
	// counterpart of gort's GORT_DEBUG=trace=<path>).
	if len(os.Args) > 4 {
		f, err := os.Create(os.Args[4])
		if err == nil {
			err = trace.Start(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "s3: trace:", err)
			os.Exit(1)
		}
		defer trace.Stop()
	}
	if len(os.Args) > 5 {
		usage()
	}
	// GO_S3_CPUPROFILE=<file>: a CPU profile of the whole run (100 Hz; run.sh's overhead runs,
	// the counterpart of gort's GORT_DEBUG=cpuprofile=<path>).
	if path := os.Getenv("GO_S3_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "s3: cpuprofile:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	for _, procs := range []int{1, 2} {
		for _, bg := range []string{"none", "plain", "defer"} {
			if selected(configs, procs, bg) {
				measure(procs, bg, n, ms*1000000)
			}
		}
	}
}
