-- busted --helper for `make test-gc`: the collector at its most aggressive
-- (a new cycle right after each one, large steps), so a missing anchor or a
-- finalizer-order bug shows up as a crash or a wrong result.
collectgarbage("setpause", 0)
collectgarbage("setstepmul", 1000)

dofile("spec/helper.lua")   -- the usual helper too (--helper takes one file)
