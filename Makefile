# tscript - top-level entry points. CMake does the building; this file only
# strings the steps together.
#
#   make / make build   release build in build/ (gcc, -Werror); CLI at build/tscript
#   make demo           build, then run every example model in examples/
#   make test           install missing packages, build with gcc (-Werror) and with
#                       clang + ASan/UBSan (-Werror), run every test on the sanitized build
#   make fuzz-smoke     build the libFuzzer targets (clang) and run each for 15 s on
#                       its seeds (FUZZ_SECONDS=N to change); part of `make test`
#   make bench          tscript against libtorch and ONNX Runtime on the same models, 1 and 2
#                       threads: docs/bench/results.md and cnn.png (not a test)
#   make bench-script   scripting resnet18 / a Transformer from source: tscript vs torch.jit.script
#   make clean          remove the build directories

JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
PYTHON := /usr/bin/python3
CMAKE  ?= cmake

BUILD       := build
ASAN_BUILD  := build-asan
BENCH_BUILD := build-bench

.PHONY: all build build-demo demo test deps build-gcc build-asan check bench clean fuzz-smoke
.PHONY: bench-script

all: build

build:
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DTS_WERROR=ON
	$(CMAKE) --build $(BUILD) -j $(JOBS)

# Only the CLI and the embedding example: a broken unit test must not stop the demo.
build-demo:
	scripts/install-deps.sh --build
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DTS_WERROR=ON
	$(CMAKE) --build $(BUILD) -j $(JOBS) --target tscript embed_example

# Each line of examples/demo.list is "heading | sentence | tscript arguments".
demo: build-demo
	@failed=0; \
	while IFS='|' read -r head sentence args; do \
	    case "$$head" in ''|'#'*) continue;; esac; \
	    head=$$(echo $$head); sentence=$$(echo $$sentence); args=$$(echo $$args); \
	    printf '\n== %s ==\n%s\n$$ %s/tscript %s\n' "$$head" "$$sentence" "$(BUILD)" "$$args"; \
	    $(BUILD)/tscript $$args </dev/null || failed=$$((failed + 1)); \
	done < examples/demo.list; \
	printf '\n== Embedding: examples/embed.c ==\n%s\n$$ %s/embed_example examples/simple_linear.pt\n' \
	    "A C program on the public API: load, tensor from a float buffer, forward, copy out, free." \
	    "$(BUILD)"; \
	$(BUILD)/embed_example examples/simple_linear.pt </dev/null || failed=$$((failed + 1)); \
	echo; \
	if [ $$failed -ne 0 ]; then echo "demo: $$failed example(s) failed"; exit 1; fi; \
	echo "demo: all examples ran (PyTorch's own outputs are in examples/expected.txt)"

deps:
	scripts/install-deps.sh

build-gcc:
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DTS_WERROR=ON \
	    -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++
	$(CMAKE) --build $(BUILD) -j $(JOBS)

build-asan:
	$(CMAKE) -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DTS_WERROR=ON -DTS_SANITIZE=ON \
	    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
	$(CMAKE) --build $(ASAN_BUILD) -j $(JOBS)

# Unit tests, conformance against PyTorch and bad-input tests, all on the
# sanitized binary (ctest passes TSCRIPT_BIN to pytest).
check:
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

test:
	scripts/install-deps.sh
	$(MAKE) --no-print-directory build-gcc
	$(MAKE) --no-print-directory build-asan
	$(MAKE) --no-print-directory check
	$(MAKE) --no-print-directory fuzz-smoke

# Each libFuzzer target for a bounded time on its seed corpus; any crash fails.
fuzz-smoke:
	JOBS=$(JOBS) scripts/fuzz-smoke.sh

# ONNX Runtime comes from PyPI into the ignored venv .venv-bench/ (Debian has no
# package of it); the tables and the chart go to docs/bench/.
BENCH_VENV := .venv-bench
bench:
	scripts/install-deps.sh --bench
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -c 'import onnxruntime' 2>/dev/null || $(BENCH_VENV)/bin/pip install -q onnxruntime
	$(CMAKE) -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release -DTS_BENCH=ON
	$(CMAKE) --build $(BENCH_BUILD) -j $(JOBS)
	mkdir -p docs/bench
	$(PYTHON) bench/run.py --build-dir $(BENCH_BUILD) --threads 1,2 --json $(BENCH_BUILD)/bench.json \
	    --markdown docs/bench/results.md --chart docs/bench/cnn.png

bench-script: build
	$(PYTHON) bench/script_bench.py --tscript $(BUILD)/tscript

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(BENCH_BUILD) build-cli build-fuzz
