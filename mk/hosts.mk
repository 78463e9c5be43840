# Host integration tests, run in the real hosts.  (Filled in by the host-loop work.)
.PHONY: test-hosts
test-hosts: build
