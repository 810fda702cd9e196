// Go twin of tests/twins/semantics.cpp: the same scenarios, the same output, line by line.
// Run: go run tests/go/semantics.go
package main

import (
	"fmt"
	"runtime"
	"sync"
)

func show(v interface{}) string {
	if v == nil {
		return "<nil>"
	}
	return fmt.Sprint(v)
}

func lifo() {
	defer fmt.Println("lifo 1")
	defer fmt.Println("lifo 2")
	defer fmt.Println("lifo 3")
}

func argsAtDefer() {
	x := 1
	defer fmt.Println("args", x)
	x = 2
	_ = x
}

func closureByReference() {
	x := 1
	defer func() { fmt.Println("closure", x) }()
	x = 2
}

func loopAccumulates() {
	for i := 0; i < 5; i++ {
		defer fmt.Println("loop", i)
	}
	fmt.Println("loop done")
}

func captureTrap() {
	for i := 0; i < 3; i++ {
		defer func() { fmt.Println("by reference", i) }()
	}
}

func captureByValue() {
	for i := 0; i < 3; i++ {
		defer func(i int) { fmt.Println("by value", i) }(i)
	}
}

func namedResult() (r int) {
	defer func() { r *= 2 }()
	r = 21
	return
}

func recoverValue() int {
	defer func() { fmt.Println("recovered", show(recover())) }()
	panic("boom")
}

func nestedFrames() {
	defer func() { fmt.Println("outer recovered", show(recover())) }()
	func() {
		defer fmt.Println("mid")
		func() {
			defer fmt.Println("inner")
			panic(3)
		}()
	}()
}

func recoverInNestedFunc() {
	defer func() { fmt.Println("direct", show(recover())) }()
	defer func() {
		func() { fmt.Println("nested", show(recover())) }()
	}()
	panic("p")
}

func recoverInNormalReturnDuringPanic() {
	defer func() { fmt.Println("outer", show(recover())) }()
	defer func() {
		func() {
			defer func() { fmt.Println("g", show(recover())) }()
		}()
	}()
	panic("x")
}

func secondRecover() {
	defer func() {
		fmt.Println("first", show(recover()))
		fmt.Println("second", show(recover()))
	}()
	panic("once")
}

func panicReplaces() {
	defer func() { fmt.Println("replaced, recovered", show(recover())) }()
	defer func() { panic("second") }()
	panic("first")
}

func repanicRecoveredFurtherUp() {
	defer func() { fmt.Println("outer", show(recover())) }()
	func() {
		defer func() {
			v := recover()
			fmt.Println("inner", show(v))
			panic("again")
		}()
		panic("once")
	}()
}

func panicDuringNormalReturn() (r int) {
	defer func() {
		fmt.Println("normal-return panic recovered", show(recover()))
		r++
	}()
	defer func() { panic("late") }()
	defer fmt.Println("before")
	r = 10
	return
}

func nestedRecoveredPanicKeepsOuter() {
	defer func() { fmt.Println("outer", show(recover())) }()
	defer func() {
		func() {
			defer func() { fmt.Println("g", show(recover())) }()
			panic("inner")
		}()
		fmt.Println("after g")
	}()
	panic("outer")
}

func destructorsThenDefers() {
	defer func() { fmt.Println("recover", show(recover())) }()
	panic("deep")
}

// Goexit ends a goroutine; gort's twin ends the outermost gort::func of a plain thread.
func goexitRunsDefers() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer func() { fmt.Println("outer recover", show(recover())) }()
		func() {
			defer func() { fmt.Println("inner recover", show(recover())) }()
			runtime.Goexit()
		}()
		fmt.Println("not reached")
	}()
	wg.Wait()
}

func goexitPanicRecovered() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer fmt.Println("goexit outer")
		func() {
			defer fmt.Println("goexit last")
			defer func() { fmt.Println("goexit recovered", show(recover())) }()
			defer func() { panic("during goexit") }()
			runtime.Goexit()
		}()
		fmt.Println("not reached")
	}()
	wg.Wait()
}

func main() {
	lifo()
	argsAtDefer()
	closureByReference()
	loopAccumulates()
	captureTrap()
	captureByValue()
	fmt.Println("named", namedResult())
	fmt.Println("result after recover", recoverValue())
	nestedFrames()
	recoverInNestedFunc()
	recoverInNormalReturnDuringPanic()
	secondRecover()
	panicReplaces()
	repanicRecoveredFurtherUp()
	fmt.Println("named after late panic", panicDuringNormalReturn())
	nestedRecoveredPanicKeepsOuter()
	destructorsThenDefers()
	goexitRunsDefers()
	goexitPanicRecovered()
}
