package main

import (
	"fmt"
	"os"
)

var zero = 0

//go:noinline
func divide(a, b int) int { return a / b }

func main() {
	done := make(chan int)
	go func() {
		fmt.Println(divide(10, zero))
		done <- 1
	}()
	<-done
	os.Stderr.WriteString("unreachable\n")
}
