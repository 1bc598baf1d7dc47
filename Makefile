# The README's commands. Each installs what it needs first (apt on Debian 12, npm for tests).
BUILD_DIR ?= build
JOBS ?= $(shell nproc)

.PHONY: build test demo deps deps-node test-asan bench fuzz chaos format clean

deps:
	@bash scripts/install-deps.sh

deps-node: deps
	@bash scripts/install-node-deps.sh

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps-node $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The embedded default: simulator -> Bronze tables under ./lake, live, until Ctrl-C.
# Extra flags: make demo DEMO_ARGS="--rate 5000 --duration-s 30"
demo: build
	$(BUILD_DIR)/financelake demo --lake lake $(DEMO_ARGS)

# A test that hangs fails after TEST_TIMEOUT seconds (the slowest takes about 3 minutes) instead
# of holding the run until CI's limit.
TEST_TIMEOUT ?= 1200

test: deps-node build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout $(TEST_TIMEOUT)

test-asan: deps-node
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DFL_SANITIZE=ON
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS) -L unit --timeout $(TEST_TIMEOUT)

fuzz: deps-node
	CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFL_FUZZ=ON
	cmake --build build-fuzz -j $(JOBS) --target fuzz_targets

# Every benchmark against its peer, then one table (docs/benchmarks.md carries the latest).
bench: build
	$(BUILD_DIR)/financelake bench all --markdown $(BUILD_DIR)/bench-all.md

# The chaos soak at length (make test runs 25 cycles): make chaos CYCLES=1000
CYCLES ?= 200
chaos: build
	FL_BIN=$(BUILD_DIR)/financelake node tests/chaos/chaos.mjs --cycles $(CYCLES)

format:
	find src bench fuzz -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) build-asan build-fuzz
