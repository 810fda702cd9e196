package main

import "sync"

func main() {
	a := make(chan int)
	b := make(chan int)
	c := make(chan int)
	d := make(chan int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	mu.Lock()
	wg.Add(1)
	go func() { b <- 1 }()
	go func() {
		select {
		case <-c:
		case d <- 2:
		}
	}()
	go func() { mu.Lock() }()
	go func() { wg.Wait() }()
	go func() {
		var m2 sync.Mutex
		c2 := sync.NewCond(&m2)
		m2.Lock()
		c2.Wait()
	}()
	<-a
}
