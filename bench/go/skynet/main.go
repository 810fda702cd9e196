// Go twin of bench/skynet.cpp: the skynet benchmark (https://github.com/atemerev/skynet), as in
// its Go version. Each node starts 10 children that share one unbuffered channel to it; a leaf
// sends its number, an inner node sums its children's results and sends the sum up. With
// 1,000,000 leaves that is 1,111,111 goroutines, and the sum is 499999500000.
//
// GOMAXPROCS comes from the environment; an optional argument sets the number of leaves (a
// power of 10). Prints one JSON line, the same fields as gort's:
//
//	{"impl": "go", "procs": P, "leaves": N, "sum": S, "ok": true, "ns": T, "maxrss_kb": R}
//
// ns is the wall-clock time from starting the root goroutine to receiving its sum; maxrss_kb
// the peak resident set of the process (getrusage RUSAGE_SELF). Exit status 1 if the sum is
// wrong.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"syscall"
	"time"
)

func skynet(c chan int64, num, size, div int64) {
	if size == 1 {
		c <- num
		return
	}
	rc := make(chan int64)
	var sum int64
	for i := int64(0); i < div; i++ {
		subNum := num + i*(size/div)
		go skynet(rc, subNum, size/div, div)
	}
	for i := int64(0); i < div; i++ {
		sum += <-rc
	}
	c <- sum
}

func main() {
	// -trace and -cpuprofile: the overhead runs of tools/bench/run.sh (the counterparts of
	// gort's GORT_DEBUG=trace=<path> and cpuprofile=<path>); both start before the timed part.
	tracePath := flag.String("trace", "", "write a runtime/trace execution trace to this file")
	profPath := flag.String("cpuprofile", "", "write a CPU profile (100 Hz) to this file")
	flag.Parse()
	leaves := int64(1000000)
	if flag.NArg() > 0 {
		n, err := strconv.ParseInt(flag.Arg(0), 10, 64)
		if err != nil || n < 1 || flag.NArg() > 1 {
			fmt.Fprintln(os.Stderr, "usage: skynet [-trace file] [-cpuprofile file] [leaves]")
			os.Exit(2)
		}
		leaves = n
	}
	if *tracePath != "" {
		f, err := os.Create(*tracePath)
		if err == nil {
			err = trace.Start(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "skynet: trace:", err)
			os.Exit(1)
		}
		defer trace.Stop()
	}
	if *profPath != "" {
		f, err := os.Create(*profPath)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "skynet: cpuprofile:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	c := make(chan int64)
	start := time.Now()
	go skynet(c, 0, leaves, 10)
	sum := <-c
	took := time.Since(start)
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	want := leaves * (leaves - 1) / 2
	fmt.Printf("{\"impl\": \"go\", \"procs\": %d, \"leaves\": %d, \"sum\": %d, \"ok\": %t, "+
		"\"ns\": %d, \"maxrss_kb\": %d}\n", runtime.GOMAXPROCS(0), leaves, sum, sum == want,
		took.Nanoseconds(), ru.Maxrss)
	if sum != want {
		fmt.Fprintf(os.Stderr, "skynet: sum %d, want %d\n", sum, want)
		os.Exit(1)
	}
}
