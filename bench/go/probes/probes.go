// Article probes: the snippets whose behaviour the articles describe, on the local Go toolchain.
// tools/bench/run.sh runs it (`go run`), and builds it with -gcflags=-d=defer (how each defer is
// compiled) and -gcflags='-m -l' (escape analysis). Each output line is "key: value";
// bench/article_probes.cpp prints the same keys for gort. Function names are the keys the
// report uses for the compiler's per-defer output.
package main

import (
	"fmt"
	"strings"
	"sync"
)

var sink int

//go:noinline
func cleanup() { sink++ }

//go:noinline
func use(x int) { sink = x }

var out []string

func emit(key string, parts ...interface{}) {
	var s []string
	for _, p := range parts {
		s = append(s, fmt.Sprint(p))
	}
	fmt.Printf("%s: %s\n", key, strings.Join(s, " "))
}

// --- How each defer compiles (-d=defer) ---

func probeOneDefer() int {
	defer cleanup()
	return 42
}

func probeTwoDefers() {
	defer cleanup()
	defer cleanup()
}

func probeConditional(c bool) {
	if c {
		defer cleanup()
	}
}

func probeClosure(n int) {
	x := n
	defer func() { use(x) }()
	x++
}

func probeEight() {
	defer cleanup()
	defer cleanup()
	defer cleanup()
	defer cleanup()
	defer cleanup()
	defer cleanup()
	defer cleanup()
	defer cleanup()
}

func probeNine() {
	defer cleanup()
	defer cleanup()
	defer cleanup()
	defer cleanup()
	defer cleanup()
	defer cleanup()
	defer cleanup()
	defer cleanup()
	defer cleanup()
}

func probeLoop(n int) {
	for i := 0; i < n; i++ {
		defer cleanup()
	}
}

// Article 004's "several return paths keep the defer overhead".
func probeMultiReturn(c bool) int {
	defer cleanup()
	if c {
		return 1
	}
	return 2
}

// Article 004's fix for loop defers: each iteration's defer in its own function literal.
func probeLoopWrapped(n int) {
	for i := 0; i < n; i++ {
		func() {
			defer cleanup()
		}()
	}
}

// Article 002's pair: Lock with a deferred Unlock, and with an explicit one (-m=2 says which can
// be inlined; -S gives their frames).
var mu sync.Mutex

func lockDefer() {
	mu.Lock()
	defer mu.Unlock()
	sink++
}

func lockManual() {
	mu.Lock()
	sink++
	mu.Unlock()
}

// Article 001's inlining example (-m=2 says whether it can be inlined; -S gives its frame).
func withDefer(x int) int {
	defer func() { _ = x }()
	return x * 2
}

// --- Escape analysis (-m -l) ---

func escapeSlice1000() {
	x := make([]int, 1000) // article 000: "x escapes to heap"
	defer func() { use(len(x)) }()
}

func escapeSlice10() {
	x := make([]int, 10) // article 001: "x is heap-allocated by newdefer"
	defer func() { _ = len(x) }()
}

func escapeNewInt() {
	x := new(int) // article 004: "forced heap allocation"
	defer func() { use(*x) }()
}

func escapeBigStruct() {
	x := &struct{ data [1024]int }{} // article 004: "x escapes to the heap"
	defer func() { use(x.data[0]) }()
}

func printLiteral() {
	defer fmt.Println(42) // article 001: "no captured variables, no escape"
}

// --- Semantics ---

func captureTrap() {
	for i := 0; i < 3; i++ {
		defer func() { out = append(out, fmt.Sprint(i)) }()
	}
}

func captureByValue() {
	for i := 0; i < 3; i++ {
		defer func(val int) { out = append(out, fmt.Sprint(val)) }(i)
	}
}

func captureRedeclare() {
	for i := 0; i < 3; i++ {
		i := i
		defer func() { out = append(out, fmt.Sprint(i)) }()
	}
}

func stackAlloc() {
	x := 42
	defer func() { out = append(out, fmt.Sprint(x)) }()
	x = 43
}

func processItems(items []int) {
	for _, v := range items {
		defer func(v int) { out = append(out, fmt.Sprint(v)) }(v)
	}
}

func lifo() {
	defer func() { out = append(out, "first") }()
	defer func() { out = append(out, "second") }()
	defer func() { out = append(out, "third") }()
}

func conditional(c bool) {
	if c {
		defer func() { out = append(out, "deferred") }()
	}
	out = append(out, "after-if")
}

func deferRecoverBuiltin() (caught interface{}) {
	defer func() { caught = recover() }()
	func() {
		defer recover() // not called by a deferred function: does not stop the panic
		panic("x")
	}()
	return nil
}

func recoverThenRest() {
	defer func() { out = append(out, "earlier-defer-ran") }()
	defer func() { out = append(out, fmt.Sprint("recovered-", recover())) }()
	panic("p")
}

func collect(f func()) string {
	out = nil
	f()
	return strings.Join(out, " ")
}

func main() {
	emit("capture-by-reference", collect(captureTrap))
	emit("capture-by-value", collect(captureByValue))
	emit("capture-redeclare", collect(captureRedeclare))
	emit("closure-sees-final-value", collect(stackAlloc))
	emit("loop-arguments", collect(func() { processItems([]int{10, 20, 30}) }))
	emit("lifo", collect(lifo))
	emit("conditional-true", collect(func() { conditional(true) }))
	emit("conditional-false", collect(func() { conditional(false) }))
	emit("defer-recover-builtin-stops-panic", deferRecoverBuiltin() == nil)
	emit("recover-then-rest", collect(recoverThenRest))
	emit("simple-defer-returns", probeOneDefer())
	emit("with-defer", withDefer(21))
	probeTwoDefers()
	probeConditional(true)
	probeClosure(1)
	probeEight()
	probeNine()
	probeLoop(3)
	probeMultiReturn(true)
	lockDefer()
	lockManual()
	probeLoopWrapped(3)
	escapeSlice1000()
	escapeSlice10()
	escapeNewInt()
	escapeBigStruct()
}
