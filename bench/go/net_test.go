// Go twin of bench/net_bench.cpp: a TCP echo round trip over loopback, one connection, 64
// bytes, at GOMAXPROCS 1 and 2 (sub-benchmarks P1 and P2). BenchmarkTCPEcho/P1 <->
// BM_GortTCPEcho/1.
// Run: cd bench/go && go test -run '^$' -bench TCPEcho
package gortbench

import (
	"net"
	"syscall"
	"testing"
)

// procCPU is the process's CPU time (user + system, every thread) in nanoseconds: on a loaded
// machine the wall time per round trip measures the other processes as much as this one.
func procCPU() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func BenchmarkTCPEcho(b *testing.B) {
	atProcs(b, func(b *testing.B) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 64)
			for {
				n, rerr := c.Read(buf)
				if n > 0 {
					if _, werr := c.Write(buf[:n]); werr != nil {
						break
					}
				}
				if rerr != nil {
					break
				}
			}
			c.Close()
		}()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		out := make([]byte, 64)
		in := make([]byte, 64)
		for i := range out {
			out[i] = 'e'
		}
		b.ResetTimer()
		cpu0 := procCPU()
		for i := 0; i < b.N; i++ {
			c.Write(out)
			got := 0
			for got < len(in) {
				n, err := c.Read(in[got:])
				if err != nil {
					b.Fatal(err)
				}
				got += n
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(procCPU()-cpu0)/float64(b.N), "cpu-ns/op")
		c.Close()
		<-done
		ln.Close()
	})
}
