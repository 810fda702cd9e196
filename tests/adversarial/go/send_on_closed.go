package main

import "os"

func main() {
	c := make(chan int, 1)
	close(c)
	done := make(chan int)
	go func() { c <- 1 }()
	<-done
	os.Stderr.WriteString("unreachable\n")
}
