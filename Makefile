# connlab - build, test, install. `make V=1` shows the commands.
VERSION := 0.1.0
PREFIX ?= /usr/local
BUILD ?= build
CC ?= cc
PKGS := libmnl libevent inih jansson libssl libcrypto

CFLAGS ?= -O2 -g
CFLAGS += -pthread -std=gnu11 -Wall -Wextra -Wshadow -Wformat=2 -Wno-format-nonliteral \
	  -Wmissing-prototypes -fno-strict-aliasing -MMD -MP \
	  -DCONNLAB_VERSION='"$(VERSION)"' -Isrc -I.
ifeq ($(WERROR),1)
CFLAGS += -Werror
endif
ifeq ($(SANITIZE),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif
# pkg-config runs when a recipe needs it, so `make check` can install the
# libraries first on a fresh machine.
# wolfSSL is built in when its package is there (docs/tls.md)
WOLFSSL = $(shell pkg-config --exists wolfssl && echo wolfssl)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) $(WOLFSSL)) $(if $(WOLFSSL),-DHAVE_WOLFSSL)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) $(WOLFSSL)) -lm -pthread
CHECK_CFLAGS = $(shell pkg-config --cflags check)
CHECK_LIBS = $(shell pkg-config --libs check)

ifneq ($(V),1)
Q := @
quiet = @printf '  %-6s %s\n' $(1) $(2);
endif

# src/ in layers, each folder a library of its own kind (docs/internals.md);
# netns/ is an archive of its own that knows nothing of src/.
LAYERS := util kernel engine lab plan host run fleet report cmd
SRCS := $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c))
NETNS_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard netns/*.c))
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(filter-out src/cmd/main.c,$(SRCS)))
MAIN_OBJ := $(BUILD)/src/cmd/main.o
NETNS_LIB := $(BUILD)/libnetns.a
UNIT_SRCS := $(wildcard tests/unit/check_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
ROOT_SRCS := $(wildcard tests/root/check_*.c)
ROOT_BINS := $(patsubst tests/root/%.c,$(BUILD)/tests/%,$(ROOT_SRCS))
BIN := $(BUILD)/connlab

.SECONDARY:
.PHONY: all layers deps deps-test deps-bench docker-check docker-clean check test unit sanitize fuzz bench install uninstall demo clean format format-check
all: connlab

# The binary at the top of the tree is the one of the default build.
connlab: $(BIN)
	$(Q)cp $(BIN) $@

$(BIN): $(MAIN_OBJ) $(BUILD)/libconnlab.a $(NETNS_LIB)
	$(call quiet,LINK,$@)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/libconnlab.a: $(LIB_OBJS)
	$(call quiet,AR,$@)rm -f $@ && ar rcs $@ $^

$(NETNS_LIB): $(NETNS_OBJS)
	$(call quiet,AR,$@)rm -f $@ && ar rcs $@ $^

$(BUILD)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/netns/%.o: netns/%.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/src/lab/embed.o: lab/default.lab

$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)$(CC) $(CFLAGS) $(PKG_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%.o: tests/root/%.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)$(CC) $(CFLAGS) $(PKG_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(BUILD)/tests/check_%: $(BUILD)/tests/check_%.o $(BUILD)/libconnlab.a $(NETNS_LIB)
	$(call quiet,LINK,$@)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CHECK_LIBS)

deps:
	$(Q)ci/install-deps.sh

deps-test:
	$(Q)ci/install-deps.sh --test

deps-bench:
	$(Q)ci/install-deps.sh --bench

# The README's test command: dependencies, build, every test.
check: deps-test
	$(Q)$(MAKE) --no-print-directory test

test: $(BIN) $(UNIT_BINS) $(ROOT_BINS)
	$(Q)CONNLAB=$(abspath $(BIN)) BUILD=$(BUILD) tests/run.sh $(UNIT_BINS) $(ROOT_BINS)

unit: $(UNIT_BINS)
	$(Q)BUILD=$(BUILD) tests/run.sh --unit-only $(UNIT_BINS)

sanitize: deps-test
	$(Q)$(MAKE) --no-print-directory BUILD=build/san SANITIZE=1 test

# Coverage-guided fuzzing (libFuzzer, clang) of what reads a user's bytes:
# the lab file (and --set), a tuning file (doctor --sysctl), a result.json
# (explain, report). FUZZ_SECONDS each.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := labfile tuning result
FUZZ_BASE := $(wildcard src/util/*.c src/lab/*.c) src/kernel/counters.c src/kernel/knowledge.c \
	src/kernel/memory.c src/kernel/sysctls.c src/engine/modes.c src/engine/budget.c \
	src/engine/tls.c src/engine/tls_openssl.c src/engine/tls_wolfssl.c src/engine/tlscert.c \
	src/engine/tlsalert.c
FUZZ_SRCS_labfile := $(FUZZ_BASE) src/plan/plan.c src/plan/write.c
FUZZ_SRCS_tuning := $(FUZZ_BASE) src/kernel/tuning.c src/kernel/classify.c src/kernel/lines.c
FUZZ_SRCS_result := $(FUZZ_BASE) $(wildcard src/report/*.c)
FUZZ_CORPUS_labfile := lab/*.lab tests/fuzz/corpus/*
FUZZ_CORPUS_tuning := tests/fixtures/doctor/*.conf
FUZZ_CORPUS_result := tests/fixtures/findings/*/result.json
FUZZ_LEN_labfile := 4096
FUZZ_LEN_tuning := 8192
FUZZ_LEN_result := 400000
# each target is rebuilt when any of its own sources changes
.SECONDEXPANSION:
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(FUZZ_SRCS_$$*) $(wildcard src/*/*.h) lab/default.lab
	@mkdir -p $(dir $@)
	$(call quiet,CLANG,$@)clang -std=gnu11 -g -O1 -Isrc -I. -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all $(PKG_CFLAGS) -o $@ $< $(FUZZ_SRCS_$*) $(PKG_LIBS)

fuzz: deps
	$(Q)for t in $(FUZZ_TARGETS); do $(MAKE) --no-print-directory build/fuzz/fuzz_$$t || exit 1; done
	$(Q)$(foreach t,$(FUZZ_TARGETS),$(call fuzz_one,$(t)))

# one target: its corpus from the seeds, FUZZ_SECONDS of it, its last lines
define fuzz_one
mkdir -p build/fuzz/corpus-$(1); \
for f in $(FUZZ_CORPUS_$(1)); do cp $$f build/fuzz/corpus-$(1)/$$(echo $$f | tr / _); done; \
build/fuzz/fuzz_$(1) -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_LEN_$(1)) -print_final_stats=1 \
	$(if $(filter labfile,$(1)),-dict=tests/fuzz/labfile.dict) -artifact_prefix=build/fuzz/$(1)- \
	build/fuzz/corpus-$(1) 2>build/fuzz/log-$(1) || { tail -n 60 build/fuzz/log-$(1); exit 1; }; \
echo "fuzz_$(1): $$(grep -E 'stat::number_of_executed_units' build/fuzz/log-$(1) | awk '{print $$2}') runs in $(FUZZ_SECONDS) s";
endef

# Benchmarks (root): never part of `make check`. QUICK=1: a few minutes
# (200k instead of 1M, one run each); the full run takes about 25 minutes.
BENCH_RUNS ?= $(if $(QUICK),3,5)
# the container image, built and run (docker/test.sh; needs root)
docker-check: deps
	docker/test.sh

docker-clean:
	rm -rf $${CONNLAB_DOCKER_CACHE:-/var/cache/connlab-docker}

bench: deps-bench
	$(Q)$(MAKE) --no-print-directory connlab
	$(Q)mkdir -p build/bench
	CONNLAB=./connlab tests/bench/topology.sh $(BENCH_RUNS) | tee build/bench/topology.md
	CONNLAB=$(CURDIR)/connlab tests/bench/rootless.sh $(BENCH_RUNS) | tee build/bench/rootless.md
	CONNLAB=$(CURDIR)/connlab tests/bench/dual-stack.sh $(if $(QUICK),1,3) | tee build/bench/dual-stack.md
	CONNLAB=$(CURDIR)/connlab tests/bench/tls.sh $(if $(QUICK),1,3) | tee build/bench/tls.md
	CONNLAB=$(CURDIR)/connlab tests/bench/scale.py $(if $(QUICK),--quick) --out build/bench
	@echo "tables: build/bench/topology.md, build/bench/rootless.md, build/bench/dual-stack.md, build/bench/tls.md, build/bench/results.md (and results.json)"

# The default lab: 100k connections held, ping and new connections measured.
demo: deps
	$(Q)$(MAKE) --no-print-directory connlab
	./connlab run

install: connlab
	install -D -m 0755 connlab $(DESTDIR)$(PREFIX)/bin/connlab
	install -d $(DESTDIR)$(PREFIX)/share/connlab/lab $(DESTDIR)$(PREFIX)/share/doc/connlab
	install -m 0644 lab/*.lab lab/*.conf lab/*.nft $(DESTDIR)$(PREFIX)/share/connlab/lab/
	install -m 0755 lab/*.sh $(DESTDIR)$(PREFIX)/share/connlab/lab/
	install -m 0644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/connlab/
	install -D -m 0644 docs/connlab.1 $(DESTDIR)$(PREFIX)/share/man/man1/connlab.1
	install -D -m 0644 completion/connlab.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/connlab
	install -m 0644 LICENSE $(DESTDIR)$(PREFIX)/share/doc/connlab/

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/bin/connlab $(DESTDIR)$(PREFIX)/share/connlab \
		$(DESTDIR)$(PREFIX)/share/doc/connlab $(DESTDIR)$(PREFIX)/share/man/man1/connlab.1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/connlab

# The layer rule (docs/internals.md): includes point down, and the symbol
# graph of the objects has no edge up and no cycle; and the size limits: no
# file over 600 lines, no function over 100, no block of code twice.
layers: $(LIB_OBJS) $(MAIN_OBJ) $(NETNS_OBJS)
	$(Q)tests/layers/layers.py --objects $(BUILD)
	$(Q)tests/layers/limits.py

FORMAT_FILES = $(wildcard src/*/*.[ch] netns/*.[ch] tests/unit/*.c tests/root/*.c tests/fuzz/*.c)
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	$(Q)clang-format --dry-run --Werror $(FORMAT_FILES)

clean:
	rm -rf build connlab

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
