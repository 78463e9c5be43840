# Memory and undefined-behaviour checks over the whole spec suite.
#   make test-asan      clang -fsanitize=address,undefined, on 5.4 and LuaJIT
#   make test-valgrind  memcheck on 5.4: no errors, nothing definitely or
#                       indirectly lost from the project's code
# Both run in CI (.ci/run).

CHECK_PKGS := clang libclang-rt-14-dev valgrind
SAN_FLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
              -fno-sanitize-recover=undefined
SAN_LUAS   := 5.4 jit

.PHONY: check-deps test-asan test-valgrind

check-deps:
	@$(MAKE) --no-print-directory deps DEB_PKGS="$(CHECK_PKGS)"

define asan_rule
build/asan/$(1)/openrouter/core.so: $(SRCS) $(HDRS)
	@mkdir -p $$(@D)
	clang $(SAN_FLAGS) $$(ORC_CFLAGS) -I$(inc_$(1)) $$(CURL_CFLAGS) -shared -o $$@ $(SRCS) $$(CURL_LIBS)
endef
$(foreach v,$(SAN_LUAS),$(eval $(call asan_rule,$(v))))

# The interpreters are not instrumented, so the runtime is preloaded.  Leak
# detection is valgrind's job (busted leaves through os.exit, so LSan would
# list every live Lua object); ASan here hunts overflows, use-after-free and
# undefined behaviour, and any report fails the run.
test-asan: check-deps $(foreach v,$(SAN_LUAS),build/asan/$(v)/openrouter/core.so)
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
