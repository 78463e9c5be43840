# Host integration tests, run in the real hosts: Neovim (nvim --headless),
# OpenResty (nginx + lua module), LÖVE (under xvfb-run) and plain luv
# (lua5.4 + lua-luv).  The specs are spec/hosts/*_host.lua, run by busted
# on lua5.4 (they start the hosts, each under a hard timeout, and clean
# up after themselves); the whole run is capped at HOSTS_TIMEOUT seconds.
# Closing line: "hosts: N passed, M failed".
.PHONY: test-hosts

HOSTS_TIMEOUT ?= 300
HOSTS_LUA     ?= lua5.4

test-hosts: build
	@log=$$(mktemp); \
	LUA_PATH="lua/?.lua;lua/?/init.lua;mock/lua/?.lua;mock/lua/?/init.lua;spec/?.lua;;" LUA_CPATH="build/5.4/?.so;;" \
	  timeout -k 10 $(HOSTS_TIMEOUT) $(HOSTS_LUA) /usr/bin/busted --pattern=_host spec/hosts >$$log 2>&1; \
	rc=$$?; cat $$log; \
	line=$$(grep -E '[0-9]+ successes? / [0-9]+ failures? / [0-9]+ errors?' $$log | tail -n 1); \
	ok=$$(echo "$$line" | sed -E 's/^[^0-9]*([0-9]+) success.*/\1/'); \
	bad=$$(echo "$$line" | sed -E 's/.* ([0-9]+) failures? \/ ([0-9]+) errors?.*/\1 \2/' | awk '{print $$1+$$2}'); \
	[ -n "$$ok" ] || ok=0; [ -n "$$bad" ] || bad=1; \
	if [ $$rc -ne 0 ] && [ "$$bad" -eq 0 ]; then bad=1; fi; \
	[ $$rc -ne 124 ] || echo "hosts: the run hit the $(HOSTS_TIMEOUT) s limit"; \
	rm -f $$log; \
	echo "hosts: $$ok passed, $$bad failed"; \
	[ $$rc -eq 0 ]
