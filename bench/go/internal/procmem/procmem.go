// Package procmem holds what the idle-connection memory benchmarks (netidle, httpidle) share:
// the process's VmRSS and raising RLIMIT_NOFILE.
package procmem

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// RSSKB is this process's VmRSS in KiB (-1 when /proc cannot say).
func RSSKB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			v, _ := strconv.ParseInt(f[1], 10, 64)
			return v
		}
	}
	return -1
}

// RaiseNofile raises RLIMIT_NOFILE to its hard limit and returns how many of want connections
// fit (64 descriptors kept for the rest).
func RaiseNofile(want int) int {
	var rl syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	rl.Cur = rl.Max
	syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
	avail := int(rl.Cur) - 64
	if avail < want {
		return avail
	}
	return want
}
