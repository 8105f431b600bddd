# tep - top-level targets a newcomer can guess. The build itself is CMake.
#   make          build build/tep and build/libtep.a
#   make deps     install the Debian packages the build and tests need (root)
#   make demo     deps + build + the main job
#   make test     deps + build + all tests (ctest); CI=true makes any skip not on
#                 tests/skip-allowed.txt a failure
#   make asan     all tests under AddressSanitizer + UBSan (build-asan/)
#   make bench    benchmarks (bench/), printing figures and ratios
#   make fuzz     each libFuzzer target of tests/fuzz for FUZZ_SECONDS (300) under ASan + UBSan
#   make fuzz-ci  replay every fuzz seed corpus, then each target for FUZZ_SECONDS (60)
#   make fmt / lint
BUILD ?= build
JOBS ?= 2

.PHONY: all build deps demo test test-deps test-only asan bench fmt lint clean
all: build

build:
	@scripts/install-deps.sh
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

deps:
	@scripts/install-deps.sh

demo: build
	@scripts/demo.sh $(BUILD)

# What the tests drive, installed before them (tests install nothing themselves): Debian
# packages, PostgreSQL/InfluxDB (+ TimescaleDB from ../shared/vendor when present), npm packages.
test-deps:
	@scripts/install-deps.sh test
	@scripts/services.sh install >/dev/null || echo "PostgreSQL/InfluxDB unavailable: their tests will skip"
	@scripts/node-deps.sh

test: build test-deps
	@$(MAKE) --no-print-directory test-only

# ctest, then the skip allow-list and the tests that skipped (tests/tools/test_summary.sh)
test-only:
	@rm -rf $(BUILD)/test-results
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS); rc=$$?; \
	  cd $(CURDIR) && tests/tools/test_summary.sh $(BUILD); exit $$rc

asan: test-deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTEP_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@rm -rf build-asan/test-results
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS); rc=$$?; \
	  cd $(CURDIR) && tests/tools/test_summary.sh build-asan; exit $$rc

bench: build
	@scripts/bench.sh $(BUILD)

.PHONY: fuzz fuzz-ci
fuzz:
	@scripts/fuzz.sh run

fuzz-ci:
	@scripts/fuzz.sh ci

fmt:
	@clang-format -i $$(git ls-files '*.c' '*.h')

lint:
	@cppcheck --quiet --enable=warning,performance,portability --std=c11 --error-exitcode=1 \
	  -I src --suppress=missingIncludeSystem \
	  --suppress=invalidPointerCast:src/core/config.c --suppress=duplicateAssignExpression src

clean:
	rm -rf $(BUILD) build-asan
