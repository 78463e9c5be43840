# openrouter -- the front door.  `make` builds openrouter/core.so for every
# installed Lua; `make demo` and `make test` install what they miss first.

LUAS        ?= 5.1 5.2 5.3 5.4 jit
CC          ?= cc
CFLAGS      ?= -O2 -g
WARN        := -Wall -Wextra -pedantic -Wshadow -Wmissing-prototypes \
               -Wstrict-prototypes -Wpointer-arith -Wcast-qual -Wwrite-strings \
               -Wno-overlength-strings
ifeq ($(CI),true)
WARN        += -Werror
endif
ORC_CFLAGS  := -std=c99 -D_POSIX_C_SOURCE=200809L -fPIC -fvisibility=hidden $(WARN)
CURL_CFLAGS := $(shell pkg-config --cflags libcurl 2>/dev/null)
CURL_LIBS   := $(shell pkg-config --libs libcurl 2>/dev/null || echo -lcurl)

SRCS        := $(wildcard src/*.c)
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

.PHONY: all build deps demo test test-c test-lua test-rocks lint bench clean

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
	@$(MAKE) --no-print-directory lint test-c test-lua test-rocks test-hosts

# A C unit test spec/c/test_X.c links the pure engine src/X.c alone.
build/ctest/test_%: spec/c/test_%.c src/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) -O1 -g -std=c99 -D_POSIX_C_SOURCE=200809L $(WARN) -Werror -Isrc -o $@ $< src/$*.c -lm

test-c: $(C_TESTS)
	@for t in $(C_TESTS); do echo "== $$t"; $$t || exit 1; done

test-lua: build
	@tools/run-specs $(HAVE_LUAS)

test-rocks:
	@tools/test-rocks

lint:
	luacheck -q lua spec bin/openrouter-mock examples bench

bench: build
	@for f in bench/*_bench.lua; do echo "== $$f (lua5.4)"; \
	  LUA_PATH="lua/?.lua;lua/?/init.lua;spec/?.lua;;" LUA_CPATH="build/5.4/?.so;;" lua5.4 $$f || exit 1; \
	  echo "== $$f (luajit)"; \
	  LUA_PATH="lua/?.lua;lua/?/init.lua;spec/?.lua;;" LUA_CPATH="build/jit/?.so;;" luajit $$f || exit 1; done

# Objects per Lua version: build/<v>/obj/*.o, linked into build/<v>/openrouter/core.so.
define core_rule
build/$(1)/obj/%.o: src/%.c $(HDRS) Makefile
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(ORC_CFLAGS) -I$(inc_$(1)) $$(CURL_CFLAGS) -c -o $$@ $$<

build/$(1)/openrouter/core.so: $(patsubst src/%.c,build/$(1)/obj/%.o,$(SRCS))
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
