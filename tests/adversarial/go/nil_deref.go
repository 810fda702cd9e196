package main

import "os"

type T struct{ x int }

var nilT *T

//go:noinline
func deref(p *T) int { return p.x }

func main() {
	done := make(chan int)
	go func() {
		deref(nilT)
		done <- 1
	}()
	<-done
	os.Stderr.WriteString("unreachable\n")
}
