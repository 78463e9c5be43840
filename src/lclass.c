/*
** lclass.c -- what every userdata class of the core shares: its metatable.
** Its own file so that a binding can be linked alone (fuzz/fuzz_schema.c).
*/
#include "lua.h"
#include "lauxlib.h"

#include "lcore.h"
#include "orc.h"

void orc_newclass (lua_State *L, const char *name, lua_CFunction close) {
  luaL_newmetatable(L, name);
  lua_pushstring(L, name);
  lua_setfield(L, -2, "__name");
  lua_pushcfunction(L, close);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, close);
  lua_setfield(L, -2, "__close");
}
