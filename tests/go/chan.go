// Go twin of tests/twins/chan.cpp: channels, select, sync and time scenarios whose output is
// deterministic, compared line by line by tests/twins/compare.sh.
// Run: go run tests/go/chan.go
package main

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

func show(v interface{}) string {
	if v == nil {
		return "<nil>"
	}
	return fmt.Sprint(v)
}

// recovered runs f and returns what a deferred recover caught.
func recovered(f func()) (msg string) {
	defer func() { msg = show(recover()) }()
	f()
	return
}

func sieve() {
	ch := make(chan int)
	go func(out chan int) {
		for i := 2; i <= 100; i++ {
			out <- i
		}
		close(out)
	}(ch)
	var primes []string
	for {
		p, ok := <-ch
		if !ok {
			break
		}
		primes = append(primes, fmt.Sprint(p))
		next := make(chan int)
		go func(in, out chan int, p int) {
			for v := range in {
				if v%p != 0 {
					out <- v
				}
			}
			close(out)
		}(ch, next, p)
		ch = next
	}
	fmt.Println("primes", strings.Join(primes, " "))
}

func asyncFifo() {
	ch := make(chan int, 5)
	for i := 0; i < 5; i++ {
		ch <- i * i
	}
	close(ch)
	var got []string
	for v := range ch {
		got = append(got, fmt.Sprint(v))
	}
	fmt.Println("async fifo", strings.Join(got, " "))
}

func chainFifo() {
	const n = 10
	values := make(chan int)
	order := make(chan string, n)
	in := make(chan int)
	start := in
	for i := 0; i < n; i++ {
		out := make(chan int)
		go func(i int, in, out chan int) {
			<-in
			v := <-values
			order <- fmt.Sprintf("%d:%d", i, v)
			out <- 1
		}(i, in, out)
		in = out
	}
	start <- 0
	for i := 0; i < n; i++ {
		values <- i * 10
	}
	<-in
	close(order)
	var got []string
	for s := range order {
		got = append(got, s)
	}
	fmt.Println("chain fifo", strings.Join(got, " "))
}

func closeAndDrain() {
	ch := make(chan int, 3)
	ch <- 1
	ch <- 2
	close(ch)
	fmt.Println("len", len(ch), "cap", cap(ch))
	for i := 0; i < 4; i++ {
		v, ok := <-ch
		fmt.Println("recv", v, ok)
	}
	var nilch chan int
	fmt.Println("nil len", len(nilch), "cap", cap(nilch))
}

func rangeSum() {
	ch := make(chan int)
	go func() {
		for i := 1; i <= 100; i++ {
			ch <- i
		}
		close(ch)
	}()
	sum := 0
	for v := range ch {
		sum += v
	}
	fmt.Println("range sum", sum)
}

func pingPong() {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v * 2
		}
		close(pong)
	}()
	for i := 1; i <= 3; i++ {
		ping <- i
		fmt.Println("pong", <-pong)
	}
	close(ping)
	v, ok := <-pong
	fmt.Println("pong after close", v, ok)
}

func selects() {
	closed := make(chan string)
	close(closed)
	select {
	case v, ok := <-closed:
		fmt.Printf("select closed %q %v\n", v, ok)
	}

	var nilch chan int
	empty := make(chan int)
	select {
	case <-nilch:
		fmt.Println("nil chosen")
	case empty <- 1:
		fmt.Println("sent to nobody")
	default:
		fmt.Println("select default")
	}

	ready := make(chan int, 1)
	ready <- 7
	select {
	case v := <-ready:
		fmt.Println("select ready", v)
	case <-nilch:
		fmt.Println("nil chosen")
	}

	out := make(chan int, 1)
	select {
	case out <- 9:
		fmt.Println("select sent", <-out)
	case <-nilch:
		fmt.Println("nil chosen")
	}

	a, b := make(chan int), make(chan int)
	go func() {
		for i := 1; i <= 5; i++ {
			a <- i
		}
		close(a)
	}()
	go func() {
		for i := 10; i <= 50; i += 10 {
			b <- i
		}
		close(b)
	}()
	sum := 0
	for a != nil || b != nil {
		select {
		case v, ok := <-a:
			if !ok {
				a = nil
				continue
			}
			sum += v
		case v, ok := <-b:
			if !ok {
				b = nil
				continue
			}
			sum += v
		}
	}
	fmt.Println("merged sum", sum)

	never := make(chan int)
	select {
	case <-never:
		fmt.Println("never")
	case <-time.After(2 * time.Millisecond):
		fmt.Println("select timeout")
	}
}

func panics() {
	closed := make(chan int)
	close(closed)
	fmt.Println("send:", recovered(func() { closed <- 1 }))
	fmt.Println("select send:", recovered(func() {
		select {
		case closed <- 1:
		}
	}))
	fmt.Println("close closed:", recovered(func() { close(closed) }))
	var nilch chan int
	fmt.Println("close nil:", recovered(func() { close(nilch) }))
	var wg sync.WaitGroup
	fmt.Println("waitgroup:", recovered(func() { wg.Done() }))
	fmt.Println("ticker:", recovered(func() { time.NewTicker(0) }))
	fmt.Println("no panic:", recovered(func() {}))
}

func syncs() {
	var mu sync.Mutex
	var wg sync.WaitGroup
	n := 0
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			n++
			mu.Unlock()
		}()
	}
	wg.Wait()
	fmt.Println("counter", n)

	var once sync.Once
	calls := 0
	for i := 0; i < 3; i++ {
		once.Do(func() { calls++ })
	}
	fmt.Println("once calls", calls)

	var o2 sync.Once
	fmt.Println("once panic:", recovered(func() { o2.Do(func() { panic("in once") }) }))
	o2.Do(func() { fmt.Println("not printed") })
	fmt.Println("once done after panic")

	var cmu sync.Mutex
	c := sync.NewCond(&cmu)
	ready := false
	woke := make(chan int, 3)
	waiting := 0
	for i := 0; i < 3; i++ {
		go func() {
			cmu.Lock()
			waiting++
			for !ready {
				c.Wait()
			}
			cmu.Unlock()
			woke <- 1
		}()
	}
	for {
		cmu.Lock()
		if waiting == 3 {
			ready = true
			c.Broadcast()
			cmu.Unlock()
			break
		}
		cmu.Unlock()
		time.Sleep(time.Millisecond)
	}
	total := 0
	for i := 0; i < 3; i++ {
		total += <-woke
	}
	fmt.Println("cond woke", total)
}

func timers() {
	<-time.After(time.Millisecond)
	fmt.Println("after fired")
	t := time.NewTimer(time.Hour)
	fmt.Println("stop", t.Stop(), t.Stop())
	t2 := time.NewTimer(time.Hour)
	fmt.Println("reset pending", t2.Reset(time.Millisecond))
	<-t2.C
	fmt.Println("reset fired, stop", t2.Stop())
	tk := time.NewTicker(time.Millisecond)
	for i := 0; i < 3; i++ {
		<-tk.C
	}
	tk.Stop()
	fmt.Println("ticks 3")
	done := make(chan string)
	af := time.AfterFunc(time.Millisecond, func() { done <- "afterfunc ran" })
	fmt.Println(<-done)
	fmt.Println("afterfunc stop", af.Stop())
	time.Sleep(time.Millisecond)
	fmt.Println("slept")
}

func main() {
	sieve()
	asyncFifo()
	chainFifo()
	closeAndDrain()
	rangeSum()
	pingPong()
	selects()
	panics()
	syncs()
	timers()
}
