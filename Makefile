# nsgproof - build, test, demo and benchmark.
#   make          build ./nsgproof
#   make check    build an ASan+UBSan variant and run every test
#   make demo     import the shipped sample and run the main job
#   make bench    run the benchmarks (figures for docs/PERFORMANCE.md)
#   make deps     install the Debian packages nsgproof needs

PKGS     := z3 libcjson glib-2.0 libcurl libcrypto libxxhash
DEB_PKGS := libz3-dev libcurl4-openssl-dev libcjson-dev libglib2.0-dev check \
            pkg-config libssl-dev libxxhash-dev jq
CC       ?= cc
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)
WARN     := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined

# The library is every top-level directory's C files except the programs
# and the tests: a new layer (one directory, see tests/layers.txt) is
# picked up without editing this file.
NOT_LIB  := cli/% tests/% bench/% examples/% docs/%
LIB_SRC  := $(sort $(filter-out $(NOT_LIB),$(wildcard */*.c)))
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

.PHONY: all check demo bench deps clean FORCE
.SECONDARY:
all: nsgproof

$(REL)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(DEPFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(ASAN)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -O1 -g $(SAN) $(DEPFLAGS) $(PKG_CFLAGS) -c $< -o $@

OBJS := $(call rel_obj,$(ALL_SRC)) $(call asan_obj,$(ALL_SRC))
-include $(OBJS:.o=.d)
# An object without its .d file (built before there were any) is rebuilt.
$(foreach o,$(OBJS),$(if $(wildcard $(o:.o=.d)),,$(eval $(o): FORCE)))
FORCE:

$(REL)/libnsgproof.a: $(call rel_obj,$(LIB_SRC))
	@rm -f $@
	ar rcs $@ $^

$(ASAN)/libnsgproof.a: $(call asan_obj,$(LIB_SRC))
	@rm -f $@
	ar rcs $@ $^

nsgproof: $(call rel_obj,$(CLI_SRC)) $(REL)/libnsgproof.a
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

$(ASAN)/nsgproof: $(call asan_obj,$(CLI_SRC)) $(ASAN)/libnsgproof.a
	$(CC) $(SAN) -o $@ $^ $(PKG_LIBS)

$(ASAN)/tests/%: $(ASAN)/tests/%.o $(call asan_obj,$(TEST_LIB)) $(ASAN)/libnsgproof.a
	$(CC) $(SAN) -o $@ $^ $(CHECK_LIBS) $(PKG_LIBS)

$(REL)/bench/%: $(REL)/bench/%.o $(call rel_obj,$(TEST_LIB)) $(REL)/libnsgproof.a
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

TEST_BINS  := $(patsubst tests/%.c,$(ASAN)/tests/%,$(TEST_SRC))
BENCH_BINS := $(patsubst bench/%.c,$(REL)/bench/%,$(BENCH_SRC))

check: $(TEST_BINS) $(ASAN)/nsgproof nsgproof
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  tests/run_all.sh $(ASAN) $(TEST_BINS)

demo: nsgproof
	@./examples/demo.sh ./nsgproof

bench: nsgproof $(BENCH_BINS)
	@bench/run.sh ./nsgproof $(REL)/bench

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	else echo "all build dependencies present"; fi

clean:
	rm -rf build nsgproof
