package main

import (
	"fmt"
	"os"
)

func main() {
	func() {
		defer func() {
			v := recover()
			fmt.Printf("value %v\n", v)
		}()
		panic(nil)
	}()
	fmt.Println("recovered")
	done := make(chan int)
	go func() { panic(nil) }()
	<-done
	os.Stderr.WriteString("unreachable\n")
}
