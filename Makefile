# gort: the two entry points of README.md, plus the pieces they are made of.
#   make bench  builds Release and writes the article-experiment report to report/REPORT.md
#   make test   builds and runs the tests: Debug, ASan+UBSan and TSan
.PHONY: all setup build test test-debug test-asan test-tsan bench format clean

JOBS ?= $(shell nproc)

all: build

setup:
	@tools/setup.sh

build: setup
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

test-debug: setup
	cmake --preset debug >/dev/null
	cmake --build --preset debug -j $(JOBS)
	ctest --preset debug -j $(JOBS)

test-asan: setup
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

test-tsan: setup
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan -j $(JOBS)
	ctest --preset tsan -j $(JOBS)

test: test-debug test-asan test-tsan

bench: build
	tools/bench/run.sh build/release report

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build report
