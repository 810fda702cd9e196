# gort: the two entry points of README.md, plus the pieces they are made of.
#   make bench  builds Release and writes the article-experiment report to report/REPORT.md
#   make test   builds and runs the tests: Debug, ASan+UBSan, TSan, and clang (Debug with
#               -Werror=thread-safety: the lock annotations of src/sched/thread_safety.hpp)
.PHONY: all setup build test test-debug test-asan test-tsan test-clang bench format clean

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

# The clang build checks the thread-safety annotations; its suite runs too (a second compiler's
# code for the same tests; about 1 min to build and 1.5 min to run on 2 cores).
test-clang: setup
	cmake --preset clang >/dev/null
	cmake --build --preset clang -j $(JOBS)
	ctest --preset clang -j $(JOBS)

test: test-debug test-asan test-tsan test-clang

bench: build
	tools/bench/run.sh build/release report

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build report
