package main

import (
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	const n = 400
	var recovered, caught int32
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() {
				runtime.Gosched()
				if s, ok := recover().(string); ok && s == "p"+strconv.Itoa(i) {
					atomic.AddInt32(&recovered, 1)
				}
			}()
			func() {
				defer func() {
					e := recover()
					runtime.Gosched()
					time.Sleep(time.Duration(10+i%7) * time.Microsecond)
					if e == "e"+strconv.Itoa(i) {
						atomic.AddInt32(&caught, 1)
					}
				}()
				panic("e" + strconv.Itoa(i))
			}()
			panic("p" + strconv.Itoa(i))
		}(i)
	}
	wg.Wait()
	fmt.Printf("recovered %d of %d\ncaught %d of %d\n", recovered, n, caught, n)
}
