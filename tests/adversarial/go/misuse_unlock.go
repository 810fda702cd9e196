package main

import (
	"fmt"
	"sync"
)

func main() {
	done := make(chan int)
	go func() {
		defer func() {
			if recover() != nil {
				fmt.Println("recovered")
			}
		}()
		var m sync.Mutex
		m.Unlock()
	}()
	<-done
}
