# openrouter -- the front door.  `make` builds openrouter/core.so for every
# installed Lua; `make demo` and `make test` install what they miss first.

LUAS        ?= 5.1 5.2 5.3 5.4 jit
CC          ?= cc
CFLAGS      ?= -O2 -g
# One standard, one set of defines and warnings for every build of the C
# (core.so, the C tests, the sanitizer and fuzz builds in mk/checks.mk).
# The rockspec's builtin backend takes defines but no other flags: it has
# the same ORC_DEFS (tools/test-rocks checks), and what must not depend on
# flags is in the source -- the exports (src/orc.h).
ORC_STD     := -std=c99
ORC_DEFS    := -D_POSIX_C_SOURCE=200809L
WARN        := -Wall -Wextra -pedantic -Wshadow -Wmissing-prototypes \
               -Wstrict-prototypes -Wpointer-arith -Wcast-qual -Wwrite-strings \
               -Wno-overlength-strings
ifeq ($(CI),true)
WARN        += -Werror
endif
ORC_CFLAGS  := $(ORC_STD) $(ORC_DEFS) $(WARN)
CURL_CFLAGS := $(shell pkg-config --cflags libcurl 2>/dev/null)
CURL_LIBS   := $(shell pkg-config --libs libcurl 2>/dev/null || echo -lcurl)

SRCS        := $(wildcard src/*.c)
# The engines, the files that do not see the Lua API (no compat.h, no lua.h),
# compile to the same code for every Lua; core.so links them first, so that
# this code also sits at the same addresses in every build and LuaJIT and
# 5.4 run the same instructions with the same alignment.
ENGINE_SRCS := $(shell grep -L 'include "\(lua\|compat\)\.h"' $(SRCS))
LINK_SRCS   := $(ENGINE_SRCS) $(filter-out $(ENGINE_SRCS),$(SRCS))
HDRS        := $(wildcard src/*.h)

inc_5.1 := /usr/include/lua5.1
inc_5.2 := /usr/include/lua5.2
inc_5.3 := /usr/include/lua5.3
inc_5.4 := /usr/include/lua5.4
inc_jit := /usr/include/luajit-2.1
bin_5.1 := lua5.1
bin_5.2 := lua5.2
bin_5.3 := lua5.3
bin_5.4 := lua5.4
bin_jit := luajit
lib_5.1 := -llua5.1
lib_5.2 := -llua5.2
lib_5.3 := -llua5.3
lib_5.4 := -llua5.4
lib_jit := -lluajit-5.1

# Only the versions whose headers are installed.
HAVE_LUAS := $(foreach v,$(LUAS),$(if $(wildcard $(inc_$(v))/lua.h),$(v)))
CORES     := $(foreach v,$(HAVE_LUAS),build/$(v)/openrouter/core.so)

DEB_PKGS := gcc make pkg-config libcurl4-openssl-dev \
            lua5.1 lua5.2 lua5.3 lua5.4 \
            liblua5.1-0-dev liblua5.2-dev liblua5.3-dev liblua5.4-dev \
            luajit2 libluajit2-5.1-dev \
            lua-cjson lua-busted lua-luv lua-check luarocks \
            neovim nginx libnginx-mod-http-lua love xvfb xauth openssl iproute2

C_TESTS := $(patsubst spec/c/%.c,build/ctest/%,$(wildcard spec/c/test_*.c))

.PHONY: all build deps demo test test-c test-exports test-lua test-rocks lint bench clean schemas

all: build
build: $(CORES)

# Install the Debian packages that are missing (as root), or say which.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	  else \
	    echo "missing Debian packages:$$missing"; echo "run as root, or: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

demo: deps
	@$(MAKE) --no-print-directory build >/dev/null
	@tools/demo

test: deps
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory lint test-c test-exports test-lua test-rocks test-hosts

# A C unit test spec/c/test_X.c links the pure engine src/X.c, plus the
# pure files it builds on, listed below; never Lua.
build/ctest/test_%: spec/c/test_%.c src/%.c $(HDRS) spec/c/check.h
	@mkdir -p $(@D)
	$(CC) -O1 -g $(ORC_CFLAGS) -Werror -Isrc -o $@ $(filter %.c,$^) -lm
build/ctest/test_regex: src/schema.c
build/ctest/test_chunk: src/accum.c src/buf.c src/json.c
build/ctest/test_cdec: src/chunk.c src/accum.c src/buf.c src/json.c

# test_ljson: the JSON codec's Lua bindings (the schema hint hook), with Lua 5.4.
build/ctest/test_ljson: spec/c/test_ljson.c src/ljson_encode.c src/ljson_decode.c src/json.c src/lclass.c $(HDRS) spec/c/check.h
	@mkdir -p $(@D)
	$(CC) -O1 -g $(ORC_CFLAGS) -Werror -I$(inc_5.4) -Isrc -o $@ $< \
	  src/ljson_encode.c src/ljson_decode.c src/json.c src/lclass.c $(lib_5.4) -lm

test-c: $(C_TESTS)
	@for t in $(C_TESTS); do echo "== $$t"; $$t || exit 1; done

# core.so exports luaopen_openrouter_core and nothing else (src/orc.h).
test-exports: build
	@tools/check-exports $(CORES)

test-lua: build
	@tools/run-specs $(HAVE_LUAS)

test-rocks:
	@tools/test-rocks

lint:
	luacheck -q lua mock/lua mock/bin/openrouter-mock bin/openrouter spec examples bench types

# this client beside its peers, one table per target (bench/run.lua,
# docs/bench.md); BENCH_QUICK=1 for a one-minute smoke run.  Not a test.
bench: build
	@lua5.4 bench/run.lua

# lua/openrouter/schemas/ from the kept part of OpenRouter's OpenAPI document
# (tools/schemas/openapi-subset.json) and tools/schemas/overlay.lua.
# OPENAPI=path/to/openapi.json re-extracts that part first; OPENAPI_COMMIT
# and OPENAPI_DATE say which version of the document it is.
OPENAPI_COMMIT ?= c26125a
OPENAPI_DATE   ?= 2026-08-22
schemas:
	@$(bin_5.4) tools/gen-schemas.lua $(if $(OPENAPI),--extract $(OPENAPI) --commit $(OPENAPI_COMMIT) --date $(OPENAPI_DATE))

# Objects per Lua version: build/<v>/obj/*.o, linked into build/<v>/openrouter/core.so.
# -fno-plt: calls into the Lua API and libcurl go through the GOT, without a
# PLT stub; request preparation makes about 260 API calls per request, and
# took 5.6% (5.4) and 4.3% (LuaJIT) less time for it (docs/bench.md).
define core_rule
build/$(1)/obj/%.o: src/%.c $(HDRS) Makefile
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(ORC_CFLAGS) -fPIC -fno-plt -I$(inc_$(1)) $$(CURL_CFLAGS) -c -o $$@ $$<

build/$(1)/openrouter/core.so: $(patsubst src/%.c,build/$(1)/obj/%.o,$(LINK_SRCS))
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) -shared -o $$@ $$^ $$(CURL_LIBS)
endef
$(foreach v,$(LUAS),$(eval $(call core_rule,$(v))))

# Host integrations (Neovim, OpenResty, LÖVE, luv): mk/hosts.mk.
include mk/hosts.mk
# Sanitizers and valgrind: mk/checks.mk.
include mk/checks.mk

clean:
	rm -rf build
