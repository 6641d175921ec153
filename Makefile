# pullsim - discrete-event simulator of Kubernetes image pulls.
#
#   make demo    install missing packages, build, run scenarios/quickstart.yaml, plot
#   make test    unit + end-to-end tests, plain and under ASan/UBSan (+LeakSanitizer)
#   make bench   optimised build, pull-storm at several N, engine microbenchmark
#   make fuzz    libFuzzer on the scenario loader, --set paths and image refs
#                (FUZZ_SECONDS each, default 60; clang)
#
# Builds live in build/<variant>/; ./pullsim is the release binary.

CC       ?= cc
PKGS     := gsl yaml-0.1
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wpointer-arith -Wvla
STD      := -std=c11 -D_POSIX_C_SOURCE=200809L
DEPFLAGS  = -MMD -MP
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lgsl -lgslcblas -lyaml) -lm

RELEASE_FLAGS := -O2 -g -DNDEBUG
DEBUG_FLAGS   := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
                 -fno-sanitize-recover=undefined
PLAIN_FLAGS   := -O1 -g

# sim/ has one folder per layer (README "Layout"); tests/lint-layers.sh
# keeps every #include pointing at its own layer or below.
SIM_SRC  := $(filter-out sim/cli/main.c,$(sort $(shell find sim -name '*.c')))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNITS    := $(patsubst tests/unit/%.c,%,$(UNIT_SRC))

# Debian packages pullsim needs at build, test or plot time.
DEB_PKGS := gcc make pkg-config libgsl-dev libyaml-dev libcmocka-dev gnuplot-nox
# clang and its sanitizer runtime: the libFuzzer harnesses (make fuzz, and
# their short runs in make test).
FUZZ_PKGS := clang libclang-rt-dev
# What only the tests need: the job engines experiments are checked on
# (GNU parallel, and a local Slurm with munge; tests/run-experiments.sh),
# and the fuzzers.
TEST_PKGS := parallel slurm-wlm munge $(FUZZ_PKGS)
# Unit tests find the upstream vectors wherever they are started from.
VECTORS_DEF := -DPULLSIM_VECTORS_DIR='"$(CURDIR)/tests/spec/vectors"'

.PHONY: all deps test-deps libs-check lint build demo test test-plain test-asan test-fuzz fuzz \
        bench clean unit-% FORCE
# Keep object files of unit tests (make would delete them as intermediates).
.SECONDARY:
all: build

# ---------------------------------------------------------------- packages
# 'deps' installs what a fresh Debian machine lacks (make demo, test, bench);
# a plain build only says what is missing and builds.
deps:
	@sh tests/deps.sh install $(DEB_PKGS)
test-deps:
	@sh tests/deps.sh install $(DEB_PKGS) $(TEST_PKGS)
libs-check:
	@sh tests/deps.sh check $(DEB_PKGS)

# ---------------------------------------------------------------- variants
# $(1) = variant name, $(2) = flags
define variant
build/$(1)/%.o: sim/%.c
	@mkdir -p $$(@D)
	$$(CC) $(STD) $(WARN) $(2) -Isim $$(PKG_CFLAGS) $(DEPFLAGS) -c $$< -o $$@
build/$(1)/t/%.o: tests/unit/%.c
	@mkdir -p $$(@D)
	$$(CC) $(STD) $(WARN) $(2) -Isim $$(PKG_CFLAGS) $(VECTORS_DEF) $(DEPFLAGS) -c $$< -o $$@
build/$(1)/libsim.a: $$(patsubst sim/%.c,build/$(1)/%.o,$(SIM_SRC))
	@rm -f $$@
	ar rcs $$@ $$^
build/$(1)/pullsim: build/$(1)/cli/main.o build/$(1)/libsim.a
	$$(CC) $(2) $$^ $$(PKG_LIBS) -o $$@
build/$(1)/test_%: build/$(1)/t/test_%.o build/$(1)/libsim.a
	$$(CC) $(2) $$^ $$(PKG_LIBS) -lcmocka -o $$@
endef
$(eval $(call variant,release,$(RELEASE_FLAGS)))
$(eval $(call variant,asan,$(DEBUG_FLAGS)))
$(eval $(call variant,plain,$(PLAIN_FLAGS)))

-include $(shell find build -name '*.d' 2>/dev/null)

build: libs-check pullsim
pullsim: build/release/pullsim
	cp $< $@

# ---------------------------------------------------------------- demo
demo: deps
	@$(MAKE) --no-print-directory pullsim
	./pullsim run scenarios/quickstart.yaml
	@echo "demo: results and plots are in results/quickstart/ (open results/quickstart/*.png)"

# ---------------------------------------------------------------- tests
lint:
	@sh tests/lint-layers.sh

# Each variant runs every cmocka binary, then the end-to-end scenario suite
# with that variant's pullsim binary.
test: test-deps
	@rm -f build/plain/tally build/asan/tally build/fuzz/tally
	@sh tests/lint-layers.sh --self-test
	@sh tests/lint-layers.sh
	$(MAKE) --no-print-directory test-plain
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory test-fuzz
	@cat build/plain/tally build/asan/tally $$(ls build/fuzz/tally 2>/dev/null) | \
	    awk '{ p += $$1; f += $$2 } END { printf "tests: %d passed, %d failed\n", p, f }'

test-plain: $(addprefix build/plain/,$(UNITS)) build/plain/pullsim
	@sh tests/run-units.sh build/plain $(UNITS)
	@sh tests/run-scenarios.sh build/plain/pullsim
	@sh tests/run-experiments.sh build/plain/pullsim engines

test-asan: $(addprefix build/asan/,$(UNITS)) build/asan/pullsim
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    sh tests/run-units.sh build/asan $(UNITS)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    sh tests/run-scenarios.sh build/asan/pullsim
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    sh tests/run-experiments.sh build/asan/pullsim

# Build and run one unit test: make unit-engine
unit-%: build/asan/test_%
	./$<

# ---------------------------------------------------------------- fuzz
# libFuzzer harnesses (tests/fuzz/fuzz_*.c) over the whole library built
# with clang, coverage and ASan+UBSan. The seed corpus is committed in
# tests/fuzz/corpus/<harness>/; what a run adds stays in build/fuzz/corpus.
# make test runs each for FUZZ_TEST_SECONDS when clang can build them and
# says so when it cannot.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 20
FUZZ_FLAGS   := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer
FUZZERS      := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

build/fuzz/%.o: sim/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(STD) $(WARN) $(FUZZ_FLAGS) -Isim $(PKG_CFLAGS) $(DEPFLAGS) -c $< -o $@
build/fuzz/libsim.a: $(patsubst sim/%.c,build/fuzz/%.o,$(SIM_SRC))
	@rm -f $@
	ar rcs $@ $^
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c build/fuzz/libsim.a
	$(FUZZ_CC) $(STD) $(WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer -Isim $(PKG_CFLAGS) $^ \
	    $(PKG_LIBS) -o $@

fuzz:
	@sh tests/deps.sh install $(DEB_PKGS) $(FUZZ_PKGS)
	@$(MAKE) --no-print-directory $(FUZZERS)
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZERS)

test-fuzz:
	@if sh tests/fuzz/run.sh --probe $(FUZZ_CC); then \
	    $(MAKE) --no-print-directory $(FUZZERS) && \
	    sh tests/fuzz/run.sh $(FUZZ_TEST_SECONDS) $(FUZZERS); \
	else echo "fuzz: skipped: $(FUZZ_CC) cannot build libFuzzer programs (Debian: clang libclang-rt-dev)"; fi

# ---------------------------------------------------------------- bench
bench: deps build/release/pullsim build/release/bench_engine
	@sh tests/bench.sh build/release

build/release/bench_engine: tests/bench_engine.c build/release/libsim.a
	$(CC) $(STD) $(WARN) $(RELEASE_FLAGS) -Isim $^ $(PKG_LIBS) -o $@

clean:
	rm -rf build pullsim
