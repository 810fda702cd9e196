// Probes of Go's runtime for the articles' claims (tools/bench/claims.py), one "key: value" line
// each:
//   - the size and field offsets of a struct copied field for field from the installed Go 1.19
//     runtime's _defer (runtime/runtime2.go), with types of the same size and alignment (func()
//     and pointers as they are, *_panic as unsafe.Pointer): Go's own struct is not importable;
//   - what a write on a closed connection does (an error or a panic), and whether a deferred
//     Close runs before or after the function's later write (article 002's incident).
package main

import (
	"fmt"
	"io"
	"net"
	"unsafe"
)

// deferCopy mirrors Go 1.19's runtime._defer field for field.
type deferCopy struct {
	started   bool
	heap      bool
	openDefer bool
	sp        uintptr
	pc        uintptr
	fn        func()
	_panic    unsafe.Pointer
	link      *deferCopy
	fd        unsafe.Pointer
	varp      uintptr
	framepc   uintptr
}

func emit(key string, v interface{}) { fmt.Printf("%s: %v\n", key, v) }

// handle is the article's incident: a deferred Close and a write after the work.
func handle(c net.Conn) (err error) {
	defer c.Close()
	_, err = fmt.Fprintf(c, "%s", "response")
	return err
}

func main() {
	var d deferCopy
	emit("defer-size", unsafe.Sizeof(d))
	emit("defer-offset-started", unsafe.Offsetof(d.started))
	emit("defer-offset-heap", unsafe.Offsetof(d.heap))
	emit("defer-offset-openDefer", unsafe.Offsetof(d.openDefer))
	emit("defer-offset-sp", unsafe.Offsetof(d.sp))
	emit("defer-offset-pc", unsafe.Offsetof(d.pc))
	emit("defer-offset-fn", unsafe.Offsetof(d.fn))
	emit("defer-offset-_panic", unsafe.Offsetof(d._panic))
	emit("defer-offset-link", unsafe.Offsetof(d.link))
	emit("defer-offset-fd", unsafe.Offsetof(d.fd))
	emit("defer-offset-varp", unsafe.Offsetof(d.varp))
	emit("defer-offset-framepc", unsafe.Offsetof(d.framepc))

	// A deferred Close runs after the function's write: the reader gets the response.
	a, b := net.Pipe()
	got := make(chan string)
	go func() {
		buf, _ := io.ReadAll(b)
		got <- string(buf)
	}()
	err := handle(a)
	emit("deferred-close-write-error", err)
	emit("deferred-close-reader-got", <-got)

	// A write on a connection already closed: an error, or a panic?
	c1, c2 := net.Pipe()
	c1.Close()
	c2.Close()
	func() {
		defer func() {
			if r := recover(); r != nil {
				emit("write-on-closed-conn", fmt.Sprint("panic: ", r))
			}
		}()
		_, err := c1.Write([]byte("x"))
		emit("write-on-closed-conn", fmt.Sprint("error: ", err))
	}()
}
