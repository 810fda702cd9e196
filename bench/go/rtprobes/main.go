// Probes of Go's runtime for the articles' claims (tools/bench/claims.py), one "key: value" line
// each:
//   - the size and field offsets of a struct copied field for field from the installed Go 1.19
//     runtime's _defer (runtime/runtime2.go), with types of the same size and alignment (func()
//     and pointers as they are, *_panic as unsafe.Pointer): Go's own struct is not importable;
//   - the offsets of the first fields of Go 1.19's runtime.g, from a copy of its prefix (stack up
//     to stktopsp, field for field, gobuf copied too; the later fields do not move these) (run.sh
//     also keeps the compiler's own offsets, go_asm.h of the installed runtime);
//   - how many files a loop of `defer f.Close()` keeps open until its function returns;
//   - what a write on a closed connection does (an error or a panic), and whether a deferred
//     Close runs before or after the function's later write (article 002's incident).
package main

import (
	"fmt"
	"io"
	"net"
	"os"
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

// stackCopy, gobufCopy and gPrefix mirror Go 1.19's runtime.stack, runtime.gobuf and the first
// fields of runtime.g (runtime/runtime2.go); guintptr is a uintptr, *_panic, *_defer and *m are
// pointers.
type stackCopy struct {
	lo uintptr
	hi uintptr
}

type gobufCopy struct {
	sp   uintptr
	pc   uintptr
	g    uintptr
	ctxt unsafe.Pointer
	ret  uintptr
	lr   uintptr
	bp   uintptr
}

type gPrefix struct {
	stack       stackCopy
	stackguard0 uintptr
	stackguard1 uintptr
	_panic      unsafe.Pointer
	_defer      unsafe.Pointer
	m           unsafe.Pointer
	sched       gobufCopy
	syscallsp   uintptr
	syscallpc   uintptr
	stktopsp    uintptr
}

// openFDs counts this process's open file descriptors (/proc/self/fd), -1 if unreadable.
func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// loopClose opens n files in a loop with `defer f.Close()` (article 002's loop): returns the
// descriptors open over the count before the loop, measured after the loop (before return).
func loopClose(n int, base int) (during int) {
	for i := 0; i < n; i++ {
		f, err := os.Open("/dev/null")
		if err != nil {
			panic(err)
		}
		defer f.Close()
	}
	return openFDs() - base
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

	var g gPrefix
	emit("g-offset-stack", unsafe.Offsetof(g.stack))
	emit("g-offset-stackguard0", unsafe.Offsetof(g.stackguard0))
	emit("g-offset-_panic", unsafe.Offsetof(g._panic))
	emit("g-offset-_defer", unsafe.Offsetof(g._defer))
	emit("g-offset-m", unsafe.Offsetof(g.m))
	emit("g-offset-sched", unsafe.Offsetof(g.sched))

	base := openFDs()
	emit("loop-close-files", 100)
	emit("loop-close-open-before-return", loopClose(100, base))
	emit("loop-close-open-after-return", openFDs()-base)

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
