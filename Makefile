# The two entry points of the README: `make demo` and `make test`.
# Both install Debian packages first (scripts/install-deps is a no-op when
# they are present): `make demo` only its own (--profile demo), the others all.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
DEMO_BUILD ?= build-demo
JOBS       ?= $(shell nproc)
# Seconds per fuzz target in `make test`: eight targets (SIP, TLS record,
# STIR identity, Q.921, Q.931, the Q.931 call control, HDLC, media) share
# three minutes of the CI run.
FUZZ_SECONDS ?= 22
# The Verilated kernels' optimisation in build/ (sim/CMakeLists.txt,
# SIPNIC_RTL_OPT): -O0 only for a tree that is built and never run.
RTL_OPT    ?= -O2
# Whether build-asan builds the benchmarks too (not run there): .ci/run sets
# it, so that CI compiles every benchmark without a tree of its own.
TEST_BENCH ?= OFF

# Warnings are errors in CI (CI=true, as .ci/run runs) or when asked
# (WERROR=1), not on a user's compiler.
ifneq ($(filter true 1,$(CI) $(WERROR)),)
  WERROR_FLAG := ON
else
  WERROR_FLAG := OFF
endif

.PHONY: deps deps-demo configure-release build build-bench build-asan build-fuzz demo test bench clean

deps:
	scripts/install-deps --profile all

deps-demo:
	@echo "demo: installing missing packages (scripts/install-deps --profile demo)"
	scripts/install-deps --profile demo

# build/: Release with the sim backend, the tests and the benches; `make build`
# builds all of it, `make bench` only the sipnic command and the benches.
configure-release: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DSIPNIC_WERROR=$(WERROR_FLAG) \
	  -DSIPNIC_SIM=ON -DSIPNIC_TESTS=ON -DSIPNIC_BENCH=ON -DSIPNIC_RTL_OPT=$(RTL_OPT)

build: configure-release
	@echo "build: building everything in $(BUILD), the Verilated kernels too (15 min or more on 2 cores)"
	cmake --build $(BUILD) -j $(JOBS)

build-bench: configure-release
	@echo "build: building sipnic and the benches in $(BUILD), the Verilated kernels too (10 min or more on 2 cores)"
	cmake --build $(BUILD) -j $(JOBS) --target sipnic bench_all

build-asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSIPNIC_WERROR=$(WERROR_FLAG) -DSIPNIC_SANITIZE=ON \
	  -DSIPNIC_SIM=ON -DSIPNIC_TESTS=ON -DSIPNIC_BENCH=$(TEST_BENCH)
	@echo "test: building every test with ASan+UBSan in $(ASAN_BUILD), the Verilated kernels too (15 min or more on 2 cores)"
	cmake --build $(ASAN_BUILD) -j $(JOBS)

build-fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSIPNIC_FUZZ=ON -DSIPNIC_TESTS=OFF -DSIPNIC_BENCH=OFF -DSIPNIC_SIM=OFF -DSIPNIC_XRT=OFF
	@echo "test: building the fuzz targets in $(FUZZ_BUILD)"
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_all

# The demo builds only what it runs: the sipnic command, Release, cpu backend
# (no tests, benches or Verilated kernels), in its own build directory.
demo: deps-demo
	@echo "demo: configuring $(DEMO_BUILD) (Release, the sipnic command only)"
	cmake -S . -B $(DEMO_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DSIPNIC_WERROR=$(WERROR_FLAG) \
	  -DSIPNIC_SIM=OFF -DSIPNIC_TESTS=OFF -DSIPNIC_BENCH=OFF
	@echo "demo: building sipnic (2 to 4 min on 2 cores)"
	cmake --build $(DEMO_BUILD) -j $(JOBS) --target sipnic
	@echo "demo: running scripts/demo $(DEMO_BUILD)"
	scripts/demo $(DEMO_BUILD)

# Every test, under ASan+UBSan, then a bounded run of every fuzz target.
# ctest runs JOBS tests at a time; the interop tests (real peers, real time)
# are RUN_SERIAL (tests/CMakeLists.txt): each runs alone.
test: build-asan build-fuzz
	@echo "test: running every test (ctest, $(JOBS) at a time, the interop tests alone), then the fuzz targets $(FUZZ_SECONDS)s each"
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)
	scripts/run-fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS)

bench: build-bench
	scripts/run-bench $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(DEMO_BUILD)
