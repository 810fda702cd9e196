package main

import (
	"fmt"
	"math"
	"os"
	"sync/atomic"
	"time"
)

func main() {
	const max = time.Duration(math.MaxInt64)
	go func() {
		time.Sleep(max)
		os.Stderr.WriteString("woke from sleep(max)\n")
	}()

	t := time.NewTimer(max)
	after := time.After(max)
	tk := time.NewTicker(max)
	var ran atomic.Bool
	f := time.AfterFunc(max, func() { ran.Store(true) })
	r := time.NewTimer(time.Hour)
	resetPending := r.Reset(max)
	min := time.NewTimer(time.Duration(math.MinInt64))

	time.Sleep(50 * time.Millisecond)
	fmt.Printf("timer stop: %v\n", t.Stop())
	select {
	case <-after:
		fmt.Println("after: fired")
	default:
		fmt.Println("after: pending")
	}
	select {
	case <-tk.C:
		fmt.Println("ticker: ticked")
	default:
		fmt.Println("ticker: no tick")
	}
	tk.Stop()
	fStopped := f.Stop()
	fmt.Printf("after_func stop: %v, ran: %v\n", fStopped, ran.Load())
	fmt.Printf("reset to max: %v, stop: %v\n", resetPending, r.Stop())
	<-min.C
	fmt.Println("min: fired")
	fmt.Println("done")
}
