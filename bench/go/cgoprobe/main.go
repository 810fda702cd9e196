// A cgo probe for article 001's claim that deferred calls at a cgo boundary may not run: a Go
// function defers a call, then calls C; a C function calls back into Go, whose deferred call
// runs before it returns to C. Prints "key: value" lines (tools/bench/claims.py, A001-22).
// Built with CGO_ENABLED=1 by tools/bench/run.sh.
package main

/*
extern void goCallback(void);
static int add(int a, int b) { return a + b; }
static void callBack(void) { goCallback(); }
*/
import "C"

import "fmt"

var order []string

//export goCallback
func goCallback() {
	defer func() { order = append(order, "callback-defer") }()
	order = append(order, "callback")
}

func callC() (sum int) {
	defer func() { order = append(order, "caller-defer") }()
	sum = int(C.add(1, 2))
	C.callBack()
	return sum
}

func main() {
	sum := callC()
	fmt.Printf("cgo-sum: %d\n", sum)
	fmt.Printf("cgo-defer-order: %v\n", order)
}
