# Thin wrapper over CMake. `make run` and `make test` are the two commands a new user needs.
JOBS ?= $(shell nproc)
CMAKE_GEN := -G Ninja
RELEASE := build/release
DEBUG := build/debug
FUZZ := build/fuzz
CONFIG ?= config/server.properties

.PHONY: all deps test-deps build run test test-only fuzz bench format codegen clean

all: build

deps:
	@scripts/install-deps.sh

# deps plus the pinned Kafka clients the integration tests drive (Java, Go, Python, npm).
test-deps:
	@scripts/install-deps.sh --test-clients

# Release build for running and benchmarking (warnings shown, not fatal, so a newer compiler never blocks a user).
build: deps
	@cmake -S . -B $(RELEASE) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DSLUICE_WERROR=OFF >/dev/null
	@cmake --build $(RELEASE) -j $(JOBS)

# One broker on localhost:9092, data under ./data, in the foreground (Ctrl-C stops it cleanly).
# Builds only what that needs — the broker and the `sluice` program behind bin/ — so a fresh
# machine serves as soon as the compiler allows; `make build` builds everything.
run: deps
	@cmake -S . -B $(RELEASE) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DSLUICE_WERROR=OFF >/dev/null
	@cmake --build $(RELEASE) -j $(JOBS) --target sluiced sluice
	$(RELEASE)/src/server/sluiced $(CONFIG)

# Every test: unit and integration, under AddressSanitizer + UndefinedBehaviorSanitizer, warnings as errors,
# plus a 60-second libFuzzer smoke run of the request decoder.
test: test-deps
	@CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSLUICE_FUZZ_ONLY=ON -DSLUICE_SANITIZE=ON >/dev/null
	@cmake --build $(FUZZ) -j $(JOBS)
	@cmake -S . -B $(DEBUG) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=ON -DSLUICE_WERROR=ON \
	  -DSLUICE_BENCH=OFF -DSLUICE_FUZZ_BINARY_DIR=$(abspath $(FUZZ)) >/dev/null
	@cmake --build $(DEBUG) -j $(JOBS)
	@cd $(DEBUG) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# Re-run the tests without rebuilding (CTEST_ARGS="-R name" to pick some).
test-only:
	@cd $(DEBUG) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# Longer fuzzing session: make fuzz FUZZ_SECONDS=600
FUZZ_SECONDS ?= 300
fuzz: deps
	@CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSLUICE_FUZZ_ONLY=ON -DSLUICE_SANITIZE=ON >/dev/null
	@cmake --build $(FUZZ) -j $(JOBS)
	@for f in $(FUZZ)/tests/fuzz/*_fuzz; do \
	  tests/fuzz/run-smoke.sh $$f tests/fixtures/client-requests $(FUZZ_SECONDS) || exit 1; done

bench: build
	@scripts/run-benchmarks.sh $(RELEASE)

# The protocol codec is generated into the build tree by the build itself (src/protocol/CMakeLists.txt);
# this writes it to build/codegen for reading.
codegen:
	python3 tools/codegen/generate.py --schemas src/protocol/schemas/kafka-3.9 \
	  --schemas src/protocol/schemas/kafka-4.4 --out build/codegen/protocol/generated

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf build
