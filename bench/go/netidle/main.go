// Go twin of bench/net_idle_conns.cpp: memory per idle connection. A server at GOMAXPROCS 1
// accepts N connections (default 10,000), each with a goroutine parked in Read with a 1 KiB
// buffer; the clients are a child process (this program run as `client`). Prints one JSON line:
// VmRSS before listening and once every goroutine is parked, and the difference per connection.
//
// Usage: netidle [N]      (client mode: netidle client <addr> <N>)
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"gortbench/internal/procmem"
)

func client(addr string, n int) {
	n = procmem.RaiseNofile(n)
	conns := make([]net.Conn, 0, n)
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			os.Exit(3)
		}
		conns = append(conns, c)
	}
	io.Copy(io.Discard, os.Stdin)
}

func main() {
	if len(os.Args) >= 4 && os.Args[1] == "client" {
		n, _ := strconv.Atoi(os.Args[3])
		client(os.Args[2], n)
		return
	}
	runtime.GOMAXPROCS(1)
	want := 10000
	if len(os.Args) >= 2 {
		want, _ = strconv.Atoi(os.Args[1])
	}
	n := procmem.RaiseNofile(want)
	before := procmem.RSSKB()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	cmd := exec.Command(os.Args[0], "client", ln.Addr().String(), strconv.Itoa(n))
	hold, _ := cmd.StdinPipe()
	if err := cmd.Start(); err != nil {
		panic(err)
	}
	var parked atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		c, err := ln.Accept()
		if err != nil {
			break
		}
		wg.Add(1)
		go func(c net.Conn) {
			parked.Add(1)
			buf := make([]byte, 1024)
			c.Read(buf)
			c.Close()
			wg.Done()
		}(c)
	}
	for int(parked.Load()) < n {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	after := procmem.RSSKB()
	fmt.Printf("{\"side\": \"go\", \"conns\": %d, \"wanted\": %d, \"rss_before_kb\": %d, \"rss_after_kb\": %d, \"bytes_per_conn\": %.0f}\n",
		n, want, before, after, float64(after-before)*1024/float64(n))
	hold.Close()
	wg.Wait()
	cmd.Wait()
	ln.Close()
}
