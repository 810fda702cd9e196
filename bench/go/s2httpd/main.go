// Go twin of bench/s2_httpd.cpp: article 002's handler shapes on net/http. Every handler takes a
// mutex around a counter and writes the same 1 KiB body with Content-Type set:
//
//	/nodefer       mu.Lock(); hits++; mu.Unlock()
//	/deferunlock   mu.Lock(); defer mu.Unlock()
//	/deferrecover  a deferred closure that calls recover() (the article's handlerWithDefer
//	               without its runtime.GC() call, which gort cannot mirror)
//	/multidefer    three defers: the unlock, a counter, and the recovering closure
//
// Usage: GOMAXPROCS=P s2httpd <addr>. Prints "listening <addr>" once it accepts, then serves
// until killed.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
)

var (
	mu       sync.Mutex
	hits     int64
	deferred int64
	body     = []byte(strings.Repeat("x", 1023) + "\n")
)

func finish(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(body)
}

func noDefer(w http.ResponseWriter, r *http.Request) {
	mu.Lock()
	hits++
	mu.Unlock()
	finish(w)
}

func deferUnlock(w http.ResponseWriter, r *http.Request) {
	func() {
		mu.Lock()
		defer mu.Unlock()
		hits++
	}()
	finish(w)
}

func deferRecover(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintln(os.Stderr, "recovered")
		}
	}()
	finish(w)
}

func multiDefer(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintln(os.Stderr, "recovered")
		}
	}()
	defer atomic.AddInt64(&deferred, 1)
	mu.Lock()
	defer mu.Unlock()
	hits++
	finish(w)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: s2httpd <addr>")
		os.Exit(2)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/nodefer", noDefer)
	mux.HandleFunc("/deferunlock", deferUnlock)
	mux.HandleFunc("/deferrecover", deferRecover)
	mux.HandleFunc("/multidefer", multiDefer)
	ln, err := net.Listen("tcp", os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening %s\n", ln.Addr())
	srv := &http.Server{Handler: mux}
	fmt.Fprintln(os.Stderr, srv.Serve(ln))
}
