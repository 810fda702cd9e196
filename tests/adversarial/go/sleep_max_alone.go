package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "child" {
		go func() { <-make(chan int) }()
		time.Sleep(time.Duration(math.MaxInt64))
		return
	}
	cmd := exec.Command(os.Args[0], "child")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Println("start:", err)
		os.Exit(1)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		fmt.Println("child ended:", err)
		os.Exit(1)
	case <-time.After(300 * time.Millisecond):
	}
	cmd.Process.Kill()
	<-done
	fmt.Println("child still asleep")
}
