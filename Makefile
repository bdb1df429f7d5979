# The README's two commands. Both set up (apt packages), configure, build and go.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
DEMO := $(BUILD)/demo.safetensors

.PHONY: all deps configure build run test bench fuzz install package clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) > $(BUILD).configure.log 2>&1 \
	  || (cat $(BUILD).configure.log; exit 1)

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# Starts the main program on the built-in demo model (or: make run ARGS="FILE --view stored").
ARGS ?=
run: build
	@bash scripts/run.sh $(BUILD) $(ARGS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	@bash scripts/run-bench.sh $(BUILD)

# libFuzzer + ASan/UBSan on every reader and the spec parser, FUZZ_SECONDS each (default 60).
fuzz: build
	@bash scripts/fuzz.sh $(BUILD)

# Installs the binaries, desktop entry, icons, metainfo, MIME types, man pages and docs
# under PREFIX (README "Install"); DESTDIR=... stages them elsewhere.
PREFIX ?= /usr/local
install: build
	@cmake --install $(BUILD) --prefix $(PREFIX)

# The Debian package, quantscope_<version>_<arch>.deb, in this directory:
# then `sudo apt install ./quantscope_*.deb`.
package: build
	@cd $(BUILD) && cpack -G DEB
	@mv $(BUILD)/quantscope_*.deb . && ls quantscope_*.deb

clean:
	rm -rf $(BUILD) build-asan build-fuzz
