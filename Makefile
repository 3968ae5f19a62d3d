# Thin wrapper over CMake: the README's two commands, plus the sanitizer and benchmark runs.
BUILD ?= build
SANITIZE_BUILD ?= build-sanitize
JOBS ?= $(shell nproc)

.PHONY: all deps build test test-cpp test-python test-sanitize demo bench format clean

all: build

# Installs the Debian packages ember builds and tests with (needs root; skipped when present).
deps:
	@./tools/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

# Every test: the C++ suite, then the same suite under ASan + UBSan with leak checking.
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) test-python
	$(MAKE) test-sanitize

# The pytest suite against the build tree's package, with PyTorch (Debian's python3-torch) as the oracle.
test-python: build
	PYTHONPATH=$(BUILD)/python OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 -m pytest -q tests/python

test-sanitize: deps
	cmake -S . -B $(SANITIZE_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DEMBER_SANITIZE=ON -DEMBER_BUILD_BENCH=OFF
	cmake --build $(SANITIZE_BUILD) -j $(JOBS) --target ember_tests
	OMP_WAIT_POLICY=PASSIVE ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(SANITIZE_BUILD)/ember_tests --gtest_brief=1

# The main job: trains the CNN on Fashion-MNIST (5 epochs) into runs/fashion-mnist.
demo: build
	$(BUILD)/ember-train

bench: build
	/usr/bin/python3 bench/compare.py --build $(BUILD)

format:
	clang-format -i $$(git ls-files '*.h' '*.cpp')

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD)
