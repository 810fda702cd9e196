package main

import (
	"os"
	"runtime/debug"
)

//go:noinline
func recurse(depth int) int {
	var pad [100 << 10]byte
	pad[depth%len(pad)] = byte(depth)
	return recurse(depth+1) + int(pad[(depth+7)%len(pad)])
}

func main() {
	debug.SetMaxStack(256 << 10)
	done := make(chan int)
	go func() {
		recurse(0)
		done <- 1
	}()
	<-done
	os.Stderr.WriteString("unreachable\n")
}
