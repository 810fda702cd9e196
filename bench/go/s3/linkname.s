// An assembly file, empty on purpose: it lets main.go declare nanotime without a body and bind
// it to runtime.nanotime with go:linkname.
