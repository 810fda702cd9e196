package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

func main() {
	defer os.Stderr.WriteString("main's deferred call ran\n")
	never := make(chan int)
	go func() {
		held := make([]string, 8)
		for i := range held {
			held[i] = strings.Repeat("x", 100)
		}
		<-never
		os.Stderr.WriteString(held[0])
	}()
	go func() {
		sink, _ := os.OpenFile("/dev/null", os.O_WRONLY, 0)
		for i := 0; ; i++ {
			fmt.Fprintf(sink, "line %d\n", i)
			if i%64 == 0 {
				runtime.Gosched()
			}
		}
	}()
	go func() {
		defer os.Stderr.WriteString("the goroutine's deferred call ran\n")
		time.Sleep(5 * time.Millisecond)
		os.Stdout.WriteString("before exit\n")
		os.Exit(3)
	}()
	<-never
}
