package main

import "fmt"

func main() {
	done := make(chan int)
	go func() {
		defer fmt.Println("deferred 3")
		func() {
			defer func() { panic(3) }()
			func() {
				defer func() {
					recover()
					panic(2)
				}()
				panic(1)
			}()
		}()
	}()
	<-done
}
