package main

import (
	"fmt"
	"runtime"
)

func main() {
	done := make(chan int)
	go func() {
		defer close(done)
		defer func() {
			if recover() != nil {
				fmt.Println("outer recover: value")
			} else {
				fmt.Println("outer recover: none")
			}
		}()
		defer runtime.Goexit()
		panic("dropped")
	}()
	<-done
	fmt.Println("main goes on")
}
