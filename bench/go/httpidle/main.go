// Go twin of bench/http_idle_conns.cpp: memory per idle HTTP keep-alive connection. A net/http
// server at GOMAXPROCS 1 accepts N connections (default 10,000); each client connection sends one
// GET and reads its response, then stays open and silent. The clients are the gort benchmark's own
// client mode (the first argument: the path of gort_http_idle_conns), so both servers see the same
// client. Prints one JSON line: VmRSS before listening and once every request was answered (then
// 200 ms more), the difference per connection, and the same after runtime/debug.FreeOSMemory (a
// GC, and the free heap given back: garbage out of the count).
//
// Usage: httpidle <gort_http_idle_conns> [N]
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"gortbench/internal/procmem"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: httpidle <gort_http_idle_conns> [N]")
		os.Exit(2)
	}
	runtime.GOMAXPROCS(1)
	want := 10000
	if len(os.Args) >= 3 {
		want, _ = strconv.Atoi(os.Args[2])
	}
	n := procmem.RaiseNofile(want)
	before := procmem.RSSKB()
	var served atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/idle", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("idle"))
		served.Add(1)
	})
	srv := &http.Server{Handler: mux}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	cmd := exec.Command(os.Args[1], "client", ln.Addr().String(), strconv.Itoa(n))
	hold, _ := cmd.StdinPipe()
	if err := cmd.Start(); err != nil {
		panic(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	for int(served.Load()) < n {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	after := procmem.RSSKB()
	debug.FreeOSMemory()
	freed := procmem.RSSKB()
	fmt.Printf("{\"side\": \"go\", \"conns\": %d, \"wanted\": %d, \"rss_before_kb\": %d, \"rss_after_kb\": %d, \"bytes_per_conn\": %.0f, \"rss_freed_kb\": %d, \"bytes_per_conn_freed\": %.0f}\n",
		n, want, before, after, float64(after-before)*1024/float64(n), freed, float64(freed-before)*1024/float64(n))
	hold.Close()
	cmd.Wait()
	srv.Close()
	<-done
}
