# The two entry points of the README: `make demo` and `make test`.
# Both install Debian packages first (scripts/install-deps is a no-op when present).
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 60

.PHONY: deps build build-asan build-fuzz demo test unit fuzz bench clean

deps:
	scripts/install-deps

build: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DSIPNIC_WERROR=ON
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSIPNIC_WERROR=ON -DSIPNIC_SANITIZE=ON -DSIPNIC_BENCH=OFF
	cmake --build $(ASAN_BUILD) -j $(JOBS)

build-fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSIPNIC_FUZZ=ON -DSIPNIC_TESTS=OFF -DSIPNIC_BENCH=OFF -DSIPNIC_SIM=OFF -DSIPNIC_XRT=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_all

demo: build
	scripts/demo $(BUILD)

# Every test, under ASan+UBSan, then a bounded fuzz run of the SIP parser.
test: build-asan build-fuzz
	cd $(ASAN_BUILD) && ctest --output-on-failure -j 1
	scripts/run-fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS)

bench: build
	scripts/run-bench $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
