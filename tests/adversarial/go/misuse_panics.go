package main

import (
	"fmt"
	"sync"
	"time"
)

func tryIt(f func()) {
	defer func() {
		r := recover()
		if e, ok := r.(error); ok {
			fmt.Printf("recovered: %s\n", e.Error())
		} else if s, ok := r.(string); ok {
			fmt.Printf("recovered: %s\n", s)
		} else {
			fmt.Printf("recovered something else\n")
		}
	}()
	f()
}

func main() {
	tryIt(func() {
		var c chan int
		close(c)
	})
	tryIt(func() {
		c := make(chan int)
		close(c)
		close(c)
	})
	tryIt(func() {
		var wg sync.WaitGroup
		wg.Add(-1)
	})
	tryIt(func() { time.NewTicker(0) })
	c := make(chan int, 1)
	close(c)
	c <- 1
}
