# Memory and undefined-behaviour checks over the whole spec suite.
#   make test-asan      clang -fsanitize=address,undefined, on 5.4 and LuaJIT
#   make test-valgrind  memcheck on 5.4: no errors, nothing definitely or
#                       indirectly lost from the project's code
# Both run in CI (.ci/run).

CHECK_PKGS := clang libclang-rt-14-dev valgrind liblua5.4-dev
SAN_FLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
              -fno-sanitize-recover=undefined
SAN_LUAS   := 5.4 jit

.PHONY: check-deps test-asan test-valgrind

check-deps:
	@$(MAKE) --no-print-directory deps DEB_PKGS="$(CHECK_PKGS)"

define asan_rule
build/asan/$(1)/openrouter/core.so: $(SRCS) $(HDRS)
	@mkdir -p $$(@D)
	clang $(SAN_FLAGS) $$(ORC_CFLAGS) -fPIC -I$(inc_$(1)) $$(CURL_CFLAGS) -shared -o $$@ $(SRCS) $$(CURL_LIBS)
endef
$(foreach v,$(SAN_LUAS),$(eval $(call asan_rule,$(v))))

# The interpreters are not instrumented, so the runtime is preloaded.  Leak
# detection is valgrind's job (busted leaves through os.exit, so LSan would
# list every live Lua object); ASan here hunts overflows, use-after-free and
# undefined behaviour, and any report fails the run.
# (the simulator the specs start loads the plain build: `build`)
test-asan: check-deps build $(foreach v,$(SAN_LUAS),build/asan/$(v)/openrouter/core.so)
	@rt=$$(clang -print-file-name=libclang_rt.asan-x86_64.so); \
	ORC_BUILD=build/asan LD_PRELOAD="$$rt" \
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	tools/run-specs $(SAN_LUAS)

# Suppressions (spec/valgrind.supp) cover only Lua's and libcurl's one-time
# globals, each commented there.
test-valgrind: check-deps build/5.4/openrouter/core.so
	@ORC_WRAP="valgrind -q --error-exitcode=99 --leak-check=full \
	  --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
	  --suppressions=spec/valgrind.supp --trace-children=no" \
	tools/run-specs 5.4

# libFuzzer: make fuzz [FUZZ_SECONDS=60].  Each target runs for that long on
# a work corpus under build/fuzz/ seeded from fuzz/corpus/<name>/ (the seeds
# stay untouched); a crash fails the run and leaves its input in build/fuzz/.
# FUZZ_TARGETS picks the targets (make fuzz FUZZ_TARGETS=sse).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= sse schema json http1 chunk
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
# The schema target embeds a Lua: any of LUAS whose library is installed
# (CHECK_PKGS brings 5.4's), built with the same ORC_CFLAGS as the core.
FUZZ_LUA     ?= 5.4
# The same sanitizers without coverage, for code a target runs but does not
# want libFuzzer to follow.
FUZZ_PLAIN_FLAGS := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined

.PHONY: fuzz fuzz-long
# fuzz_sse links src/sse.c twice: once reporting coverage, once plain with
# its functions renamed plain_sse_* (see fuzz/fuzz_sse.c).
build/fuzz/sse_plain.o: src/sse.c src/sse.h
	@mkdir -p $(@D)
	clang $(FUZZ_PLAIN_FLAGS) $(foreach f,init feed finish free strerror,-Dorc_sse_$(f)=plain_sse_$(f)) \
	  -Isrc -c -o $@ src/sse.c

build/fuzz/fuzz_sse: fuzz/fuzz_sse.c src/sse.c src/sse.h build/fuzz/sse_plain.o
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -DORC_SSE_PLAIN -Isrc -o $@ fuzz/fuzz_sse.c src/sse.c build/fuzz/sse_plain.o

build/fuzz/fuzz_http1: fuzz/fuzz_http1.c src/http1.c $(HDRS)
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) $(ORC_CFLAGS) -Isrc -o $@ fuzz/fuzz_http1.c src/http1.c

# the schema engine and its binding, without the rest of the core; with
# limits low enough that the fuzzer reaches them often (schema_int.h)
SCHEMA_SRCS := src/regex.c src/schema.c $(wildcard src/schema_*.c) src/lschema.c src/lclass.c \
               src/json.c src/ljson_encode.c
FUZZ_LIMITS := -DORC_MAX_DEPTH=24 -DORC_MAX_CALLS=64 -DORC_MAX_STEPS=5000

build/fuzz/fuzz_schema: fuzz/fuzz_schema.c $(SCHEMA_SRCS) $(HDRS)
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) $(ORC_CFLAGS) $(FUZZ_LIMITS) -I$(inc_$(FUZZ_LUA)) -Isrc -o $@ \
	  fuzz/fuzz_schema.c $(SCHEMA_SRCS) $(lib_$(FUZZ_LUA)) -lm

JSON_SRCS := src/json.c src/ljson_encode.c src/ljson_decode.c src/lclass.c

build/fuzz/fuzz_json: fuzz/fuzz_json.c $(JSON_SRCS) $(HDRS)
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) $(ORC_CFLAGS) -I$(inc_$(FUZZ_LUA)) -Isrc -o $@ \
	  fuzz/fuzz_json.c $(JSON_SRCS) $(lib_$(FUZZ_LUA)) -lm

# the chunk decoder against the codec + the Lua reference accumulator (run
# from the root: it loads lua/openrouter/accumulator.lua, spec/support/)
CHUNK_SRCS := src/cdec.c src/chunk.c src/accum.c src/buf.c src/lchunk.c $(JSON_SRCS)

build/fuzz/fuzz_chunk: fuzz/fuzz_chunk.c $(CHUNK_SRCS) $(HDRS)
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) $(ORC_CFLAGS) -I$(inc_$(FUZZ_LUA)) $(CURL_CFLAGS) -Isrc -o $@ \
	  fuzz/fuzz_chunk.c $(CHUNK_SRCS) $(lib_$(FUZZ_LUA)) -lm

fuzz: check-deps $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/work-$$t; \
	  echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	  build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/$$t- build/fuzz/work-$$t fuzz/corpus/$$t 2>build/fuzz/$$t.log; \
	  rc=$$?; grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec' build/fuzz/$$t.log; \
	  if [ $$rc -ne 0 ]; then tail -40 build/fuzz/$$t.log; echo "fuzz_$$t: 0 passed, 1 failed"; exit 1; fi; \
	  echo "fuzz_$$t: no crash"; \
	done

# Long runs, not in CI: make fuzz-long [FUZZ_TARGETS=sse] [FUZZ_LONG_SECONDS=1800].
# One process per target in turn (one core), niced, on a corpus kept in
# build/fuzz/long-<name>/ so that runs add up; every engine that parses
# outside input should pass 10^7 executions without a finding.  A finding
# (crash, leak, timeout, trace mismatch) fails and leaves its input in
# build/fuzz/long-<name>-*.
FUZZ_LONG_SECONDS ?= 1800
fuzz-long: check-deps $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/long-$$t; \
	  echo "== fuzz_$$t for $(FUZZ_LONG_SECONDS) s (log: build/fuzz/long-$$t.log)"; \
	  nice -n 10 build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_LONG_SECONDS) -timeout=30 \
	    -print_final_stats=1 -artifact_prefix=build/fuzz/long-$$t- \
	    build/fuzz/long-$$t fuzz/corpus/$$t 2>build/fuzz/long-$$t.log; \
	  rc=$$?; \
	  runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' build/fuzz/long-$$t.log); \
	  rate=$$(sed -n 's/^stat::average_exec_per_sec: *//p' build/fuzz/long-$$t.log); \
	  echo "fuzz_$$t: $${runs:-?} executions, $${rate:-?} exec/s, corpus $$(ls build/fuzz/long-$$t | wc -l) inputs"; \
	  if [ $$rc -ne 0 ]; then tail -40 build/fuzz/long-$$t.log; echo "fuzz_$$t: 0 passed, 1 failed"; exit 1; fi; \
	  if [ "$${runs:-0}" -lt 10000000 ]; then \
	    echo "fuzz_$$t: no finding, but under 10^7 executions: raise FUZZ_LONG_SECONDS"; \
	  else echo "fuzz_$$t: no finding in over 10^7 executions"; fi; \
	done

# Soak: 10,000 sequential requests and 1,000 concurrent streams in one Lua
# state, on 5.4 and LuaJIT; every result checked, RSS flat after warm-up.
.PHONY: soak
soak: build
	@for v in 5.4 jit; do case $$v in jit) lua=luajit;; *) lua=lua$$v;; esac; \
	  echo "== soak on $$lua"; \
	  ( ulimit -n 8192 2>/dev/null; LUA_PATH="lua/?.lua;lua/?/init.lua;spec/?.lua;;" \
	    LUA_CPATH="build/$$v/?.so;;" $$lua bench/soak.lua ) || exit 1; done

# GC stress over the streaming specs on 5.4 and LuaJIT.
.PHONY: test-gc
test-gc: build
	@ORC_SPECS="spec/client_spec.lua spec/faults_spec.lua spec/sse_spec.lua spec/errors_spec.lua \
	  spec/async_spec.lua spec/callbacks_spec.lua spec/loop_luv_spec.lua spec/loop_manual_spec.lua \
	  spec/responses_spec.lua spec/stream_decode_spec.lua" \
	  tools/run-specs 5.4 jit -- --helper=spec/gcstress.lua
