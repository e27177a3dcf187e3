# nsgproof - build, test, demo and benchmark.
#   make          build ./nsgproof
#   make check    build an ASan+UBSan variant and run every test
#   make demo     import the shipped sample and run the main job
#   make bench    run the benchmarks (figures for docs/PERFORMANCE.md)
#   make bench-scale  the subscription at Azure's limits (~30 min; ~12 GB disk, ~10 GB RAM)
#   make deps     install the Debian packages nsgproof needs (graphviz and
#                 chromium for the map, node and npm when absent) and the
#                 browser tests' pinned npm packages (make browser-deps);
#                 make, make demo and make check run it themselves when
#                 something is missing
#   make install  install the binary and the man page (PREFIX=/usr/local,
#                 DESTDIR for staging)
#   make man      regenerate the man page's SYNOPSIS and OPTIONS sections

PKGS     := z3 libcjson glib-2.0 libcurl libcrypto libxxhash
DEB_PKGS := libz3-dev libcurl4-openssl-dev libcjson-dev libglib2.0-dev check \
            pkg-config libssl-dev libxxhash-dev jq graphviz chromium openssl \
            python3 python3-jsonschema sqlite3 libjemalloc-dev
PREFIX   ?= /usr/local
DESTDIR  ?=
# Stamps: every build needs the packages, so the first one installs what
# is missing (idempotent; a fresh Debian machine needs only `make demo` or
# `make check`).  SYS_OK: the Debian packages and Node (a changed Makefile
# may list new packages: the stamp is renewed then); DEPS_OK: those and
# the tests' npm packages.
DEPS_OK  := build/.deps-ok
SYS_OK   := build/.sysdeps-ok
CC       ?= cc
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)
# The release binary and the benchmarks allocate with jemalloc (Z3 and
# cJSON allocate millions of small blocks: lint 12-21 %, the configuration
# import 10 %, verify 9 %, the flow-log import 3-7 % faster than with
# glibc's malloc, and less memory; docs/PERFORMANCE.md).  The ASan build keeps
# the sanitizer's allocator.
REL_MALLOC = $(shell pkg-config --libs jemalloc 2>/dev/null)
WARN     := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined

# The library is every top-level directory's C files except the programs
# and the tests: a new layer (one directory, see tests/layers.txt) is
# picked up without editing this file.  The map viewer's style and script
# are generated into a C file (map/embed.sh).
GEN      := build/gen
MAP_ASSETS := map/assets/viewer.css map/assets/viewer.js
NOT_LIB  := cli/% tests/% bench/% examples/% docs/%
LIB_SRC  := $(sort $(filter-out $(NOT_LIB),$(wildcard */*.c))) \
            $(GEN)/map_assets.c
CLI_SRC  := $(sort $(wildcard cli/*.c))
TEST_SRC := $(sort $(wildcard tests/check_*.c))
TEST_LIB := $(sort $(wildcard tests/lib/*.c))
BENCH_SRC := $(sort $(wildcard bench/*.c))
ALL_SRC  := $(LIB_SRC) $(CLI_SRC) $(TEST_SRC) $(TEST_LIB) $(BENCH_SRC)
# Each object lists the headers it includes in a generated .d file
# (-MMD) that make reads back; -MP adds an empty rule per header so that a
# removed header does not break the build.
DEPFLAGS := -MMD -MP

REL  := build/rel
ASAN := build/asan

rel_obj  = $(patsubst %.c,$(REL)/%.o,$(1))
asan_obj = $(patsubst %.c,$(ASAN)/%.o,$(1))

.PHONY: all check demo bench bench-scale deps sysdeps browser-deps azurite-deps clean man install FORCE
.SECONDARY:
all: nsgproof

$(REL)/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(DEPFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(ASAN)/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -O1 -g $(SAN) $(DEPFLAGS) $(PKG_CFLAGS) -c $< -o $@

OBJS := $(call rel_obj,$(ALL_SRC)) $(call asan_obj,$(ALL_SRC))
-include $(OBJS:.o=.d)
# An object without its .d file (built before there were any) is rebuilt.
$(foreach o,$(OBJS),$(if $(wildcard $(o:.o=.d)),,$(eval $(o): FORCE)))
FORCE:

# The map viewer's style and script, embedded into the binary.
$(GEN)/map_assets.c: $(MAP_ASSETS) map/embed.sh
	@mkdir -p $(dir $@)
	sh map/embed.sh $@ $(MAP_ASSETS)

$(REL)/libnsgproof.a: $(call rel_obj,$(LIB_SRC))
	@rm -f $@
	ar rcs $@ $^

$(ASAN)/libnsgproof.a: $(call asan_obj,$(LIB_SRC))
	@rm -f $@
	ar rcs $@ $^

nsgproof: $(call rel_obj,$(CLI_SRC)) $(REL)/libnsgproof.a
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) $(REL_MALLOC)

$(ASAN)/nsgproof: $(call asan_obj,$(CLI_SRC)) $(ASAN)/libnsgproof.a
	$(CC) $(SAN) -o $@ $^ $(PKG_LIBS)

$(ASAN)/tests/%: $(ASAN)/tests/%.o $(call asan_obj,$(TEST_LIB)) $(ASAN)/libnsgproof.a
	$(CC) $(SAN) -o $@ $^ $(CHECK_LIBS) $(PKG_LIBS)

$(REL)/bench/%: $(REL)/bench/%.o $(call rel_obj,$(TEST_LIB)) $(REL)/libnsgproof.a
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) $(REL_MALLOC)

TEST_BINS  := $(patsubst tests/%.c,$(ASAN)/tests/%,$(TEST_SRC))
BENCH_BINS := $(patsubst bench/%.c,$(REL)/bench/%,$(BENCH_SRC))

# The tests' npm packages (puppeteer-core, driving the Debian chromium; it
# downloads no browser; and Microsoft's Kusto language service, which
# checks the KQL of contrib/), pinned by tests/browser/package-lock.json
# and installed into build/node (NODE_PATH for the test and bench scripts).
BROWSER_DEPS := build/node/node_modules/.package-lock.json
$(BROWSER_DEPS): tests/browser/package.json tests/browser/package-lock.json | $(SYS_OK)
	@mkdir -p build/node
	cp tests/browser/package.json tests/browser/package-lock.json build/node/
	cd build/node && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund \
	  --loglevel=error
browser-deps: $(BROWSER_DEPS)


# Azurite, the Azure Storage emulator the capture tests run against: the
# npm packages pinned by tests/azurite/package-lock.json, installed into
# build/azurite (never a download of anything but the npm packages).
AZURITE_DEPS := build/azurite/node_modules/.bin/azurite-blob
$(AZURITE_DEPS): tests/azurite/package.json tests/azurite/package-lock.json | $(SYS_OK)
	@mkdir -p build/azurite
	cp tests/azurite/package.json tests/azurite/package-lock.json build/azurite/
	cd build/azurite && npm ci --no-audit --no-fund --loglevel=error
	@touch $@
azurite-deps: $(AZURITE_DEPS)

# The system packages first (one sub-make, no npm), then the npm
# packages as ordinary targets of this make: each is built once, never
# by two makes at the same time (with -j, a sub-make installing them
# while this make did too raced in one node_modules).
$(SYS_OK): Makefile
	@$(MAKE) --no-print-directory sysdeps
	@mkdir -p $(dir $@) && touch $@

$(DEPS_OK): $(SYS_OK) $(BROWSER_DEPS) $(AZURITE_DEPS)
	@mkdir -p $(dir $@) && touch $@


check: $(DEPS_OK) $(TEST_BINS) $(ASAN)/nsgproof nsgproof $(BROWSER_DEPS) $(AZURITE_DEPS)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  tests/run_all.sh $(ASAN) $(TEST_BINS)

demo: $(DEPS_OK) nsgproof
	@./examples/demo.sh ./nsgproof

bench: nsgproof $(BENCH_BINS) $(BROWSER_DEPS)
	@bench/run.sh ./nsgproof $(REL)/bench

bench-scale: nsgproof $(BENCH_BINS)
	@bench/scale.sh ./nsgproof $(REL)/bench

# The manual page's SYNOPSIS and OPTIONS come from the option tables.
man: nsgproof
	@tests/man_sections.sh ./nsgproof docs/nsgproof.1 >docs/nsgproof.1.tmp
	@mv docs/nsgproof.1.tmp docs/nsgproof.1

install: nsgproof
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 nsgproof $(DESTDIR)$(PREFIX)/bin/nsgproof
	install -m 644 docs/nsgproof.1 $(DESTDIR)$(PREFIX)/share/man/man1/nsgproof.1

deps: sysdeps
	@$(MAKE) --no-print-directory browser-deps azurite-deps

sysdeps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	else echo "all build dependencies present"; fi
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	  echo "installing: nodejs npm"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm; \
	fi

clean:
	rm -rf build nsgproof
