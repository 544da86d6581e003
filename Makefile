# storefuse: the two commands a new user needs.
#   make demo   install dependencies, build, run the main job on built-in defaults
#   make test   install dependencies, build, run every test
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all setup build demo test clean

all: build

setup:
	@bash scripts/setup.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: setup $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# The sanitizer pass (torch-free runtime under clang ASan + UBSan, and a short
# libFuzzer run of the ONNX loader) comes first, so ctest's summary is the
# last thing printed. SANITIZE=0 skips it.
# Then the edge build cross-compiled for arm64 and its tests under
# qemu-aarch64, compared with this build's predictions (scripts/arm64.sh,
# build-arm64/). ARM64=0 skips it.
SANITIZE ?= 1
ARM64 ?= 1
test: build
	@if [ "$(SANITIZE)" = 1 ]; then JOBS=$(JOBS) bash scripts/sanitize.sh; fi
	@if [ "$(ARM64)" = 1 ]; then JOBS=$(JOBS) HOST_BUILD=$(BUILD) bash scripts/arm64.sh; fi
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

demo: build
	@bash scripts/demo.sh $(BUILD)

clean:
	rm -rf $(BUILD)
