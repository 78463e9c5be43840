-- Loaded by busted before any spec (.busted: helper).  busted insulates
-- each spec file: modules a file loads are unloaded after it.  luv must not
-- be: when a luv module instance is collected it closes the libuv loop that
-- a later instance shares, and the next uv call crashes (seen on 5.4 as a
-- SIGSEGV in uv_timer_init).  Loading it here keeps one instance for the run.
pcall(require, "luv")
