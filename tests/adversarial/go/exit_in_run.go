package main

import (
	"os"
	"runtime"
	"strings"
	"time"
)

func main() {
	caller := make([]string, 4)
	for i := range caller {
		caller[i] = strings.Repeat("y", 100)
	}
	defer os.Stderr.WriteString("deferred call ran\n")
	never := make(chan int)
	go func() {
		held := make([]string, 8)
		for i := range held {
			held[i] = strings.Repeat("x", 100)
		}
		<-never
		os.Stderr.WriteString(held[0])
	}()
	stop := false
	go func() {
		for !stop {
			runtime.Gosched()
		}
	}()
	time.Sleep(5 * time.Millisecond)
	os.Stdout.WriteString("before exit\n")
	os.Exit(3)
	os.Stderr.WriteString(caller[0])
}
