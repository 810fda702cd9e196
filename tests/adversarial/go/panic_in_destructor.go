package main

func main() {
	func() {
		defer func() { panic("from dtor") }()
		panic("panic while dtor throws")
	}()
}
