// Go twin of tests/twins/net.cpp: read, write, close and deadline semantics of TCP and Unix
// connections, printed with the innermost error text (what gort's error_code::message() gives),
// compared line by line by tests/twins/compare.sh.
// Run: go run tests/go/net.go
package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// msg is the innermost error's text: Go wraps "connection refused" in *os.SyscallError in
// *net.OpError; gort's error_code carries the innermost alone.
func msg(err error) string {
	if err == nil {
		return "<nil>"
	}
	for {
		var ae *net.AddrError
		if errors.As(err, &ae) {
			return ae.Err
		}
		var de *net.DNSError
		if errors.As(err, &de) {
			return de.Err
		}
		var ue net.UnknownNetworkError
		if errors.As(err, &ue) {
			return "unknown network"
		}
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

func b(v bool) string { return fmt.Sprint(v) }

type pair struct {
	ln             net.Listener
	client, server net.Conn
}

func connected(network, address string) pair {
	ln, err := net.Listen(network, address)
	if err != nil {
		panic(err)
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			panic(err)
		}
		accepted <- c
	}()
	c, err := net.Dial(network, ln.Addr().String())
	if err != nil {
		panic(err)
	}
	return pair{ln, c, <-accepted}
}

func (p pair) close() {
	p.client.Close()
	p.server.Close()
	p.ln.Close()
}

func readAll(c net.Conn) (string, error) {
	var sb strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			return sb.String(), err
		}
	}
}

func waitParked() { time.Sleep(20 * time.Millisecond) }

func main() {
	for _, nw := range [][2]string{{"tcp", "127.0.0.1:0"}, {"unix", "/tmp/gort_net_twin.sock"}} {
		os.Remove("/tmp/gort_net_twin.sock")
		p := connected(nw[0], nw[1])
		fmt.Println(nw[0], "addr network:", p.ln.Addr().Network(), "remote == listener:", b(p.client.RemoteAddr().String() == p.ln.Addr().String()))
		p.client.Write([]byte("hello"))
		if cw, ok := p.client.(interface{ CloseWrite() error }); ok {
			fmt.Println(nw[0], "close write:", msg(cw.CloseWrite()))
		}
		got, err := readAll(p.server)
		fmt.Println(nw[0], "server read:", got, msg(err), "is EOF:", b(err == io.EOF))
		n, err := p.server.Write([]byte("world"))
		fmt.Println(nw[0], "server write:", n, msg(err))
		p.server.Close()
		got, err = readAll(p.client)
		fmt.Println(nw[0], "client read:", got, msg(err))
		n, err = p.client.Read(make([]byte, 0))
		fmt.Println(nw[0], "zero-length read:", n, msg(err))
		fmt.Println(nw[0], "close:", msg(p.client.Close()))
		n, err = p.client.Read(make([]byte, 1))
		fmt.Println(nw[0], "read after close:", n, msg(err), "is ErrClosed:", b(errors.Is(err, net.ErrClosed)))
		n, err = p.client.Write([]byte("x"))
		fmt.Println(nw[0], "write after close:", n, msg(err))
		fmt.Println(nw[0], "second close:", msg(p.client.Close()))
		fmt.Println(nw[0], "deadline after close:", msg(p.client.SetDeadline(time.Time{})))
		p.ln.Close()
		_, err = p.ln.Accept()
		fmt.Println(nw[0], "accept after close:", msg(err))
	}

	// Deadlines.
	p := connected("tcp", "127.0.0.1:0")
	p.client.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	n, err := p.client.Read(make([]byte, 1))
	fmt.Println("read deadline:", n, msg(err), "timeout:", b(errors.Is(err, os.ErrDeadlineExceeded)))
	n, err = p.client.Read(make([]byte, 1))
	fmt.Println("read again:", n, msg(err))
	p.client.SetReadDeadline(time.Time{})
	p.server.Write([]byte("z"))
	buf := make([]byte, 1)
	n, err = p.client.Read(buf)
	fmt.Println("read after clearing:", n, msg(err), string(buf[:n]))
	p.client.SetDeadline(time.Now().Add(-time.Second))
	n, err = p.client.Write([]byte("x"))
	fmt.Println("write past deadline:", n, msg(err))
	p.client.SetWriteDeadline(time.Time{})
	n, err = p.client.Write([]byte("x"))
	fmt.Println("write cleared:", n, msg(err))
	n, err = p.client.Read(buf)
	fmt.Println("read still past:", n, msg(err))
	p.client.SetDeadline(time.Time{})
	// A writer whose peer never reads.
	p.client.SetWriteDeadline(time.Now().Add(30 * time.Millisecond))
	chunk := make([]byte, 1<<20)
	total := 0
	for i := 0; i < 1024; i++ {
		n, err = p.client.Write(chunk)
		total += n
		if err != nil {
			break
		}
	}
	fmt.Println("blocked writer:", msg(err), "partial:", b(total > 0 && total < 1024*len(chunk)))
	p.close()

	// Close while another goroutine waits in read, write and accept.
	p = connected("tcp", "127.0.0.1:0")
	var wg sync.WaitGroup
	var rerr, werr, aerr error
	wg.Add(3)
	go func() { _, rerr = p.client.Read(make([]byte, 1)); wg.Done() }()
	go func() { _, werr = p.client.Write(make([]byte, 64<<20)); wg.Done() }()
	go func() { _, aerr = p.ln.Accept(); wg.Done() }()
	waitParked()
	p.client.Close()
	p.ln.Close()
	wg.Wait()
	fmt.Println("close wakes read:", msg(rerr))
	fmt.Println("close wakes write:", msg(werr))
	fmt.Println("close wakes accept:", msg(aerr))
	p.server.Close()

	// A deadline moved earlier wakes a parked reader.
	p = connected("tcp", "127.0.0.1:0")
	p.client.SetReadDeadline(time.Now().Add(time.Hour))
	wg.Add(1)
	go func() { _, rerr = p.client.Read(make([]byte, 1)); wg.Done() }()
	waitParked()
	p.client.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
	wg.Wait()
	fmt.Println("deadline moved earlier:", msg(rerr))
	p.close()

	// The peer resets the connection.
	p = connected("tcp", "127.0.0.1:0")
	p.server.Write([]byte("partial"))
	got := make([]byte, 7)
	io.ReadFull(p.client, got)
	p.server.(*net.TCPConn).SetLinger(0)
	p.server.Close()
	n, err = p.client.Read(buf)
	fmt.Println("peer reset:", string(got), n, msg(err))
	p.close()

	// Errors.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	_, err = net.Dial("tcp", addr)
	fmt.Println("dial closed port:", msg(err))
	_, err = net.Listen("tcp", "127.0.0.1")
	fmt.Println("no port:", msg(err))
	_, err = net.Listen("tcp", "::1:80")
	fmt.Println("too many colons:", msg(err))
	_, err = net.Listen("udpx", "127.0.0.1:0")
	fmt.Println("bad network:", msg(err))
	_, err = net.Dial("tcp", "no-such-host.invalid:80")
	fmt.Println("unknown host:", msg(err))
}
