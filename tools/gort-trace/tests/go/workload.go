// workload writes a Go 1.19 execution trace of a small program whose facts the gort-trace tests
// know: every kind of event the 1.19 tracer records comes up at least once, and the numbers
// below (goroutines created by main, the sleeper's 50 ms sleep, the user logs, one completed
// garbage collection) are checked
// against gort-trace's summary.
//
// Usage: go run workload.go <out.trace>   (GOMAXPROCS from the environment: 1, 2, 4 ...)
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"sync"
	"syscall"
	"time"
)

const (
	workers    = 10 // goroutines running main.worker
	pingPongs  = 50 // round trips over an unbuffered channel
	mutexUsers = 4  // goroutines contending on one mutex
)

var (
	sink    int
	garbage []byte
)

//go:noinline
func burn(n int) {
	x := 0
	for i := 0; i < n; i++ {
		x += i * i
	}
	sink += x
}

// worker receives jobs on a buffered channel and reports on a result channel.
func worker(id int, jobs <-chan int, results chan<- int, wg *sync.WaitGroup) {
	defer wg.Done()
	for j := range jobs {
		burn(2000 * (j%3 + 1))
		results <- j * id
	}
}

// sleeper sleeps 50 ms inside a task and a region and logs before and after.
func sleeper(ctx context.Context, wg *sync.WaitGroup) {
	defer wg.Done()
	ctx, task := trace.NewTask(ctx, "sleepTask")
	defer task.End()
	trace.Log(ctx, "check", "before sleep")
	trace.WithRegion(ctx, "sleepRegion", func() {
		time.Sleep(50 * time.Millisecond)
	})
	trace.Log(ctx, "check", "after sleep")
	// The same shape of record gort's tracer writes for its defer counters (deltas per
	// goroutine); gort-trace totals them.
	trace.Log(ctx, "gort.defer", "inline=12 pooled=3 heap=1 heap_bytes=96 panics=0 recovers=0")
	trace.Log(ctx, "gort.defer", "inline=5 pooled=0 heap=2 heap_bytes=200 panics=1 recovers=1")
}

func pinger(ping, pong chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; i < pingPongs; i++ {
		ping <- i
		<-pong
	}
	close(ping)
}

func ponger(ping, pong chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	for v := range ping {
		pong <- v
	}
}

func locker(mu *sync.Mutex, cond *sync.Cond, ready *int, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; i < 20; i++ {
		mu.Lock()
		burn(3000)
		mu.Unlock()
		runtime.Gosched()
	}
	mu.Lock()
	*ready++
	cond.Broadcast()
	mu.Unlock()
}

func condWaiter(mu *sync.Mutex, cond *sync.Cond, ready *int, wg *sync.WaitGroup) {
	defer wg.Done()
	mu.Lock()
	for *ready < mutexUsers {
		cond.Wait()
	}
	mu.Unlock()
}

// syscaller makes a blocking system call long enough for sysmon to take its P (GoSysBlock).
func syscaller(wg *sync.WaitGroup) {
	defer wg.Done()
	ts := syscall.Timespec{Nsec: 15 * 1000 * 1000}
	syscall.Nanosleep(&ts, nil)
}

// piper blocks on the netpoller reading a pipe that main writes to later (GoBlockNet).
func piper(r *os.File, wg *sync.WaitGroup) {
	defer wg.Done()
	buf := make([]byte, 8)
	r.Read(buf)
}

func selecter(a, b chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	select {
	case <-a:
	case <-b:
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: workload <out.trace>")
		os.Exit(2)
	}
	f, err := os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := trace.Start(f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// A CPU profile running with the trace makes the 1.19 tracer record CPU samples.
	if err := pprof.StartCPUProfile(io.Discard); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Garbage until one collection has finished gives the GC events (GCStart/Done, both STWs,
	// sweeping). Not runtime.GC: it yields in a loop until every P has swept, which on a loaded
	// machine wrote thousands of GoSched events and made the trace's size vary sixfold.
	debug.SetGCPercent(100) // whatever GOGC says
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	for gcs, i := ms.NumGC, 0; ms.NumGC == gcs; i++ {
		garbage = make([]byte, 64<<10)
		if i%16 == 0 {
			runtime.ReadMemStats(&ms)
		}
	}

	ctx := context.Background()
	var wg sync.WaitGroup

	r, w, err := os.Pipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	wg.Add(1)
	go piper(r, &wg)

	wg.Add(1)
	go sleeper(ctx, &wg)

	jobs := make(chan int, 4)
	results := make(chan int)
	var wwg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wwg.Add(1)
		go worker(i, jobs, results, &wwg)
	}
	go func() {
		for i := 0; i < 40; i++ {
			jobs <- i
		}
		close(jobs)
	}()
	go func() {
		wwg.Wait()
		close(results)
	}()
	total := 0
	for v := range results {
		total += v
	}

	ping, pong := make(chan int), make(chan int)
	wg.Add(2)
	go pinger(ping, pong, &wg)
	go ponger(ping, pong, &wg)

	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	ready := 0
	wg.Add(1 + mutexUsers)
	go condWaiter(&mu, cond, &ready, &wg)
	for i := 0; i < mutexUsers; i++ {
		go locker(&mu, cond, &ready, &wg)
	}

	wg.Add(1)
	go syscaller(&wg)

	a, b := make(chan int), make(chan int)
	wg.Add(1)
	go selecter(a, b, &wg)
	time.Sleep(5 * time.Millisecond)
	b <- 1

	time.Sleep(10 * time.Millisecond)
	w.Write([]byte("x"))
	wg.Wait()
	// About 30 ms of CPU, so that the profiler takes a few samples.
	for start := time.Now(); time.Since(start) < 30*time.Millisecond; {
		burn(10000)
	}
	pprof.StopCPUProfile()
	trace.Stop()
	f.Close()
	fmt.Println("total", total)
}
