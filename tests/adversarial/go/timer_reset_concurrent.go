package main

import (
	"fmt"
	"runtime"
	"sync"
	"time"
)

const resets = 200000

func main() {
	runtime.GOMAXPROCS(2)
	t := time.NewTimer(time.Hour)
	tk := time.NewTicker(time.Hour)
	var wg sync.WaitGroup
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			for i := 0; i < resets; i++ {
				t.Reset(time.Duration(i%50) * time.Microsecond)
				tk.Reset(time.Duration(1+i%50) * time.Microsecond)
			}
			wg.Done()
		}()
	}
	wg.Add(1)
	go func() {
		for i := 0; i < resets/10; i++ {
			t.Stop()
			tk.Stop()
			runtime.Gosched()
		}
		wg.Done()
	}()
	wg.Wait()
	t.Stop()
	tk.Stop()
	fmt.Println("ok")
}
