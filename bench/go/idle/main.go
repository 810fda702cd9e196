// Go twin of bench/idle.cpp: GOMAXPROCS=2, main sleeps one second. tools/bench/run.sh runs the
// built binary under /usr/bin/time; the program prints the same lines as gort's:
//
//	idle_cpu_ns   CPU time of all its threads during the sleep alone (the sum over
//	              /proc/self/task/*/schedstat after the sleep, minus the same sum before it)
//	idle_wall_ns  the wall-clock time of that sleep
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// threadCPU returns the nanoseconds each live thread of this process has spent on a CPU.
func threadCPU() map[string]int64 {
	out := map[string]int64{}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return out
	}
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/schedstat")
		if err != nil {
			continue
		}
		if f := strings.Fields(string(b)); len(f) > 0 {
			if ns, err := strconv.ParseInt(f[0], 10, 64); err == nil {
				out[t.Name()] = ns
			}
		}
	}
	return out
}

func main() {
	runtime.GOMAXPROCS(2)
	before := threadCPU()
	start := time.Now()
	time.Sleep(time.Second)
	wall := time.Since(start)
	cpu := int64(0)
	for tid, ns := range threadCPU() {
		cpu += ns - before[tid]
	}
	fmt.Printf("idle_cpu_ns: %d\nidle_wall_ns: %d\n", cpu, wall.Nanoseconds())
}
